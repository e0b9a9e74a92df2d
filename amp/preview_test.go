package amp

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// previewServer is an httptest server whose handlers answer amp-list
// fetches; it records the AMP-Email-Sender and Accept of each request.
type previewServer struct {
	*httptest.Server
	mu      sync.Mutex
	senders []string
	accepts []string
}

// newPreviewServer serves h on every path and closes it with the test.
func newPreviewServer(t *testing.T, h http.HandlerFunc) *previewServer {
	t.Helper()
	s := &previewServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.senders = append(s.senders, r.Header.Get("AMP-Email-Sender"))
		s.accepts = append(s.accepts, r.Header.Get("Accept"))
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// sent returns the AMP-Email-Sender and Accept values received so far.
func (s *previewServer) sent() (senders, accepts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.senders...), append([]string(nil), s.accepts...)
}

// ampJSON answers like a correct amplive endpoint: JSON body, the sender
// echoed in AMP-Email-Allow-Sender.
func ampJSON(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("AMP-Email-Allow-Sender", r.Header.Get("AMP-Email-Sender"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

// previewDoc wraps body in an AMP4EMAIL document with the runtime, the
// boilerplate style and a custom style; SERVER in body is replaced by
// server.
func previewDoc(body, server string) []byte {
	return []byte(`<!doctype html><html ⚡4email data-css-strict><head><meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-list" src="https://cdn.ampproject.org/v0/amp-list-0.1.js"></script>
<script async custom-template="amp-mustache" src="https://cdn.ampproject.org/v0/amp-mustache-0.2.js"></script>
<style amp4email-boilerplate>body{visibility:hidden}</style>
<style amp-custom>.item{color:#333}</style>
</head><body>` + strings.ReplaceAll(body, "SERVER", server) + `</body></html>`)
}

// list is an amp-list of SERVER/v1/list?t=… with attrs, a child template,
// a placeholder and a fallback.
func list(attrs, template string) string {
	return `<amp-list id="l" src="SERVER/v1/list?t=eyJhbGciOiJIUzI1NiJ9.abc.def" ` + attrs + `>` +
		template + `<div placeholder>LOADING</div><div fallback>FALLBACK CONTENT</div></amp-list>`
}

const itemTemplate = `<template type="amp-mustache"><p class="item">{{name}}</p></template>`

// checkStatic fails the test if page still has AMP-only markup.
func checkStatic(t *testing.T, page string) {
	t.Helper()
	for _, gone := range []string{"amp4email-boilerplate", "cdn.ampproject.org", "⚡4email", "data-css-strict", "amp-custom", "<amp-list", "<amp-img", "LOADING"} {
		if strings.Contains(page, gone) {
			t.Errorf("page still has %q:\n%s", gone, page)
		}
	}
	for _, kept := range []string{"<style>.item{color:#333}</style>", "data-amplive-report", `data-amplive-block="1"`} {
		if !strings.Contains(page, kept) {
			t.Errorf("page lacks %q:\n%s", kept, page)
		}
	}
}

// TestRenderPreviewGood renders correct endpoints through the amp-list
// attributes and both template forms.
func TestRenderPreviewGood(t *testing.T) {
	t.Parallel()
	five := `{"items":[{"name":"A"},{"name":"B"},{"name":"C"},{"name":"D"},{"name":"E"}]}`
	cases := []struct {
		name      string
		answer    string
		body      string
		wantItems int
		want      []string // in the page
		notWant   []string
	}{
		{
			name: "child template, max-items", answer: five,
			body:      list(`max-items="3"`, itemTemplate),
			wantItems: 3,
			want:      []string{`<p class="item">A</p><p class="item">B</p><p class="item">C</p>`},
			notWant:   []string{">D<", "FALLBACK"},
		},
		{
			name: "template by id", answer: five,
			body:      `<template type="amp-mustache" id="tpl"><li>{{name}}</li></template>` + list(`template="tpl"`, ""),
			wantItems: 5,
			want:      []string{"<li>A</li>", "<li>E</li>", `<template type="amp-mustache" id="tpl"><li>{{name}}</li></template>`},
		},
		{
			name: "script template by id", answer: five,
			body:      list(`template="s" max-items="2"`, "") + `<script type="text/plain" template="amp-mustache" id="s"><span>{{name}}</span></script>`,
			wantItems: 2,
			want:      []string{"<span>A</span><span>B</span>"},
		},
		{
			name: "single-item object at the root", answer: `{"first_name":"Ada","points":1234567,"zero":0}`,
			body:      list(`items="." single-item`, `<template type="amp-mustache"><p>{{first_name}}: {{points}}{{#zero}} never{{/zero}}</p></template>`),
			wantItems: 1,
			want:      []string{"<p>Ada: 1234567</p>"},
		},
		{
			name: "root array", answer: `[{"name":"x"},{"name":"<b>y</b>"}]`,
			body:      list(`items="."`, itemTemplate),
			wantItems: 2,
			want:      []string{`<p class="item">x</p><p class="item">&lt;b&gt;y&lt;/b&gt;</p>`},
		},
		{
			name: "dotted path", answer: `{"data":{"cart":{"lines":[{"name":"sock"}]}}}`,
			body:      list(`items="data.cart.lines"`, itemTemplate),
			wantItems: 1,
			want:      []string{`<p class="item">sock</p>`},
		},
		{
			name: "amp-img in items becomes img", answer: `{"items":[{"img":"https://x.example/a.png","name":"A"}]}`,
			body:      list("", `<template type="amp-mustache"><amp-img src="{{img}}" alt="{{name}}" width="80" height="60" layout="fixed"></amp-img></template>`),
			wantItems: 1,
			want:      []string{`<img src="https://x.example/a.png" alt="A" width="80" height="60"/>`},
		},
		{
			name: "empty list", answer: `{"items":[]}`,
			body:      list("", itemTemplate),
			wantItems: 0,
			notWant:   []string{"FALLBACK"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newPreviewServer(t, ampJSON(tc.answer))
			p, err := RenderPreview(context.Background(), previewDoc(tc.body, srv.URL), PreviewOptions{Slow: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			want := []BlockReport{{Index: 1, ID: "l", URL: srv.URL + "/v1/list?t=eyJhbGci…", Status: 200, Items: tc.wantItems}}
			if diff := cmp.Diff(want, p.Blocks, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Duration" }, cmp.Ignore())); diff != "" {
				t.Errorf("blocks (-want, +got):\n%s", diff)
			}
			page := string(p.HTML)
			checkStatic(t, page)
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q:\n%s", w, page)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(page, w) {
					t.Errorf("page has %q:\n%s", w, page)
				}
			}
			senders, accepts := srv.sent()
			if got, want := strings.Join(senders, ","), DefaultPreviewSender; got != want {
				t.Errorf("AMP-Email-Sender sent = %q, want %q", got, want)
			}
			if got, want := strings.Join(accepts, ","), "application/json"; got != want {
				t.Errorf("Accept sent = %q, want %q", got, want)
			}
		})
	}
}

// TestRenderPreviewFaults breaks one thing per endpoint and checks the
// problem is reported and the page shows the fallback (or, for a slow
// answer, still the items).
func TestRenderPreviewFaults(t *testing.T) {
	t.Parallel()
	good := `{"items":[{"name":"A"}]}`
	cases := []struct {
		name         string
		handler      http.HandlerFunc
		body         string         // default list("", itemTemplate)
		opt          PreviewOptions // Sender is set by the test
		closed       bool           // the server is closed before the fetch
		wantProblems []string       // substrings, one per expected problem, in order
		wantStatus   int
		wantFallback bool
	}{
		{
			name: "missing AMP-Email-Allow-Sender",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, good)
			},
			wantProblems: []string{"missing AMP-Email-Allow-Sender"}, wantStatus: 200, wantFallback: true,
		},
		{
			name: "only CORS version 1 headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("AMP-Access-Control-Allow-Source-Origin", "news@amplive.example")
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, good)
			},
			wantProblems: []string{"missing AMP-Email-Allow-Sender (the answer has only CORS version 1 headers"}, wantStatus: 200, wantFallback: true,
		},
		{
			name: "wrong AMP-Email-Allow-Sender",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("AMP-Email-Allow-Sender", "other@elsewhere.example")
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, good)
			},
			wantProblems: []string{`AMP-Email-Allow-Sender is "other@elsewhere.example", not the sender preview@amplive.example`}, wantStatus: 200, wantFallback: true,
		},
		{
			name: "redirect, even with a client that follows them",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v1/moved" {
					ampJSON(good)(w, r)
					return
				}
				w.Header().Set("AMP-Email-Allow-Sender", r.Header.Get("AMP-Email-Sender"))
				http.Redirect(w, r, "/v1/moved?t=eyJhbGciOiJIUzI1NiJ9.abc.def", http.StatusFound)
			},
			opt:          PreviewOptions{Client: &http.Client{}},
			wantProblems: []string{"redirect (302) to /v1/moved?t=eyJhbGci…: email clients refuse redirects"}, wantStatus: 302, wantFallback: true,
		},
		{
			name: "not JSON",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("AMP-Email-Allow-Sender", r.Header.Get("AMP-Email-Sender"))
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, "<html>oops</html>")
			},
			wantProblems: []string{`Content-Type is "text/html; charset=utf-8", not application/json`, "the answer is not JSON"}, wantStatus: 200, wantFallback: true,
		},
		{
			name:         "object without single-item",
			handler:      ampJSON(`{"items":{"name":"A"}}`),
			wantProblems: []string{`shape mismatch: items path "items" is an object; the snippet needs single-item`}, wantStatus: 200, wantFallback: true,
		},
		{
			name:         "items path missing",
			handler:      ampJSON(`{"products":[]}`),
			wantProblems: []string{`items path "items" is not in the answer`}, wantStatus: 200, wantFallback: true,
		},
		{
			name: "500",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("AMP-Email-Allow-Sender", r.Header.Get("AMP-Email-Sender"))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, `{"error":{"code":"internal"}}`)
			},
			wantProblems: []string{"HTTP 500 (not 2xx)"}, wantStatus: 500, wantFallback: true,
		},
		{
			name: "slow answer is reported but rendered",
			handler: func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(100 * time.Millisecond)
				ampJSON(good)(w, r)
			},
			opt:          PreviewOptions{Slow: 50 * time.Millisecond},
			wantProblems: []string{"slow answer: "}, wantStatus: 200,
		},
		{
			name: "timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
			opt:          PreviewOptions{Timeout: 50 * time.Millisecond},
			wantProblems: []string{"no answer within 50ms (timeout)"}, wantFallback: true,
		},
		{
			name: "connection refused", handler: ampJSON(good), closed: true,
			wantProblems: []string{"no answer: "}, wantFallback: true,
		},
		{
			name: "no template", handler: ampJSON(good),
			body:         list("", ""),
			wantProblems: []string{"no amp-mustache template"}, wantStatus: 200, wantFallback: true,
		},
		{
			name: "unknown template id", handler: ampJSON(good),
			body:         list(`template="nope"`, ""),
			wantProblems: []string{`template="nope": the document has no`}, wantStatus: 200, wantFallback: true,
		},
		{
			name: "mustache does not parse", handler: ampJSON(good),
			body:         list("", `<template type="amp-mustache"><p>{{#items}}{{name}}</p></template>`),
			wantProblems: []string{"the template does not parse"}, wantStatus: 200, wantFallback: true,
		},
		{
			name: "merge tag left in src", handler: ampJSON(good),
			body:         `<amp-list id="l" src="SERVER/v1/list?t={{amp_token}}">` + itemTemplate + `<div fallback>FALLBACK CONTENT</div></amp-list>`,
			wantProblems: []string{"src contains {{"}, wantFallback: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newPreviewServer(t, tc.handler)
			if tc.closed {
				srv.Close()
			}
			body := tc.body
			if body == "" {
				body = list("", itemTemplate)
			}
			opt := tc.opt
			opt.Sender = "preview@amplive.example"
			p, err := RenderPreview(context.Background(), previewDoc(body, srv.URL), opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Blocks) != 1 {
				t.Fatalf("blocks = %+v, want 1", p.Blocks)
			}
			b := p.Blocks[0]
			if len(b.Problems) != len(tc.wantProblems) {
				t.Fatalf("problems = %q, want %d like %q", b.Problems, len(tc.wantProblems), tc.wantProblems)
			}
			for i, w := range tc.wantProblems {
				if !strings.Contains(b.Problems[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, b.Problems[i], w)
				}
			}
			if b.Status != tc.wantStatus || b.Fallback != tc.wantFallback {
				t.Errorf("status %d, fallback %v; want %d, %v", b.Status, b.Fallback, tc.wantStatus, tc.wantFallback)
			}
			page := string(p.HTML)
			checkStatic(t, page)
			if got := strings.Contains(page, "FALLBACK CONTENT"); got != tc.wantFallback {
				t.Errorf("fallback shown = %v, want %v:\n%s", got, tc.wantFallback, page)
			}
			if got, want := strings.Contains(page, `<p class="item">A</p>`), !tc.wantFallback; got != want {
				t.Errorf("item shown = %v, want %v:\n%s", got, want, page)
			}
			for _, pr := range b.Problems { // the banner lists every problem
				if !strings.Contains(page, htmlEscape(pr)) {
					t.Errorf("banner lacks problem %q", pr)
				}
			}
			senders, _ := srv.sent()
			for _, s := range senders {
				if s != "preview@amplive.example" {
					t.Errorf("AMP-Email-Sender sent = %q", s)
				}
			}
		})
	}
}

