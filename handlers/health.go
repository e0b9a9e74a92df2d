package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// readyTimeout bounds the store ping of GET /readyz.
const readyTimeout = time.Second

// handleHealthz handles GET /healthz: 200 {"status":"ok"} while the process
// serves requests, whatever the store's state.
func (s *Server) handleHealthz() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	}
}

// handleReadyz handles GET /readyz: 200 {"status":"ready"} when the store
// answers a ping within a second, else 503 with code store_unavailable.
func (s *Server) handleReadyz() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
		defer cancel()
		if err := s.store.Ping(ctx); err != nil {
			s.log.Warn("readyz: store ping failed", "err", err)
			fail(c, http.StatusServiceUnavailable, CodeStoreUnavailable, "the store does not answer")
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	}
}
