package content

import "time"

// Event types accepted by POST /v1/events. Each has a JSON Schema under
// content/schemas (served at GET /v1/schemas/events.json).
const (
	EventProductViewed   = "product_viewed"   // {sku}
	EventCartUpdated     = "cart_updated"     // {items:[{sku, qty}]}: the whole cart
	EventOrderPlaced     = "order_placed"     // {order_id, items:[{sku, qty, price, currency}]}
	EventProfileUpdated  = "profile_updated"  // {first_name?, locale?, time_zone?, loyalty?{tier?, points?}, attributes?{}}
	EventProductUpdated  = "product_updated"  // {sku, title?, url?, image?, price?, currency?, category?, brand?, rating?, stock?, popularity?}
	EventCampaignUpdated = "campaign_updated" // {campaign_id, name?, ends_at?, time_zone?, expired_text?}
)

// Caps on a profile's history; the newest entries are kept.
const (
	MaxRecentViews = 50
	MaxPurchases   = 100
)

// Event is one validated event, decoded from the flat wire form
// {"id","type","at","profile_id",…payload fields}. ID is the sender's id
// (1–128 chars, the idempotency key); At is when it happened (UTC).
// ProfileID is set for profile events (product_viewed, cart_updated,
// order_placed, profile_updated) and empty otherwise. Exactly the payload
// of Type is set.
type Event struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	ProfileID string    `json:"profile_id,omitempty"`
	At        time.Time `json:"at"`

	SKU      string         `json:"sku,omitempty"`      // product_viewed
	Items    []EventItem    `json:"items,omitempty"`    // cart_updated, order_placed
	OrderID  string         `json:"order_id,omitempty"` // order_placed
	Profile  *ProfilePatch  `json:"-"`                  // profile_updated
	Product  *ProductPatch  `json:"-"`                  // product_updated
	Campaign *CampaignPatch `json:"-"`                  // campaign_updated
}

// EventItem is a line of a cart snapshot or an order. Price is in minor
// units of Currency (orders only; 0 and "" in carts).
type EventItem struct {
	SKU      string `json:"sku"`
	Qty      int64  `json:"qty"`
	Price    int64  `json:"price,omitempty"`
	Currency string `json:"currency,omitempty"`
}

// ProfilePatch holds the fields a profile_updated event names; nil means
// "not named, leave as is". An attribute set to nil is removed.
type ProfilePatch struct {
	FirstName  *string
	Locale     *string
	TimeZone   *string
	Tier       *string
	Points     *int64
	Attributes map[string]*string
}

// ProductPatch holds the catalog fields a product_updated event names, for
// the product SKU; nil means "leave as is". Price is in minor units.
type ProductPatch struct {
	SKU        string
	Title      *string
	URL        *string
	Image      *string
	Price      *int64
	Currency   *string
	Category   *string
	Brand      *string
	Rating     *float64
	Stock      *int64
	Popularity *int64
}

// CampaignPatch holds the fields a campaign_updated event names for the
// campaign ID; nil means "leave as is". EndsAt is a UTC instant.
type CampaignPatch struct {
	ID          string
	Name        *string
	EndsAt      *time.Time
	TimeZone    *string
	ExpiredText *string
	Style       *CampaignStyle // replaces the whole style
}

// EventError is one reason an event was refused: Index is its position in
// the batch (0 for a single event, -1 for the body as a whole: not JSON, an
// empty or oversized batch), Pointer the JSON pointer of the field within
// that event ("/items/2/qty", "" for the event as a whole).
type EventError struct {
	Index   int    `json:"index"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}