// htmlEscape escapes s as html.Render escapes text.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestRenderPreviewNoFallback reports a failing block with no fallback.
func TestRenderPreviewNoFallback(t *testing.T) {
	t.Parallel()
	srv := newPreviewServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) })
	doc := previewDoc(`<amp-list src="SERVER/x">`+itemTemplate+`</amp-list>`, srv.URL)
	p, err := RenderPreview(context.Background(), doc, PreviewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"HTTP 404 (not 2xx): email clients show the fallback", "missing AMP-Email-Allow-Sender", "no fallback child: readers see an empty block"}
	if diff := cmp.Diff(want, p.Blocks[0].Problems); diff != "" {
		t.Errorf("problems (-want, +got):\n%s", diff)
	}
}

// TestRenderPreviewDocument covers documents rather than endpoints.
func TestRenderPreviewDocument(t *testing.T) {
	t.Parallel()
	if _, err := RenderPreview(context.Background(), []byte(" \n"), PreviewOptions{}); err == nil {
		t.Error("an empty document is not an error")
	}
	p, err := RenderPreview(context.Background(), previewDoc(`<p>static</p><amp-img src="https://x.example/a.png" width="10" height="10"><amp-img fallback src="https://x.example/b.png"></amp-img></amp-img>`, ""), PreviewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page := string(p.HTML)
	if len(p.Blocks) != 0 || !strings.Contains(page, "no amp-list in the document") || !strings.Contains(page, `<img src="https://x.example/a.png" width="10" height="10"/>`) || strings.Contains(page, "b.png") {
		t.Errorf("blocks %+v, page:\n%s", p.Blocks, page)
	}
	if p.Summary() != "no amp-list in the document" {
		t.Errorf("Summary() = %q", p.Summary())
	}
}

// TestRenderPreviewGolden previews a whole demo email against a fake
// amplive and compares the page with testdata/preview/email.golden.html.
func TestRenderPreviewGolden(t *testing.T) {
	t.Parallel()
	srv := newPreviewServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/recommendations":
			ampJSON(`{"items":[
				{"title":"Bike <Lite>","url":"https://shop.example/p/1","image":"https://shop.example/1.jpg","price_text":"$29.00","on_sale":true},
				{"title":"Mug","url":"https://shop.example/p/2","image":"https://shop.example/2.jpg","price_text":"$12.50","on_sale":false},
				{"title":"Cap","url":"https://shop.example/p/3","image":"https://shop.example/3.jpg","price_text":"$9.99"},
				{"title":"Never shown","url":"https://shop.example/p/4","image":"https://shop.example/4.jpg","price_text":"$1.00"}]}`)(w, r)
		case "/v1/profile":
			ampJSON(`{"first_name":"Otto","loyalty":{"points":1250,"tier":"gold"}}`)(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	doc, err := os.ReadFile("../testdata/preview/email.amp.html")
	if err != nil {
		t.Fatal(err)
	}
	doc = []byte(strings.ReplaceAll(string(doc), "SERVER", srv.URL))
	p, err := RenderPreview(context.Background(), doc, PreviewOptions{Slow: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range p.Blocks {
		if len(b.Problems) > 0 {
			t.Errorf("%s: %q", b, b.Problems)
		}
	}
	if got, want := p.Summary(), "2 blocks, all fine"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	golden(t, "../testdata/preview/email.golden.html", []byte(strings.ReplaceAll(string(p.HTML), srv.URL, "https://amplive.test")))
}

func TestSelectItems(t *testing.T) {
	t.Parallel()
	data, err := decodeJSON([]byte(`)]}'{"a":{"b":[1,2,3]},"o":{"x":1},"s":"str"}`), ")]}'")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path    string
		single  bool
		max     int
		want    []any
		wantErr string
	}{
		{path: "a.b", want: []any{jsNumber(1), jsNumber(2), jsNumber(3)}},
		{path: "a.b", max: 2, want: []any{jsNumber(1), jsNumber(2)}},
		{path: "a.b.1", single: true, want: []any{jsNumber(2)}},
		{path: "o", single: true, want: []any{map[string]any{"x": jsNumber(1)}}},
		{path: "o", wantErr: `shape mismatch: items path "o" is an object; the snippet needs single-item`},
		{path: "s", wantErr: `shape mismatch: items path "s" is a string, not an array`},
		{path: "a.c", wantErr: `items path "a.c" is not in the answer`},
		{path: ".", wantErr: `items path "." is an object`},
	}
	for _, tc := range cases {
		got, err := selectItems(data, tc.path, tc.single, tc.max)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err = %v, want %q", tc.path, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want, +got):\n%s", tc.path, diff)
		}
	}
}

func TestShortenToken(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"https://a.example/v1/r?t=eyJhbGciOiJIUzI1NiJ9.x.y&limit=3", "https://a.example/v1/r?t=eyJhbGci…&limit=3"},
		{"https://a.example/v1/r?limit=3&t=eyJhbGciOiJIUzI1NiJ9#f", "https://a.example/v1/r?limit=3&t=eyJhbGci…#f"},
		{"https://a.example/v1/r?t=short&at=eyJhbGciOiJIUzI1NiJ9", "https://a.example/v1/r?t=short&at=eyJhbGciOiJIUzI1NiJ9"},
		{"https://a.example/v1/r", "https://a.example/v1/r"},
	}
	for _, tc := range cases {
		if got := shortenToken(tc.in); got != tc.want {
			t.Errorf("shortenToken(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJSNumber(t *testing.T) {
	t.Parallel()
	cases := map[float64]string{0: "0", 29: "29", 29.5: "29.5", 1234567: "1234567", -0.25: "-0.25", 1e21: "1e+21", 1.5e-7: "1.5e-7", 1e-6: "0.000001"}
	for f, want := range cases {
		if got := jsNumber(f).String(); got != want {
			t.Errorf("jsNumber(%v) = %q, want %q", f, got, want)
		}
	}
}

// TestPreviewNotAnAMPEmail: a page without ⚡4email is reported as a whole,
// since no email client would run its AMP.
func TestPreviewNotAnAMPEmail(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"<html><body><p>Hello</p></body></html>", "\x00\x01 random bytes"} {
		p, err := RenderPreview(context.Background(), []byte(doc), PreviewOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Problems) != 1 || !strings.Contains(p.Problems[0], "not an AMP email") {
			t.Errorf("%q: problems %v", doc, p.Problems)
		}
	}
	p, err := RenderPreview(context.Background(), []byte(`<!doctype html><html amp4email><head></head><body></body></html>`), PreviewOptions{})
	if err != nil || len(p.Problems) != 0 {
		t.Errorf("an amp4email document: %v %v", p.Problems, err)
	}
}
