package amp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Lint warning codes (LintWarning.Code). They are stable: scripts may
// filter on them.
const (
	// LintListHeights: an amp-list has a heights attribute.
	LintListHeights = "amp_list_heights"
	// LintListLimit and LintFormLimit: more than LintMaxLists amp-list or
	// LintMaxForms amp-form (form) elements.
	LintListLimit = "amp_list_limit"
	LintFormLimit = "amp_form_limit"
	// LintPartSize: the AMP part is over WarnAMPBytes.
	LintPartSize = "amp_part_size"
	// LintMergeTag: an ESP merge tag left in an amp-list src, a form
	// action-xhr, or the t parameter of another URL.
	LintMergeTag = "merge_tag"
	// LintNoFallback and LintNoPlaceholder: an amp-list without a fallback
	// or placeholder child.
	LintNoFallback    = "amp_list_no_fallback"
	LintNoPlaceholder = "amp_list_no_placeholder"
	// LintAnswerSize (LintOptions.Fetch): an amp-list answer bigger than
	// LintOptions.ResponseBudget.
	LintAnswerSize = "amp_list_answer_size"
	// LintFetchFailed (LintOptions.Fetch): an amp-list answer could not be
	// checked, because the fetch failed or an email client would refuse it.
	LintFetchFailed = "amp_list_fetch_failed"
	// LintTokenExpiring, LintTokenExpired, LintTokenNotJWT, LintTokenNoExp:
	// the token in a URL's t parameter expires within LintAMPWindow, has
	// expired, is not a JWT, or has no exp claim.
	LintTokenExpiring = "token_expiring"
	LintTokenExpired  = "token_expired"
	LintTokenNotJWT   = "token_not_jwt"
	LintTokenNoExp    = "token_no_exp"
)

// Lint limits and defaults (AMP-EMAIL.md §2, §7).
const (
	// LintMaxLists and LintMaxForms are the per-email element limits the
	// AMP for Email working group agreed on (wg-amp4email#4); whether any
	// client enforces them is UNCONFIRMED.
	LintMaxLists = 20
	LintMaxForms = 20
	// LintAMPWindow is how long Gmail shows the AMP part after the email
	// arrives (30 days); a token should outlive it.
	LintAMPWindow = 30 * 24 * time.Hour
	// DefaultLintSender is the AMP-Email-Sender of LintOptions.Fetch.
	DefaultLintSender = DefaultPreviewSender
	// DefaultLintResponseBudget is LintOptions.ResponseBudget's default,
	// in bytes.
	DefaultLintResponseBudget = 50_000
)

// LintOptions configures Lint. The zero value is usable.
type LintOptions struct {
	// Now is the clock token expiry is measured from, normally the send
	// time; nil means time.Now.
	Now func() time.Time
	// Fetch also GETs each amp-list src as Gmail's proxy does
	// (AMP-Email-Sender, no cookies, no redirects) and checks the answer's
	// size against ResponseBudget. Off by default: it contacts the
	// endpoints, with the tokens the document carries.
	Fetch bool
	// Sender is the AMP-Email-Sender of the fetches; default
	// DefaultLintSender.
	Sender string
	// ResponseBudget is the largest amp-list answer, in bytes, that does not
	// get a warning; default DefaultLintResponseBudget.
	ResponseBudget int
	// Client makes the fetches; nil means a client with a
	// DefaultPreviewTimeout timeout. Redirects are never followed.
	Client *http.Client
}

// LintWarning is one thing in an AMP email that passes the validator (or
// is not its business) but goes wrong in Gmail.
type LintWarning struct {
	// Code is stable, one of the Lint* codes, e.g. "amp_list_heights".
	Code string `json:"code"`
	// Line is 1-based and Col 0-based (in characters), as the validator
	// counts: the position of the element's "<", or 1:0 for the document.
	Line int `json:"line"`
	Col  int `json:"col"`
	// Message says what is wrong and why it matters in Gmail.
	Message string `json:"message"`
}

