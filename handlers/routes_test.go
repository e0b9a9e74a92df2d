package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
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
	for _, path := range []string{"/healthz", "/readyz"} {
		w := get(t, h, path, nil, http.Header{})
		if w.Code != http.StatusOK {
			t.Errorf("%s: status %d: %s", path, w.Code, w.Body)
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
