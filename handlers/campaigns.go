package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/content"
)

// campaignIDPattern is what a campaign id may look like.
var campaignIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// campaignPut is the body of PUT /v1/campaigns/{id}. The end is either an
// instant (ends_at, RFC 3339 with offset) or a wall-clock time in time_zone
// (ends_at_local, "2026-12-24T18:00:00"); pick ("earlier"/"later") chooses
// between the two instants of a local time that DST makes happen twice.
type campaignPut struct {
	Name        *string `json:"name"`
	EndsAt      *string `json:"ends_at"`
	EndsAtLocal *string `json:"ends_at_local"`
	Pick        string  `json:"pick"`
	TimeZone    *string `json:"time_zone"`
	ExpiredText *string `json:"expired_text"`
}

// campaignError is a refused campaign body: the field at fault.
type campaignError struct{ field, msg string }

func (e campaignError) Error() string { return e.field + ": " + e.msg }

// patch validates the body into a CampaignPatch for id.
func (b campaignPut) patch(id string) (*content.CampaignPatch, error) {
	p := &content.CampaignPatch{ID: id, Name: b.Name, ExpiredText: b.ExpiredText, TimeZone: b.TimeZone}
	if b.Name != nil && (len(*b.Name) == 0 || len(*b.Name) > 200) {
		return nil, campaignError{"name", "must be 1–200 characters"}
	}
	if b.ExpiredText != nil && len(*b.ExpiredText) > 500 {
		return nil, campaignError{"expired_text", "must be at most 500 characters"}
	}
	if b.TimeZone != nil {
		if _, err := content.LoadZone(*b.TimeZone); err != nil {
			return nil, campaignError{"time_zone", fmt.Sprintf("%q is not an IANA time zone such as Europe/Berlin", *b.TimeZone)}
		}
	}
	switch {
	case b.EndsAt != nil && b.EndsAtLocal != nil:
		return nil, campaignError{"ends_at", "give ends_at or ends_at_local, not both"}
	case b.EndsAt != nil:
		t, err := time.Parse(time.RFC3339, *b.EndsAt)
		if err != nil {
			return nil, campaignError{"ends_at", "must be an RFC 3339 instant with an offset, e.g. 2026-12-24T17:00:00Z"}
		}
		t = t.UTC()
		p.EndsAt = &t
	case b.EndsAtLocal != nil:
		if b.TimeZone == nil {
			return nil, campaignError{"time_zone", "is required with ends_at_local"}
		}
		t, err := content.LocalToInstant(*b.EndsAtLocal, *b.TimeZone, b.Pick)
		if err != nil {
			return nil, campaignError{"ends_at_local", err.Error()}
		}
		p.EndsAt = &t
	}
	if b.Pick != "" && b.EndsAtLocal == nil {
		return nil, campaignError{"pick", "only applies to ends_at_local"}
	}
	if p.Name == nil && p.EndsAt == nil && p.TimeZone == nil && p.ExpiredText == nil {
		return nil, campaignError{"", "name at least one field: name, ends_at or ends_at_local, time_zone, expired_text"}
	}
	return p, nil
}

// handleCampaignPut handles PUT /v1/campaigns/{id} (admin key): creates or
// updates a campaign with the fields the body names, through the same path
// as a campaign_updated event timed now, and answers {"campaign":{…}} as
// now stored. A refused body is a 422 invalid_campaign naming the field
// (a DST-skipped or doubled local end time says so); nothing is written.
func (s *Server) handleCampaignPut() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		if !campaignIDPattern.MatchString(id) {
			failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, "id", "must be 1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-'")
			return
		}
		raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10))
		if err != nil {
			fail(c, http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is over 64 KiB")
			return
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var body campaignPut
		if err := dec.Decode(&body); err != nil {
			failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, "", "the body must be a JSON object of the campaign fields: "+err.Error())
			return
		}
		patch, err := body.patch(id)
		var ce campaignError
		if errors.As(err, &ce) {
			failField(c, http.StatusUnprocessableEntity, CodeInvalidCampaign, ce.field, ce.msg)
			return
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		ev := content.Event{
			ID:       "admin-campaign-" + id + "-" + strconv.FormatInt(now.UnixNano(), 36),
			Type:     content.EventCampaignUpdated,
			At:       now,
			Campaign: patch,
		}
		if _, _, err := s.store.ApplyEvents(c.Request.Context(), []content.Event{ev}); err != nil {
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