// String is w as a compiler prints a warning, without the file name:
// "LINE:COL warning: message [code]".
func (w LintWarning) String() string {
	return fmt.Sprintf("%d:%d warning: %s [%s]", w.Line, w.Col, w.Message, w.Code)
}

// Lint reads an AMP email's AMP part (or a snippet of one) and returns the
// warnings Gmail's behaviour gives it on top of the validator's rules, in
// document order: heights on amp-list, more than 20 amp-lists or forms, an
// AMP part over 100 KB, ESP merge tags left in amp-list src or form
// action-xhr, amp-lists without fallback or placeholder, tokens in a t
// query parameter that are no JWT, have no exp, have expired or expire
// within 30 days of opt.Now, and with opt.Fetch amp-list answers over
// opt.ResponseBudget. Elements inside <template> are counted but their URLs
// are not checked: there {{…}} is amp-mustache's. The document is read with
// an HTML tokenizer, so it need not be well-formed. Lint blocks only while
// fetching, and ctx bounds the fetches.
func Lint(ctx context.Context, doc []byte, opt LintOptions) []LintWarning {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Sender == "" {
		opt.Sender = DefaultLintSender
	}
	if opt.ResponseBudget <= 0 {
		opt.ResponseBudget = DefaultLintResponseBudget
	}
	s := &lintScanner{tokens: map[string]*lintTokenUse{}}
	s.size(len(doc))
	s.scan(doc)
	s.checkTokens(opt.Now())
	if opt.Fetch {
		s.fetch(ctx, opt)
	}
	return s.result(doc)
}

// lintScanner collects warnings while the tokenizer walks the document.
type lintScanner struct {
	warns        []lintFinding
	stack        []lintElem
	inTemplate   int // open <template> elements
	lists, forms int
	overLists    int // offset of the first amp-list over the limit, -1 none
	overForms    int
	fetchable    []*lintList // amp-lists whose src can be fetched
	tokens       map[string]*lintTokenUse
	tokenOrder   []string
}

// lintFinding is a warning at a byte offset, before it gets a line and
// column.
type lintFinding struct {
	off        int
	code, text string
}

// lintElem is an open element.
type lintElem struct {
	name string
	list *lintList // for amp-list
}

// lintList is one amp-list.
type lintList struct {
	off                   int
	src                   string
	fallback, placeholder bool
}

// lintTokenUse is one distinct token: where it first appears, in what,
// and how many URLs carry it.
type lintTokenUse struct {
	off   int
	where string
	n     int
}

func (s *lintScanner) warn(off int, code, format string, a ...any) {
	s.warns = append(s.warns, lintFinding{off: off, code: code, text: fmt.Sprintf(format, a...)})
}

func (s *lintScanner) size(n int) {
	if n <= WarnAMPBytes {
		return
	}
	msg := "the AMP part is %s bytes, over %s bytes: Gmail once required the AMP MIME part to be under 100 KB " +
		"(a historical Gmail limit); "
	if n > MaxAMPBytes {
		msg += fmt.Sprintf("it is also over AMP4EMAIL's limit of %s bytes, so the validator rejects it and Gmail shows the HTML part",
			lintThousands(MaxAMPBytes))
	} else {
		msg += fmt.Sprintf("today's limit is %s bytes, which the validator checks; smaller is safer in clients that kept the old rule",
			lintThousands(MaxAMPBytes))
	}
	s.warn(0, LintPartSize, msg, lintThousands(n), lintThousands(WarnAMPBytes))
}

