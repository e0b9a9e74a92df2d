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

	r.Use(s.observe(), s.recoverJSON(), s.requestID(), s.accessLog())
	// Every answer is private and not stored (the few routes that want
	// otherwise — probes, the schema, countdown images — set their own).
	r.Use(s.noStore())
	// Load shedding (shed.go): past its share of Deps.MaxInflight a request
	// gets 503 overloaded; admin and event ingest go first, live reads last.
	r.Use(s.shed())
	// Probes answer HEAD too: load balancers and uptime checkers use it.
	r.GET("/healthz", s.handleHealthz())
	r.HEAD("/healthz", s.handleHealthz())
	r.GET("/readyz", s.handleReadyz())
	r.HEAD("/readyz", s.handleReadyz())

	// Open-time reads by AMP emails: AMP CORS and a token on every one.
	live := r.Group("/v1", s.ampCORS(), s.token())
	live.GET("/recommendations", s.handleRecommendations())
	live.GET("/cart", s.handleCart())
	live.GET("/profile", s.handleProfile())

	// The countdown JSON shares its route with the countdown images
	// (/v1/countdown/{campaign}.gif|.png), which answer before the JSON
	// chain: no AMP CORS, an optional token, and never an error status.
	r.GET("/v1/countdown/:campaign", s.countdownImage(), s.ampCORS(), s.token(), s.handleCountdown())

	// amp-form actions: form bodies, AMP CORS and a token on every answer
	// (errors as {"ok":false,"error":{…}}), a per-token rate limit on writes.
	acts := r.Group("/v1/actions", s.ampCORSWith(failAction), s.tokenWith(failAction), s.actionForm())
	acts.POST("/more", s.handleMore()) // a read: not rate limited
	writes := acts.Group("", s.actionRateLimit())
	writes.POST("/notify", s.handleNotify())
	writes.POST("/offer", s.handleOffer())
	writes.POST("/preferences", s.handlePreferences())
	writes.POST("/rate", s.handleRate())

	// Server-to-server: signed event webhooks, their schema, admin reads.
	r.POST("/v1/events", s.handleEvents())
	r.GET("/v1/schemas/events.json", s.handleEventsSchema())
	r.GET("/v1/profiles/:id", s.adminAuth(), s.handleAdminProfile())
	r.PUT("/v1/campaigns/:id", s.adminAuth(), s.handleCampaignPut())
	r.GET("/v1/snippets/:block", s.adminAuth(), s.handleSnippet())
	r.POST("/v1/validate", s.adminAuth(), s.handleValidate())

	// Operations: Prometheus metrics (unauthenticated; no personal data in
	// any label) and, opt-in, Go's profiler behind the admin key.
	r.GET(metricsPath, s.handleMetrics())
	if s.pprof {
		s.pprofRoutes(r.Group("/debug/pprof", s.adminAuth()))
	}

	// Unknown routes and OPTIONS: JSON 404 or 204, with the AMP headers.
	r.NoRoute(s.ampCORS(), s.notFound())
	return r
}
