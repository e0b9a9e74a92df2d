package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/content"
)

// Event batches written at once, how long a batch waits for its turn by
// default (Deps.EventQueueWait), and how long its store writes may take.
// eventWriteTimeout is what makes a store that hangs (paused, partitioned)
// rather than fails answer 503 store_unavailable: without it the writes
// waited for the store as long as it hung, past the server's write timeout
// (15 s by default), and the sender got a cut connection. The queue wait
// plus this stays under that write timeout.
const (
	eventWriters          = 2
	defaultEventQueueWait = 5 * time.Second
	eventWriteTimeout     = 8 * time.Second
)

// eventsAnswer is the JSON answer of an accepted POST /v1/events.
type eventsAnswer struct {
	Applied    int `json:"applied"`    // events applied now
	Duplicates int `json:"duplicates"` // events whose id was seen before: acknowledged, not applied again
}

// invalidEventsBody is the 422 answer: every reason, per event and field.
type invalidEventsBody struct {
	Error struct {
		Code    string               `json:"code"`
		Message string               `json:"message"`
		Events  []content.EventError `json:"events"`
	} `json:"error"`
}

// handleEvents handles POST /v1/events: one event object or an array of at
// most 500, at most 1 MiB, signed in the Amplive-Signature header (see
// amp.SignatureHeader). The batch is validated whole before anything is
// written: 413 when too large, 401 signature_invalid, 422 invalid_events
// with {index, pointer, message} for every problem, 503 store_unavailable
// when the store fails or does not acknowledge within 8 s, and 503 busy
// (with Retry-After) when more batches arrive than the store can take (the
// sender retries; applying is idempotent).
// 200 {"applied","duplicates"} means the store acknowledged every write and
// the affected profiles' cached answers are already invalidated.
func (s *Server) handleEvents() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.webhook == nil {
			fail(c, http.StatusServiceUnavailable, CodeWebhooksOff, "event webhooks are not configured (AMPLIVE_WEBHOOK_SECRETS)")
			return
		}
		body, ok := readBody(c, content.MaxBatchBytes, "the body is over 1 MiB; send smaller batches")
		if !ok {
			s.countRejected(1)
			return
		}
		if err := s.webhook.Verify(c.GetHeader(amp.SignatureHeader), body, s.now()); err != nil {
			s.countRejected(1)
			fail(c, http.StatusUnauthorized, CodeSignatureInvalid, err.Error())
			return
		}
		events, problems := content.ParseEvents(body, s.now())
		if len(problems) > 0 {
			s.countRejected(batchLen(body))
			var b invalidEventsBody
			b.Error.Code = CodeInvalidEvents
			b.Error.Message = "the batch was refused whole; nothing was written"
			b.Error.Events = problems
			c.AbortWithStatusJSON(http.StatusUnprocessableEntity, b)
			return
		}
		// Back-pressure: a few batches write at a time; the rest wait a
		// little, then get 503 with Retry-After instead of a reply that the
		// server's write timeout would cut off.
		select {
		case s.eventSlots <- struct{}{}:
			defer func() { <-s.eventSlots }()
		case <-time.After(s.eventWait):
			c.Header("Retry-After", "2")
			fail(c, http.StatusServiceUnavailable, CodeBusy, "too many event batches at once; retry after 2 s")
			return
		case <-c.Request.Context().Done():
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), eventWriteTimeout)
		defer cancel()
		applied, dups, err := s.store.ApplyEvents(ctx, events)
		if err != nil {
			s.log.Error("events: store write failed", "request_id", c.GetString(requestIDHeader), "err", err,
				"applied", applied, "duplicates", dups, "batch", len(events))
			fail(c, http.StatusServiceUnavailable, CodeStoreUnavailable, "the store did not acknowledge the writes; retry the batch")
			return
		}
		c.JSON(http.StatusOK, eventsAnswer{Applied: applied, Duplicates: dups})
	}
}

// handleEventsSchema handles GET /v1/schemas/events.json: the JSON Schema
// (draft 2020-12) of the events POST /v1/events accepts.
func (s *Server) handleEventsSchema() gin.HandlerFunc {
	schema := content.EventsSchema()
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.Data(http.StatusOK, "application/schema+json", schema)
	}
}

// batchLen is the number of events in a refused batch, for
// amplive_events_total{result="rejected"}: the length of a JSON array, else
// 1 (one event object, or a body that is no batch at all). It parses the
// body again, but only on the refusal path.
func batchLen(body []byte) int {
	var batch []json.RawMessage
	if json.Unmarshal(body, &batch) == nil && len(batch) > 0 {
		return len(batch)
	}
	return 1
}
