package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/content"
)

// handleRecommendations handles GET /v1/recommendations?t=…[&limit=N]:
// {"items":[{sku,title,url,image,price,currency,price_text,category,reason}]}
// for the token's profile (bestsellers for an unknown one or a campaign-wide
// token). limit is 1–20 (default 8; larger values are capped); anything
// else is a 400.
func (s *Server) handleRecommendations() gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := content.DefaultRecommendations
		if v := c.Query("limit"); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if errors.Is(err, strconv.ErrRange) {
				n, err = content.MaxRecommendations, nil
			}
			if err != nil || n < 1 {
				fail(c, http.StatusBadRequest, CodeBadRequest, "limit must be a whole number of at least 1 (at most 20 items are sent)")
				return
			}
			limit = int(min(n, content.MaxRecommendations))
		}
		read, cat := s.readProfile(c), s.store.Catalog()
		s.answers.serve(c, memoKey("recommendations", claimsOf(c).Subject, strconv.Itoa(limit)), read, cat.LoadedAt(), func() any {
			return content.Recommendations(read, cat, s.now(), limit)
		})
	}
}

// readProfile reads the token's profile; a token without sub reads as an
// unknown profile.
func (s *Server) readProfile(c *gin.Context) content.ProfileRead {
	sub := claimsOf(c).Subject
	if sub == "" {
		return content.ProfileRead{}
	}
	return s.store.ReadProfile(c.Request.Context(), sub)
}
