package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkCacheHit measures one open-time request through the whole HTTP
// stack (rs/cors, gin, AMP CORS, token verification, content, JSON) with the
// profile already in the cache: go test ./handlers -run '^$' -bench CacheHit -benchmem
func BenchmarkCacheHit(b *testing.B) {
	h := newHandler(b, shared)
	tok := mint(b, "otto-3", "demo-sale")
	for _, path := range []string{"/v1/recommendations", "/v1/cart", "/v1/profile", "/v1/countdown/demo-sale"} {
		b.Run(path[4:], func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, path+"?"+url.Values{"t": {tok}}.Encode(), nil)
			req.Header.Set("AMP-Email-Sender", allowedSender)
			if w := httptest.NewRecorder(); true {
				h.ServeHTTP(w, req) // warm the cache
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkCountdownGIFCached measures serving a countdown GIF already
// rendered for this second (the common case under load):
// go test ./handlers -run '^$' -bench CountdownGIF -benchmem
func BenchmarkCountdownGIFCached(b *testing.B) {
	h := newHandler(b, shared)
	req := httptest.NewRequest(http.MethodGet, "/v1/countdown/demo-sale.gif", nil)
	h.ServeHTTP(httptest.NewRecorder(), req) // render once
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/gif")
}
