package amp

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// appHandler stands in for the lead's gin middleware plus a route: Evaluate,
// Apply, 403 JSON when refused, 204 on OPTIONS, else a JSON body.
func appHandler(p *CORSPolicy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := p.Evaluate(r)
		d.Apply(w.Header())
		if !d.Allowed {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, d.Code, d.Message)
			return
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[]}`)
	})
}

func TestBrowserComposed(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, []string{"news@amplive.example"}, []string{"https://mail.yahoo.com"})
	srv := p.Browser().Handler(appHandler(p))

	const (
		sender  = "news@amplive.example"
		v1URL   = "/v1/recommendations?t=tok&" + QuerySourceOrigin + "=news%40amplive.example"
		json    = "application/json"
		expose  = "Amp-Access-Control-Allow-Source-Origin" // rs/cors canonicalizes ExposedHeaders
		gmail   = "https://mail.google.com"
		preVary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	)
	cases := []struct {
		name       string
		r          *http.Request
		wantStatus int
		want       http.Header
	}{
		{
			name:       "v1 allowed",
			r:          newReq("GET", v1URL, "Origin", gmail),
			wantStatus: http.StatusOK,
			want: hdr("Content-Type", json, "Vary", "Origin",
				"Access-Control-Allow-Origin", gmail,
				"Access-Control-Allow-Credentials", "true",
				"Access-Control-Expose-Headers", expose,
				HeaderAllowSourceOrigin, sender),
		},
		{
			name:       "v1 POST allowed",
			r:          newReq("POST", v1URL, "Origin", gmail),
			wantStatus: http.StatusOK,
			want: hdr("Content-Type", json, "Vary", "Origin",
				"Access-Control-Allow-Origin", gmail,
				"Access-Control-Allow-Credentials", "true",
				"Access-Control-Expose-Headers", expose,
				HeaderAllowSourceOrigin, sender),
		},
		{
			name:       "v1 Yahoo Origin null echoed",
			r:          newReq("GET", "/x?"+QuerySourceOrigin+"=https%3A%2F%2Fmail.yahoo.com", "Origin", "null"),
			wantStatus: http.StatusOK,
			want: hdr("Content-Type", json, "Vary", "Origin",
				"Access-Control-Allow-Origin", "null",
				"Access-Control-Allow-Credentials", "true",
				"Access-Control-Expose-Headers", expose,
				HeaderAllowSourceOrigin, "https://mail.yahoo.com"),
		},
		{
			name:       "v1 Origin null evil refused",
			r:          newReq("GET", "/x?"+QuerySourceOrigin+"=https%3A%2F%2Fevil.example", "Origin", "null"),
			wantStatus: http.StatusForbidden,
			want:       hdr("Content-Type", json, "Vary", "Origin"),
		},
		{
			name:       "v1 sender not allowed",
			r:          newReq("GET", "/x?"+QuerySourceOrigin+"=spam%40evil.example", "Origin", gmail),
			wantStatus: http.StatusForbidden,
			want:       hdr("Content-Type", json, "Vary", "Origin"),
		},
		{
			name:       "v2 with Origin gets no ACAO",
			r:          newReq("GET", v1URL, HeaderEmailSender, sender, "Origin", gmail),
			wantStatus: http.StatusOK,
			want:       hdr("Content-Type", json, "Vary", "Origin", HeaderEmailAllowSender, sender),
		},
		{
			name:       "v2 proxy request",
			r:          newReq("GET", "/x?t=tok", HeaderEmailSender, sender),
			wantStatus: http.StatusOK,
			want:       hdr("Content-Type", json, "Vary", "Origin", HeaderEmailAllowSender, sender),
		},
		{
			name:       "v2 refused",
			r:          newReq("GET", "/x?t=tok", HeaderEmailSender, "spam@evil.example", "Origin", gmail),
			wantStatus: http.StatusForbidden,
			want:       hdr("Content-Type", json, "Vary", "Origin"),
		},
		{
			name:       "neither",
			r:          newReq("GET", "/x?t=tok"),
			wantStatus: http.StatusForbidden,
			want:       hdr("Content-Type", json, "Vary", "Origin"),
		},
		{
			name: "preflight passes through to the app",
			r: newReq("OPTIONS", v1URL, "Origin", gmail,
				"Access-Control-Request-Method", "POST",
				"Access-Control-Request-Headers", "amp-email-sender,content-type"),
			wantStatus: http.StatusNoContent,
			want: hdr("Vary", preVary,
				"Access-Control-Allow-Origin", gmail,
				"Access-Control-Allow-Methods", "POST",
				"Access-Control-Allow-Headers", "amp-email-sender,content-type",
				"Access-Control-Allow-Credentials", "true",
				"Access-Control-Expose-Headers", HeaderAllowSourceOrigin, // from Apply; rs/cors omits it on preflights
				HeaderAllowSourceOrigin, sender),
		},
		{
			name: "preflight with a header we do not allow",
			r: newReq("OPTIONS", v1URL, "Origin", gmail,
				"Access-Control-Request-Method", "GET",
				"Access-Control-Request-Headers", "x-foo"),
			wantStatus: http.StatusNoContent,
			want: hdr("Vary", preVary,
				"Access-Control-Expose-Headers", HeaderAllowSourceOrigin,
				HeaderAllowSourceOrigin, sender),
		},
		{
			name:       "OPTIONS without preflight headers",
			r:          newReq("OPTIONS", "/x?t=tok", HeaderEmailSender, sender),
			wantStatus: http.StatusNoContent,
			want:       hdr("Vary", "Origin", HeaderEmailAllowSender, sender),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, tc.r)
			res := rec.Result()
			if got, want := res.StatusCode, tc.wantStatus; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
			if diff := cmp.Diff(tc.want, res.Header); diff != "" {
				t.Errorf("response headers (-want, +got):\n%s", diff)
			}
		})
	}
}

// TestBrowserOverTheWire checks the v1 "null" origin through a real server and
// client, where header names and values go through the wire format.
func TestBrowserOverTheWire(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, []string{"news@amplive.example"}, []string{"https://mail.yahoo.com"})
	ts := httptest.NewServer(p.Browser().Handler(appHandler(p)))
	t.Cleanup(ts.Close)

	req, err := http.NewRequest("GET", ts.URL+"/x?"+QuerySourceOrigin+"=https%3A%2F%2Fmail.yahoo.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "null")
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got := map[string]string{
		"status":                               res.Status,
		"Access-Control-Allow-Origin":          res.Header.Get("Access-Control-Allow-Origin"),
		"Access-Control-Expose-Headers":        res.Header.Get("Access-Control-Expose-Headers"),
		"Access-Control-Allow-Credentials":     res.Header.Get("Access-Control-Allow-Credentials"),
		HeaderAllowSourceOrigin:                res.Header.Get(HeaderAllowSourceOrigin),
		"values of " + HeaderAllowSourceOrigin: fmt.Sprint(len(res.Header.Values(HeaderAllowSourceOrigin))),
	}
	want := map[string]string{
		"status":                               "200 OK",
		"Access-Control-Allow-Origin":          "null",
		"Access-Control-Expose-Headers":        "Amp-Access-Control-Allow-Source-Origin",
		"Access-Control-Allow-Credentials":     "true",
		HeaderAllowSourceOrigin:                "https://mail.yahoo.com",
		"values of " + HeaderAllowSourceOrigin: "1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want, +got):\n%s", diff)
	}
}
