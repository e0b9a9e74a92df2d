package handlers

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// adminAuth admits requests whose Authorization is "Bearer <key>" for one of
// the admin keys (compared in constant time); others get 401. With no admin
// keys configured every admin request is refused.
func (s *Server) adminAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		scheme, got, ok := strings.Cut(c.GetHeader("Authorization"), " ")
		if ok && strings.EqualFold(scheme, "Bearer") && got != "" { // the scheme is case-insensitive (RFC 7235)
			for _, k := range s.adminKeys {
				// Constant time, never ==: an early-exit compare would let
				// answer timing reveal the key byte by byte. (Only a length
				// difference returns early; the length is not the secret.)
				// TestSecretNearMisses checks the near misses it refuses.
				if subtle.ConstantTimeCompare([]byte(got), []byte(k)) == 1 {
					c.Next()
					return
				}
			}
		}
		c.Header("WWW-Authenticate", `Bearer realm="amplive admin"`)
		fail(c, http.StatusUnauthorized, CodeAdminUnauthorized, "an admin key is required (Authorization: Bearer …)")
	}
}

// adminProfile is the answer of GET /v1/profiles/{id}.
type adminProfile struct {
	Profile any `json:"profile"`
}

// handleAdminProfile handles GET /v1/profiles/{id} (admin key): the profile
// as stored, read past the cache, with each field's event time in
// field_times; 404 profile_not_found for an unknown id.
func (s *Server) handleAdminProfile() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, found, err := s.store.LookupProfile(c.Request.Context(), c.Param("id"))
		if err != nil {
			s.log.Error("admin: profile lookup failed", "request_id", c.GetString(requestIDHeader), "err", err)
			fail(c, http.StatusServiceUnavailable, CodeStoreUnavailable, "the store does not answer")
			return
		}
		if !found {
			fail(c, http.StatusNotFound, CodeProfileNotFound, "no such profile")
			return
		}
		c.JSON(http.StatusOK, adminProfile{Profile: p})
	}
}
