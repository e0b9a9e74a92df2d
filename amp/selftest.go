package amp

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Selftest defaults and the fixed values it sends.
const (
	// DefaultSelftestTimeout bounds each request of a self-test
	// (SelftestOptions.Timeout zero value).
	DefaultSelftestTimeout = 5 * time.Second
	// SelftestRefusedSender is the sender the "refused sender" check sends;
	// no endpoint should allow it (.example is reserved, RFC 2606).
	SelftestRefusedSender = "selftest-refused@invalid.example"
	// SelftestGmailOrigin is the Origin Gmail sends with CORS version 1.
	SelftestGmailOrigin = "https://mail.google.com"
)

// Names of the checks, in the order Selftest returns them.
const (
	SelftestCheckV2        = "version 2"
	SelftestCheckV1Gmail   = "version 1 Gmail"
	SelftestCheckV1Null    = "version 1 Origin null"
	SelftestCheckBoth      = "both versions"
	SelftestCheckRefused   = "refused sender"
	SelftestCheckPreflight = "OPTIONS preflight"
	SelftestCheckSlash     = "trailing slash"
)

// SelftestOptions configures Selftest.
type SelftestOptions struct {
	// Sender is the address the emails are sent from: the AMP-Email-Sender
	// header (version 2) and the __amp_source_origin parameter (version 1).
	// Required.
	Sender string
	// Client sends the requests. Nil means a new client. Whatever it is,
	// redirects are never followed and no cookie jar is used, as an email
	// client's proxy does; its Timeout is replaced by Timeout.
	Client *http.Client
	// Timeout bounds each request, from sending it to the last body byte.
	// Default DefaultSelftestTimeout.
	Timeout time.Duration
}

// SelftestCheck is the outcome of one request of a self-test.
type SelftestCheck struct {
	// Name is one of the SelftestCheck* constants.
	Name string
	// Method is the HTTP method sent: GET, or OPTIONS for the preflight.
	Method string
	// URL is the URL requested, with the value of its `t` query parameter
	// (the token) cut to its first 8 characters followed by "…".
	URL string
	// Status is the HTTP status of the answer, 0 when there was none.
	Status int
	// OK is true when Problems is empty.
	OK bool
	// Problems lists, in human words, what makes an email client refuse the
	// answer or what breaks a rule of AMP for Email CORS.
	Problems []string
	// Warnings lists what is doubtful or not recommended but does not fail
	// the check.
	Warnings []string
}

