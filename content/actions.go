package content

import "time"

// Offer is a profile's personal offer for a campaign: Code is shown to the
// reader; ExpiresAt (UTC) is when it stops being valid.
type Offer struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}
