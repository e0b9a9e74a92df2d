package amp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Preview defaults (PreviewOptions zero values).
const (
	// DefaultPreviewSender is the AMP-Email-Sender a preview sends: the
	// demo server's sender.
	DefaultPreviewSender = "news@amplive.example"
	// DefaultPreviewTimeout bounds each amp-list fetch of a preview.
	DefaultPreviewTimeout = 5 * time.Second
	// DefaultPreviewSlow is the answer time above which a preview reports
	// a block as slow.
	DefaultPreviewSlow = time.Second
)

// maxAnswerBytes caps the body a preview reads from one endpoint.
const maxAnswerBytes = 8 << 20

// PreviewOptions configures RenderPreview. The zero value is usable.
type PreviewOptions struct {
	// Sender is the AMP-Email-Sender header value sent with every fetch
	// (CORS version 2, what Gmail sends). Default DefaultPreviewSender.
	Sender string
	// Client makes the fetches. Nil means a client with Timeout as its
	// timeout. Redirects are never followed, whatever the client's
	// CheckRedirect says: email clients refuse them.
	Client *http.Client
	// Timeout bounds each fetch, from request to the last body byte.
	// Default DefaultPreviewTimeout.
	Timeout time.Duration
	// Slow is the answer time above which a block gets a "slow answer"
	// problem (it is still rendered). Default DefaultPreviewSlow.
	Slow time.Duration
}

// withDefaults fills the zero fields of o.
func (o PreviewOptions) withDefaults() PreviewOptions {
	if o.Sender == "" {
		o.Sender = DefaultPreviewSender
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultPreviewTimeout
	}
	if o.Slow <= 0 {
		o.Slow = DefaultPreviewSlow
	}
	c := &http.Client{Timeout: o.Timeout}
	if o.Client != nil {
		copied := *o.Client
		c = &copied
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	o.Client = c
	return o
}

// BlockReport is what happened to one amp-list of a previewed email.
type BlockReport struct {
	// Index is the block's 1-based position among the document's
	// amp-lists, in document order.
	Index int
	// ID is the amp-list's id attribute, "" when it has none.
	ID string
	// URL is the amp-list's src with the value of its `t` query parameter
	// (the token) cut to its first 8 characters followed by "…".
	URL string
	// Status is the HTTP status of the answer, 0 when there was none.
	Status int
	// Items is the number of items rendered (after max-items).
	Items int
	// Duration is the time from sending the request to reading the whole
	// answer; 0 when nothing was sent.
	Duration time.Duration
	// Problems lists, in human words, what an email client would object
	// to; empty when the block is fine.
	Problems []string
	// Fallback is true when the email client would show the amp-list's
	// fallback child instead of items.
	Fallback bool
}

// String is the one-line summary of b, without its problems, e.g.
// "block 1 recs https://x.example/v1/recommendations?t=eyJhbGci…: 200, 8 items".
func (b BlockReport) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "block %d ", b.Index)
	if b.ID != "" {
		s.WriteString(b.ID + " ")
	}
	s.WriteString(b.URL + ": ")
	if b.Status == 0 {
		s.WriteString("no answer")
	} else {
		s.WriteString(strconv.Itoa(b.Status))
	}
	if b.Fallback {
		s.WriteString(", shows its fallback")
		return s.String()
	}
	if b.Items == 1 {
		s.WriteString(", 1 item")
	} else {
		fmt.Fprintf(&s, ", %d items", b.Items)
	}
	return s.String()
}

// Preview is the result of RenderPreview.
type Preview struct {
	// HTML is a static page (UTF-8) that a browser shows as an email
	// client would show the email once its amp-lists have loaded.
	HTML []byte
	// Blocks has one report per amp-list, in document order.
	Blocks []BlockReport
	// Problems are faults of the document as a whole, e.g. that it is not
	// an AMP email at all (no ⚡4email or amp4email on <html>).
	Problems []string
}

