package content

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// at0 is the reference event time of the apply tests; m(n) is n minutes later.
var at0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func m(n int) time.Time { return at0.Add(time.Duration(n) * time.Minute) }

func viewEv(sku string, at time.Time) Event {
	return Event{ID: "v-" + sku, Type: EventProductViewed, ProfileID: "p1", At: at, SKU: sku}
}

func cartEv(at time.Time, items ...EventItem) Event {
	return Event{ID: "c", Type: EventCartUpdated, ProfileID: "p1", At: at, Items: items}
}

func orderEv(id string, at time.Time, skus ...string) Event {
	ev := Event{ID: "o-" + id, Type: EventOrderPlaced, ProfileID: "p1", At: at, OrderID: id}
	for _, s := range skus {
		ev.Items = append(ev.Items, EventItem{SKU: s, Qty: 1, Price: 100, Currency: "USD"})
	}
	return ev
}

func profileEv(at time.Time, patch ProfilePatch) Event {
	return Event{ID: "u", Type: EventProfileUpdated, ProfileID: "p1", At: at, Profile: &patch}
}

func line(sku string, qty int64) EventItem { return EventItem{SKU: sku, Qty: qty} }

func TestApplyProfileEvent(t *testing.T) {
	t.Parallel()
	views := func(n int) []View { // n views of distinct SKUs at m(1)…m(n)
		out := make([]View, n)
		for i := range out {
			out[i] = View{SKU: fmt.Sprintf("V%03d", i+1), At: m(i + 1)}
		}
		return out
	}
	purchases := func(n int) []Purchase { // n purchases in n orders at m(1)…m(n)
		out := make([]Purchase, n)
		for i := range out {
			out[i] = Purchase{SKU: "P", OrderID: fmt.Sprintf("o%03d", i+1), At: m(i + 1)}
		}
		return out
	}
	cases := []struct {
		name    string
		start   Profile
		events  []Event
		changed []bool
		want    Profile
	}{
		{
			name:    "new profile gets its id",
			events:  []Event{viewEv("A", m(0))},
			changed: []bool{true},
			want:    Profile{ID: "p1", RecentViews: []View{{"A", m(0)}}, UpdatedAt: m(0)},
		},
		{
			name:    "event for another profile changes nothing",
			start:   Profile{ID: "p2"},
			events:  []Event{viewEv("A", m(0))},
			changed: []bool{false},
			want:    Profile{ID: "p2"},
		},
		{
			name:  "events that are not profile events change nothing",
			start: Profile{ID: "p1"},
			events: []Event{
				{Type: EventProductUpdated, ProfileID: "p1", At: m(0), Product: &ProductPatch{SKU: "A", Title: ptr("T")}},
				{Type: "coupon_redeemed", ProfileID: "p1", At: m(0)},
				{Type: EventProfileUpdated, ProfileID: "p1", At: m(0)}, // no patch
			},
			changed: []bool{false, false, false},
			want:    Profile{ID: "p1"},
		},

		// Views.
		{
			name:    "views merge by time, oldest first",
			events:  []Event{viewEv("B", m(5)), viewEv("A", m(1)), viewEv("C", m(3))},
			changed: []bool{true, true, true},
			want:    Profile{ID: "p1", RecentViews: []View{{"A", m(1)}, {"C", m(3)}, {"B", m(5)}}, UpdatedAt: m(5)},
		},
		{
			name:    "same SKU and time is a duplicate; same SKU later is a new view",
			events:  []Event{viewEv("A", m(1)), viewEv("A", m(1)), viewEv("A", m(2))},
			changed: []bool{true, false, true},
			want:    Profile{ID: "p1", RecentViews: []View{{"A", m(1)}, {"A", m(2)}}, UpdatedAt: m(2)},
		},
		{
			name:    "same time, different SKUs: ordered by SKU",
			events:  []Event{viewEv("B", m(1)), viewEv("A", m(1))},
			changed: []bool{true, true},
			want:    Profile{ID: "p1", RecentViews: []View{{"A", m(1)}, {"B", m(1)}}, UpdatedAt: m(1)},
		},
		{
			name:    "51st view drops the oldest",
			start:   Profile{ID: "p1", RecentViews: views(MaxRecentViews), UpdatedAt: m(50)},
			events:  []Event{viewEv("NEW", m(51))},
			changed: []bool{true},
			want:    Profile{ID: "p1", RecentViews: append(views(MaxRecentViews)[1:], View{"NEW", m(51)}), UpdatedAt: m(51)},
		},
		{
			name:    "a view older than all 50 kept changes nothing",
			start:   Profile{ID: "p1", RecentViews: views(MaxRecentViews), UpdatedAt: m(50)},
			events:  []Event{viewEv("OLD", m(0))},
			changed: []bool{false},
			want:    Profile{ID: "p1", RecentViews: views(MaxRecentViews), UpdatedAt: m(50)},
		},
		{
			name:    "a late view lands in the middle of a full list",
			start:   Profile{ID: "p1", RecentViews: views(MaxRecentViews), UpdatedAt: m(50)},
			events:  []Event{viewEv("MID", m(10).Add(time.Second))},
			changed: []bool{true},
			want: Profile{ID: "p1", RecentViews: slices.Concat(views(10)[1:], []View{{"MID", m(10).Add(time.Second)}}, views(MaxRecentViews)[10:]),
				UpdatedAt: m(50)},
		},

		// Carts.
		{
			name:    "first cart: lines added at the event time",
			events:  []Event{cartEv(m(0), line("A", 2), line("B", 1))},
			changed: []bool{true},
			want: Profile{ID: "p1", Cart: []CartItem{{"A", 2, m(0)}, {"B", 1, m(0)}},
				FieldTimes: map[string]time.Time{"cart": m(0)}, UpdatedAt: m(0)},
		},
		{
			name:    "a cart from 10:00 arriving after one from 10:05 changes nothing",
			events:  []Event{cartEv(m(5), line("B", 1)), cartEv(m(0), line("A", 9))},
			changed: []bool{true, false},
			want: Profile{ID: "p1", Cart: []CartItem{{"B", 1, m(5)}},
				FieldTimes: map[string]time.Time{"cart": m(5)}, UpdatedAt: m(5)},
		},
		{
			name:    "a cart at the same time changes nothing",
			events:  []Event{cartEv(m(5), line("B", 1)), cartEv(m(5), line("A", 1))},
			changed: []bool{true, false},
			want: Profile{ID: "p1", Cart: []CartItem{{"B", 1, m(5)}},
				FieldTimes: map[string]time.Time{"cart": m(5)}, UpdatedAt: m(5)},
		},
		{
			name:    "a newer snapshot keeps AddedAt of SKUs already in the cart",
			events:  []Event{cartEv(m(0), line("A", 1), line("B", 1)), cartEv(m(5), line("B", 3), line("C", 1))},
			changed: []bool{true, true},
			want: Profile{ID: "p1", Cart: []CartItem{{"B", 3, m(0)}, {"C", 1, m(5)}},
				FieldTimes: map[string]time.Time{"cart": m(5)}, UpdatedAt: m(5)},
		},
		{
			name:    "an empty snapshot empties the cart",
			start:   Profile{ID: "p1", Cart: []CartItem{{"A", 1, m(0)}}, FieldTimes: map[string]time.Time{"cart": m(0)}},
			events:  []Event{cartEv(m(5))},
			changed: []bool{true},
			want:    Profile{ID: "p1", FieldTimes: map[string]time.Time{"cart": m(5)}, UpdatedAt: m(5)},
		},

		// Orders.
		{
			name:    "an order adds purchases and takes the ordered SKUs out of the cart",
			events:  []Event{cartEv(m(0), line("A", 1), line("B", 2), line("C", 1)), orderEv("o1", m(5), "A", "C", "Z")},
			changed: []bool{true, true},
			want: Profile{ID: "p1", Cart: []CartItem{{"B", 2, m(0)}},
				Purchases:  []Purchase{{"A", "o1", m(5)}, {"C", "o1", m(5)}, {"Z", "o1", m(5)}},
				FieldTimes: map[string]time.Time{"cart": m(0)}, UpdatedAt: m(5)},
		},
		{
			name:    "an order older than the cart leaves the cart alone",
			events:  []Event{cartEv(m(5), line("A", 1)), orderEv("o1", m(3), "A")},
			changed: []bool{true, true},
			want: Profile{ID: "p1", Cart: []CartItem{{"A", 1, m(5)}}, Purchases: []Purchase{{"A", "o1", m(3)}},
				FieldTimes: map[string]time.Time{"cart": m(5)}, UpdatedAt: m(5)},
		},
		{
			name:    "an older snapshot arriving after the order cannot bring ordered SKUs back, and keeps the rest",
			events:  []Event{orderEv("o1", m(5), "A"), cartEv(m(4), line("A", 1), line("B", 1))},
			changed: []bool{true, true},
			want: Profile{ID: "p1", Cart: []CartItem{{"B", 1, m(4)}}, Purchases: []Purchase{{"A", "o1", m(5)}},
				FieldTimes: map[string]time.Time{"cart": m(4)}, UpdatedAt: m(5)},
		},
		{
			name:    "purchases dedupe by order id and SKU",
			events:  []Event{orderEv("o1", m(5), "A", "B"), orderEv("o1", m(5), "A", "B"), orderEv("o1", m(4), "B", "A"), orderEv("o2", m(6), "A")},
			changed: []bool{true, false, false, true},
			want: Profile{ID: "p1", Purchases: []Purchase{{"A", "o1", m(5)}, {"B", "o1", m(5)}, {"A", "o2", m(6)}},
				UpdatedAt: m(6)},
		},
		{
			name:    "one order naming a SKU twice is one purchase",
			events:  []Event{orderEv("o1", m(5), "A", "A")},
			changed: []bool{true},
			want:    Profile{ID: "p1", Purchases: []Purchase{{"A", "o1", m(5)}}, UpdatedAt: m(5)},
		},
		{
			name:    "101st purchase drops the oldest",
			start:   Profile{ID: "p1", Purchases: purchases(MaxPurchases), FieldTimes: map[string]time.Time{"cart": m(200)}, UpdatedAt: m(200)},
			events:  []Event{orderEv("new", m(101), "P")},
			changed: []bool{true},
			want: Profile{ID: "p1", Purchases: append(purchases(MaxPurchases)[1:], Purchase{"P", "new", m(101)}),
				FieldTimes: map[string]time.Time{"cart": m(200)}, UpdatedAt: m(200)},
		},
		{
			name:    "a purchase older than all 100 kept, with a newer cart, changes nothing",
			start:   Profile{ID: "p1", Purchases: purchases(MaxPurchases), FieldTimes: map[string]time.Time{"cart": m(200)}, UpdatedAt: m(200)},
			events:  []Event{orderEv("old", m(0), "P")},
			changed: []bool{false},
			want:    Profile{ID: "p1", Purchases: purchases(MaxPurchases), FieldTimes: map[string]time.Time{"cart": m(200)}, UpdatedAt: m(200)},
		},

		// profile_updated.
		{
			name: "sets the named fields only",
			start: Profile{ID: "p1", FirstName: "Ada", Locale: "en-GB", TimeZone: "Europe/London",
				Loyalty: Loyalty{Tier: "silver", Points: 10}, Attributes: map[string]string{"a": "1"}},
			events:  []Event{profileEv(m(0), ProfilePatch{Locale: ptr("de-DE"), Points: ptr[int64](20)})},
			changed: []bool{true},
			want: Profile{ID: "p1", FirstName: "Ada", Locale: "de-DE", TimeZone: "Europe/London",
				Loyalty: Loyalty{Tier: "silver", Points: 20}, Attributes: map[string]string{"a": "1"},
				FieldTimes: map[string]time.Time{"locale": m(0), "loyalty_points": m(0)}, UpdatedAt: m(0)},
		},
		{
			name: "every field and its time key",
			events: []Event{profileEv(m(0), ProfilePatch{FirstName: ptr("Lena"), Locale: ptr("de-DE"), TimeZone: ptr("Europe/Berlin"),
				Tier: ptr("gold"), Points: ptr[int64](4820), Attributes: map[string]*string{"size": ptr("39")}})},
			changed: []bool{true},
			want: Profile{ID: "p1", FirstName: "Lena", Locale: "de-DE", TimeZone: "Europe/Berlin",
				Loyalty: Loyalty{Tier: "gold", Points: 4820}, Attributes: map[string]string{"size": "39"},
				FieldTimes: map[string]time.Time{"first_name": m(0), "locale": m(0), "timezone": m(0),
					"loyalty_tier": m(0), "loyalty_points": m(0), "attr:size": m(0)}, UpdatedAt: m(0)},
		},
		{
			name: "out of order per field: a late older event sets only the fields newer events left alone",
			events: []Event{
				profileEv(m(5), ProfilePatch{FirstName: ptr("New")}),
				profileEv(m(1), ProfilePatch{FirstName: ptr("Old"), Locale: ptr("fr-FR")}),
			},
			changed: []bool{true, true},
			want: Profile{ID: "p1", FirstName: "New", Locale: "fr-FR",
				FieldTimes: map[string]time.Time{"first_name": m(5), "locale": m(1)}, UpdatedAt: m(5)},
		},
		{
			name: "an older event naming only newer fields changes nothing",
			events: []Event{
				profileEv(m(5), ProfilePatch{FirstName: ptr("New"), Tier: ptr("gold")}),
				profileEv(m(1), ProfilePatch{FirstName: ptr("Old"), Tier: ptr("bronze")}),
			},
			changed: []bool{true, false},
			want: Profile{ID: "p1", FirstName: "New", Loyalty: Loyalty{Tier: "gold"},
				FieldTimes: map[string]time.Time{"first_name": m(5), "loyalty_tier": m(5)}, UpdatedAt: m(5)},
		},
		{
			name: "equal times: the value already there stays",
			events: []Event{
				profileEv(m(5), ProfilePatch{Points: ptr[int64](1)}),
				profileEv(m(5), ProfilePatch{Points: ptr[int64](2)}),
			},
			changed: []bool{true, false},
			want: Profile{ID: "p1", Loyalty: Loyalty{Points: 1},
				FieldTimes: map[string]time.Time{"loyalty_points": m(5)}, UpdatedAt: m(5)},
		},
		{
			name: "null attribute deletes; a late older set does not revive it",
			events: []Event{
				profileEv(m(0), ProfilePatch{Attributes: map[string]*string{"vip": ptr("yes"), "keep": ptr("1")}}),
				profileEv(m(5), ProfilePatch{Attributes: map[string]*string{"vip": nil}}),
				profileEv(m(2), ProfilePatch{Attributes: map[string]*string{"vip": ptr("again")}}),
			},
			changed: []bool{true, true, false},
			want: Profile{ID: "p1", Attributes: map[string]string{"keep": "1"},
				FieldTimes: map[string]time.Time{"attr:vip": m(5), "attr:keep": m(0)}, UpdatedAt: m(5)},
		},
		{
			name: "deleting an attribute never set records the time; a later set wins",
			events: []Event{
				profileEv(m(5), ProfilePatch{Attributes: map[string]*string{"x": nil}}),
				profileEv(m(4), ProfilePatch{Attributes: map[string]*string{"x": ptr("old")}}),
				profileEv(m(6), ProfilePatch{Attributes: map[string]*string{"x": ptr("new")}}),
			},
			changed: []bool{true, false, true},
			want: Profile{ID: "p1", Attributes: map[string]string{"x": "new"},
				FieldTimes: map[string]time.Time{"attr:x": m(6)}, UpdatedAt: m(6)},
		},
		{
			name:    "deleting the last attribute leaves no map",
			start:   Profile{ID: "p1", Attributes: map[string]string{"x": "1"}},
			events:  []Event{profileEv(m(1), ProfilePatch{Attributes: map[string]*string{"x": nil}})},
			changed: []bool{true},
			want:    Profile{ID: "p1", FieldTimes: map[string]time.Time{"attr:x": m(1)}, UpdatedAt: m(1)},
		},
		{
			name:  "UpdatedAt is the newest event time applied",
			start: Profile{ID: "p1", UpdatedAt: m(10)},
			events: []Event{
				profileEv(m(3), ProfilePatch{FirstName: ptr("A")}),
				viewEv("A", m(12)),
				profileEv(m(11), ProfilePatch{Locale: ptr("de-DE")}),
			},
			changed: []bool{true, true, true},
			want: Profile{ID: "p1", FirstName: "A", Locale: "de-DE", RecentViews: []View{{"A", m(12)}},
				FieldTimes: map[string]time.Time{"first_name": m(3), "locale": m(11)}, UpdatedAt: m(12)},
		},
		{
			name:    "times are stored in UTC",
			events:  []Event{viewEv("A", m(0).In(time.FixedZone("CEST", 2*3600)))},
			changed: []bool{true},
			want:    Profile{ID: "p1", RecentViews: []View{{"A", m(0)}}, UpdatedAt: m(0)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.start
			for i, ev := range tc.events {
				if got := ApplyProfileEvent(&p, ev); got != tc.changed[i] {
					t.Errorf("event %d (%s at %s): changed = %v, want %v", i, ev.Type, ev.At.Format("15:04"), got, tc.changed[i])
				}
			}
			if diff := cmp.Diff(tc.want, p); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for _, v := range p.RecentViews {
				if v.At.Location() != time.UTC {
					t.Errorf("view at %v, want UTC", v.At)
				}
			}
		})
	}
}

