package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsPath is the route of the Prometheus scrape. Its own requests are
// not in amplive_http_*; promhttp_metric_handler_requests_total counts them.
const metricsPath = "/metrics"

// durationBuckets are the upper bounds, in seconds, of the latency
// histograms: a cache hit answers in well under a millisecond, a store
// read is bounded by its deadline (250 ms by default), a slow client by
// the server's timeouts.
var durationBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// StoreStats are the store's cumulative counters that GET /metrics
// exports; cmd/amplive fills them from store.Stats (handlers does not
// import store). Counts never go down while the process runs.
type StoreStats struct {
	CacheHits       uint64 // profile reads answered from a fresh cache entry
	CacheMisses     uint64 // profile reads that needed the store
	StoreReads      uint64 // profile queries sent to the store (misses after singleflight)
	StoreErrors     uint64 // of those, the ones that failed or timed out
	Fallbacks       uint64 // profile reads answered with stale or generic content
	EventsApplied   uint64 // events applied and recorded
	EventsDuplicate uint64 // events acknowledged without applying (id seen before)
	CacheCostBytes  int64  // current profile cache use, ≈ bytes
}

// Metrics are the Prometheus metrics of one HTTP handler, in a registry of
// their own (never prometheus.DefaultRegisterer), served at GET /metrics.
// Create them with NewMetrics before the store, so that the store's read
// hook can report to ObserveStoreRead, and pass them in Deps.Metrics; New
// makes its own when Deps.Metrics is nil. One Metrics serves one handler.
//
// Exported metric families (no label ever holds a token, profile id or
// raw path: route is gin's route template):
//
//	amplive_http_requests_total{route,status}      counter
//	amplive_http_request_duration_seconds{route}   histogram
//	amplive_store_read_duration_seconds            histogram (profile queries that reach the store)
//	amplive_cache_hits_total, amplive_cache_misses_total,
//	amplive_store_reads_total, amplive_store_errors_total,
//	amplive_fallbacks_total                        counters (Deps.Stats)
//	amplive_events_total{result="applied|duplicate|rejected"}  counter
//	amplive_cache_cost_bytes                       gauge (Deps.Stats)
//	amplive_catalog_products                       gauge
//	go_*, process_* (process_resident_memory_bytes …), promhttp_metric_handler_*
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	storeRead prometheus.Histogram
	rejected  atomic.Uint64 // events refused by POST /v1/events, see countRejected
	attached  atomic.Bool   // New has taken these metrics
	routes    sync.Map      // route template → *routeMetrics
}

// routeMetrics are one route's series that nearly every request touches,
// resolved once so that a request does no label lookup.
type routeMetrics struct {
	duration prometheus.Observer
	ok       prometheus.Counter // status 200
}

// route returns the cached series of route.
func (m *Metrics) route(route string) *routeMetrics {
	if rm, ok := m.routes.Load(route); ok {
		return rm.(*routeMetrics)
	}
	rm, _ := m.routes.LoadOrStore(route, &routeMetrics{
		duration: m.duration.WithLabelValues(route),
		ok:       m.requests.WithLabelValues(route, statusLabel(http.StatusOK)),
	})
	return rm.(*routeMetrics)
}

// NewMetrics makes the metrics with a new registry holding them and the Go
// runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "amplive_http_requests_total",
			Help: "HTTP requests answered, by route template (\"unmatched\" for unknown paths) and status code. GET /metrics is not counted.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "amplive_http_request_duration_seconds",
			Help:    "Time from the request reaching the router to the handler's return, by route template.",
			Buckets: durationBuckets,
		}, []string{"route"}),
		storeRead: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "amplive_store_read_duration_seconds",
			Help:    "Duration of the profile queries sent to the store (cache misses, once per profile at a time), failed ones included.",
			Buckets: durationBuckets,
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.storeRead,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveStoreRead records one profile query that reached the store: it
// has the shape of store.Config.OnStoreRead. Safe for concurrent use.
func (m *Metrics) ObserveStoreRead(d time.Duration, _ error) {
	m.storeRead.Observe(d.Seconds())
}

// attach registers the collector of the store's counters (stats, may be
// nil) and the catalog size; it fails when another handler has the metrics.
func (m *Metrics) attach(stats func() StoreStats, catalog CatalogSource) error {
	if !m.attached.CompareAndSwap(false, true) {
		return errors.New("handlers: Deps.Metrics is already used by another handler")
	}
	return m.reg.Register(&storeCollector{stats: stats, catalog: catalog, rejected: &m.rejected})
}