// scan tokenizes doc and checks every element. The raw bytes of the tokens
// partition the input, so their lengths give each tag's byte offset.
func (s *lintScanner) scan(doc []byte) {
	s.overLists, s.overForms = -1, -1
	z := html.NewTokenizer(bytes.NewReader(doc))
	off := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: the reader is in memory
		}
		start := off
		off += len(z.Raw())
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			s.start(z.Token(), start)
		case html.EndTagToken:
			name, _ := z.TagName()
			s.end(string(name))
		}
	}
	for len(s.stack) > 0 {
		s.pop()
	}
	if s.lists > LintMaxLists {
		s.warn(s.overLists, LintListLimit, "the email has %d amp-list elements, this is number %d: the AMP for Email working group "+
			"agreed on at most %d per email (wg-amp4email#4; whether Gmail enforces it is UNCONFIRMED), "+
			"and every list is one more request through Gmail's proxy at each open", s.lists, LintMaxLists+1, LintMaxLists)
	}
	if s.forms > LintMaxForms {
		s.warn(s.overForms, LintFormLimit, "the email has %d amp-form elements (forms), this is number %d: the AMP for Email working "+
			"group agreed on at most %d per email (wg-amp4email#4; whether Gmail enforces it is UNCONFIRMED)",
			s.forms, LintMaxForms+1, LintMaxForms)
	}
}

// lintVoid are the elements that never have an end tag.
var lintVoid = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"keygen": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
}

// lintImpliedEnd maps an element to the start tags that end it when it is
// the innermost open element (the common cases of HTML's implied end tags,
// enough to know an element's parent in email markup).
var lintImpliedEnd = map[string]func(string) bool{
	"p": func(n string) bool {
		switch n {
		case "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure",
			"footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "menu", "nav", "ol", "p",
			"pre", "section", "table", "ul":
			return true
		}
		return false
	},
	"li":     func(n string) bool { return n == "li" },
	"dt":     func(n string) bool { return n == "dt" || n == "dd" },
	"dd":     func(n string) bool { return n == "dt" || n == "dd" },
	"option": func(n string) bool { return n == "option" || n == "optgroup" },
	"td":     func(n string) bool { return n == "td" || n == "th" || n == "tr" },
	"th":     func(n string) bool { return n == "td" || n == "th" || n == "tr" },
	"tr":     func(n string) bool { return n == "tr" },
}

// start handles a start tag at offset off.
func (s *lintScanner) start(t html.Token, off int) {
	name := t.Data
	for len(s.stack) > 0 {
		ends, ok := lintImpliedEnd[s.stack[len(s.stack)-1].name]
		if !ok || !ends(name) {
			break
		}
		s.pop()
	}
	if n := len(s.stack); n > 0 && s.stack[n-1].list != nil {
		parent := s.stack[n-1].list
		if _, ok := attrOf(t.Attr, "fallback"); ok {
			parent.fallback = true
		}
		if _, ok := attrOf(t.Attr, "placeholder"); ok {
			parent.placeholder = true
		}
	}
	el := lintElem{name: name}
	switch name {
	case "amp-list":
		s.lists++
		if s.lists == LintMaxLists+1 {
			s.overLists = off
		}
		el.list = &lintList{off: off}
		if h, ok := attrOf(t.Attr, "heights"); ok {
			s.warn(off, LintListHeights, "amp-list has heights=%q: Gmail ignores heights and sizes the list from width and height, "+
				"although the AMP playground honours it (ampproject/amphtml#40251), so the list gets another height in Gmail "+
				"than in your tests; give it layout=\"fixed-height\" and a height that fits every answer", h)
		}
		if src, ok := attrOf(t.Attr, "src"); ok && s.inTemplate == 0 {
			el.list.src = strings.TrimSpace(src)
			if !s.checkURL(off, "amp-list src", el.list.src, true) {
				s.fetchable = append(s.fetchable, el.list)
			}
		}
	case "form":
		s.forms++
		if s.forms == LintMaxForms+1 {
			s.overForms = off
		}
		if a, ok := attrOf(t.Attr, "action-xhr"); ok && s.inTemplate == 0 {
			s.checkURL(off, "form action-xhr", strings.TrimSpace(a), true)
		}
	default:
		if src, ok := attrOf(t.Attr, "src"); ok && s.inTemplate == 0 {
			s.checkURL(off, name+" src", strings.TrimSpace(src), false)
		}
	}
	if lintVoid[name] {
		return // <x/> on another element is a start tag in HTML
	}
	if name == "template" {
		s.inTemplate++
	}
	s.stack = append(s.stack, el)
}

