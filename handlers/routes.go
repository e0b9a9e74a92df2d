package handlers

import "github.com/gin-gonic/gin"

// engine builds the gin engine. Every route amplive serves is listed here.
func (s *Server) engine() *gin.Engine {
	r := gin.New()
	// An email client's proxy may not follow redirects: never send a 3xx.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = false
	_ = r.SetTrustedProxies(nil) // nothing in front is trusted by default; client IPs are not used

	r.Use(s.recoverJSON(), s.requestID(), s.accessLog())
	// Probes answer HEAD too: load balancers and uptime checkers use it.
	r.GET("/healthz", s.handleHealthz())
	r.HEAD("/healthz", s.handleHealthz())
	r.GET("/readyz", s.handleReadyz())
	r.HEAD("/readyz", s.handleReadyz())

	v1 := r.Group("/v1", s.noStore(), s.ampCORS(), s.token())
	v1.GET("/recommendations", s.handleRecommendations())
	v1.GET("/cart", s.handleCart())
	v1.GET("/profile", s.handleProfile())
	v1.GET("/countdown/:campaign", s.handleCountdown())

	// Unknown routes and OPTIONS: JSON 404 or 204, with the AMP headers.
	r.NoRoute(s.noStore(), s.ampCORS(), s.notFound())
	return r
}
