package handlers

import (
	"net/http/pprof"
	runtimepprof "runtime/pprof"

	"github.com/gin-gonic/gin"
)

// pprofRoutes mounts Go's profiler (net/http/pprof) on g, which routes.go
// puts at /debug/pprof behind the admin key when Deps.Pprof is set:
//
//	GET /debug/pprof/                 the index
//	GET /debug/pprof/cmdline          the command line
//	GET /debug/pprof/profile          CPU profile (?seconds=N, default 30; N must stay
//	                                  below the server's 15 s write timeout)
//	GET|POST /debug/pprof/symbol      program counters to function names
//	GET /debug/pprof/trace            execution trace (?seconds=N, same limit)
//	GET /debug/pprof/{name}           each runtime/pprof profile: allocs, block,
//	                                  goroutine, heap, mutex, threadcreate (?debug=1 for text)
//
// Importing net/http/pprof also registers these on http.DefaultServeMux,
// which amplive never serves.
func (s *Server) pprofRoutes(g *gin.RouterGroup) {
	g.GET("/", gin.WrapF(pprof.Index))
	g.GET("/cmdline", gin.WrapF(pprof.Cmdline))
	g.GET("/profile", gin.WrapF(pprof.Profile))
	g.GET("/symbol", gin.WrapF(pprof.Symbol))
	g.POST("/symbol", gin.WrapF(pprof.Symbol))
	g.GET("/trace", gin.WrapF(pprof.Trace))
	for _, p := range runtimepprof.Profiles() {
		g.GET("/"+p.Name(), gin.WrapH(pprof.Handler(p.Name())))
	}
}
