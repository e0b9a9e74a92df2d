package handlers

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/amplive/amplive/content"
)

// applyServerEvent writes an event the server makes itself (an admin edit,
// a form submit) through the same validation and write path as a webhook
// event: fields are its payload (values marshal to JSON; json.RawMessage
// passes through), and id ("<idPrefix>-<now>"), type and at (now, UTC) are
// added. It returns the first validation problem (Pointer relative to the
// event), or the store's error; on either nothing is written.
func (s *Server) applyServerEvent(ctx context.Context, typ, idPrefix string, fields map[string]any) (*content.EventError, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	ev := make(map[string]any, len(fields)+3)
	for k, v := range fields {
		ev[k] = v
	}
	ev["id"] = idPrefix + "-" + strconv.FormatInt(now.UnixNano(), 36)
	ev["type"] = typ
	ev["at"] = now.Format(time.RFC3339Nano)
	body, err := json.Marshal(ev)
	if err != nil {
		return &content.EventError{Message: "the fields are not JSON: " + err.Error()}, nil
	}
	events, problems := content.ParseEvents(body, now)
	if len(problems) > 0 {
		return &problems[0], nil
	}
	_, _, err = s.store.ApplyEvents(ctx, events)
	return nil, err
}
