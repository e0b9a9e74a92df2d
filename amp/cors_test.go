package amp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// mustPolicy builds a policy or fails the test.
func mustPolicy(tb testing.TB, senders, clients []string) *CORSPolicy {
	tb.Helper()
	p, err := NewCORSPolicy(senders, clients)
	if err != nil {
		tb.Fatalf("NewCORSPolicy: %v", err)
	}
	return p
}

// newReq builds a request; kv are header name/value pairs, added in order.
func newReq(method, target string, kv ...string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Add(kv[i], kv[i+1])
	}
	return r
}

// hdr builds an http.Header from name/value pairs, canonicalizing names.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestParseList(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"a", []string{"a"}},
		{" a@x.example ,, *@y.example ,\t", []string{"a@x.example", "*@y.example"}},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, ParseList(tc.in)); diff != "" {
			t.Errorf("ParseList(%q) (-want, +got):\n%s", tc.in, diff)
		}
	}
}

func TestNewCORSPolicyErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		senders []string
		clients []string
		wantErr string // "" means success
	}{
		{name: "ok", senders: []string{"news@amplive.example", "*@deals.example"}, clients: []string{"https://mail.yahoo.com"}},
		{name: "trimmed and empties dropped", senders: []string{" news@amplive.example ", "", "  "}, clients: []string{" https://mail.yahoo.com ", ""}},
		{name: "client origin with port", senders: []string{"a@b.example"}, clients: []string{"http://localhost:8080"}},
		{name: "no senders", senders: nil, wantErr: "none given"},
		{name: "only blank senders", senders: []string{" ", ""}, wantErr: "none given"},
		{name: "no at", senders: []string{"amplive.example"}, wantErr: `allowed sender 1 "amplive.example": no '@'`},
		{name: "empty domain", senders: []string{"news@"}, wantErr: "empty domain"},
		{name: "empty wildcard domain", senders: []string{"*@"}, wantErr: "empty domain"},
		{name: "empty local part", senders: []string{"@amplive.example"}, wantErr: "empty local part"},
		{name: "space inside", senders: []string{"news @amplive.example"}, wantErr: "white space"},
		{name: "tab inside", senders: []string{"a@b.example", "news@ampl\tive.example"}, wantErr: "allowed sender 2"},
		{name: "partial wildcard", senders: []string{"news*@amplive.example"}, wantErr: "'*' is only allowed"},
		{name: "wildcard domain", senders: []string{"*@*.amplive.example"}, wantErr: "domain must be"},
		{name: "two ats", senders: []string{"a@b@amplive.example"}, wantErr: "local part contains"},
		{name: "bad domain label", senders: []string{"news@amplive..example"}, wantErr: "domain must be"},
		{name: "client origin with path", senders: []string{"a@b.example"}, clients: []string{"https://mail.yahoo.com/"}, wantErr: `client origin 1 "https://mail.yahoo.com/"`},
		{name: "client origin null", senders: []string{"a@b.example"}, clients: []string{"null"}, wantErr: "scheme must be"},
		{name: "client origin bare host", senders: []string{"a@b.example"}, clients: []string{"mail.yahoo.com"}, wantErr: "scheme must be"},
		{name: "client origin with query", senders: []string{"a@b.example"}, clients: []string{"https://mail.yahoo.com?x=1"}, wantErr: "no path, query or fragment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewCORSPolicy(tc.senders, tc.clients)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("NewCORSPolicy: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewCORSPolicy succeeded, want error containing %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	// Config as an operator might type it: padded entries, an empty one.
	p := mustPolicy(t,
		ParseList(" news@amplive.example ,, *@deals.example , amp@gmail.dev "),
		ParseList(" https://mail.yahoo.com "))

	const (
		v2  = HeaderEmailSender
		src = "/v1/recommendations?t=tok&" + QuerySourceOrigin + "="
	)
	allowV2 := func(v string) CORSDecision {
		return CORSDecision{Version: 2, Allowed: true, Header: hdr(HeaderEmailAllowSender, v)}
	}
	allowV1 := func(v string) CORSDecision {
		return CORSDecision{Version: 1, Allowed: true, Header: hdr(HeaderAllowSourceOrigin, v)}
	}
	refused := func(version int, code string) CORSDecision {
		return CORSDecision{Version: version, Code: code}
	}
	cases := []struct {
		name string
		r    *http.Request
		want CORSDecision
	}{
		// Version 2.
		{"v2 exact", newReq("GET", "/x", v2, "news@amplive.example"), allowV2("news@amplive.example")},
		{"v2 domain case-insensitive, echoed verbatim", newReq("GET", "/x", v2, "news@AMPLIVE.Example"), allowV2("news@AMPLIVE.Example")},
		{"v2 local part case-sensitive", newReq("GET", "/x", v2, "News@Amplive.EXAMPLE"), refused(2, CodeSenderNotAllowed)},
		{"v2 wildcard domain, odd casing echoed", newReq("GET", "/x", v2, "News@Deals.EXAMPLE"), allowV2("News@Deals.EXAMPLE")},
		{"v2 wildcard excludes subdomains", newReq("GET", "/x", v2, "news@shop.deals.example"), refused(2, CodeSenderNotAllowed)},
		{"v2 wildcard rejects extra at", newReq("GET", "/x", v2, "a@b@deals.example"), refused(2, CodeSenderNotAllowed)},
		{"v2 playground sender", newReq("POST", "/x", v2, "amp@gmail.dev", "Origin", "https://amp.gmail.dev"), allowV2("amp@gmail.dev")},
		{"v2 not allowed", newReq("GET", "/x", v2, "spam@evil.example"), refused(2, CodeSenderNotAllowed)},
		{"v2 not an address", newReq("GET", "/x", v2, "amplive.example"), refused(2, CodeSenderNotAllowed)},
		{"v2 empty header", newReq("GET", "/x", v2, ""), refused(2, CodeSenderMissing)},
		{"v2 header twice", newReq("GET", "/x", v2, "news@amplive.example", v2, "news@amplive.example"), refused(2, CodeSenderNotAllowed)},
		{"v2 wins over v1", newReq("GET", src+"news%40amplive.example", v2, "news@amplive.example", "Origin", "https://mail.google.com"),
			allowV2("news@amplive.example")},
		{"v2 wins even when v1 would allow", newReq("GET", src+"news%40amplive.example", v2, "spam@evil.example", "Origin", "https://mail.google.com"),
			refused(2, CodeSenderNotAllowed)},

		// Neither.
		{"neither", newReq("GET", "/x"), refused(0, CodeSenderMissing)},
		{"source origin without Origin", newReq("GET", src+"news%40amplive.example"), refused(0, CodeSenderMissing)},

		// Version 1.
		{"v1 allowed", newReq("GET", src+"news%40amplive.example", "Origin", "https://mail.google.com"), allowV1("news@amplive.example")},
		{"v1 wildcard, verbatim echo", newReq("GET", src+"Promo%40DEALS.example", "Origin", "https://mail.google.com"), allowV1("Promo@DEALS.example")},
		{"v1 not allowed", newReq("GET", src+"spam%40evil.example", "Origin", "https://mail.google.com"), refused(1, CodeSenderNotAllowed)},
		{"v1 missing source origin", newReq("GET", "/x?t=tok", "Origin", "https://mail.google.com"), refused(1, CodeSourceOriginMissing)},
		{"v1 empty source origin", newReq("GET", src, "Origin", "https://mail.google.com"), refused(1, CodeSourceOriginMissing)},
		{"v1 source origin twice", newReq("GET", src+"news%40amplive.example&"+QuerySourceOrigin+"=news%40amplive.example", "Origin", "https://mail.google.com"),
			refused(1, CodeSenderNotAllowed)},
		{"v1 Origin null with allowed sender", newReq("GET", src+"news%40amplive.example", "Origin", "null"), allowV1("news@amplive.example")},

		// Yahoo Mail: Origin null, source origin is the client's web origin.
		{"yahoo allowed", newReq("GET", src+"https%3A%2F%2Fmail.yahoo.com", "Origin", "null"), allowV1("https://mail.yahoo.com")},
		{"yahoo odd casing echoed", newReq("GET", src+"HTTPS://Mail.Yahoo.com", "Origin", "null"), allowV1("HTTPS://Mail.Yahoo.com")},
		{"yahoo origin itself", newReq("GET", src+"https://mail.yahoo.com", "Origin", "https://mail.yahoo.com"), allowV1("https://mail.yahoo.com")},
		{"yahoo source, foreign Origin", newReq("GET", src+"https://mail.yahoo.com", "Origin", "https://evil.example"), refused(1, CodeSenderNotAllowed)},
		{"Origin null, unlisted client", newReq("GET", src+"https%3A%2F%2Fevil.example", "Origin", "null"), refused(1, CodeSenderNotAllowed)},
		{"Origin null, listed client plus path", newReq("GET", src+"https://mail.yahoo.com/", "Origin", "null"), refused(1, CodeSenderNotAllowed)},
		{"Origin null, unlisted sender", newReq("GET", src+"spam%40evil.example", "Origin", "null"), refused(1, CodeSenderNotAllowed)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := p.Evaluate(tc.r)
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(CORSDecision{}, "Message"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("decision (-want, +got):\n%s", diff)
			}
			if got.Allowed != (got.Message == "") {
				t.Errorf("Allowed = %v but Message = %q; want a message exactly when refused", got.Allowed, got.Message)
			}
		})
	}
}