// end handles an end tag: it closes the innermost open element of that
// name and all inside it; a stray end tag is ignored.
func (s *lintScanner) end(name string) {
	for i := len(s.stack) - 1; i >= 0; i-- {
		if s.stack[i].name == name {
			for len(s.stack) > i {
				s.pop()
			}
			return
		}
	}
}

// pop closes the innermost open element.
func (s *lintScanner) pop() {
	el := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	if el.name == "template" {
		s.inTemplate--
	}
	if l := el.list; l != nil {
		if !l.fallback {
			s.warn(l.off, LintNoFallback, "amp-list has no fallback child: when the fetch fails (an expired token, a refused sender, "+
				"a server error, Gmail's proxy) the reader gets an empty block instead of a message")
		}
		if !l.placeholder {
			s.warn(l.off, LintNoPlaceholder, "amp-list has no placeholder child: the reader sees an empty box until Gmail's proxy "+
				"has fetched the data and rendered the template on Gmail's server")
		}
	}
}

// checkURL checks a URL attribute of the element at off, described by what
// ("amp-list src"). With live (amp-list src, form action-xhr) the whole URL
// is searched for merge tags and any t parameter must be a JWT; otherwise
// only a t parameter holding a merge tag or shaped like a JWT is looked
// at. It reports whether the URL holds a merge tag.
func (s *lintScanner) checkURL(off int, what, val string, live bool) (mergeTag bool) {
	if live {
		if tags, encoded := lintMergeTags(val); len(tags) > 0 {
			s.mergeTagWarning(off, what, val, tags, encoded, live)
			mergeTag = true
		}
	}
	t, ok := lintTokenParam(val)
	if !ok {
		return mergeTag
	}
	if tags, encoded := lintMergeTags(t); len(tags) > 0 {
		if !mergeTag {
			s.mergeTagWarning(off, what, val, tags, encoded, live)
		}
		return true
	}
	if !live && !jwtShape.MatchString(t) {
		return mergeTag // a cache-buster, not a token
	}
	u := s.tokens[t]
	if u == nil {
		u = &lintTokenUse{off: off, where: what}
		s.tokens[t] = u
		s.tokenOrder = append(s.tokenOrder, t)
	}
	u.n++
	return mergeTag
}

func (s *lintScanner) mergeTagWarning(off int, what, val string, tags []string, encoded, live bool) {
	enc := ""
	if encoded {
		enc = " (percent-encoded)"
	}
	msg := fmt.Sprintf("%s has a merge tag left in it%s: %s. The ESP did not substitute it, or this file is a template not yet sent; ",
		what, enc, strings.Join(tags, ", "))
	switch {
	case !strings.Contains(val, "{{") && !strings.Contains(val, "}}"):
		msg += "the validator accepts it, but the endpoint gets the tag instead of a token and Gmail shows the fallback"
	case live:
		msg += "the validator rejects {{ and }} in amp-list src and form action-xhr, so Gmail shows the HTML part instead"
	default:
		msg += "the validator rejects {{ in an image or link URL unless it is the whole value, so Gmail shows the HTML part instead"
	}
	s.warn(off, LintMergeTag, "%s", msg)
}

// lintSyntax is a template language's merge-tag syntax.
type lintSyntax struct {
	name string
	re   *regexp.Regexp
}

// lintSyntaxes are searched in order, each match blanked before the next
// syntax looks, so Braze's {{custom_attribute.${…}}} is not also read as
// Handlebars and as amplive's placeholder.
var lintSyntaxes = []lintSyntax{
	{"Braze {{custom_attribute.${…}}}", regexp.MustCompile(`\{\{\s*custom_attribute\.\$\{[^{}]*\}\s*\}\}`)},
	{"Handlebars/Liquid/Django {{…}}", regexp.MustCompile(`\{\{.*?\}\}`)},
	{"Liquid/Django {%…%}", regexp.MustCompile(`\{%.*?%\}`)},
	{"AMPscript %%…%%", regexp.MustCompile(`%%.+?%%`)},
	{"Mailchimp *|…|*", regexp.MustCompile(`\*\|.+?\|\*`)},
	{"amplive's generic placeholder ${…}", regexp.MustCompile(`\$\{[^{}]*\}`)},
}

