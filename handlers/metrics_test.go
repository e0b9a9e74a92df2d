package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/handlers"
	"github.com/amplive/amplive/store"
)

// opsDeps are the operational options of newOpsHandler.
type opsDeps struct {
	metrics *handlers.Metrics // nil: New makes its own
	stats   bool              // export the store's counters
	pprof   bool
}

// newOpsHandler is the real handler over st with webhook secrets, the admin
// key and the given metrics and pprof options.
func newOpsHandler(t *testing.T, st *store.Store, o opsDeps) http.Handler {
	t.Helper()
	secrets, err := amp.ParseWebhookSecrets(webhookNew)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := amp.NewCORSPolicy([]string{allowedSender}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := handlers.Deps{
		Store:     st,
		Tokens:    amp.NewVerifier(testKeys(t), testIssuer, amp.DefaultLeeway, func() time.Time { return testNow }),
		CORS:      policy,
		Webhook:   secrets,
		AdminKeys: []string{adminKey},
		Logger:    quietLogger(),
		Now:       tickingClock(),
		Metrics:   o.metrics,
		Pprof:     o.pprof,
	}
	if o.stats {
		d.Stats = statsOf(st)
	}
	h, err := handlers.New(d)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// statsOf adapts store.Stats as cmd/amplive does.
func statsOf(st *store.Store) func() handlers.StoreStats {
	return func() handlers.StoreStats {
		s := st.Stats()
		return handlers.StoreStats{CacheHits: s.Hits, CacheMisses: s.Misses, StoreReads: s.StoreReads,
			StoreErrors: s.StoreErrors, Fallbacks: s.Fallbacks, EventsApplied: s.EventsApplied,
			EventsDuplicate: s.EventsDuplicate, CacheCostBytes: s.CacheCostBytes}
	}
}

// scrape GETs /metrics as Prometheus does: no AMP headers, no key.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	w := get(t, h, "/metrics", nil, http.Header{})
	if w.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("GET /metrics Content-Type %q, want the text exposition format", ct)
	}
	return w.Body.String()
}

// value is the sample of series (name{labels} as exposed, labels sorted)
// in a scrape; missing fails the test.
func value(t *testing.T, scraped, series string) float64 {
	t.Helper()
	v, ok := lookup(scraped, series)
	if !ok {
		t.Fatalf("no series %s in /metrics:\n%s", series, scraped)
	}
	return v
}

