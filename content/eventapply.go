package content

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// The apply functions below are pure: they fold one validated event (as
// ParseEvents returns it) into a document by event time, not arrival time.
// Scalar fields are last-writer-wins per field, their times recorded in the
// document's FieldTimes; an event at the same time as a field's current
// value does not replace it. Views and purchases are merged sets, ordered by
// time and capped. So applying an event twice changes nothing the second
// time, and events with distinct times give the same document in any
// arrival order (except a cart line's AddedAt, which remembers the first
// applied snapshot that held the SKU). They never modify a slice or map the
// document held before the call (callers keep cached copies that share
// them): whatever changes is copied first.

// ApplyProfileEvent folds a profile event (product_viewed, cart_updated,
// order_placed, profile_updated) into p and reports whether p changed.
// p must be the profile ev.ProfileID names, or the zero Profile for a new
// one (its ID is then set); an event for another profile, or of another
// type, changes nothing.
//
//   - product_viewed adds the view {SKU, At} unless that exact view is
//     already there, keeps the newest MaxRecentViews, oldest first.
//   - order_placed adds a purchase per line, deduplicated by (order id,
//     SKU), keeps the newest MaxPurchases, oldest first; and when the order
//     is newer than the cart snapshot (FieldTimes["cart"]) it takes the
//     ordered SKUs out of the cart. The snapshot time stays the snapshot's.
//   - cart_updated replaces the cart with the snapshot only if it is newer
//     than the current snapshot, less the SKUs bought after it (so an order
//     that arrived before an older snapshot still empties its lines); a line
//     keeps the AddedAt of its SKU when the SKU was already in the cart,
//     else AddedAt is the event's time. Both rules give the same cart in any
//     arrival order.
//   - profile_updated sets each named field that is newer than its field
//     time ("first_name", "locale", "timezone", "loyalty_tier",
//     "loyalty_points", "attr:<name>"); a nil attribute removes the
//     attribute, and its time is kept so an older set cannot revive it.
//
// UpdatedAt becomes the newest event time applied. All times are stored in UTC.
func ApplyProfileEvent(p *Profile, ev Event) bool {
	if ev.ProfileID == "" || (p.ID != "" && p.ID != ev.ProfileID) {
		return false
	}
	at := ev.At.UTC()
	times := fieldClock{m: &p.FieldTimes}
	var changed bool
	switch ev.Type {
	case EventProductViewed:
		changed = applyView(p, ev.SKU, at)
	case EventOrderPlaced:
		changed = applyOrder(p, &times, ev.OrderID, ev.Items, at)
	case EventCartUpdated:
		changed = applyCart(p, &times, ev.Items, at)
	case EventProfileUpdated:
		if ev.Profile != nil {
			changed = applyProfilePatch(p, &times, ev.Profile, at)
		}
	default:
		return false
	}
	if p.ID == "" {
		p.ID = ev.ProfileID
		changed = true
	}
	if changed && at.After(p.UpdatedAt) {
		p.UpdatedAt = at
	}
	return changed
}

func applyView(p *Profile, sku string, at time.Time) bool {
	for _, v := range p.RecentViews {
		if v.SKU == sku && v.At.Equal(at) {
			return false
		}
	}
	views := make([]View, 0, len(p.RecentViews)+1)
	views = append(views, p.RecentViews...)
	views = append(views, View{SKU: sku, At: at})
	slices.SortStableFunc(views, func(a, b View) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.SKU, b.SKU))
	})
	views = views[max(0, len(views)-MaxRecentViews):]
	if slices.EqualFunc(views, p.RecentViews, func(a, b View) bool { return a.SKU == b.SKU && a.At.Equal(b.At) }) {
		return false // the view was older than all the kept ones
	}
	p.RecentViews = views
	return true
}

