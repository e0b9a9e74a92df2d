package handlers

import (
	"net/http"
	"net/http/pprof"
	runtimepprof "runtime/pprof"

	"github.com/gin-gonic/gin"
)

// pprofRoutes mounts Go's profiler (net/http/pprof) on g, which routes.go
// puts at /debug/pprof behind the admin key when Deps.Pprof is set:
//
//	GET /debug/pprof/                 the index
//	GET /debug/pprof/profile          CPU profile (?seconds=N, default 30)
//	GET|POST /debug/pprof/symbol      program counters to function names (a POST
//	                                  body of at most 64 KiB, else 413)
//	GET /debug/pprof/trace            execution trace (?seconds=N)
//	GET /debug/pprof/{name}           each runtime/pprof profile: allocs, block,
//	                                  goroutine, heap, mutex, threadcreate (?debug=1 for text)
//
// cmdline is left out on purpose: the command line can carry secrets
// (--signing-keys, --webhook-secrets), and the admin key must not reach them.
// Importing net/http/pprof also registers these on http.DefaultServeMux,
// which amplive never serves.
func (s *Server) pprofRoutes(g *gin.RouterGroup) {
	g.GET("/", gin.WrapF(pprof.Index))
	g.GET("/profile", gin.WrapF(pprof.Profile))
	g.GET("/symbol", gin.WrapF(pprof.Symbol))
	g.POST("/symbol", maxBody(pprofSymbolBytes), gin.WrapF(pprof.Symbol))
	g.GET("/trace", gin.WrapF(pprof.Trace))
	for _, p := range runtimepprof.Profiles() {
		g.GET("/"+p.Name(), gin.WrapH(pprof.Handler(p.Name())))
	}
}

// pprofSymbolBytes bounds the body of POST /debug/pprof/symbol: thousands of
// program counters, more than any pprof client sends.
const pprofSymbolBytes = 64 << 10

// maxBody refuses a body over n bytes: 413 payload_too_large when its
// declared length is over, and a read error past n bytes when it is sent
// chunked (http.MaxBytesReader, which also closes the connection after).
func maxBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			fail(c, http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is too large")
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}