// cloneProfile deep-copies p, as a cache would hold it.
func cloneProfile(p Profile) Profile {
	p.Cart = slices.Clone(p.Cart)
	p.RecentViews = slices.Clone(p.RecentViews)
	p.Purchases = slices.Clone(p.Purchases)
	p.Attributes = maps.Clone(p.Attributes)
	p.FieldTimes = maps.Clone(p.FieldTimes)
	return p
}

// TestApplyProfileEventCopyOnWrite checks that a shallow copy taken before
// an apply (what a cache holds) is unchanged after it, even when the slices
// have spare capacity an append could write into.
func TestApplyProfileEventCopyOnWrite(t *testing.T) {
	t.Parallel()
	base := func() Profile {
		return Profile{
			ID:          "p1",
			Cart:        append(make([]CartItem, 0, 10), CartItem{"A", 1, m(0)}, CartItem{"B", 1, m(0)}),
			RecentViews: append(make([]View, 0, 10), View{"A", m(0)}, View{"B", m(1)}),
			Purchases:   append(make([]Purchase, 0, 10), Purchase{"A", "o0", m(0)}),
			Attributes:  map[string]string{"x": "1", "y": "2"},
			FieldTimes:  map[string]time.Time{"cart": m(0), "attr:x": m(0)},
			UpdatedAt:   m(1),
		}
	}
	events := []Event{
		viewEv("C", m(2)),
		viewEv("Z", m(0).Add(-time.Minute)), // inserted before the others
		cartEv(m(3), line("B", 5), line("C", 1)),
		orderEv("o1", m(4), "A", "B"),
		profileEv(m(5), ProfilePatch{FirstName: ptr("N"), Attributes: map[string]*string{"x": nil, "z": ptr("3")}}),
	}
	for _, ev := range events {
		t.Run(ev.Type+"/"+ev.ID, func(t *testing.T) {
			t.Parallel()
			p := base()
			cached := p // shares every slice and map with p
			snapshot := cloneProfile(p)
			if !ApplyProfileEvent(&p, ev) {
				t.Fatal("event changed nothing")
			}
			if diff := cmp.Diff(snapshot, cached); diff != "" {
				t.Errorf("the cached copy changed (-before +after):\n%s", diff)
			}
			// The spare capacity of the cached slices is untouched too.
			if got := cached.RecentViews[:cap(cached.RecentViews)][2]; got != (View{}) {
				t.Errorf("views backing array written: %+v", got)
			}
			if got := cached.Cart[:cap(cached.Cart)][2]; got != (CartItem{}) {
				t.Errorf("cart backing array written: %+v", got)
			}
			if got := cached.Purchases[:cap(cached.Purchases)][1]; got != (Purchase{}) {
				t.Errorf("purchases backing array written: %+v", got)
			}
		})
	}
}