// RenderPreview does offline what an email client does when an AMP email
// is opened: it fetches every amp-list's src as Gmail's proxy does (GET,
// AMP-Email-Sender: opt.Sender, no redirects), checks each answer the way
// the client would (2xx, AMP-Email-Allow-Sender, JSON, items shape),
// renders the items through the list's amp-mustache template, and returns
// a static HTML page with one report per amp-list. doc is the AMP HTML
// (text/x-amp-html part). The fetches run concurrently, each bounded by
// opt.Timeout. A faulty block is reported in its BlockReport, not as an
// error: the error is non-nil only when doc cannot be parsed as HTML or
// ctx ends before the fetches are done. A document without amp-list is
// not an error.
func RenderPreview(ctx context.Context, doc []byte, opt PreviewOptions) (Preview, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return Preview{}, errors.New("preview: the document is empty")
	}
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		return Preview{}, fmt.Errorf("preview: parse HTML: %w", err)
	}
	opt = opt.withDefaults()
	problems := documentProblems(root) // before staticPage drops the AMP attributes
	templates := mustacheTemplates(root)
	lists := findLists(root)
	blocks := make([]block, len(lists))
	var wg sync.WaitGroup
	for i, n := range lists {
		wg.Go(func() { blocks[i] = runBlock(ctx, readList(n, i+1, templates), opt) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Preview{}, err
	}
	page, err := staticPage(root, blocks, opt.Sender)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{HTML: page, Blocks: make([]BlockReport, len(blocks)), Problems: problems}
	for i, b := range blocks {
		p.Blocks[i] = b.report
	}
	return p, nil
}

// documentProblems reports what makes root no AMP email at all.
func documentProblems(root *html.Node) []string {
	h := findElement(root, atom.Html)
	if h == nil || !(hasAttr(h, "⚡4email") || hasAttr(h, "amp4email")) {
		return []string{"not an AMP email: <html> has neither ⚡4email nor amp4email, so email clients show the HTML part instead"}
	}
	return nil
}

// listSpec is what one amp-list element asks for.
type listSpec struct {
	node      *html.Node
	index     int
	id, src   string
	itemsPath string // "items" by default, "." for the root
	single    bool   // single-item
	maxItems  int    // 0: no limit
	xssi      string // xssi-prefix
	template  string // amp-mustache source, "" when missing
	problems  []string
	fatal     bool // the block cannot render whatever the answer
}

// block is a finished amp-list: its report and, unless it falls back, its
// rendered items as parsed HTML nodes (detached, ready to insert).
type block struct {
	spec   listSpec
	report BlockReport
	items  []*html.Node
}

// findLists returns the document's amp-list elements in document order,
// except those inside a <template> (they are not live until rendered).
func findLists(root *html.Node) []*html.Node {
	var lists []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := range n.ChildNodes() {
			switch {
			case c.Type != html.ElementNode:
			case c.DataAtom == atom.Template:
			case c.Data == "amp-list":
				lists = append(lists, c)
			default:
				walk(c)
			}
		}
	}
	walk(root)
	return lists
}

// readList reads the attributes and template of amp-list n, the index-th
// of the document; templates maps ids to amp-mustache templates.
func readList(n *html.Node, index int, templates map[string]*html.Node) listSpec {
	s := listSpec{node: n, index: index, id: attr(n, "id"), src: strings.TrimSpace(attr(n, "src")), itemsPath: "items"}
	if p, ok := attrOK(n, "items"); ok {
		s.itemsPath = strings.TrimSpace(p)
	}
	_, s.single = attrOK(n, "single-item")
	s.xssi = attr(n, "xssi-prefix")
	if m, ok := attrOK(n, "max-items"); ok {
		v, err := strconv.Atoi(strings.TrimSpace(m))
		if err != nil || v < 1 {
			s.problems = append(s.problems, fmt.Sprintf("max-items=%q is not a positive whole number (ignored)", m))
		} else {
			s.maxItems = v
		}
	}
	switch {
	case s.src == "":
		s.problem("amp-list has no src")
	case strings.Contains(s.src, "{{"):
		s.problem("src contains {{: a merge tag was left unresolved (the AMP validator rejects it)")
	}
	src, err := templateSource(n, templates)
	if err != nil {
		s.problem(err.Error())
	}
	s.template = src
	return s
}

