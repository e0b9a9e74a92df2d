package handlers

import (
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// DefaultMaxInflight is Deps.MaxInflight's default, sized for a 2-core box:
// a cache-hit answer costs some 50 µs of CPU (≈ 40,000 a second on two
// cores), so 256 requests in flight means a backlog of several milliseconds
// when they are all CPU, and at most about a second's worth of live reads
// when the store is slow (each read gives up at its 250 ms deadline and
// falls back). Beyond that, queueing would only make every answer late.
const DefaultMaxInflight = 256

// shedRetryAfter is the Retry-After of a shed request, in seconds.
const shedRetryAfter = "2"

// shedClass is a request's priority under load: the higher the class, the
// larger the share of the in-flight budget it may use.
type shedClass int

const (
	classExempt shedClass = iota // probes and /metrics: never counted, never shed
	classBulk                    // admin, event ingest, the schema, pprof, unknown routes: shed first
	classAction                  // amp-form actions: an email's writes
	classLive                    // open-time reads of an email: shed last
)

// String names the class (for tests and docs).
func (c shedClass) String() string {
	return [...]string{"exempt", "bulk", "action", "live"}[c]
}

// liveRoutes are the open-time reads of an AMP email: the JSON blocks and
// the countdown images (/v1/countdown/{campaign}.gif shares the route).
var liveRoutes = map[string]bool{
	"/v1/recommendations":     true,
	"/v1/cart":                true,
	"/v1/profile":             true,
	"/v1/countdown/:campaign": true,
}

// exemptRoutes answer in microseconds and must keep answering under load:
// a shed probe would take the replica out of rotation, a shed scrape would
// hide the overload.
var exemptRoutes = map[string]bool{"/healthz": true, "/readyz": true, metricsPath: true}

// routeClass is the shedding class of a route template (gin's FullPath,
// "" for an unknown route).
func routeClass(route string) shedClass {
	switch {
	case exemptRoutes[route]:
		return classExempt
	case liveRoutes[route]:
		return classLive
	case strings.HasPrefix(route, "/v1/actions/"):
		return classAction
	}
	return classBulk
}

// shedder counts the requests in flight and admits a request of class c
// only while fewer than ceiling[c] are: one shared count with a ceiling per
// priority, so that bulk work never holds more than half of the budget and
// live reads always have the other half (and actions a quarter more) to
// themselves. It never queues: a request over its ceiling is refused at once.
type shedder struct {
	inflight atomic.Int64
	ceiling  [classLive + 1]int64
}

// newShedder returns a shedder for budget requests in flight (≤ 0 means
// DefaultMaxInflight). Every class gets at least one slot.
func newShedder(budget int) *shedder {
	if budget <= 0 {
		budget = DefaultMaxInflight
	}
	n := int64(budget)
	l := &shedder{}
	l.ceiling[classBulk] = max(1, n/2)
	l.ceiling[classAction] = max(1, n*3/4)
	l.ceiling[classLive] = n
	return l
}

// acquire takes a slot for class c if fewer than its ceiling are in use.
// The compare-and-swap never lets the count pass a ceiling, even briefly,
// so a burst of bulk requests cannot make a live read fail spuriously.
func (l *shedder) acquire(c shedClass) bool {
	ceiling := l.ceiling[c]
	for {
		n := l.inflight.Load()
		if n >= ceiling {
			return false
		}
		if l.inflight.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (l *shedder) release() { l.inflight.Add(-1) }

// shed bounds the work in flight (Deps.MaxInflight): a request over its
// class's share gets 503 overloaded with Retry-After before any of its work
// is done — no body read, no token check, no store access. Live reads and
// actions get their AMP CORS headers on that answer, so the email shows the
// block's fallback; a countdown image gets the neutral image (an image URL
// never answers with an error status). It runs after the access log and
// the metrics, which record the 503.
func (s *Server) shed() gin.HandlerFunc {
	return func(c *gin.Context) {
		class := routeClass(c.FullPath())
		if class == classExempt {
			c.Next()
			return
		}
		if !s.limiter.acquire(class) {
			s.overloaded(c, class)
			return
		}
		defer s.limiter.release()
		c.Next()
	}
}

// overloaded writes the answer of a shed request of class.
func (s *Server) overloaded(c *gin.Context, class shedClass) {
	const msg = "the server is overloaded; retry in a few seconds"
	c.Header("Retry-After", shedRetryAfter)
	if class == classBulk {
		fail(c, http.StatusServiceUnavailable, CodeOverloaded, msg)
		return
	}
	if class == classLive {
		if _, ext, ok := imageParam(c.Param("campaign")); ok {
			c.Abort()
			setImageNoCache(c.Writer.Header())
			s.neutralImage(c, neutralKind(ext), CodeOverloaded)
			return
		}
	}
	if d := s.cors.Evaluate(c.Request); d.Allowed {
		d.Apply(c.Writer.Header())
	}
	if class == classAction {
		failAction(c, http.StatusServiceUnavailable, CodeOverloaded, msg)
		return
	}
	fail(c, http.StatusServiceUnavailable, CodeOverloaded, msg)
}