func applyOrder(p *Profile, times *fieldClock, orderID string, items []EventItem, at time.Time) bool {
	changed := false
	type key struct{ order, sku string }
	have := make(map[key]bool, len(p.Purchases)+len(items))
	for _, b := range p.Purchases {
		have[key{b.OrderID, b.SKU}] = true
	}
	purchases := slices.Clone(p.Purchases)
	added := false
	for _, it := range items {
		k := key{orderID, it.SKU}
		if have[k] {
			continue
		}
		have[k] = true
		purchases = append(purchases, Purchase{SKU: it.SKU, OrderID: orderID, At: at})
		added = true
	}
	if added {
		slices.SortStableFunc(purchases, func(a, b Purchase) int {
			return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.OrderID, b.OrderID), cmp.Compare(a.SKU, b.SKU))
		})
		purchases = purchases[max(0, len(purchases)-MaxPurchases):]
		if !slices.EqualFunc(purchases, p.Purchases, func(a, b Purchase) bool {
			return a.SKU == b.SKU && a.OrderID == b.OrderID && a.At.Equal(b.At)
		}) {
			p.Purchases = purchases
			changed = true
		}
	}
	if times.newer("cart", at) {
		ordered := make(map[string]bool, len(items))
		for _, it := range items {
			ordered[it.SKU] = true
		}
		var cart []CartItem
		for _, c := range p.Cart {
			if !ordered[c.SKU] {
				cart = append(cart, c)
			}
		}
		if len(cart) != len(p.Cart) {
			p.Cart = cart
			changed = true
		}
	}
	return changed
}

func applyCart(p *Profile, times *fieldClock, items []EventItem, at time.Time) bool {
	if !times.newer("cart", at) {
		return false
	}
	addedAt := make(map[string]time.Time, len(p.Cart))
	for _, c := range p.Cart {
		addedAt[c.SKU] = c.AddedAt
	}
	boughtAfter := map[string]bool{}
	for _, b := range p.Purchases {
		if b.At.After(at) {
			boughtAfter[b.SKU] = true
		}
	}
	var cart []CartItem
	for _, it := range items {
		if boughtAfter[it.SKU] {
			continue
		}
		t, ok := addedAt[it.SKU]
		if !ok {
			t = at
		}
		cart = append(cart, CartItem{SKU: it.SKU, Qty: it.Qty, AddedAt: t})
	}
	p.Cart = cart
	times.set("cart", at)
	return true
}

func applyProfilePatch(p *Profile, times *fieldClock, pp *ProfilePatch, at time.Time) bool {
	changed := false
	setString := func(key string, v *string, dst *string) {
		if v != nil && times.newer(key, at) {
			*dst = *v
			times.set(key, at)
			changed = true
		}
	}
	setString("first_name", pp.FirstName, &p.FirstName)
	setString("locale", pp.Locale, &p.Locale)
	setString("timezone", pp.TimeZone, &p.TimeZone)
	setString("loyalty_tier", pp.Tier, &p.Loyalty.Tier)
	if pp.Points != nil && times.newer("loyalty_points", at) {
		p.Loyalty.Points = *pp.Points
		times.set("loyalty_points", at)
		changed = true
	}
	var attrs map[string]string // a copy of p.Attributes once one is written
	for _, name := range slices.Sorted(maps.Keys(pp.Attributes)) {
		key := "attr:" + name
		if !times.newer(key, at) {
			continue
		}
		if attrs == nil {
			attrs = make(map[string]string, len(p.Attributes)+len(pp.Attributes))
			maps.Copy(attrs, p.Attributes)
		}
		if v := pp.Attributes[name]; v != nil {
			attrs[name] = *v
		} else {
			delete(attrs, name)
		}
		times.set(key, at)
		changed = true
	}
	if attrs != nil {
		if len(attrs) == 0 {
			attrs = nil
		}
		p.Attributes = attrs
	}
	return changed
}