func TestEvaluateWritesNothing(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, []string{"news@amplive.example"}, nil)
	r := newReq("GET", "/x?"+QuerySourceOrigin+"=news%40amplive.example", "Origin", "https://mail.google.com")
	before := r.Header.Clone()
	d := p.Evaluate(r)
	if !d.Allowed {
		t.Fatalf("decision = %+v, want allowed", d)
	}
	if diff := cmp.Diff(before, r.Header); diff != "" {
		t.Errorf("request headers changed (-before, +after):\n%s", diff)
	}
}

func TestMergeExposeHeaders(t *testing.T) {
	t.Parallel()
	const name = "AMP-Access-Control-Allow-Source-Origin"
	cases := []struct {
		name     string
		existing []string // field lines already present
		add      []string
		want     []string // field lines after; nil means absent
	}{
		{name: "absent", add: []string{name}, want: []string{name}},
		{name: "keeps existing", existing: []string{"X-Request-Id"}, add: []string{name}, want: []string{"X-Request-Id, " + name}},
		{name: "de-dup case-insensitive", existing: []string{"Amp-Access-Control-Allow-Source-Origin"}, add: []string{name}, want: []string{"Amp-Access-Control-Allow-Source-Origin"}},
		{name: "several lines joined", existing: []string{"A, b", " ,C"}, add: []string{"B", "d"}, want: []string{"A, b, C, d"}},
		{name: "duplicates within existing", existing: []string{"a, A"}, want: []string{"a"}},
		{name: "nothing at all", add: []string{"", " "}, want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for _, l := range tc.existing {
				h.Add(HeaderExposeHeaders, l)
			}
			MergeExposeHeaders(h, tc.add...)
			if diff := cmp.Diff(tc.want, h.Values(HeaderExposeHeaders)); diff != "" {
				t.Errorf("Access-Control-Expose-Headers (-want, +got):\n%s", diff)
			}
		})
	}

	t.Run("does not mutate a shared slice", func(t *testing.T) {
		t.Parallel()
		shared := []string{"Amp-Access-Control-Allow-Source-Origin"}
		h := http.Header{HeaderExposeHeaders: shared}
		MergeExposeHeaders(h, "X-Extra")
		if got, want := shared[0], "Amp-Access-Control-Allow-Source-Origin"; got != want {
			t.Errorf("shared slice changed to %q", got)
		}
	})
}

