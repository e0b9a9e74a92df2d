package content

import "time"

// CountdownItem is the object inside the countdown block. RemainingSeconds
// is whole seconds left (rounded down) and is split into Days, Hours,
// Minutes and Seconds; all are 0 once Ended.
type CountdownItem struct {
	Campaign         string          `json:"campaign"`
	EndsAt           string          `json:"ends_at"` // RFC 3339, UTC
	RemainingSeconds int64           `json:"remaining_seconds"`
	Days             int64           `json:"days"`
	Hours            int64           `json:"hours"`
	Minutes          int64           `json:"minutes"`
	Seconds          int64           `json:"seconds"`
	Ended            bool            `json:"ended"`
	EndsAtText       string          `json:"ends_at_text"`           // the end in the reader's zone
	TimeZone         string          `json:"time_zone"`              // IANA zone of EndsAtText
	ExpiredText      string          `json:"expired_text,omitempty"` // the campaign's text for after the end
	Labels           CountdownLabels `json:"labels"`                 // unit words; see CountdownBlock.Localize
}

// CountdownBlock is the JSON answer of GET /v1/countdown/{campaign}:
// {"items":{…}} for amp-list single-item.
type CountdownBlock struct {
	Items    CountdownItem `json:"items"`
	Fallback bool          `json:"fallback,omitempty"`
}

// EndsAtLayout is how EndsAtText is written, e.g. "Tue 2 Dec 2026, 18:00 CET".
const EndsAtLayout = "Mon 2 Jan 2006, 15:04 MST"

// Countdown computes campaign c's countdown at server instant now (taken in
// UTC), with the end written in zone, an IANA name: the reader's zone when
// known, else the campaign's, else UTC. An empty or unknown zone falls back
// in that order. Values are computed per call and never cached. Labels
// are in the language of locale, a BCP 47 tag (see Localize).
func Countdown(c Campaign, now time.Time, zone, locale string) CountdownBlock {
	loc, name := resolveZone(zone, c.TimeZone)
	end := c.EndsAt.UTC()
	it := CountdownItem{
		Campaign:    c.ID,
		EndsAt:      end.Format(time.RFC3339),
		EndsAtText:  end.In(loc).Format(EndsAtLayout),
		TimeZone:    name,
		ExpiredText: c.ExpiredText,
	}
	left := int64(end.Sub(now.UTC()) / time.Second)
	if left <= 0 {
		it.Ended = true
		b := CountdownBlock{Items: it}
		b.Localize(locale)
		return b
	}
	it.RemainingSeconds = left
	it.Days = left / 86400
	it.Hours = left % 86400 / 3600
	it.Minutes = left % 3600 / 60
	it.Seconds = left % 60
	b := CountdownBlock{Items: it}
	b.Localize(locale)
	return b
}

// resolveZone loads the first valid IANA zone among names, else UTC.
func resolveZone(names ...string) (*time.Location, string) {
	for _, n := range names {
		if n == "" {
			continue
		}
		if loc, err := LoadZone(n); err == nil {
			return loc, n
		}
	}
	return time.UTC, "UTC"
}
