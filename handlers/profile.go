package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/content"
)

// handleProfile handles GET /v1/profile?t=…:
// {"items":{"known":true,"first_name":…,"tier":…,"points":…,"cart_count":…}},
// an object for amp-list single-item; "known":false for an unknown profile.
func (s *Server) handleProfile() gin.HandlerFunc {
	return func(c *gin.Context) {
		read, cat := s.readProfile(c), s.store.Catalog()
		s.answers.serve(c, memoKey("profile", claimsOf(c).Subject, ""), read, cat.LoadedAt(), func() any {
			return content.ProfileSummary(read, cat)
		})
	}
}