// TestApplyProfileEventOrderIndependent applies the same events in many
// arrival orders: the result is the same (AddedAt of cart lines aside,
// which remembers the snapshots that were applied), and applying them all
// a second time changes nothing, including an order newer than the newest
// cart snapshot (see also TestCartSnapshotBetweenOrderAndCart).
func TestApplyProfileEventOrderIndependent(t *testing.T) {
	t.Parallel()
	events := []Event{
		viewEv("A", m(1)), viewEv("B", m(2)), viewEv("A", m(7)),
		cartEv(m(3), line("A", 1), line("B", 2)),
		orderEv("o1", m(4), "A"),
		cartEv(m(6), line("B", 1), line("C", 1)),
		cartEv(m(2), line("X", 1)),
		orderEv("o2", m(5), "B"),
		orderEv("o3", m(8), "C"),
		profileEv(m(1), ProfilePatch{FirstName: ptr("Old"), Locale: ptr("fr-FR"), Attributes: map[string]*string{"a": ptr("1"), "b": ptr("1")}}),
		profileEv(m(5), ProfilePatch{FirstName: ptr("New"), Attributes: map[string]*string{"a": nil}}),
		profileEv(m(3), ProfilePatch{Points: ptr[int64](7), Attributes: map[string]*string{"a": ptr("2"), "c": ptr("1")}}),
	}
	var want Profile
	for _, ev := range events {
		ApplyProfileEvent(&want, ev)
	}
	ignoreAddedAt := cmpopts.IgnoreFields(CartItem{}, "AddedAt")
	order := slices.Clone(events)
	rng := rand.New(rand.NewPCG(1, 2)) // fixed seed: the same orders every run
	for i := range 200 {
		rng.Shuffle(len(order), func(j, k int) { order[j], order[k] = order[k], order[j] })
		var got Profile
		for _, ev := range order {
			ApplyProfileEvent(&got, ev)
		}
		if diff := cmp.Diff(want, got, ignoreAddedAt); diff != "" {
			t.Fatalf("round %d (-in order +shuffled):\n%s", i, diff)
		}
		for _, ev := range order {
			if ApplyProfileEvent(&got, ev) {
				t.Fatalf("round %d: reapplying %s %s changed the profile", i, ev.Type, ev.ID)
			}
		}
	}
	if diff := cmp.Diff(Profile{
		ID: "p1", FirstName: "New", Locale: "fr-FR", Loyalty: Loyalty{Points: 7},
		Cart:        []CartItem{{SKU: "B", Qty: 1}},
		RecentViews: []View{{"A", m(1)}, {"B", m(2)}, {"A", m(7)}},
		Purchases:   []Purchase{{"A", "o1", m(4)}, {"B", "o2", m(5)}, {"C", "o3", m(8)}},
		Attributes:  map[string]string{"b": "1", "c": "1"},
		FieldTimes: map[string]time.Time{"cart": m(6), "first_name": m(5), "locale": m(1), "loyalty_points": m(3),
			"attr:a": m(5), "attr:b": m(1), "attr:c": m(3)},
		UpdatedAt: m(8),
	}, want, ignoreAddedAt); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestCartSnapshotBetweenOrderAndCart: snapshot 10:06 {B, C} and order
// 10:08 {C} leave the cart {B} in either arrival order: an order removes
// what it bought from a older snapshot, and a snapshot drops what was bought
// after it.
func TestCartSnapshotBetweenOrderAndCart(t *testing.T) {
	t.Parallel()
	snapshot := cartEv(m(6), line("B", 1), line("C", 1))
	order := orderEv("o", m(8), "C")
	want := []CartItem{{SKU: "B", Qty: 1, AddedAt: m(6)}}

	var inOrder Profile
	ApplyProfileEvent(&inOrder, snapshot)
	ApplyProfileEvent(&inOrder, order)
	if diff := cmp.Diff(want, inOrder.Cart); diff != "" {
		t.Errorf("in time order (-want +got):\n%s", diff)
	}
	var late Profile
	ApplyProfileEvent(&late, order)
	ApplyProfileEvent(&late, snapshot)
	if diff := cmp.Diff(want, late.Cart); diff != "" {
		t.Errorf("order first (-want +got):\n%s", diff)
	}
	// A snapshot after the order may hold C again: the reader re-added it.
	ApplyProfileEvent(&late, cartEv(m(9), line("C", 2)))
	if diff := cmp.Diff([]CartItem{{SKU: "C", Qty: 2, AddedAt: m(9)}}, late.Cart); diff != "" {
		t.Errorf("newer snapshot (-want +got):\n%s", diff)
	}
}

func productEv(at time.Time, patch ProductPatch) Event {
	return Event{ID: "pu", Type: EventProductUpdated, At: at, Product: &patch}
}

func TestApplyProductEvent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		start   Product
		events  []Event
		changed []bool
		want    Product
	}{
		{
			name: "new product gets its SKU and every named field",
			events: []Event{productEv(m(0), ProductPatch{SKU: "S", Title: ptr("Tee"), URL: ptr("https://x/t"), Image: ptr(""),
				Price: ptr[int64](1699), Currency: ptr("USD"), Category: ptr("Apparel"), Brand: ptr("G"), Rating: ptr(4.5),
				Stock: ptr[int64](3), Popularity: ptr[int64](9)})},
			changed: []bool{true},
			want: Product{SKU: "S", Title: "Tee", URL: "https://x/t", Price: 1699, Currency: "USD", Category: "Apparel", Brand: "G",
				Rating: 4.5, Stock: 3, Popularity: 9, UpdatedAt: m(0),
				FieldTimes: map[string]time.Time{"title": m(0), "url": m(0), "image": m(0), "price": m(0), "currency": m(0),
					"category": m(0), "brand": m(0), "rating": m(0), "stock": m(0), "popularity": m(0)}},
		},
		{
			name:    "unnamed fields stay",
			start:   Product{SKU: "S", Title: "Tee", Price: 1000, Currency: "USD", Stock: 5},
			events:  []Event{productEv(m(0), ProductPatch{SKU: "S", Stock: ptr[int64](0)})},
			changed: []bool{true},
			want:    Product{SKU: "S", Title: "Tee", Price: 1000, Currency: "USD", Stock: 0, UpdatedAt: m(0), FieldTimes: map[string]time.Time{"stock": m(0)}},
		},
		{
			name:  "out of order per field",
			start: Product{SKU: "S"},
			events: []Event{
				productEv(m(5), ProductPatch{SKU: "S", Price: ptr[int64](2000), Currency: ptr("EUR")}),
				productEv(m(1), ProductPatch{SKU: "S", Price: ptr[int64](1000), Currency: ptr("USD"), Title: ptr("Old title")}),
				productEv(m(2), ProductPatch{SKU: "S", Price: ptr[int64](1500), Currency: ptr("USD")}),
			},
			changed: []bool{true, true, false},
			want: Product{SKU: "S", Title: "Old title", Price: 2000, Currency: "EUR", UpdatedAt: m(5),
				FieldTimes: map[string]time.Time{"price": m(5), "currency": m(5), "title": m(1)}},
		},
		{
			name:    "equal time changes nothing",
			start:   Product{SKU: "S", Stock: 1, FieldTimes: map[string]time.Time{"stock": m(5)}, UpdatedAt: m(5)},
			events:  []Event{productEv(m(5), ProductPatch{SKU: "S", Stock: ptr[int64](9)})},
			changed: []bool{false},
			want:    Product{SKU: "S", Stock: 1, FieldTimes: map[string]time.Time{"stock": m(5)}, UpdatedAt: m(5)},
		},
		{
			name:  "another SKU or another type changes nothing",
			start: Product{SKU: "S"},
			events: []Event{
				productEv(m(1), ProductPatch{SKU: "T", Title: ptr("x")}),
				{Type: EventCampaignUpdated, At: m(1), Product: &ProductPatch{SKU: "S", Title: ptr("x")}},
				{Type: EventProductUpdated, At: m(1)},
			},
			changed: []bool{false, false, false},
			want:    Product{SKU: "S"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.start
			cached, snapshot := p, p
			snapshot.FieldTimes = maps.Clone(p.FieldTimes)
			for i, ev := range tc.events {
				if got := ApplyProductEvent(&p, ev); got != tc.changed[i] {
					t.Errorf("event %d: changed = %v, want %v", i, got, tc.changed[i])
				}
			}
			if diff := cmp.Diff(tc.want, p); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(snapshot, cached); diff != "" {
				t.Errorf("the input's FieldTimes changed (-before +after):\n%s", diff)
			}
		})
	}
}

