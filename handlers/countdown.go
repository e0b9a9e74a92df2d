package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/amp"
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
		camp, code := s.countdownCampaign(c.Param("campaign"), claimsOf(c))
		switch code {
		case CodeTokenInvalid:
			fail(c, http.StatusUnauthorized, code, "the token is for another campaign")
			return
		case CodeCampaignNotFound:
			fail(c, http.StatusNotFound, code, "no such campaign")
			return
		}
		read := s.readProfile(c)
		block := content.Countdown(camp, s.now(), read.Profile.TimeZone, read.Profile.Locale)
		block.Fallback = read.Fallback
		c.JSON(http.StatusOK, block)
	}
}

// countdownCampaign is what a countdown URL for campaign id shows under
// claims (nil or empty for no token): the campaign, with its deadline
// replaced by the token's evergreen end when it has one. code is "" or why
// nothing can be shown: CodeTokenInvalid for a token minted for another
// campaign, CodeCampaignNotFound for an unknown id.
func (s *Server) countdownCampaign(id string, claims *amp.Claims) (content.Campaign, string) {
	if claims != nil && claims.Campaign != "" && claims.Campaign != id {
		return content.Campaign{}, CodeTokenInvalid
	}
	camp, ok := s.store.Campaign(id)
	if !ok {
		return content.Campaign{}, CodeCampaignNotFound
	}
	if end, ok := claims.EndTime(); ok {
		camp.EndsAt = end // evergreen: the recipient's own deadline, minted into the token
	}
	return camp, ""
}