// problem records a problem that makes the block fall back.
func (s *listSpec) problem(msg string) {
	s.problems = append(s.problems, msg)
	s.fatal = true
}

// runBlock fetches, checks and renders one amp-list.
func runBlock(ctx context.Context, s listSpec, opt PreviewOptions) block {
	b := block{spec: s, report: BlockReport{Index: s.index, ID: s.id, URL: shortenToken(s.src)}}
	r := &b.report
	r.Problems = append(r.Problems, s.problems...)
	fail := func(problems ...string) block {
		r.Problems = append(r.Problems, problems...)
		r.Fallback, r.Items, b.items = true, 0, nil
		if fallbackChild(s.node) == nil {
			r.Problems = append(r.Problems, "no fallback child: readers see an empty block")
		}
		return b
	}
	if s.src == "" || strings.Contains(s.src, "{{") {
		return fail()
	}
	u, err := url.Parse(s.src)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail("src is not an absolute http(s) URL")
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		r.Problems = append(r.Problems, "src is http: email clients fetch only https URLs")
	}
	ans, err := fetchList(ctx, opt.Client, s.src, opt.Sender, opt.Timeout)
	r.Status, r.Duration = ans.status, ans.dur
	if err != nil {
		return fail(fetchProblem(err, opt.Timeout))
	}
	problems, ok := checkAnswer(ans, opt.Sender, opt.Slow)
	r.Problems = append(r.Problems, problems...)
	if !ok {
		return fail()
	}
	data, err := decodeJSON(ans.body, s.xssi)
	if err != nil {
		return fail(err.Error())
	}
	items, err := selectItems(data, s.itemsPath, s.single, s.maxItems)
	if err != nil {
		return fail(err.Error())
	}
	if s.fatal {
		return fail()
	}
	nodes, err := renderItems(s.template, items)
	if err != nil {
		return fail(err.Error())
	}
	r.Items, b.items = len(items), nodes
	return b
}

// answer is one endpoint's response, read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
	dur    time.Duration
}

// fetchList GETs src as an email client's proxy does: AMP-Email-Sender
// (CORS version 2), Accept: application/json, no cookies, no redirects
// (client must not follow them). It reads at most maxAnswerBytes of body.
// On error the answer holds whatever was known (status, duration).
func fetchList(ctx context.Context, client *http.Client, src, sender string, timeout time.Duration) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("AMP-Email-Sender", sender)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "amplive-preview")
	return doRequest(client, req)
}

// doRequest sends req and reads its answer, at most maxAnswerBytes (more is
// an error, with what was read), timing it from send to the last byte.
func doRequest(client *http.Client, req *http.Request) (answer, error) {
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return answer{dur: time.Since(start)}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes+1))
	a := answer{status: res.StatusCode, header: res.Header, body: body, dur: time.Since(start)}
	if err != nil {
		return a, err
	}
	if len(body) > maxAnswerBytes {
		return a, fmt.Errorf("answer larger than %d MiB", maxAnswerBytes>>20)
	}
	return a, nil
}

// fetchProblem words a failed fetch, without the URL (it holds the token).
func fetchProblem(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Sprintf("no answer within %s (timeout)", timeout)
	}
	return "no answer: " + err.Error()
}