// countRejected counts events refused by POST /v1/events.
func (s *Server) countRejected(n int) { s.metrics.rejected.Add(uint64(n)) }

// observe is the request metrics middleware: one histogram observation and
// one counter increment per request, labelled with the route template.
// It runs outside recoverJSON, so a recovered panic counts as its 500.
func (s *Server) observe() gin.HandlerFunc {
	m := s.metrics
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := routeOf(c)
		if route == metricsPath {
			return
		}
		rm := m.route(route) // route templates are few: the cache stays small
		rm.duration.Observe(time.Since(start).Seconds())
		if status := c.Writer.Status(); status == http.StatusOK {
			rm.ok.Inc()
		} else {
			m.requests.WithLabelValues(route, statusLabel(status)).Inc()
		}
	}
}

// statusLabels holds the status label of every code below 600, so that
// labelling a request allocates nothing.
var statusLabels = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func statusLabel(code int) string {
	if code >= 0 && code < len(statusLabels) {
		return statusLabels[code]
	}
	return strconv.Itoa(code)
}

// handleMetrics handles GET /metrics: the Prometheus text exposition of
// the registry, unauthenticated. No label holds personal data (routes are
// templates, statuses are codes); the numbers are operational only.
func (s *Server) handleMetrics() gin.HandlerFunc {
	reg := s.metrics.reg
	h := promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError),
		Registry: reg, // counts promhttp_metric_handler_errors_total
	}))
	return gin.WrapH(h)
}

// storeCollector reads the store's counters at scrape time.
type storeCollector struct {
	stats    func() StoreStats // nil: only the catalog size and rejected events
	catalog  CatalogSource
	rejected *atomic.Uint64
}

var (
	descCacheHits   = prometheus.NewDesc("amplive_cache_hits_total", "Profile reads answered from a fresh cache entry.", nil, nil)
	descCacheMisses = prometheus.NewDesc("amplive_cache_misses_total", "Profile reads that needed the store (absent or older than the profile TTL).", nil, nil)
	descStoreReads  = prometheus.NewDesc("amplive_store_reads_total", "Profile queries sent to the store (cache misses after singleflight).", nil, nil)
	descStoreErrors = prometheus.NewDesc("amplive_store_errors_total", "Profile queries that failed or timed out (not found is no error).", nil, nil)
	descFallbacks   = prometheus.NewDesc("amplive_fallbacks_total", "Profile reads answered with stale or generic content because the store was slow, failing or closed.", nil, nil)
	descEvents      = prometheus.NewDesc("amplive_events_total", "Webhook events: applied, duplicate (id seen before, acknowledged) or rejected (refused by POST /v1/events: every event of a batch refused with 422; 1 per batch refused before its events were counted: bad signature, too large, unreadable).", []string{"result"}, nil)
	descCacheCost   = prometheus.NewDesc("amplive_cache_cost_bytes", "Current use of the profile cache, in bytes (ristretto cost units).", nil, nil)
	descProducts    = prometheus.NewDesc("amplive_catalog_products", "Products in the in-memory catalog snapshot.", nil, nil)
)

// Describe implements prometheus.Collector.
func (sc *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCacheHits, descCacheMisses, descStoreReads, descStoreErrors,
		descFallbacks, descEvents, descCacheCost, descProducts} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (sc *storeCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(descEvents, sc.rejected.Load(), "rejected")
	ch <- prometheus.MustNewConstMetric(descProducts, prometheus.GaugeValue, float64(sc.catalog.Catalog().Len()))
	if sc.stats == nil {
		return
	}
	st := sc.stats()
	counter(descCacheHits, st.CacheHits)
	counter(descCacheMisses, st.CacheMisses)
	counter(descStoreReads, st.StoreReads)
	counter(descStoreErrors, st.StoreErrors)
	counter(descFallbacks, st.Fallbacks)
	counter(descEvents, st.EventsApplied, "applied")
	counter(descEvents, st.EventsDuplicate, "duplicate")
	ch <- prometheus.MustNewConstMetric(descCacheCost, prometheus.GaugeValue, float64(st.CacheCostBytes))
}
