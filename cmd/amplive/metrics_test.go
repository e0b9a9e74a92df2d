package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeMetrics: `serve` exposes GET /metrics without a key, with the
// request counters, the store's counters and the store read histogram
// (the store's hook is wired), and the profiler is off by default.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, _ := startDemoServer(t, ctx, filepath.Join(t.TempDir(), "data"))

	var tok bytes.Buffer
	if err := run(ctx, []string{"amplive", "token", "--demo", "--sub", "otto-3"}, noEnv, nil, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	if code, body := getStatus(t, base+"/v1/profile?t="+strings.TrimSpace(tok.String()), http.Header{"AMP-Email-Sender": {"news@amplive.example"}}); code != http.StatusOK {
		t.Fatalf("/v1/profile: %d %s", code, body)
	}
	code, got := getStatus(t, base+"/metrics", nil)
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, got)
	}
	for _, want := range []string{
		`amplive_http_requests_total{route="/v1/profile",status="200"} 1`,
		`amplive_http_requests_total{route="/readyz",status="200"}`,
		`amplive_http_request_duration_seconds_count{route="/v1/profile"} 1`,
		"amplive_cache_misses_total 1",
		"amplive_store_reads_total 1",
		"amplive_store_read_duration_seconds_count 1",
		"amplive_catalog_products 316",
		`amplive_events_total{result="rejected"} 0`,
		"amplive_cache_cost_bytes ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, secret := range []string{strings.TrimSpace(tok.String()), "otto-3"} {
		if strings.Contains(got, secret) {
			t.Errorf("/metrics contains %q", secret)
		}
	}
	if code, _ := getStatus(t, base+"/debug/pprof/", http.Header{"Authorization": {"Bearer " + demoAdminKey}}); code != http.StatusNotFound {
		t.Errorf("/debug/pprof/ without --pprof: %d, want 404", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestServePprof: AMPLIVE_PPROF=1 mounts the profiler behind the admin key.
func TestServePprof(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{prefix: "amplive listening on ", found: make(chan string, 1)}
	logs := &syncWriter{w: &bytes.Buffer{}}
	done := make(chan error, 1)
	getenv := func(k string) string {
		if k == "AMPLIVE_PPROF" {
			return "1"
		}
		return ""
	}
	go func() {
		done <- run(ctx, []string{"amplive", "serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data")}, getenv, nil, out, logs)
	}()
	var base string
	select {
	case base = <-out.found:
	case err := <-done:
		t.Fatalf("run returned early: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start within 60 s")
	}
	admin := http.Header{"Authorization": {"Bearer " + demoAdminKey}}
	cases := []struct {
		path string
		hdr  http.Header
		want int
	}{
		{"/debug/pprof/", nil, http.StatusUnauthorized},
		{"/debug/pprof/", admin, http.StatusOK},
		{"/debug/pprof/heap?debug=1", admin, http.StatusOK},
	}
	for _, tc := range cases {
		if code, body := getStatus(t, base+tc.path, tc.hdr); code != tc.want {
			t.Errorf("GET %s (key %v): %d, want %d: %.200s", tc.path, tc.hdr != nil, code, tc.want, body)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// getStatus GETs url with hdr and returns the status and body.
func getStatus(t *testing.T, url string, hdr http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = hdr.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}