func lookup(scraped, series string) (float64, bool) {
	for line := range strings.Lines(scraped) {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

// TestMetrics drives requests through the real router and reads them back
// from GET /metrics: per route template and status, the latency histogram,
// the store's cache counters, and no token, profile id or raw path.
func TestMetrics(t *testing.T) {
	t.Parallel()
	h := newOpsHandler(t, shared, opsDeps{stats: true})
	before := scrape(t, h)
	hits0 := value(t, before, "amplive_cache_hits_total")
	misses0 := value(t, before, "amplive_cache_misses_total")

	tok := mint(t, "otto-4", "")
	const opens = 5
	for range opens {
		if w := get(t, h, "/v1/profile", url.Values{"t": {tok}}, nil); w.Code != http.StatusOK {
			t.Fatalf("/v1/profile: %d %s", w.Code, w.Body)
		}
	}
	bad := "not-a-token-" + tok[:12]
	get(t, h, "/v1/cart", url.Values{"t": {bad}}, nil)                                           // 401
	get(t, h, "/v1/cart&t="+tok, nil, nil)                                                       // a mistyped URL: token in the path, 404
	get(t, h, "/v1/profiles/otto-4", nil, http.Header{})                                         // admin, no key: 401
	get(t, h, "/v1/countdown/demo-sale", url.Values{"t": {mint(t, "otto-4", "demo-sale")}}, nil) // 200

	// A profile read within the TTL is a cache hit once ristretto has
	// taken the first read in (its writes are buffered).
	got := scrape(t, h)
	for i := 0; value(t, got, "amplive_cache_hits_total") == hits0 && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
		get(t, h, "/v1/profile", url.Values{"t": {tok}}, nil)
		got = scrape(t, h)
	}
	profileOpens := value(t, got, `amplive_http_requests_total{route="/v1/profile",status="200"}`)

	cases := []struct {
		series string
		want   float64
	}{
		{`amplive_http_requests_total{route="/v1/cart",status="401"}`, 1},
		{`amplive_http_requests_total{route="unmatched",status="404"}`, 1},
		{`amplive_http_requests_total{route="/v1/profiles/:id",status="401"}`, 1},
		{`amplive_http_requests_total{route="/v1/countdown/:campaign",status="200"}`, 1},
		{`amplive_http_request_duration_seconds_count{route="/v1/profile"}`, profileOpens},
		{`amplive_http_request_duration_seconds_bucket{route="/v1/profile",le="+Inf"}`, profileOpens},
		{`amplive_catalog_products`, float64(shared.Catalog().Len())},
		{`amplive_events_total{result="rejected"}`, 0},
	}
	for _, tc := range cases {
		if v := value(t, got, tc.series); v != tc.want {
			t.Errorf("%s = %v, want %v", tc.series, v, tc.want)
		}
	}
	if profileOpens < opens {
		t.Errorf("/v1/profile 200s = %v, want ≥ %d", profileOpens, opens)
	}
	if hits, misses := value(t, got, "amplive_cache_hits_total"), value(t, got, "amplive_cache_misses_total"); hits <= hits0 || hits+misses-hits0-misses0 < profileOpens {
		t.Errorf("cache hits %v→%v, misses %v→%v after %v profile opens: want hits up, and hits+misses up by ≥ the opens", hits0, hits, misses0, misses, profileOpens)
	}
	for _, series := range []string{
		`amplive_http_request_duration_seconds_bucket{route="/v1/profile",le="0.0001"}`,
		`amplive_http_request_duration_seconds_bucket{route="/v1/profile",le="2.5"}`,
		"amplive_store_reads_total", "amplive_store_errors_total", "amplive_fallbacks_total",
		`amplive_events_total{result="applied"}`, `amplive_events_total{result="duplicate"}`,
		"amplive_cache_cost_bytes", "amplive_store_read_duration_seconds_count",
		"process_resident_memory_bytes", "go_goroutines",
	} {
		value(t, got, series)
	}
	if strings.Contains(got, `route="/metrics"`) {
		t.Errorf("/metrics counts its own scrapes in amplive_http_*")
	}
	for _, secret := range []string{tok, tok[:12], "otto-4", "/v1/cart&t="} {
		if strings.Contains(got, secret) {
			t.Errorf("/metrics contains %q", secret)
		}
	}
}

// TestMetricsWithoutStats: without Deps.Stats the store's counters are left
// out, the rest is served.
func TestMetricsWithoutStats(t *testing.T) {
	t.Parallel()
	got := scrape(t, newHandler(t, shared))
	if _, ok := lookup(got, "amplive_cache_hits_total"); ok {
		t.Errorf("amplive_cache_hits_total exported without Deps.Stats")
	}
	value(t, got, `amplive_events_total{result="rejected"}`)
	value(t, got, "amplive_catalog_products")
}

// TestMetricsEvents: applied, duplicate and rejected events, and the store
// read histogram fed by the store's hook.
func TestMetricsEvents(t *testing.T) {
	t.Parallel()
	m := handlers.NewMetrics()
	st, _, stop, err := openSeeded(context.Background(), t.TempDir(), store.Config{OnStoreRead: m.ObserveStoreRead})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	h := newOpsHandler(t, st, opsDeps{metrics: m, stats: true})

	const profile = "metrics-reader-77"
	ev := cartEvent("m-1", profile, testNow.Add(-time.Minute), "GGOEGAEJ163316")
	for range 2 { // applied, then a duplicate
		if w := post(t, h, ev, webhookNew, testNow); w.Code != http.StatusOK {
			t.Fatalf("event: %d %s", w.Code, w.Body)
		}
	}
	// A batch of three with one bad event is refused whole: three rejected.
	batch := fmt.Sprintf("[%s,%s,%s]", cartEvent("m-2", profile, testNow, "GGOEGAEJ163316"),
		`{"id":"m-3","type":"cart_updated"}`, cartEvent("m-4", profile, testNow, "GGOEGAEJ163316"))
	if w := post(t, h, batch, webhookNew, testNow); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad batch: %d %s", w.Code, w.Body)
	}
	// An unsigned batch is one rejection: its events are not looked at.
	if w := post(t, h, batch, "", testNow); w.Code != http.StatusUnauthorized {
		t.Fatalf("unsigned batch: %d %s", w.Code, w.Body)
	}
	if w := get(t, h, "/v1/cart", url.Values{"t": {mint(t, profile, "")}}, nil); w.Code != http.StatusOK {
		t.Fatalf("cart: %d %s", w.Code, w.Body)
	}

	got := scrape(t, h)
	cases := []struct {
		series string
		want   float64
	}{
		{`amplive_events_total{result="applied"}`, 1},
		{`amplive_events_total{result="duplicate"}`, 1},
		{`amplive_events_total{result="rejected"}`, 4},
		{`amplive_http_requests_total{route="/v1/events",status="200"}`, 2},
		{`amplive_http_requests_total{route="/v1/events",status="422"}`, 1},
		{`amplive_http_requests_total{route="/v1/events",status="401"}`, 1},
	}
	for _, tc := range cases {
		if v := value(t, got, tc.series); v != tc.want {
			t.Errorf("%s = %v, want %v", tc.series, v, tc.want)
		}
	}
	reads := value(t, got, "amplive_store_reads_total")
	if n := value(t, got, "amplive_store_read_duration_seconds_count"); n < 1 || n != reads {
		t.Errorf("amplive_store_read_duration_seconds_count = %v, amplive_store_reads_total = %v: want equal and ≥ 1", n, reads)
	}
	if strings.Contains(got, profile) {
		t.Errorf("/metrics names the profile %s", profile)
	}

	// One Metrics serves one handler.
	if _, err := handlers.New(handlers.Deps{Store: st, Tokens: amp.NewVerifier(testKeys(t), testIssuer, 0, time.Now),
		CORS: mustPolicy(t), Metrics: m}); err == nil {
		t.Error("New accepted Metrics already used by another handler")
	}
}