// Selftest checks the AMP for Email CORS behaviour of the endpoint at rawURL
// (an amp-list URL, with its token in `t` if it needs one) by replaying what
// email clients send, and returns one SelftestCheck per request, in this
// order:
//
//   - SelftestCheckV2: GET with AMP-Email-Sender (version 2, what Gmail
//     sends): 2xx, AMP-Email-Allow-Sender equal to the sender (or "*"), a JSON
//     object body; warnings for a Content-Type other than application/json,
//     a Cache-Control without no-store or no-cache, a Set-Cookie, and
//     Access-Control-Allow-Origin: *.
//   - SelftestCheckV1Gmail: GET with Origin: https://mail.google.com and
//     __amp_source_origin=sender added to the query (version 1): 2xx,
//     Access-Control-Allow-Origin equal to the Origin (not "*"),
//     AMP-Access-Control-Allow-Source-Origin equal to the sender (not "*"),
//     and Access-Control-Expose-Headers listing the latter.
//     Access-Control-Allow-Credentials is not checked: email clients send
//     no credentials.
//   - SelftestCheckV1Null: the same with Origin: null. Which Origin Yahoo
//     Mail sends is unconfirmed, so its findings are warnings.
//   - SelftestCheckBoth: version 2 and version 1 inputs at once: version 2
//     wins, so AMP-Email-Allow-Sender is required; version 1 headers in the
//     answer are a warning.
//   - SelftestCheckRefused: GET with AMP-Email-Sender set to
//     SelftestRefusedSender: a 4xx and no allow header (a 4xx other than 403,
//     or an error body that is not JSON, is a warning).
//   - SelftestCheckPreflight: OPTIONS with Origin: https://mail.google.com,
//     Access-Control-Request-Method: GET and __amp_source_origin. Email
//     clients are not known to send preflights, so anything but a redirect
//     is a warning: 2xx with the version 1 headers is recommended.
//   - SelftestCheckSlash: GET (version 2) with a "/" added to the URL's path
//     (removed when it ends in one): any answer but a redirect.
//
// In every check a redirect (3xx) is a problem naming its Location, since
// email clients do not follow them, and so is no answer within
// opt.Timeout. An http URL whose host is not loopback is a problem of
// SelftestCheckV2: email clients fetch only https. A __amp_source_origin
// already in rawURL is dropped (email clients add it) with a warning.
//
// The requests run concurrently. Selftest returns an error only when rawURL
// is not an absolute http(s) URL, opt.Sender is not an email address, or ctx
// ends before the checks are done; a faulty endpoint is reported in the
// checks.
func Selftest(ctx context.Context, rawURL string, opt SelftestOptions) ([]SelftestCheck, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("selftest: %q is not an absolute http(s) URL", shortenToken(rawURL))
	}
	if _, _, err := splitAddress(opt.Sender); err != nil {
		return nil, fmt.Errorf("selftest: sender %q is not an email address: %v", opt.Sender, err)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultSelftestTimeout
	}
	client := &http.Client{}
	if opt.Client != nil {
		copied := *opt.Client
		client = &copied
	}
	client.Timeout = opt.Timeout
	client.Jar = nil
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	specs, notes := selftestSpecs(u, opt.Sender)
	checks := make([]SelftestCheck, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Go(func() { checks[i] = selftestRun(ctx, client, opt.Timeout, s) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	checks[0].Problems = append(checks[0].Problems, notes.problems...)
	checks[0].Warnings = append(checks[0].Warnings, notes.warnings...)
	for i := range checks {
		checks[i].OK = len(checks[i].Problems) == 0
	}
	return checks, nil
}

// selftestSpec is one request of a self-test and how to judge its answer.
type selftestSpec struct {
	name, method, url string
	header            http.Header
	judge             func(*selftestFindings, answer)
}

// selftestFindings collects the problems and warnings of one check.
type selftestFindings struct{ problems, warnings []string }

func (f *selftestFindings) problem(format string, args ...any) {
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

func (f *selftestFindings) warn(format string, args ...any) {
	f.warnings = append(f.warnings, fmt.Sprintf(format, args...))
}

// selftestSpecs builds the requests of a self-test of u for sender, and
// the findings about u itself (they go to the first check).
func selftestSpecs(u *url.URL, sender string) ([]selftestSpec, selftestFindings) {
	var notes selftestFindings
	base := *u
	base.Fragment, base.RawFragment = "", ""
	if q, dropped := selftestDropParam(base.RawQuery, QuerySourceOrigin); dropped {
		base.RawQuery = q
		notes.warn("the URL already has %s: email clients add it themselves (version 1), so it was dropped; keep it out of amp-list src", QuerySourceOrigin)
	}
	if base.Scheme == "http" && !IsLoopbackHost(base.Hostname()) {
		notes.problem("the URL is http: email clients fetch only https URLs")
	}
	plain := base.String()
	v1u := base
	if v1u.RawQuery != "" {
		v1u.RawQuery += "&"
	}
	v1u.RawQuery += QuerySourceOrigin + "=" + url.QueryEscape(sender)
	v1 := v1u.String()
	slashed := base
	switch {
	case slashed.Path == "" || slashed.Path == "/":
		notes.warn("the URL's path is the root, so the trailing-slash check asks for the same URL")
		slashed.Path, slashed.RawPath = "/", ""
	case strings.HasSuffix(slashed.Path, "/"):
		slashed.Path = strings.TrimSuffix(slashed.Path, "/")
		slashed.RawPath = strings.TrimSuffix(slashed.RawPath, "/")
	default:
		slashed.Path += "/"
		if slashed.RawPath != "" {
			slashed.RawPath += "/"
		}
	}

	v2 := http.Header{canonEmailSender: {sender}}
	gmail := http.Header{"Origin": {SelftestGmailOrigin}}
	return []selftestSpec{
		{SelftestCheckV2, http.MethodGet, plain, v2, func(f *selftestFindings, a answer) {
			selftestWant2xx(f, a)
			selftestAllowSender(f, a.header, sender)
			if a.header.Get("Access-Control-Allow-Origin") == "*" {
				f.warn("Access-Control-Allow-Origin: * lets any web page read the answer; version 2 does not use it")
			}
			if a.status >= 200 && a.status <= 299 {
				selftestJSON(f, a)
			}
			selftestFreshness(f, a.header)
		}},
		{SelftestCheckV1Gmail, http.MethodGet, v1, gmail, func(f *selftestFindings, a answer) {
			selftestWant2xx(f, a)
			selftestV1Headers(f.problem, a.header, SelftestGmailOrigin, sender)
		}},
		{SelftestCheckV1Null, http.MethodGet, v1, http.Header{"Origin": {"null"}}, func(f *selftestFindings, a answer) {
			var soft selftestFindings
			selftestWant2xx(&soft, a)
			selftestV1Headers(soft.problem, a.header, "null", sender)
			if len(soft.problems) > 0 {
				f.warnings = append(f.warnings, soft.problems...)
				f.warn("these are warnings: which Origin Yahoo Mail sends is unconfirmed; version 1 says to echo any Origin")
			}
		}},
		{SelftestCheckBoth, http.MethodGet, v1, selftestMerge(v2, gmail), func(f *selftestFindings, a answer) {
			selftestWant2xx(f, a)
			selftestAllowSender(f, a.header, sender)
			var v1 []string
			for _, h := range []string{"Access-Control-Allow-Origin", HeaderAllowSourceOrigin} {
				if a.header.Get(h) != "" {
					v1 = append(v1, h)
				}
			}
			if len(v1) > 0 {
				f.warn("the answer also has %s: when AMP-Email-Sender is present the request is version 2, which answers only AMP-Email-Allow-Sender", strings.Join(v1, " and "))
			}
		}},
		{SelftestCheckRefused, http.MethodGet, plain, http.Header{canonEmailSender: {SelftestRefusedSender}}, selftestJudgeRefused},
		{SelftestCheckPreflight, http.MethodOptions, v1, selftestMerge(gmail, http.Header{"Access-Control-Request-Method": {http.MethodGet}}), func(f *selftestFindings, a answer) {
			var soft selftestFindings
			if a.status < 200 || a.status > 299 {
				soft.problem("HTTP %d to OPTIONS: answer 204 with the CORS headers, as a precaution", a.status)
			}
			selftestV1Headers(soft.problem, a.header, SelftestGmailOrigin, sender)
			f.warnings = append(f.warnings, soft.problems...)
		}},
		{SelftestCheckSlash, http.MethodGet, slashed.String(), v2, func(*selftestFindings, answer) {}},
	}, notes
}

// selftestMerge returns a new header with the fields of hs.
func selftestMerge(hs ...http.Header) http.Header {
	out := http.Header{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = append(out[k], v...)
		}
	}
	return out
}

// selftestDropParam removes every name=… (or bare name) parameter from a raw
// query, leaving the others byte for byte, and reports whether it did.
func selftestDropParam(rawQuery, name string) (string, bool) {
	if rawQuery == "" {
		return "", false
	}
	var kept []string
	dropped := false
	for p := range strings.SplitSeq(rawQuery, "&") {
		key, _, _ := strings.Cut(p, "=")
		if k, err := url.QueryUnescape(key); err == nil && k == name {
			dropped = true
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&"), dropped
}

// selftestRun sends one request of a self-test and judges the answer.
func selftestRun(ctx context.Context, client *http.Client, timeout time.Duration, s selftestSpec) SelftestCheck {
	c := SelftestCheck{Name: s.name, Method: s.method, URL: shortenToken(s.url)}
	var f selftestFindings
	a, err := selftestFetch(ctx, client, s)
	c.Status = a.status
	switch {
	case err != nil:
		f.problem("%s", fetchProblem(err, timeout))
	case a.status >= 300 && a.status <= 399:
		to := a.header.Get("Location")
		if to == "" {
			to = "nowhere (no Location)"
		}
		f.problem("redirect (%d) to %s: email clients do not follow redirects", a.status, shortenToken(to))
	default:
		s.judge(&f, a)
	}
	c.Problems, c.Warnings = f.problems, f.warnings
	return c
}

// selftestFetch sends s as an email client's proxy would (no cookies, no
// redirects) and reads at most maxAnswerBytes of the answer.
func selftestFetch(ctx context.Context, client *http.Client, s selftestSpec) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, s.method, s.url, nil)
	if err != nil {
		return answer{}, err
	}
	for k, v := range s.header {
		req.Header[k] = append([]string(nil), v...)
	}
	req.Header.Set("User-Agent", "amplive-selftest")
	if s.method == http.MethodGet {
		req.Header.Set("Accept", "application/json")
	}
	return doRequest(client, req)
}

// selftestWant2xx records a non-2xx status as a problem, with the server's
// error message when its body has one.
func selftestWant2xx(f *selftestFindings, a answer) {
	if a.status >= 200 && a.status <= 299 {
		return
	}
	msg := fmt.Sprintf("HTTP %d (not 2xx)", a.status)
	if says := selftestServerSays(a.body); says != "" {
		msg += ", the server says " + says
	}
	msg += ": email clients show the fallback"
	switch a.status {
	case http.StatusUnauthorized:
		msg += "; check that the token (t) in the URL is valid and unexpired"
	case http.StatusForbidden:
		msg += "; check that the sender is allowed"
	case http.StatusNotFound:
		msg += "; check the URL's path (the self-test sends GET, as amp-list does; amp-form action-xhr URLs take POST)"
	case http.StatusMethodNotAllowed:
		msg += "; the self-test sends GET, as amp-list does (amp-form action-xhr URLs take POST)"
	}
	f.problem("%s", msg)
}

// selftestServerSays returns the quoted message of a JSON error body
// ({"error":{"message":…}}, {"error":"…"} or {"message":…}), "" when there
// is none.
func selftestServerSays(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	var s string
	var detail struct {
		Message string `json:"message"`
	}
	switch {
	case json.Unmarshal(v.Error, &detail) == nil && detail.Message != "":
		s = detail.Message
	case json.Unmarshal(v.Error, &s) == nil && s != "":
	default:
		s = v.Message
	}
	if s == "" {
		return ""
	}
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// selftestAllowSender checks AMP-Email-Allow-Sender against sender
// (version 2).
func selftestAllowSender(f *selftestFindings, h http.Header, sender string) {
	switch allow := h.Values(HeaderEmailAllowSender); {
	case len(allow) == 0:
		msg := "missing AMP-Email-Allow-Sender (version 2): email clients refuse the answer"
		if h.Get(HeaderAllowSourceOrigin) != "" {
			msg += "; the answer has only version 1 headers, but AMP-Email-Sender makes the request version 2"
		}
		f.problem("%s", msg)
	case len(allow) > 1:
		f.problem("AMP-Email-Allow-Sender is sent %d times", len(allow))
	case allow[0] == "*":
		f.warn("AMP-Email-Allow-Sender is *: every sender may use the endpoint; the spec advises echoing the sender")
	case allow[0] != sender:
		f.problem("AMP-Email-Allow-Sender is %q, not the sender %q", allow[0], sender)
	}
}

// selftestV1Headers reports, through report, what is wrong with the three
// headers of a version 1 answer to origin and sender.
func selftestV1Headers(report func(string, ...any), h http.Header, origin, sender string) {
	switch acao := h.Values("Access-Control-Allow-Origin"); {
	case len(acao) == 0:
		report("missing Access-Control-Allow-Origin (version 1 wants the Origin, %s)", origin)
	case len(acao) > 1:
		report("Access-Control-Allow-Origin is sent %d times", len(acao))
	case acao[0] == "*":
		report("Access-Control-Allow-Origin is *: version 1 wants the Origin echoed exactly (%s)", origin)
	case acao[0] != origin:
		report("Access-Control-Allow-Origin is %q, not the Origin %q", acao[0], origin)
	}
	switch src := h.Values(HeaderAllowSourceOrigin); {
	case len(src) == 0:
		report("missing %s (version 1 wants the sender, %s)", HeaderAllowSourceOrigin, sender)
	case len(src) > 1:
		report("%s is sent %d times", HeaderAllowSourceOrigin, len(src))
	case src[0] == "*":
		report("%s is *, which version 1 does not allow: it must be the sender %s", HeaderAllowSourceOrigin, sender)
	case src[0] != sender:
		report("%s is %q, not the sender %q", HeaderAllowSourceOrigin, src[0], sender)
	}
	exposed, star := false, false
	for _, line := range h.Values(HeaderExposeHeaders) {
		for n := range strings.SplitSeq(line, ",") {
			n = strings.TrimSpace(n)
			exposed = exposed || strings.EqualFold(n, HeaderAllowSourceOrigin)
			star = star || n == "*"
		}
	}
	switch {
	case exposed:
	case star:
		report("%s is * but must name %s (browsers ignore * on credentialed requests)", HeaderExposeHeaders, HeaderAllowSourceOrigin)
	case len(h.Values(HeaderExposeHeaders)) == 0:
		report("missing %s: %s (version 1): the email's script cannot read the sender header", HeaderExposeHeaders, HeaderAllowSourceOrigin)
	default:
		report("%s (%q) does not list %s", HeaderExposeHeaders, strings.Join(h.Values(HeaderExposeHeaders), ", "), HeaderAllowSourceOrigin)
	}
}

// selftestJudgeRefused judges the answer to SelftestRefusedSender.
func selftestJudgeRefused(f *selftestFindings, a answer) {
	if allow := a.header.Values(HeaderEmailAllowSender); len(allow) > 0 {
		f.problem("the refused sender %s got AMP-Email-Allow-Sender: %s; a sender that is not allowed must get no allow header", SelftestRefusedSender, strings.Join(allow, ", "))
	}
	if src := a.header.Get(HeaderAllowSourceOrigin); src != "" {
		f.problem("the refused sender %s got %s: %s", SelftestRefusedSender, HeaderAllowSourceOrigin, src)
	}
	switch {
	case a.status >= 400 && a.status <= 499:
		if a.status != http.StatusForbidden {
			f.warn("HTTP %d for a sender that is not allowed; 403 is the usual answer", a.status)
		}
		var v any
		if json.Unmarshal(a.body, &v) != nil {
			f.warn("the error body is not JSON (%s): amp-list and amp-form error templates read JSON", selftestStart(a.body))
		}
	default:
		f.problem("HTTP %d for a sender that is not allowed; want 403 (a 4xx)", a.status)
	}
}

// selftestJSON checks the body of a 2xx answer: JSON in UTF-8, an object
// or an array, and a JSON Content-Type.
func selftestJSON(f *selftestFindings, a answer) {
	switch ct := a.header.Get("Content-Type"); {
	case ct == "":
		f.warn("missing Content-Type (want application/json)")
	default:
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			f.warn("Content-Type is %q, not application/json", ct)
		}
	}
	if !utf8.Valid(a.body) {
		f.problem("the body is not valid UTF-8")
		return
	}
	var v any
	if err := json.Unmarshal(a.body, &v); err != nil {
		f.problem("the body is not JSON (%s): %v", selftestStart(a.body), err)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		items, ok := x["items"]
		switch items.(type) {
		case []any:
		case map[string]any:
			f.warn(`"items" is an object, not an array: the amp-list needs single-item`)
		default:
			if ok {
				f.problem(`wrong JSON shape: "items" is %s, not an array`, jsonKind(items))
			} else {
				f.warn(`no top-level "items": fine only if the amp-list sets items= (and single-item) to match`)
			}
		}
	case []any:
		f.warn(`the body is a top-level array: the amp-list needs items="."`)
	default:
		f.problem("wrong JSON shape: the body is %s; amp-list needs an object such as {\"items\":[…]}", jsonKind(v))
	}
}

// selftestStart quotes the first bytes of body, for messages.
func selftestStart(body []byte) string {
	if len(body) == 0 {
		return "empty"
	}
	s := strings.ToValidUTF8(string(body), "�")
	if r := []rune(s); len(r) > 24 {
		s = string(r[:24]) + "…"
	}
	return fmt.Sprintf("starts %q", s)
}

// selftestFreshness warns about caching and cookies on a live answer.
func selftestFreshness(f *selftestFindings, h http.Header) {
	fresh := false
	for _, line := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(line, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(name) {
			case "no-store", "no-cache":
				fresh = true
			}
		}
	}
	switch cc := strings.Join(h.Values("Cache-Control"), ", "); {
	case fresh:
	case cc == "":
		f.warn("no Cache-Control: live data should be sent with Cache-Control: private, no-store")
	default:
		f.warn("Cache-Control is %q: live data should be private, no-store (or no-cache)", cc)
	}
	if n := len(h.Values("Set-Cookie")); n > 0 {
		f.warn("the answer sets %d cookie(s): email clients' proxies strip cookies, so Set-Cookie is useless here", n)
	}
}
