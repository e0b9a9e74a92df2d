package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/content"
)

// handleCountdown handles GET /v1/countdown/{campaign}?t=…:
// {"items":{"ends_at","remaining_seconds","days","hours","minutes","seconds",
// "ended","ends_at_text",…}} computed from the server clock at each request.
// The end is written in the profile's zone when the token names a known
// profile, else in the campaign's. A token with an end claim (evergreen)
// counts down to its own deadline with the campaign's texts. A token minted
// for another campaign is refused (401 token_invalid); an unknown campaign
// is a 404.
func (s *Server) handleCountdown() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("campaign")
		if cmp := claimsOf(c).Campaign; cmp != "" && cmp != id {
			fail(c, http.StatusUnauthorized, CodeTokenInvalid, "the token is for another campaign")
			return
		}
		camp, ok := s.store.Campaign(id)
		if !ok {
			fail(c, http.StatusNotFound, CodeCampaignNotFound, "no such campaign")
			return
		}
		if end, ok := claimsOf(c).EndTime(); ok {
			camp.EndsAt = end // evergreen: the recipient's own deadline, minted into the token
		}
		read := s.readProfile(c)
		block := content.Countdown(camp, s.now(), read.Profile.TimeZone)
		block.Localize(read.Profile.Locale)
		block.Fallback = read.Fallback
		c.JSON(http.StatusOK, block)
	}
}