func mustPolicy(t *testing.T) *amp.CORSPolicy {
	t.Helper()
	p, err := amp.NewCORSPolicy([]string{allowedSender}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPprof: the profiler is off unless asked for, and admin-only when on.
func TestPprof(t *testing.T) {
	t.Parallel()
	off := newOpsHandler(t, shared, opsDeps{})
	on := newOpsHandler(t, shared, opsDeps{pprof: true})
	key := http.Header{"Authorization": {"Bearer " + adminKey}}
	wrongKey := http.Header{"Authorization": {"Bearer " + adminKey + "x"}}
	cases := []struct {
		name string
		h    http.Handler
		path string
		hdr  http.Header
		want int
	}{
		{"off", off, "/debug/pprof/", key, http.StatusNotFound},
		{"off, heap", off, "/debug/pprof/heap", key, http.StatusNotFound},
		{"on, no key", on, "/debug/pprof/", http.Header{}, http.StatusUnauthorized},
		{"on, wrong key", on, "/debug/pprof/heap", wrongKey, http.StatusUnauthorized},
		{"on, index", on, "/debug/pprof/", key, http.StatusOK},
		{"on, heap", on, "/debug/pprof/heap?debug=1", key, http.StatusOK},
		{"on, goroutine", on, "/debug/pprof/goroutine?debug=1", key, http.StatusOK},
		{"on, cmdline left out: it may carry secrets", on, "/debug/pprof/cmdline", key, http.StatusNotFound},
		{"on, symbol", on, "/debug/pprof/symbol", key, http.StatusOK},
		{"on, unknown profile", on, "/debug/pprof/nope", key, http.StatusNotFound},
		{"on, no trailing slash", on, "/debug/pprof", key, http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.Header = tc.hdr.Clone()
			w := httptest.NewRecorder()
			tc.h.ServeHTTP(w, req)
			if w.Code != tc.want {
				t.Fatalf("GET %s: %d, want %d: %.200s", tc.path, w.Code, tc.want, w.Body)
			}
			if tc.want == http.StatusOK && tc.path == "/debug/pprof/heap?debug=1" && !strings.Contains(w.Body.String(), "heap profile:") {
				t.Errorf("heap?debug=1 is not a text heap profile: %.200s", w.Body)
			}
		})
	}
	// /metrics is GET only.
	req := httptest.NewRequest(http.MethodPost, "/metrics", nil)
	w := httptest.NewRecorder()
	off.ServeHTTP(w, req)
	if w.Code != http.StatusNotFound {
		t.Errorf("POST /metrics: %d, want 404", w.Code)
	}
}