func TestApply(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, []string{"news@amplive.example"}, nil)
	cases := []struct {
		name string
		r    *http.Request
		pre  http.Header
		want http.Header
	}{
		{
			name: "v2",
			r:    newReq("GET", "/x", HeaderEmailSender, "news@amplive.example"),
			want: hdr(HeaderEmailAllowSender, "news@amplive.example"),
		},
		{
			name: "v1 merges expose headers",
			r:    newReq("GET", "/x?"+QuerySourceOrigin+"=news%40amplive.example", "Origin", "https://mail.google.com"),
			pre:  hdr(HeaderExposeHeaders, "X-Request-Id"),
			want: hdr(HeaderAllowSourceOrigin, "news@amplive.example", HeaderExposeHeaders, "X-Request-Id, "+HeaderAllowSourceOrigin),
		},
		{
			name: "refused adds nothing",
			r:    newReq("GET", "/x", HeaderEmailSender, "spam@evil.example"),
			pre:  hdr("Content-Type", "application/json"),
			want: hdr("Content-Type", "application/json"),
		},
		{
			name: "replaces, so twice is harmless",
			r:    newReq("GET", "/x", HeaderEmailSender, "news@amplive.example"),
			pre:  hdr(HeaderEmailAllowSender, "stale@amplive.example"),
			want: hdr(HeaderEmailAllowSender, "news@amplive.example"),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := tc.pre.Clone()
			if h == nil {
				h = http.Header{}
			}
			d := p.Evaluate(tc.r)
			d.Apply(h)
			d.Apply(h)
			if diff := cmp.Diff(tc.want, h); diff != "" {
				t.Errorf("headers (-want, +got):\n%s", diff)
			}
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	p := mustPolicy(b, []string{"news@amplive.example", "*@deals.example"}, []string{"https://mail.yahoo.com"})
	v2 := newReq("GET", "/x?t=tok", HeaderEmailSender, "news@amplive.example")
	v1 := newReq("GET", "/x?t=tok&"+QuerySourceOrigin+"=news%40amplive.example", "Origin", "https://mail.google.com")
	b.Run("v2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !p.Evaluate(v2).Allowed {
				b.Fatal("refused")
			}
		}
	})
	b.Run("v1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !p.Evaluate(v1).Allowed {
				b.Fatal("refused")
			}
		}
	})
}
