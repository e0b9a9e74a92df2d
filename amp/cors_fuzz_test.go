package amp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// The allow-list of FuzzCORSEvaluate: two exact addresses, one *@domain
// entry and Yahoo Mail's web origin.
var (
	fuzzCORSExact   = []string{"news@amplive.example", "amp@gmail.dev"}
	fuzzCORSDomains = []string{"shop.example"}
	fuzzCORSClients = []string{"https://mail.yahoo.com"}
)

// Bits of FuzzCORSEvaluate's shape argument: which headers and parameters
// the request carries (an empty value is not the same as none).
const (
	fuzzSender        = 1 << iota // AMP-Email-Sender: sender
	fuzzSenderTwice               // a second AMP-Email-Sender: sender
	fuzzOrigin                    // Origin: origin
	fuzzOriginTwice               // Origin: https://mail.google.com before the fuzzed one
	fuzzSource                    // __amp_source_origin=source
	fuzzSourceTwice               // a second __amp_source_origin=news@amplive.example
	fuzzPreflight                 // Access-Control-Request-Method: POST
	fuzzExposeAlready             // the response already exposes a header
)

// fuzzListed is the oracle of FuzzCORSEvaluate, read straight off the
// allow-list: addr's local part equals an exact entry's byte for byte and
// its domain equals it ASCII case-insensitively, or the domain is a *@domain
// entry's.
func fuzzListed(addr string) bool {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return false
	}
	local, domain := addr[:i], addr[i+1:]
	for _, e := range fuzzCORSExact {
		el, ed, _ := strings.Cut(e, "@")
		if local == el && strings.EqualFold(domain, ed) && isASCII(domain) {
			return true
		}
	}
	for _, d := range fuzzCORSDomains {
		if strings.EqualFold(domain, d) && isASCII(domain) {
			return true
		}
	}
	return false
}

// isASCII: strings.EqualFold folds Unicode (the Kelvin sign K matches k), the
// policy only ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// fuzzCORSRequest builds the request FuzzCORSEvaluate describes, directly
// (httptest.NewRequest would refuse odd methods and header values).
func fuzzCORSRequest(sender, origin, source, method string, shape uint8) *http.Request {
	q := url.Values{}
	if shape&fuzzSource != 0 {
		q.Add(QuerySourceOrigin, source)
	}
	if shape&fuzzSourceTwice != 0 {
		q.Add(QuerySourceOrigin, "news@amplive.example")
	}
	h := http.Header{}
	if shape&fuzzSender != 0 {
		h.Add(HeaderEmailSender, sender)
	}
	if shape&fuzzSenderTwice != 0 {
		h.Add(HeaderEmailSender, sender)
	}
	if shape&fuzzOriginTwice != 0 {
		h.Add("Origin", "https://mail.google.com")
	}
	if shape&fuzzOrigin != 0 {
		h.Add("Origin", origin)
	}
	if shape&fuzzPreflight != 0 {
		h.Set("Access-Control-Request-Method", http.MethodPost)
	}
	return &http.Request{
		Method: method, Header: h, Host: "live.example",
		URL:   &url.URL{Scheme: "https", Host: "live.example", Path: "/v1/cart", RawQuery: q.Encode()},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		RequestURI: "/v1/cart?" + q.Encode(),
	}
}

// fuzzHeaderOK reports whether every name and value of h could go on the
// wire as they are: no CR, LF or other control characters (no header
// injection, no response splitting).
func fuzzHeaderOK(h http.Header) bool {
	for name, vs := range h {
		if !httpguts.ValidHeaderFieldName(name) {
			return false
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) || strings.ContainsAny(v, "\r\n") {
				return false
			}
		}
	}
	return true
}

// fuzzWireRequest reports whether a net/http server would hand r to a
// handler at all: a token method and valid header names and values (it
// answers 400 otherwise).
func fuzzWireRequest(r *http.Request) bool {
	if r.Method == "" || !httpguts.ValidHeaderFieldName(r.Method) {
		return false
	}
	return fuzzHeaderOK(r.Header)
}