// ApplyProductEvent folds a product_updated event into p and reports
// whether p changed. p must be the product ev.Product.SKU names, or the
// zero Product for a new one (its SKU is then set); any other event changes
// nothing. Each named field is set when the event is newer than the field's
// time in p.FieldTimes, keyed by its JSON name ("title", "price", …); Price
// is in minor units of Currency, which always come together. UpdatedAt
// becomes the newest event time applied (UTC).
func ApplyProductEvent(p *Product, ev Event) bool {
	pp := ev.Product
	if ev.Type != EventProductUpdated || pp == nil || pp.SKU == "" || (p.SKU != "" && p.SKU != pp.SKU) {
		return false
	}
	at := ev.At.UTC()
	w := lww{times: fieldClock{m: &p.FieldTimes}, at: at}
	field := w.field
	field("title", pp.Title != nil, func() { p.Title = *pp.Title })
	field("url", pp.URL != nil, func() { p.URL = *pp.URL })
	field("image", pp.Image != nil, func() { p.Image = *pp.Image })
	field("price", pp.Price != nil, func() { p.Price = *pp.Price })
	field("currency", pp.Currency != nil, func() { p.Currency = *pp.Currency })
	field("category", pp.Category != nil, func() { p.Category = *pp.Category })
	field("brand", pp.Brand != nil, func() { p.Brand = *pp.Brand })
	field("rating", pp.Rating != nil, func() { p.Rating = *pp.Rating })
	field("stock", pp.Stock != nil, func() { p.Stock = *pp.Stock })
	field("popularity", pp.Popularity != nil, func() { p.Popularity = *pp.Popularity })
	if p.SKU == "" {
		p.SKU = pp.SKU
		w.changed = true
	}
	if w.changed && at.After(p.UpdatedAt) {
		p.UpdatedAt = at
	}
	return w.changed
}

// ApplyCampaignEvent folds a campaign_updated event into c and reports
// whether c changed. c must be the campaign ev.Campaign.ID names, or the
// zero Campaign for a new one (its ID is then set); any other event changes
// nothing. Each named field is set when the event is newer than the field's
// time in c.FieldTimes, keyed by its JSON name ("name", "ends_at",
// "time_zone", "expired_text"). EndsAt is stored in UTC.
func ApplyCampaignEvent(c *Campaign, ev Event) bool {
	cp := ev.Campaign
	if ev.Type != EventCampaignUpdated || cp == nil || cp.ID == "" || (c.ID != "" && c.ID != cp.ID) {
		return false
	}
	w := lww{times: fieldClock{m: &c.FieldTimes}, at: ev.At.UTC()}
	field := w.field
	field("name", cp.Name != nil, func() { c.Name = *cp.Name })
	field("ends_at", cp.EndsAt != nil, func() { c.EndsAt = cp.EndsAt.UTC() })
	field("time_zone", cp.TimeZone != nil, func() { c.TimeZone = *cp.TimeZone })
	field("expired_text", cp.ExpiredText != nil, func() { c.ExpiredText = *cp.ExpiredText })
	field("style", cp.Style != nil, func() { st := *cp.Style; c.Style = &st })
	if c.ID == "" {
		c.ID = cp.ID
		w.changed = true
	}
	return w.changed
}

// lww applies named fields last-writer-wins: field sets a field (apply)
// when the event names it and is newer than the field's time, then records
// the time; changed reports whether any field was set.
type lww struct {
	times   fieldClock
	at      time.Time
	changed bool
}

func (w *lww) field(key string, named bool, apply func()) {
	if named && w.times.newer(key, w.at) {
		apply()
		w.times.set(key, w.at)
		w.changed = true
	}
}

// fieldClock reads and writes a document's FieldTimes map copy-on-write:
// the first write of a call replaces the map by a copy, so a map shared
// with a cached copy of the document is never modified.
type fieldClock struct {
	m      *map[string]time.Time
	copied bool
}

// newer reports whether at is after the field's time (the zero time, so
// any real event, when the field was never set).
func (c *fieldClock) newer(key string, at time.Time) bool { return at.After((*c.m)[key]) }

func (c *fieldClock) set(key string, at time.Time) {
	if !c.copied {
		m := make(map[string]time.Time, len(*c.m)+4)
		maps.Copy(m, *c.m)
		*c.m = m
		c.copied = true
	}
	(*c.m)[key] = at
}
