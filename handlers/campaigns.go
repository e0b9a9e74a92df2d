package handlers

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/content"
)

// campaignIDPattern is what a campaign id may look like.
// No '.': /v1/countdown/{campaign}.gif reads what follows a dot as the
// image kind.
var campaignIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// campaignPut is the body of PUT /v1/campaigns/{id}: the fields of a
// campaign_updated event (name, ends_at, time_zone, expired_text, style) —
// checked by the same JSON Schema — plus ends_at_local, a wall-clock end in
// time_zone ("2026-12-24T18:00:00") converted with the zone's DST rules, and
// pick ("earlier"/"later") for a local time that happens twice.
type campaignPut struct {
	EndsAtLocal *string `json:"ends_at_local"`
	Pick        string  `json:"pick"`
	TimeZone    *string `json:"time_zone"`
}

// handleCampaignPut handles PUT /v1/campaigns/{id} (admin key): creates or
// updates a campaign with the fields the body names, as a campaign_updated
// event timed now (same validation and apply path), and answers
// {"campaign":{…}} as now stored. A refused body is a 422 invalid_campaign
// naming the field (a DST-skipped or doubled local end time says so);
// nothing is written.
func (s *Server) handleCampaignPut() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		if !campaignIDPattern.MatchString(id) {
			failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, "id", "must be 1–64 characters of A–Z, a–z, 0–9, '_' or '-'")
			return
		}
		raw, ok := readBody(c, 64<<10, "the body is over 64 KiB")
		if !ok {
			return
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
			failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, "", "the body must be a JSON object of campaign fields")
			return
		}
		var extra campaignPut
		_ = json.Unmarshal(raw, &extra) // shapes are checked below or by the schema
		delete(fields, "ends_at_local")
		delete(fields, "pick")
		switch {
		case extra.EndsAtLocal != nil && fields["ends_at"] != nil:
			failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, "ends_at", "give ends_at or ends_at_local, not both")
			return
		case extra.EndsAtLocal != nil:
			if extra.TimeZone == nil {
				failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, "time_zone", "is required with ends_at_local")
				return
			}
			if _, err := content.LoadZone(*extra.TimeZone); err != nil {
				failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, "time_zone", "not an IANA time zone such as Europe/Berlin")
				return
			}
			t, err := content.LocalToInstant(*extra.EndsAtLocal, *extra.TimeZone, extra.Pick)
			if err != nil {
				failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, "ends_at_local", err.Error())
				return
			}
			fields["ends_at"], _ = json.Marshal(t.Format(time.RFC3339))
		case extra.Pick != "":
			failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, "pick", "only applies to ends_at_local")
			return
		}
		for _, k := range []string{"id", "type", "at", "campaign_id"} {
			if _, given := fields[k]; given {
				failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, k, "is set by the URL and the server")
				return
			}
		}
		payload := make(map[string]any, len(fields)+1)
		for k, v := range fields {
			payload[k] = v
		}
		payload["campaign_id"] = id
		problem, err := s.applyServerEvent(c.Request.Context(), content.EventCampaignUpdated, "admin-campaign-"+id, payload)
		if problem != nil {
			failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, strings.TrimPrefix(problem.Pointer, "/"), problem.Message)
			return
		}
		if err != nil {
			s.log.Error("admin: campaign write failed", "request_id", c.GetString(requestIDHeader), "err", err)
			fail(c, http.StatusServiceUnavailable, CodeStoreUnavailable, "the store did not acknowledge the write; retry")
			return
		}
		camp, _ := s.store.Campaign(id)
		c.JSON(http.StatusOK, gin.H{"campaign": camp})
	}
}

// failField is fail with the field at fault, for admin bodies:
// {"error":{"code","message","field"}}.
func failField(c *gin.Context, status int, code, field, message string) {
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": message, "field": field}})
}