// lintMergeTags returns each merge tag in s with its syntax, as
// "{{amp_token}} (Handlebars/Liquid/Django {{…}})". When s has none but its
// percent-decoding has, those are returned and encoded is true.
func lintMergeTags(s string) (tags []string, encoded bool) {
	find := func(s string) []string {
		var out []string
		for _, syn := range lintSyntaxes {
			s = syn.re.ReplaceAllStringFunc(s, func(m string) string {
				out = append(out, lintShorten(m, 48)+" ("+syn.name+")")
				return strings.Repeat(" ", len(m))
			})
		}
		return out
	}
	if tags = find(s); len(tags) > 0 {
		return tags, false
	}
	if dec, err := url.QueryUnescape(s); err == nil && dec != s {
		if tags = find(dec); len(tags) > 0 {
			return tags, true
		}
	}
	return nil, false
}

// lintTokenParam returns the value of the first t parameter of a URL's
// query, percent-decoded when it decodes, and whether there is one. It
// reads the query itself because a merge tag such as %%amp_token%% is not
// valid percent-encoding.
func lintTokenParam(raw string) (string, bool) {
	_, query, ok := strings.Cut(raw, "?")
	if !ok {
		return "", false
	}
	query, _, _ = strings.Cut(query, "#")
	for p := range strings.SplitSeq(query, "&") {
		if v, ok := strings.CutPrefix(p, "t="); ok {
			if dec, err := url.QueryUnescape(v); err == nil {
				v = dec
			}
			return v, true
		}
	}
	return "", false
}

// checkTokens warns about each distinct token once, where it first
// appears.
func (s *lintScanner) checkTokens(now time.Time) {
	for _, raw := range s.tokenOrder {
		u := s.tokens[raw]
		also := ""
		if u.n > 1 {
			also = fmt.Sprintf(" (the same token is in %d URLs; this is the first)", u.n)
		}
		exp, err := lintJWTExpiry(raw)
		switch {
		case errors.Is(err, errLintNoExp):
			s.warn(u.off, LintTokenNoExp, "the token in the t parameter of %s has no exp claim: amplive refuses tokens without one "+
				"(401 token_invalid) and Gmail shows the fallback; mint tokens with amplive token%s", u.where, also)
		case err != nil:
			s.warn(u.off, LintTokenNotJWT, "the t parameter of %s is not a JWT (%s: %v): amplive's endpoints answer 401 token_invalid "+
				"and Gmail shows the fallback; put each recipient's token from amplive token there (if this endpoint is not "+
				"amplive's, ignore this warning)%s", u.where, lintShorten(raw, 12), err, also)
		case !exp.After(now):
			s.warn(u.off, LintTokenExpired, "the token in the t parameter of %s expired on %s, %s ago: amplive answers 401 "+
				"token_expired and Gmail shows the fallback; mint new tokens before sending%s",
				u.where, exp.UTC().Format(time.DateOnly), lintDuration(now.Sub(exp)), also)
		case exp.Sub(now) < LintAMPWindow:
			left := exp.Sub(now)
			s.warn(u.off, LintTokenExpiring, "the token in the t parameter of %s expires on %s, in %s: Gmail shows the AMP part for "+
				"30 days after the email arrives, so for the last %s of them readers get 401 token_expired and "+
				"see fallbacks; amplive mints 45-day tokens by default (amplive token without --ttl), mint them at send time%s",
				u.where, exp.UTC().Format(time.DateOnly), lintDuration(left), lintDuration(LintAMPWindow-left), also)
		}
	}
}

var errLintNoExp = errors.New("no exp claim")

