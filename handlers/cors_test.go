package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// corsHeaders are the response headers the CORS matrix looks at.
var corsHeaders = []string{
	"AMP-Email-Allow-Sender",
	"Access-Control-Allow-Origin",
	"AMP-Access-Control-Allow-Source-Origin",
	"Access-Control-Expose-Headers",
	"Access-Control-Allow-Credentials",
}

func pick(h http.Header) map[string]string {
	out := map[string]string{}
	for _, k := range corsHeaders {
		if v := h.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}

// exposed is how rs/cors spells the exposed header (canonical form; header
// names are case-insensitive).
const exposed = "Amp-Access-Control-Allow-Source-Origin"

// TestCORSMatrix drives AMP for Email CORS v1 and v2 through the real
// engine: https://amp.dev/documentation/guides-and-tutorials/email/learn/cors-in-email
func TestCORSMatrix(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	tok := mint(t, "otto-3", "")
	v1 := map[string]string{
		"Access-Control-Allow-Origin":            "https://mail.google.com",
		"AMP-Access-Control-Allow-Source-Origin": allowedSender,
		"Access-Control-Expose-Headers":          exposed,
		"Access-Control-Allow-Credentials":       "true",
	}
	cases := []struct {
		name       string
		hdr        http.Header
		source     string // __amp_source_origin
		wantStatus int
		wantCode   string
		want       map[string]string
	}{
		{name: "v2 allowed, echoed byte for byte",
			hdr: http.Header{"AMP-Email-Sender": {allowedSender}}, wantStatus: 200,
			want: map[string]string{"AMP-Email-Allow-Sender": allowedSender}},
		{name: "v2 domain wildcard, domain case-insensitive",
			hdr: http.Header{"AMP-Email-Sender": {"deals@SHOP.example"}}, wantStatus: 200,
			want: map[string]string{"AMP-Email-Allow-Sender": "deals@SHOP.example"}},
		{name: "v2 Gmail playground sender (entry had whitespace in config)",
			hdr: http.Header{"AMP-Email-Sender": {"amp@gmail.dev"}}, wantStatus: 200,
			want: map[string]string{"AMP-Email-Allow-Sender": "amp@gmail.dev"}},
		{name: "v2 sender not allowed",
			hdr: http.Header{"AMP-Email-Sender": {"spam@evil.example"}}, wantStatus: 403, wantCode: "sender_not_allowed",
			want: map[string]string{}},
		{name: "v2 subdomain is not the domain",
			hdr: http.Header{"AMP-Email-Sender": {"x@mail.shop.example"}}, wantStatus: 403, wantCode: "sender_not_allowed",
			want: map[string]string{}},
		{name: "v1 allowed",
			hdr: http.Header{"Origin": {"https://mail.google.com"}}, source: allowedSender, wantStatus: 200, want: v1},
		{name: "v1 without __amp_source_origin",
			hdr: http.Header{"Origin": {"https://mail.google.com"}}, wantStatus: 403, wantCode: "source_origin_missing",
			want: map[string]string{}},
		{name: "v1 source origin not allowed",
			hdr: http.Header{"Origin": {"https://mail.google.com"}}, source: "spam@evil.example", wantStatus: 403, wantCode: "sender_not_allowed",
			want: map[string]string{}},
		{name: "both: v2 wins, no v1 headers",
			hdr: http.Header{"AMP-Email-Sender": {allowedSender}, "Origin": {"https://mail.google.com"}}, source: allowedSender, wantStatus: 200,
			want: map[string]string{"AMP-Email-Allow-Sender": allowedSender}},
		{name: "both, v2 sender not allowed: refused even though v1 would pass",
			hdr: http.Header{"AMP-Email-Sender": {"spam@evil.example"}, "Origin": {"https://mail.google.com"}}, source: allowedSender, wantStatus: 403, wantCode: "sender_not_allowed",
			want: map[string]string{}},
		{name: "neither",
			hdr: http.Header{"X-Nothing": {"1"}}, wantStatus: 403, wantCode: "sender_missing", want: map[string]string{}},
		{name: "Yahoo: Origin null with its client origin",
			hdr: http.Header{"Origin": {"null"}}, source: "https://mail.yahoo.com", wantStatus: 200,
			want: map[string]string{
				"Access-Control-Allow-Origin":            "null",
				"AMP-Access-Control-Allow-Source-Origin": "https://mail.yahoo.com",
				"Access-Control-Expose-Headers":          exposed,
				"Access-Control-Allow-Credentials":       "true",
			}},
		{name: "Origin null with another web origin",
			hdr: http.Header{"Origin": {"null"}}, source: "https://evil.example", wantStatus: 403, wantCode: "sender_not_allowed",
			want: map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := url.Values{"t": {tok}}
			if tc.source != "" {
				q.Set("__amp_source_origin", tc.source)
			}
			w := get(t, h, "/v1/profile", q, tc.hdr)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if tc.wantCode != "" {
				assertErrorCode(t, w.Body.Bytes(), tc.wantCode)
			}
			if diff := cmp.Diff(tc.want, pick(w.Header())); diff != "" {
				t.Errorf("CORS headers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCORSOnErrorsAndOptions: the AMP headers are on error answers too, and
// OPTIONS gets 204 with the same headers.
func TestCORSOnErrorsAndOptions(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	w := get(t, h, "/v1/cart", url.Values{"t": {"garbage"}}, nil)
	if w.Code != http.StatusUnauthorized || w.Header().Get("AMP-Email-Allow-Sender") != allowedSender {
		t.Errorf("bad token: status %d, allow-sender %q", w.Code, w.Header().Get("AMP-Email-Allow-Sender"))
	}
	cases := []struct {
		name       string
		hdr        http.Header
		target     string
		wantStatus int
		want       map[string]string
	}{
		{"v2", http.Header{"AMP-Email-Sender": {allowedSender}}, "/v1/recommendations", 204,
			map[string]string{"AMP-Email-Allow-Sender": allowedSender}},
		{"v1 preflight", http.Header{"Origin": {"https://mail.google.com"}, "Access-Control-Request-Method": {"GET"}},
			"/v1/recommendations?__amp_source_origin=" + url.QueryEscape(allowedSender), 204,
			map[string]string{
				"Access-Control-Allow-Origin":            "https://mail.google.com",
				"AMP-Access-Control-Allow-Source-Origin": allowedSender,
				"Access-Control-Expose-Headers":          "AMP-Access-Control-Allow-Source-Origin",
				"Access-Control-Allow-Credentials":       "true",
			}},
		{"not allowed", http.Header{"AMP-Email-Sender": {"spam@evil.example"}}, "/v1/recommendations", 403, map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodOptions, tc.target, nil)
			for k, v := range tc.hdr {
				req.Header[http.CanonicalHeaderKey(k)] = v
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tc.wantStatus)
			}
			if diff := cmp.Diff(tc.want, pick(w.Header())); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}