func campaignEv(at time.Time, patch CampaignPatch) Event {
	return Event{ID: "cu", Type: EventCampaignUpdated, At: at, Campaign: &patch}
}

func TestApplyCampaignEvent(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CEST", 2*3600)
	cases := []struct {
		name    string
		start   Campaign
		events  []Event
		changed []bool
		want    Campaign
	}{
		{
			name: "new campaign gets its id; ends_at in UTC",
			events: []Event{campaignEv(m(0), CampaignPatch{ID: "sale", Name: ptr("Sale"),
				EndsAt: ptr(time.Date(2024, 6, 1, 0, 0, 0, 0, berlin)), TimeZone: ptr("Europe/Berlin"), ExpiredText: ptr("Over")})},
			changed: []bool{true},
			want: Campaign{ID: "sale", Name: "Sale", EndsAt: time.Date(2024, 5, 31, 22, 0, 0, 0, time.UTC), TimeZone: "Europe/Berlin", ExpiredText: "Over",
				FieldTimes: map[string]time.Time{"name": m(0), "ends_at": m(0), "time_zone": m(0), "expired_text": m(0)}},
		},
		{
			name:  "out of order per field, equal time ignored",
			start: Campaign{ID: "sale", Name: "Sale", EndsAt: m(100)},
			events: []Event{
				campaignEv(m(5), CampaignPatch{ID: "sale", EndsAt: ptr(m(200))}),
				campaignEv(m(1), CampaignPatch{ID: "sale", EndsAt: ptr(m(50)), Name: ptr("Early sale")}),
				campaignEv(m(5), CampaignPatch{ID: "sale", EndsAt: ptr(m(300))}),
			},
			changed: []bool{true, true, false},
			want: Campaign{ID: "sale", Name: "Early sale", EndsAt: m(200),
				FieldTimes: map[string]time.Time{"ends_at": m(5), "name": m(1)}},
		},
		{
			name:    "another campaign changes nothing",
			start:   Campaign{ID: "sale"},
			events:  []Event{campaignEv(m(1), CampaignPatch{ID: "other", Name: ptr("x")}), {Type: EventCampaignUpdated, At: m(1)}},
			changed: []bool{false, false},
			want:    Campaign{ID: "sale"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := tc.start
			for i, ev := range tc.events {
				if got := ApplyCampaignEvent(&c, ev); got != tc.changed[i] {
					t.Errorf("event %d: changed = %v, want %v", i, got, tc.changed[i])
				}
			}
			if diff := cmp.Diff(tc.want, c); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseThenApply runs the sample batch through ParseEvents and the
// apply functions, the way the events endpoint will.
func TestParseThenApply(t *testing.T) {
	t.Parallel()
	body := []byte(`[
	 {"id":"1","type":"cart_updated","at":"2024-05-01T10:00:00Z","profile_id":"otto-3","items":[{"sku":"A","qty":1},{"sku":"B","qty":2}]},
	 {"id":"2","type":"order_placed","at":"2024-05-01T10:05:00+02:00","profile_id":"otto-3","order_id":"o","items":[{"sku":"A","qty":1,"price":5,"currency":"USD"}]},
	 {"id":"3","type":"order_placed","at":"2024-05-01T10:05:00Z","profile_id":"otto-3","order_id":"o2","items":[{"sku":"B","qty":2,"price":5,"currency":"USD"}]},
	 {"id":"4","type":"product_updated","at":"2024-05-01T10:00:00Z","sku":"A","price":16.99,"currency":"USD"}
	]`)
	events, errs := ParseEvents(body, parseNow)
	if errs != nil {
		t.Fatal(errs)
	}
	var p Profile
	var prod Product
	for _, ev := range events {
		ApplyProfileEvent(&p, ev)
		ApplyProductEvent(&prod, ev)
	}
	// Order "o" happened at 08:05 UTC, before the 10:00 cart: A stays.
	// Order "o2" at 10:05 UTC takes B out.
	want := []CartItem{{SKU: "A", Qty: 1, AddedAt: at0}}
	if diff := cmp.Diff(want, p.Cart); diff != "" {
		t.Errorf("cart (-want +got):\n%s", diff)
	}
	if got, want := prod.Price, int64(1699); got != want {
		t.Errorf("price = %d, want %d", got, want)
	}
}