// lintJWTExpiry decodes a JWT's payload without verifying the signature
// and returns its exp claim; errLintNoExp when it has none, or an error
// saying why raw is not a JWT.
func lintJWTExpiry(raw string) (time.Time, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return time.Time{}, errors.New("not three base64url parts joined by '.'")
	}
	decode := func(part, what string) (map[string]any, error) {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
		if err != nil {
			return nil, fmt.Errorf("its %s is not base64url", what)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || m == nil {
			return nil, fmt.Errorf("its %s is not a JSON object", what)
		}
		return m, nil
	}
	if _, err := decode(parts[0], "header"); err != nil {
		return time.Time{}, err
	}
	claims, err := decode(parts[1], "payload")
	if err != nil {
		return time.Time{}, err
	}
	exp, ok := claims["exp"].(float64)
	if !ok {
		return time.Time{}, errLintNoExp
	}
	return time.Unix(int64(exp), 0), nil
}

// fetch GETs each distinct fetchable amp-list src once, as Gmail's proxy
// does, and warns about answers over the budget or that a client would
// refuse.
func (s *lintScanner) fetch(ctx context.Context, opt LintOptions) {
	po := PreviewOptions{Sender: opt.Sender, Client: opt.Client}.withDefaults()
	bySrc := map[string][]*lintList{}
	var srcs []string
	for _, l := range s.fetchable {
		u, err := url.Parse(l.src)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue // the validator's business: absolute https only
		}
		if bySrc[l.src] == nil {
			srcs = append(srcs, l.src)
		}
		bySrc[l.src] = append(bySrc[l.src], l)
	}
	type result struct {
		a   answer
		err error
	}
	results := make([]result, len(srcs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, src := range srcs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			a, err := fetchList(ctx, po.Client, src, po.Sender, po.Timeout)
			results[i] = result{a, err}
		})
	}
	wg.Wait()
	for i, src := range srcs {
		r := results[i]
		short := shortenToken(src)
		for _, l := range bySrc[src] {
			if r.err != nil {
				s.warn(l.off, LintFetchFailed, "the answer of %s could not be checked: %s (amplive preview shows what an email client makes of it)",
					short, fetchProblem(r.err, po.Timeout))
				continue
			}
			if problems, ok := checkAnswer(r.a, po.Sender, po.Slow); !ok {
				s.warn(l.off, LintFetchFailed, "the answer of %s could not be checked: %s, so Gmail shows the fallback "+
					"(amplive preview shows what an email client makes of it)", short, problems[0])
				continue
			}
			if n := len(r.a.body); n > opt.ResponseBudget {
				s.warn(l.off, LintAnswerSize, "the answer of %s is %s bytes, over the budget of %s: Gmail renders amp-list templates "+
					"on its own server, and a larger JSON answer has left blocks unrendered in Gmail while a smaller one worked "+
					"(ampproject/amphtml#23450; Gmail's real limit is UNCONFIRMED); ask for fewer items "+
					"(max-items, limit) or send fewer fields", short, lintThousands(n), lintThousands(opt.ResponseBudget))
			}
		}
	}
}

// result turns the findings into warnings sorted by position; findings at
// the same position keep the order they were made in.
func (s *lintScanner) result(doc []byte) []LintWarning {
	if len(s.warns) == 0 {
		return nil
	}
	slices.SortStableFunc(s.warns, func(a, b lintFinding) int { return a.off - b.off })
	lines := newLineIndex(doc)
	out := make([]LintWarning, len(s.warns))
	for i, f := range s.warns {
		line, col := lines.pos(f.off)
		out[i] = LintWarning{Code: f.code, Line: line, Col: col, Message: f.text}
	}
	return out
}

// lintShorten cuts s to n characters and "…".
func lintShorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// lintDuration words d for people: "12 days", "5 hours", "20 minutes".
func lintDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= 48*time.Hour:
		return plural(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return plural(int64(d/time.Hour), "hour")
	}
	return plural(int64(d/time.Minute), "minute")
}

// lintThousands writes n with commas: 101,234.
func lintThousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
