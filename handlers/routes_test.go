package handlers_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestNoRedirects: an email client's proxy may not follow redirects, so no
// path variant may answer 3xx.
func TestNoRedirects(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	tok := mint(t, "otto-3", "")
	for _, path := range []string{"/v1/recommendations/", "/v1//recommendations", "/V1/Recommendations", "/v1/cart/", "/nope"} {
		w := get(t, h, path, url.Values{"t": {tok}}, nil)
		if w.Code >= 300 && w.Code < 400 {
			t.Errorf("%s: redirect %d to %q", path, w.Code, w.Header().Get("Location"))
		}
		if w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, w.Code)
		}
		assertErrorCode(t, w.Body.Bytes(), "not_found")
	}
	// Wrong method: a JSON 404 too, not 405 with an HTML body.
	req := httptest.NewRequest(http.MethodDelete, "/v1/cart?t="+tok, nil)
	req.Header.Set("AMP-Email-Sender", allowedSender)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusNotFound {
		t.Errorf("DELETE: status %d, want 404", w.Code)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	for path, want := range map[string]string{"/healthz": `{"status":"ok"}`, "/readyz": `{"status":"ready"}`} {
		w := get(t, h, path, nil, http.Header{})
		if w.Code != http.StatusOK || w.Body.String() != want {
			t.Errorf("%s: status %d, body %s; want 200 %s", path, w.Code, w.Body, want)
		}
		req := httptest.NewRequest(http.MethodHead, path, nil)
		hw := httptest.NewRecorder()
		h.ServeHTTP(hw, req)
		if hw.Code != http.StatusOK {
			t.Errorf("HEAD %s: status %d", path, hw.Code)
		}
	}
	// The request id is echoed when sane, replaced when not.
	for in, wantSame := range map[string]bool{"abc-123": true, "bad id\r\n": false} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Header["X-Request-Id"] = []string{in}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if got := w.Header().Get("X-Request-Id"); (got == in) != wantSame || got == "" {
			t.Errorf("request id %q came back as %q", in, got)
		}
	}
}

// TestAccessLogKeepsSecretsOut: the access log names routes, never raw paths
// or queries, so tokens and profile ids stay out even from mistyped URLs.
func TestAccessLogKeepsSecretsOut(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{b: &bytes.Buffer{}}
	h := newHandlerLogging(t, shared, logs)
	tok := mint(t, "otto-3", "")
	get(t, h, "/v1/cart", url.Values{"t": {tok}}, nil)
	get(t, h, "/v1/cart&t="+tok, nil, nil) // "&" for "?": the token is in the path
	get(t, h, "/v1/countdown/otto-3-secret", url.Values{"t": {tok}}, nil)
	out := logs.String()
	for _, secret := range []string{tok, "otto-3", "t="} {
		if strings.Contains(out, secret) {
			t.Errorf("access log contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{`"route":"/v1/cart"`, `"route":"unmatched"`, `"route":"/v1/countdown/:campaign"`, `"status":200`, `"request_id":`} {
		if !strings.Contains(out, want) {
			t.Errorf("access log lacks %s:\n%s", want, out)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