// checkAnswer applies an email client's checks to a response: no
// redirect, status 2xx, AMP-Email-Allow-Sender equal to sender or "*"
// (CORS version 2), a JSON Content-Type and an answer time within slow.
// ok is false when the client would show the fallback; problems lists
// every check that failed, fatal or not.
func checkAnswer(a answer, sender string, slow time.Duration) (problems []string, ok bool) {
	ok = true
	switch {
	case a.status >= 300 && a.status < 400:
		to := a.header.Get("Location")
		if to == "" {
			to = "nowhere (no Location)"
		}
		problems = append(problems, fmt.Sprintf("redirect (%d) to %s: email clients refuse redirects", a.status, shortenToken(to)))
		ok = false
	case a.status < 200 || a.status > 299:
		problems = append(problems, fmt.Sprintf("HTTP %d (not 2xx): email clients show the fallback", a.status))
		ok = false
	}
	switch allow := a.header.Values("AMP-Email-Allow-Sender"); {
	case len(allow) == 0:
		msg := "missing AMP-Email-Allow-Sender"
		if a.header.Get("AMP-Access-Control-Allow-Source-Origin") != "" {
			msg += " (the answer has only CORS version 1 headers; Gmail sends AMP-Email-Sender and needs version 2)"
		}
		problems = append(problems, msg)
		ok = false
	case len(allow) > 1:
		problems = append(problems, fmt.Sprintf("AMP-Email-Allow-Sender is sent %d times", len(allow)))
		ok = false
	case allow[0] != sender && allow[0] != "*":
		problems = append(problems, fmt.Sprintf("AMP-Email-Allow-Sender is %q, not the sender %s", allow[0], sender))
		ok = false
	}
	if !ok {
		return problems, false
	}
	if ct := a.header.Get("Content-Type"); ct == "" {
		problems = append(problems, "missing Content-Type (want application/json)")
	} else if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		problems = append(problems, fmt.Sprintf("Content-Type is %q, not application/json", ct))
	}
	if a.dur > slow {
		problems = append(problems, fmt.Sprintf("slow answer: %s (over %s)", roundDuration(a.dur), slow))
	}
	return problems, true
}

// decodeJSON parses an amp-list answer after removing its xssi prefix (the
// amp-list's xssi-prefix attribute, "" for none). Numbers become jsNumber
// so that templates print and test them as JavaScript does.
func decodeJSON(body []byte, xssi string) (any, error) {
	if xssi != "" {
		body = bytes.TrimPrefix(body, []byte(xssi))
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("the answer is not JSON: %v", err)
	}
	return jsValues(v), nil
}

// selectItems applies amp-list's items, single-item and max-items
// attributes to an answer: path "." is the root, otherwise a dotted path
// of object keys (or array indexes). The result is what the template
// renders, one element per item.
func selectItems(data any, path string, single bool, maxItems int) ([]any, error) {
	v := data
	if path != "." && path != "" {
		for key := range strings.SplitSeq(path, ".") {
			next, ok := child(v, key)
			if !ok {
				return nil, fmt.Errorf("items path %q is not in the answer", path)
			}
			v = next
		}
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case map[string]any:
		if !single {
			return nil, fmt.Errorf("shape mismatch: items path %q is an object; the snippet needs single-item", path)
		}
		items = []any{x}
	default:
		if !single {
			return nil, fmt.Errorf("shape mismatch: items path %q is %s, not an array", path, jsonKind(x))
		}
		items = []any{x}
	}
	if maxItems > 0 && len(items) > maxItems {
		items = items[:maxItems]
	}
	return items, nil
}

// child is v[key] for an object, or v[index] for an array.
func child(v any, key string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		c, ok := x[key]
		return c, ok
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(x) {
			return nil, false
		}
		return x[i], true
	}
	return nil, false
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case jsNumber, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// shortenToken returns raw with the value of its `t` query parameter cut
// to 8 characters and "…", so reports do not show whole tokens. raw is
// returned unchanged when it has no query.
func shortenToken(raw string) string {
	before, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	query, frag, hasFrag := strings.Cut(query, "#")
	params := strings.Split(query, "&")
	for i, p := range params {
		if v, ok := strings.CutPrefix(p, "t="); ok && utf8.RuneCountInString(v) > 8 {
			params[i] = "t=" + string([]rune(v)[:8]) + "…"
		}
	}
	out := before + "?" + strings.Join(params, "&")
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// roundDuration shortens d for people: 1.2s, 340ms.
func roundDuration(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// attr returns n's attribute key, "" when absent.
func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

// attrOK returns n's attribute key and whether n has it.
func attrOK(n *html.Node, key string) (string, bool) { return attrOf(n.Attr, key) }

// attrOf finds the attribute key (no namespace) in attrs: its value and
// whether it is there. Every attribute lookup of the package goes through it.
func attrOf(attrs []html.Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}
