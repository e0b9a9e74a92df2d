// Package content decides what each live block of an AMP email shows: ranked
// recommendations, the cart, the profile greeting and countdowns. It is pure
// Go over plain structs: no I/O, no clock of its own (callers pass "now"), no
// imports of other amplive packages. The struct tags let the store decode
// MongoDB documents straight into these types.
package content

import "time"

// Product is one catalog entry, keyed by SKU. Price is in the currency's
// minor units (cents for USD, yen for JPY); money is never a float.
type Product struct {
	SKU        string    `bson:"_id" json:"sku"`
	Title      string    `bson:"title" json:"title"`
	URL        string    `bson:"url" json:"url"`
	Image      string    `bson:"image,omitempty" json:"image,omitempty"` // "" when the catalog has no usable image
	Price      int64     `bson:"price" json:"price"`                     // minor units; 0 means "no price", never shown as free
	Currency   string    `bson:"currency" json:"currency"`               // ISO 4217, upper case
	Category   string    `bson:"category" json:"category"`
	Brand      string    `bson:"brand,omitempty" json:"brand,omitempty"`
	Rating     float64   `bson:"rating,omitempty" json:"rating,omitempty"` // 0–5, 0 when unknown
	Stock      int64     `bson:"stock" json:"stock"`                       // units available; ≤ 0 is out of stock
	Popularity int64     `bson:"popularity" json:"popularity"`             // higher sells more; ranks bestsellers
	UpdatedAt  time.Time `bson:"updated_at" json:"updated_at"`             // UTC
	// FieldTimes holds the event time (UTC) of each field's current value,
	// keyed by the field's JSON name, for last-writer-wins by event time.
	FieldTimes map[string]time.Time `bson:"field_times,omitempty" json:"field_times,omitempty"`
}

// Sellable reports whether p may be recommended: in stock and priced.
func (p Product) Sellable() bool { return p.Stock > 0 && p.Price > 0 }

// Profile is what amplive knows about one recipient, keyed by the retailer's
// customer id. Times are UTC instants.
type Profile struct {
	ID          string            `bson:"_id" json:"id"`
	EmailHash   string            `bson:"email_hash,omitempty" json:"email_hash,omitempty"` // hex SHA-256 of the lower-cased address
	FirstName   string            `bson:"first_name,omitempty" json:"first_name,omitempty"`
	Locale      string            `bson:"locale,omitempty" json:"locale,omitempty"`     // BCP 47, e.g. "de-DE"
	TimeZone    string            `bson:"timezone,omitempty" json:"timezone,omitempty"` // IANA, e.g. "Europe/Berlin"
	Loyalty     Loyalty           `bson:"loyalty" json:"loyalty"`
	Cart        []CartItem        `bson:"cart,omitempty" json:"cart,omitempty"`
	RecentViews []View            `bson:"recent_views,omitempty" json:"recent_views,omitempty"` // newest last, capped by the writer
	Purchases   []Purchase        `bson:"purchases,omitempty" json:"purchases,omitempty"`       // newest last, capped by the writer
	Attributes  map[string]string `bson:"attributes,omitempty" json:"attributes,omitempty"`
	UpdatedAt   time.Time         `bson:"updated_at" json:"updated_at"`
	// FieldTimes holds the event time (UTC) of each field's current value,
	// for last-writer-wins by event time. Keys: "first_name", "locale",
	// "timezone", "loyalty_tier", "loyalty_points", "cart", "attr:<name>".
	FieldTimes map[string]time.Time `bson:"field_times,omitempty" json:"field_times,omitempty"`
}

// Loyalty is a profile's loyalty programme state.
type Loyalty struct {
	Tier   string `bson:"tier,omitempty" json:"tier,omitempty"`
	Points int64  `bson:"points" json:"points"`
}

// CartItem is one line of a profile's current cart.
type CartItem struct {
	SKU     string    `bson:"sku" json:"sku"`
	Qty     int64     `bson:"qty" json:"qty"` // ≥ 1
	AddedAt time.Time `bson:"added_at" json:"added_at"`
}

// View is one product view.
type View struct {
	SKU string    `bson:"sku" json:"sku"`
	At  time.Time `bson:"at" json:"at"`
}

// Purchase is one ordered product.
type Purchase struct {
	SKU     string    `bson:"sku" json:"sku"`
	OrderID string    `bson:"order_id" json:"order_id"`
	At      time.Time `bson:"at" json:"at"`
}

// Campaign is a marketing campaign whose countdown emails show. EndsAt is a
// UTC instant; TimeZone (IANA) is only for display.
type Campaign struct {
	ID          string         `bson:"_id" json:"id"`
	Name        string         `bson:"name" json:"name"`
	EndsAt      time.Time      `bson:"ends_at" json:"ends_at"`
	TimeZone    string         `bson:"time_zone,omitempty" json:"time_zone,omitempty"`
	ExpiredText string         `bson:"expired_text,omitempty" json:"expired_text,omitempty"`
	Style       *CampaignStyle `bson:"style,omitempty" json:"style,omitempty"` // the countdown image's look; nil = defaults
	// FieldTimes holds the event time (UTC) of each field's current value,
	// keyed by the field's JSON name, for last-writer-wins by event time.
	FieldTimes map[string]time.Time `bson:"field_times,omitempty" json:"field_times,omitempty"`
}

// CampaignStyle is how a campaign's countdown image looks. Colours are
// "#RRGGBB"; empty fields and zero sizes take the image defaults (see
// CountdownStyle). Width is 120–1200 and Height 40–400 pixels.
type CampaignStyle struct {
	Background string          `bson:"background,omitempty" json:"background,omitempty"`
	Text       string          `bson:"text,omitempty" json:"text,omitempty"`
	Label      string          `bson:"label,omitempty" json:"label,omitempty"`
	Labels     CountdownLabels `bson:"labels,omitempty" json:"labels,omitempty"`
	Width      int             `bson:"width,omitempty" json:"width,omitempty"`
	Height     int             `bson:"height,omitempty" json:"height,omitempty"`
}

// ProfileRead is the outcome of reading one profile at open time. The store
// never fails a read outright: when it is slow or down it answers the last
// good copy (Known as before) or nothing (Known false), with Fallback set.
type ProfileRead struct {
	Profile  Profile // zero value when Known is false
	Known    bool    // the store holds this profile
	Fallback bool    // the answer is not fresh: the store was slow or failing
	// FetchedAt is when this copy was read from the store (zero when there
	// is none: no profile id, or nothing could be read). Two reads of one
	// profile with equal FetchedAt carry equal data, which lets callers
	// reuse what they computed from the first.
	FetchedAt time.Time
}