// FuzzCORSEvaluate feeds arbitrary AMP-Email-Sender, Origin and
// __amp_source_origin values and methods to CORSPolicy.Evaluate and Apply,
// and to the whole Browser (rs/cors) + Evaluate/Apply composition. It must
// never panic; a request is allowed only when its sender (v2) or source
// origin (v1) is on the policy's own list, or is the listed web-mail origin
// with Origin null or itself; the AMP header echoes the value byte for byte
// and is never "*"; applied headers never hold CR, LF or other control
// characters; Access-Control-Allow-Origin is one value, never "*", and is
// only sent for allowed v1 requests.
//
//	go test ./amp -run '^$' -fuzz '^FuzzCORSEvaluate$' -fuzztime 60s
func FuzzCORSEvaluate(f *testing.F) {
	v2, v1 := uint8(fuzzSender), uint8(fuzzOrigin|fuzzSource)
	seeds := []struct {
		sender, origin, source, method string
		shape                          uint8
	}{
		{"news@amplive.example", "", "", "GET", v2},
		{"amp@gmail.dev", "https://mail.google.com", "news@amplive.example", "POST", v2 | v1},
		{"anyone@SHOP.example", "", "", "GET", v2},
		{"News@amplive.example", "", "", "GET", v2},
		{"news@amplive.example.evil", "", "", "GET", v2},
		{"news@sub.shop.example", "", "", "GET", v2},
		{"", "", "", "GET", v2},
		{"news@amplive.example", "", "", "GET", v2 | fuzzSenderTwice},
		{"news@amplive.example\r\nSet-Cookie: a=b", "", "", "GET", v2},
		{"a\x00@shop.example", "", "", "GET", v2},
		{"*", "", "", "GET", v2},
		{"*@shop.example", "", "", "GET", v2},
		{"\xff@shop.example", "", "", "GET", v2},
		{"news@amplive.exampl\u212a", "", "", "GET", v2},
		{"", "https://mail.google.com", "news@amplive.example", "GET", v1},
		{"", "null", "amp@gmail.dev", "POST", v1},
		{"", "*", "news@amplive.example", "GET", v1},
		{"", "*", "news@amplive.example", "GET", v1 | fuzzOriginTwice},
		{"", "https://mail.google.com", "news@amplive.example", "GET", v1 | fuzzSourceTwice},
		{"", "https://evil.example", "news@amplive.example", "GET", v1 | fuzzOriginTwice},
		{"", "https://mail.google.com", "*", "GET", v1},
		{"", "https://mail.google.com", "", "GET", v1},
		{"", "https://mail.google.com", "x", "GET", fuzzOrigin},
		{"", "null", "https://mail.yahoo.com", "GET", v1},
		{"", "https://MAIL.yahoo.com", "https://mail.yahoo.com", "GET", v1},
		{"", "https://evil.example", "https://mail.yahoo.com", "GET", v1},
		{"", "null", "https://mail.yahoo.com/", "GET", v1},
		{"", "null", "https://mail.yahoo.com\r\nX: y", "GET", v1},
		{"", "https://mail.google.com\r\nX-Injected: 1", "news@amplive.example", "GET", v1},
		{"", "https://mail.google.com", "news@amplive.example", "OPTIONS", v1 | fuzzPreflight},
		{"news@amplive.example", "https://mail.google.com", "", "OPTIONS", v2 | fuzzOrigin | fuzzPreflight},
		{"", "https://mail.google.com", "news@amplive.example", "DELETE", v1 | fuzzExposeAlready},
		{"", "https://mail.google.com", "news@amplive.example", "GE T", v1},
		{"", "", "", "", 0},
	}
	for _, s := range seeds {
		f.Add(s.sender, s.origin, s.source, s.method, s.shape)
	}
	p, err := NewCORSPolicy(append(slices.Clone(fuzzCORSExact), "*@"+fuzzCORSDomains[0]), fuzzCORSClients)
	if err != nil {
		f.Fatal(err)
	}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := p.Evaluate(r)
		d.Apply(w.Header())
		if !d.Allowed {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	browser := p.Browser().Handler(inner)
	codes := []string{CodeSenderMissing, CodeSenderNotAllowed, CodeSourceOriginMissing}

	f.Fuzz(func(t *testing.T, sender, origin, source, method string, shape uint8) {
		r := fuzzCORSRequest(sender, origin, source, method, shape)
		before := r.Header.Clone()
		d := p.Evaluate(r)
		if !fuzzHeaderEqual(before, r.Header) {
			t.Fatal("Evaluate changed the request's headers")
		}

		// The version follows the headers present.
		senders, origins := r.Header.Values(HeaderEmailSender), r.Header.Get("Origin")
		sources := r.URL.Query()[QuerySourceOrigin]
		wantVersion := 0
		switch {
		case len(senders) > 0:
			wantVersion = 2
		case origins != "":
			wantVersion = 1
		}
		if d.Version != wantVersion {
			t.Fatalf("version %d, want %d", d.Version, wantVersion)
		}

		if !d.Allowed {
			if !slices.Contains(codes, d.Code) || d.Message == "" || len(d.Header) != 0 {
				t.Fatalf("refusal %+v: want a known code, a message and no headers", d)
			}
		} else {
			if d.Code != "" || d.Message != "" || len(d.Header) != 1 {
				t.Fatalf("allowed %+v: want no code or message and exactly one header", d)
			}
			var name, value string
			switch d.Version {
			case 2:
				// Allowed only for one listed sender, echoed byte for byte.
				if len(senders) != 1 || !fuzzListed(senders[0]) {
					t.Fatalf("v2 sender %q allowed, not on the list", senders)
				}
				name, value = HeaderEmailAllowSender, senders[0]
			case 1:
				// Allowed only for one listed sender as source origin, or
				// the listed web-mail origin with Origin null or itself.
				if len(sources) != 1 {
					t.Fatalf("v1 with source origins %q allowed", sources)
				}
				src := sources[0]
				client := slices.ContainsFunc(fuzzCORSClients, func(c string) bool { return isASCII(src) && strings.EqualFold(c, src) })
				viaClient := client && (origins == "null" || strings.EqualFold(origins, src))
				if !fuzzListed(src) && !viaClient {
					t.Fatalf("v1 source origin %q with Origin %q allowed, not on the list", src, origins)
				}
				name, value = HeaderAllowSourceOrigin, src
			default:
				t.Fatalf("allowed with version %d", d.Version)
			}
			if got := d.Header.Values(name); len(got) != 1 || got[0] != value || value == "*" {
				t.Fatalf("allow header %s: %q, want [%q], never *", name, got, value)
			}
		}

		// The converse for plain cases: a listed exact address is allowed.
		if wantVersion == 2 && len(senders) == 1 && slices.Contains(fuzzCORSExact, senders[0]) && !d.Allowed {
			t.Fatalf("listed sender %q refused: %+v", senders[0], d)
		}

		// Apply: onto headers that already hold something, twice.
		h := http.Header{"Content-Type": {"application/json"}}
		if shape&fuzzExposeAlready != 0 {
			h.Set(HeaderExposeHeaders, "X-Request-Id")
		}
		d.Apply(h)
		once := h.Clone()
		d.Apply(h)
		if !fuzzHeaderEqual(once, h) {
			t.Fatalf("Apply twice: %q, then %q", once, h)
		}
		if !fuzzHeaderOK(h) {
			t.Fatalf("applied headers %q hold a control character", h)
		}
		if got := h.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("Apply wrote Access-Control-Allow-Origin %q", got)
		}

		// The composition a server runs, for requests a server would accept.
		if !fuzzWireRequest(r) {
			return
		}
		w := httptest.NewRecorder()
		browser.ServeHTTP(w, r)
		got := w.Result().Header
		if !fuzzHeaderOK(got) {
			t.Fatalf("response headers %q hold a control character", got)
		}
		acao := got.Values("Access-Control-Allow-Origin")
		if slices.Contains(acao, "*") || len(acao) > 1 {
			t.Fatalf("Access-Control-Allow-Origin %q, want one origin, never * (request %q, query %q)", acao, r.Header, r.URL.RawQuery)
		}
		if len(acao) > 0 && (d.Version != 1 || !d.Allowed) {
			t.Fatalf("Access-Control-Allow-Origin %q for a decision %+v", acao, d)
		}
		if d.Allowed != (w.Code == http.StatusOK) && r.Method != http.MethodOptions {
			t.Fatalf("status %d for a decision %+v", w.Code, d)
		}
	})
}

func fuzzHeaderEqual(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		if !slices.Equal(va, b[k]) {
			return false
		}
	}
	return true
}
