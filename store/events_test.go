package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/amplive/amplive/content"
)

// writePaths are the two concurrency paths of ApplyEvents; every behaviour
// test runs on both, against the real embedded store.
var writePaths = []struct {
	name string
	path writePath
}{
	{"serialized", writeSerialized},
	{"optimistic", writeOptimistic},
}

// newEventStore opens a test store on the given write path. The optimistic
// path gets a lock around each conditional write: FerretDB v1 does not run
// a filtered update atomically, MongoDB does, and the lock stands in for
// that. Reads and the read-modify-write stay unguarded, so only the version
// check keeps concurrent writers from losing updates.
func newEventStore(tb testing.TB, path writePath, cfg Config) *Store {
	tb.Helper()
	cfg.writePath = path
	s := newTestStore(tb, cfg)
	if path == writeOptimistic {
		s.condWrite = new(sync.Mutex)
	}
	if got, want := s.serialized, path == writeSerialized; got != want {
		tb.Fatalf("serialized = %v, want %v", got, want)
	}
	return s
}

// ev0 is 10:00 UTC on the day of the test data; event times are offsets from it.
var ev0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func at(min int) time.Time { return ev0.Add(time.Duration(min) * time.Minute) }

func viewEvent(id, profile, sku string, at time.Time) content.Event {
	return content.Event{ID: id, Type: content.EventProductViewed, ProfileID: profile, At: at, SKU: sku}
}

func cartEvent(id, profile string, at time.Time, items ...content.EventItem) content.Event {
	return content.Event{ID: id, Type: content.EventCartUpdated, ProfileID: profile, At: at, Items: items}
}

func orderEvent(id, profile, order string, at time.Time, items ...content.EventItem) content.Event {
	return content.Event{ID: id, Type: content.EventOrderPlaced, ProfileID: profile, At: at, OrderID: order, Items: items}
}

func profileEvent(id, profile string, at time.Time, patch content.ProfilePatch) content.Event {
	return content.Event{ID: id, Type: content.EventProfileUpdated, ProfileID: profile, At: at, Profile: &patch}
}

func ptr[T any](v T) *T { return &v }

// mustApply applies events and checks the counts.
func mustApply(tb testing.TB, s *Store, wantApplied, wantDups int, events ...content.Event) {
	tb.Helper()
	applied, dups, err := s.ApplyEvents(context.Background(), events)
	if err != nil {
		tb.Fatalf("ApplyEvents: %v", err)
	}
	if applied != wantApplied || dups != wantDups {
		tb.Fatalf("ApplyEvents = %d applied, %d duplicates; want %d, %d", applied, dups, wantApplied, wantDups)
	}
}

// mustLookup reads a profile past the cache and fails if it is missing.
func mustLookup(tb testing.TB, s *Store, id string) content.Profile {
	tb.Helper()
	p, found, err := s.LookupProfile(context.Background(), id)
	if err != nil || !found {
		tb.Fatalf("LookupProfile(%q) = found %v, %v", id, found, err)
	}
	return p
}

func viewSKUs(p content.Profile) []string {
	var skus []string
	for _, v := range p.RecentViews {
		skus = append(skus, v.SKU)
	}
	return skus
}

// TestApplyEventsProfile applies each profile event type and reads the
// profile back, both past the cache and through ReadProfile: what is stored
// is what content.ApplyProfileEvent makes of the profile (its rules are
// tested in package content), with a spot check of each type's effect.
func TestApplyEventsProfile(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		seeded bool // the profile exists (written by Seed, without _v) before the event
		event  content.Event
		check  func(t *testing.T, p content.Profile)
	}{
		{
			name:  "product_viewed creates a profile",
			event: viewEvent("e-view", "p", "sku-1", at(0)),
			check: func(t *testing.T, p content.Profile) {
				if diff := cmp.Diff([]content.View{{SKU: "sku-1", At: at(0)}}, p.RecentViews); diff != "" {
					t.Errorf("views (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:   "product_viewed merges by time",
			seeded: true,
			event:  viewEvent("e-view", "cust-full", "sku-3", t0.Add(-30*time.Minute)),
			check: func(t *testing.T, p content.Profile) {
				if diff := cmp.Diff([]string{"sku-2", "sku-3", "sku-1"}, viewSKUs(p)); diff != "" {
					t.Errorf("views (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:   "cart_updated replaces the cart",
			seeded: true,
			event:  cartEvent("e-cart", "cust-full", at(0), content.EventItem{SKU: "sku-1", Qty: 1}, content.EventItem{SKU: "sku-2", Qty: 3}),
			check: func(t *testing.T, p content.Profile) {
				if len(p.Cart) != 2 || p.Cart[1].SKU != "sku-2" || p.Cart[1].Qty != 3 || !p.FieldTimes["cart"].Equal(at(0)) {
					t.Errorf("cart %+v, field times %v; want the snapshot at %v", p.Cart, p.FieldTimes, at(0))
				}
			},
		},
		{
			name:   "order_placed adds purchases",
			seeded: true,
			event:  orderEvent("e-order", "cust-full", "o-2", at(0), content.EventItem{SKU: "sku-1", Qty: 2, Price: 12999, Currency: "EUR"}),
			check: func(t *testing.T, p content.Profile) {
				want := []content.Purchase{{SKU: "sku-3", OrderID: "o-1", At: t0.Add(-48 * time.Hour).Truncate(time.Millisecond).UTC()}, {SKU: "sku-1", OrderID: "o-2", At: at(0)}}
				if diff := cmp.Diff(want, p.Purchases); diff != "" {
					t.Errorf("purchases (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:   "profile_updated sets the named fields",
			seeded: true,
			event: profileEvent("e-prof", "cust-min", at(0), content.ProfilePatch{
				FirstName: ptr("Ada"), TimeZone: ptr("Europe/London"), Points: ptr(int64(50)),
				Attributes: map[string]*string{"segment": ptr("hiker")},
			}),
			check: func(t *testing.T, p content.Profile) {
				if p.FirstName != "Ada" || p.TimeZone != "Europe/London" || p.Loyalty.Points != 50 || p.Attributes["segment"] != "hiker" {
					t.Errorf("profile %+v, want the patch applied", p)
				}
				want := map[string]time.Time{"first_name": at(0), "timezone": at(0), "loyalty_points": at(0), "attr:segment": at(0)}
				if diff := cmp.Diff(want, p.FieldTimes); diff != "" {
					t.Errorf("field times (-want +got):\n%s", diff)
				}
			},
		},
	}
	for _, wp := range writePaths {
		for _, tc := range cases {
			t.Run(wp.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newEventStore(t, wp.path, Config{ProfileTTL: time.Hour})
				ctx := context.Background()
				var want content.Profile
				if tc.seeded {
					d := testDataset()
					mustSeed(t, s, d)
					for _, p := range d.Profiles {
						if p.ID == tc.event.ProfileID {
							want = msUTC(p)
						}
					}
					// warm the cache: the event must invalidate it
					if r := s.ReadProfile(ctx, tc.event.ProfileID); !r.Known {
						t.Fatal("seeded profile unknown")
					}
					s.cache.Wait()
				}
				if !content.ApplyProfileEvent(&want, storedPrecision(tc.event)) {
					t.Fatal("the event changes nothing")
				}

				mustApply(t, s, 1, 0, tc.event)
				got := mustLookup(t, s, tc.event.ProfileID)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("LookupProfile (-want +got):\n%s", diff)
				}
				tc.check(t, got)
				if diff := cmp.Diff(content.ProfileRead{Profile: want, Known: true}, s.ReadProfile(ctx, tc.event.ProfileID), ignoreFetchedAt); diff != "" {
					t.Errorf("ReadProfile (-want +got):\n%s", diff)
				}
				// the same event again is a duplicate and changes nothing
				mustApply(t, s, 0, 1, tc.event)
				if diff := cmp.Diff(want, mustLookup(t, s, tc.event.ProfileID)); diff != "" {
					t.Errorf("after the duplicate (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestApplyEventsDuplicates sends an id twice in a batch and again in a
// second call: counted as duplicates, applied once, recorded once.
func TestApplyEventsDuplicates(t *testing.T) {
	t.Parallel()
	for _, wp := range writePaths {
		t.Run(wp.name, func(t *testing.T) {
			t.Parallel()
			s := newEventStore(t, wp.path, Config{})
			v1 := viewEvent("e1", "p", "sku-1", at(1))
			v2 := viewEvent("e2", "p", "sku-2", at(2))
			v3 := viewEvent("e3", "p", "sku-3", at(3))
			// a retry of e1 with a different body is still e1: the id decides
			v1again := viewEvent("e1", "p", "sku-9", at(9))

			mustApply(t, s, 2, 1, v1, v1, v2)
			mustApply(t, s, 1, 2, v1again, v3, v2)
			if diff := cmp.Diff([]string{"sku-1", "sku-2", "sku-3"}, viewSKUs(mustLookup(t, s, "p"))); diff != "" {
				t.Errorf("views (-want +got):\n%s", diff)
			}
			st := s.Stats()
			if st.EventsApplied != 3 || st.EventsDuplicate != 3 {
				t.Errorf("stats: %d applied, %d duplicates; want 3, 3", st.EventsApplied, st.EventsDuplicate)
			}

			var recs []eventRecord
			cur, err := s.db.Collection(CollEvents).Find(context.Background(), bson.D{})
			if err == nil {
				err = cur.All(context.Background(), &recs)
			}
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(recs, func(a, b eventRecord) int { return strings.Compare(a.ID, b.ID) })
			for i, r := range recs {
				if r.ReceivedAt.IsZero() || r.ReceivedAt.Location() != time.UTC {
					t.Errorf("record %s: received_at %v", r.ID, r.ReceivedAt)
				}
				recs[i].ReceivedAt = time.Time{}
			}
			want := []eventRecord{
				{ID: "e1", Type: content.EventProductViewed, ProfileID: "p", At: at(1)},
				{ID: "e2", Type: content.EventProductViewed, ProfileID: "p", At: at(2)},
				{ID: "e3", Type: content.EventProductViewed, ProfileID: "p", At: at(3)},
			}
			if diff := cmp.Diff(want, recs); diff != "" {
				t.Errorf("event records (-want +got):\n%s", diff)
			}
		})
	}
}

// TestApplyEventsOrdering: a late event never overwrites newer state, per
// field, whether the events come in one batch or in separate calls.
func TestApplyEventsOrdering(t *testing.T) {
	t.Parallel()
	item := func(sku string, qty int64) content.EventItem { return content.EventItem{SKU: sku, Qty: qty} }
	cases := []struct {
		name  string
		calls [][]content.Event
		check func(t *testing.T, p content.Profile)
	}{
		{
			name: "cart 10:05 then 10:00, two calls",
			calls: [][]content.Event{
				{cartEvent("c2", "p", at(5), item("new", 2))},
				{cartEvent("c1", "p", at(0), item("old", 1))},
			},
			check: func(t *testing.T, p content.Profile) {
				want := []content.CartItem{{SKU: "new", Qty: 2, AddedAt: at(5)}}
				if diff := cmp.Diff(want, p.Cart); diff != "" {
					t.Errorf("cart (-want +got):\n%s", diff)
				}
				if got := p.FieldTimes["cart"]; !got.Equal(at(5)) {
					t.Errorf("cart time %v, want %v", got, at(5))
				}
			},
		},
		{
			name:  "cart 10:05 then 10:00, one batch",
			calls: [][]content.Event{{cartEvent("c2", "p", at(5), item("new", 2)), cartEvent("c1", "p", at(0), item("old", 1))}},
			check: func(t *testing.T, p content.Profile) {
				if diff := cmp.Diff([]content.CartItem{{SKU: "new", Qty: 2, AddedAt: at(5)}}, p.Cart); diff != "" {
					t.Errorf("cart (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "profile_updated, last writer wins per field",
			calls: [][]content.Event{
				{profileEvent("u2", "p", at(10), content.ProfilePatch{FirstName: ptr("Newer"), Tier: ptr("gold")})},
				{profileEvent("u1", "p", at(0), content.ProfilePatch{FirstName: ptr("Older"), Locale: ptr("fr-FR"), Tier: ptr("bronze")})},
				{profileEvent("u3", "p", at(20), content.ProfilePatch{Tier: ptr("platinum")})},
			},
			check: func(t *testing.T, p content.Profile) {
				if p.FirstName != "Newer" || p.Locale != "fr-FR" || p.Loyalty.Tier != "platinum" {
					t.Errorf("first name %q, locale %q, tier %q; want Newer, fr-FR, platinum", p.FirstName, p.Locale, p.Loyalty.Tier)
				}
				want := map[string]time.Time{"first_name": at(10), "locale": at(0), "loyalty_tier": at(20)}
				if diff := cmp.Diff(want, p.FieldTimes); diff != "" {
					t.Errorf("field times (-want +got):\n%s", diff)
				}
			},
		},
		{
			// sub-millisecond times are stored as milliseconds: a later
			// event in the same millisecond is not newer, and a re-sent
			// view is recognized as the one stored
			name: "event times at stored precision",
			calls: [][]content.Event{
				{viewEvent("v1", "p", "sku-1", at(0).Add(300*time.Microsecond))},
				{viewEvent("v1-resent-under-new-id", "p", "sku-1", at(0).Add(300*time.Microsecond))},
				{profileEvent("n1", "p", at(1).Add(100*time.Microsecond), content.ProfilePatch{FirstName: ptr("first")})},
				{profileEvent("n2", "p", at(1).Add(900*time.Microsecond), content.ProfilePatch{FirstName: ptr("same ms")})},
			},
			check: func(t *testing.T, p content.Profile) {
				if diff := cmp.Diff([]content.View{{SKU: "sku-1", At: at(0)}}, p.RecentViews); diff != "" {
					t.Errorf("views (-want +got):\n%s", diff)
				}
				if p.FirstName != "first" {
					t.Errorf("first name %q, want the first of two events in one millisecond", p.FirstName)
				}
			},
		},
	}
	for _, wp := range writePaths {
		for _, tc := range cases {
			t.Run(wp.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newEventStore(t, wp.path, Config{})
				for _, call := range tc.calls {
					mustApply(t, s, len(call), 0, call...)
				}
				tc.check(t, mustLookup(t, s, "p"))
			})
		}
	}
}

// TestApplyEventsCaps: views keep the newest 50, purchases the newest 100.
func TestApplyEventsCaps(t *testing.T) {
	t.Parallel()
	for _, wp := range writePaths {
		t.Run(wp.name, func(t *testing.T) {
			t.Parallel()
			s := newEventStore(t, wp.path, Config{})
			var views []content.Event
			for i := range 60 {
				views = append(views, viewEvent(fmt.Sprintf("v%d", i), "p", fmt.Sprintf("sku-%d", i), at(i)))
			}
			mustApply(t, s, 50, 0, views[:50]...)
			mustApply(t, s, 10, 0, views[50:]...) // a second call: the cap holds across writes
			var orders []content.Event
			for o := range 3 {
				var items []content.EventItem
				for j := range 40 {
					items = append(items, content.EventItem{SKU: fmt.Sprintf("sku-%d", j), Qty: 1, Price: 100, Currency: "EUR"})
				}
				orders = append(orders, orderEvent(fmt.Sprintf("o%d", o), "p", fmt.Sprintf("order-%d", o), at(100+o), items...))
			}
			mustApply(t, s, 3, 0, orders...)

			p := mustLookup(t, s, "p")
			if got := len(p.RecentViews); got != content.MaxRecentViews {
				t.Fatalf("%d views, want %d", got, content.MaxRecentViews)
			}
			if first, last := p.RecentViews[0], p.RecentViews[49]; first.SKU != "sku-10" || last.SKU != "sku-59" {
				t.Errorf("views from %s to %s, want sku-10 to sku-59 (the newest, oldest first)", first.SKU, last.SKU)
			}
			if got := len(p.Purchases); got != content.MaxPurchases {
				t.Fatalf("%d purchases, want %d", got, content.MaxPurchases)
			}
			if p.Purchases[0].OrderID != "order-0" || p.Purchases[99].OrderID != "order-2" {
				t.Errorf("purchases from %s to %s, want the newest 100", p.Purchases[0].OrderID, p.Purchases[99].OrderID)
			}
			oldest := 0
			for _, pu := range p.Purchases {
				if pu.OrderID == "order-0" {
					oldest++
				}
			}
			if oldest != 20 {
				t.Errorf("%d purchases of the oldest order kept, want 20 (120 bought, 100 kept)", oldest)
			}
		})
	}
}

// TestApplyEventsConcurrent sends 50 events for one profile from 50
// goroutines at once: every one must be applied, on both write paths. The
// optimistic path is for several processes sharing MongoDB, so there the
// goroutines write through 5 Stores on one database (5 "replicas", whose
// in-process locks do not see each other): only the version check keeps
// them from losing updates.
func TestApplyEventsConcurrent(t *testing.T) {
	t.Parallel()
	for _, wp := range writePaths {
		for _, existing := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/existing=%v", wp.name, existing), func(t *testing.T) {
				t.Parallel()
				stores := []*Store{newEventStore(t, wp.path, Config{})}
				if wp.path == writeOptimistic {
					atomicWrites := new(sync.Mutex) // one server: one lock for all replicas
					stores[0].condWrite = atomicWrites
					for range 4 {
						r := newEventStore(t, wp.path, Config{Database: stores[0].cfg.Database})
						r.condWrite = atomicWrites
						stores = append(stores, r)
					}
				}
				if existing {
					mustSeed(t, stores[0], testDataset()) // cust-full, without _v, with 2 views
				}
				const n = 50
				id := "cust-full"
				start := make(chan struct{})
				var wg sync.WaitGroup
				errs := make([]error, n)
				for i := range n {
					wg.Go(func() {
						<-start
						ev := viewEvent(fmt.Sprintf("c%d", i), id, fmt.Sprintf("new-%02d", i), t0.Add(time.Duration(i+1)*time.Second))
						applied, _, err := stores[i%len(stores)].ApplyEvents(context.Background(), []content.Event{ev})
						if err == nil && applied != 1 {
							err = fmt.Errorf("applied %d", applied)
						}
						errs[i] = err
					})
				}
				close(start)
				wg.Wait()
				if err := errors.Join(errs...); err != nil {
					t.Fatal(err)
				}
				// the seeded views are older than t0: the newest 50 are the new ones
				var want []string
				for i := range n {
					want = append(want, fmt.Sprintf("new-%02d", i))
				}
				if diff := cmp.Diff(want, viewSKUs(mustLookup(t, stores[0], id))); diff != "" {
					t.Errorf("views (-want +got):\n%s", diff)
				}
				var conflicts uint64
				for _, s := range stores {
					conflicts += s.Stats().WriteConflicts
				}
				t.Logf("%d write conflicts retried", conflicts)
			})
		}
	}
}

// interferingLock is a condWrite lock that, before the first conditional
// write (or every one, with always), has another process apply an event to
// the same document: the write it then guards must see the conflict and retry.
type interferingLock struct {
	mu        sync.Mutex
	always    bool
	fired     atomic.Bool
	interfere func()
}

func (l *interferingLock) Lock() {
	if l.always || l.fired.CompareAndSwap(false, true) {
		l.interfere()
	}
	l.mu.Lock()
}

func (l *interferingLock) Unlock() { l.mu.Unlock() }

// TestOptimisticConflict makes a write by another Store (another replica)
// land between the read and the conditional write of the optimistic path,
// for a new document, a document without _v (seeded) and a versioned one.
func TestOptimisticConflict(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		setup     func(t *testing.T, s *Store)
		wantViews []string
	}{
		{"new profile: insert hits a duplicate key", func(*testing.T, *Store) {}, []string{"mine", "theirs"}},
		{"seeded profile without _v", func(t *testing.T, s *Store) { mustSeed(t, s, testDataset()) }, []string{"sku-2", "sku-1", "mine", "theirs"}},
		{"versioned profile", func(t *testing.T, s *Store) {
			mustApply(t, s, 1, 0, viewEvent("first", "cust-full", "first", t0))
		}, []string{"first", "mine", "theirs"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newEventStore(t, writeOptimistic, Config{})
			other := newEventStore(t, writeOptimistic, Config{Database: s.cfg.Database})
			tc.setup(t, s)
			lock := &interferingLock{}
			lock.interfere = func() {
				mustApply(t, other, 1, 0, viewEvent("theirs", "cust-full", "theirs", t0.Add(2*time.Second)))
			}
			s.condWrite = lock
			before := s.Stats().WriteConflicts
			mustApply(t, s, 1, 0, viewEvent("mine", "cust-full", "mine", t0.Add(time.Second)))
			if got := s.Stats().WriteConflicts - before; got != 1 {
				t.Errorf("%d write conflicts, want 1", got)
			}
			if diff := cmp.Diff(tc.wantViews, viewSKUs(mustLookup(t, s, "cust-full"))); diff != "" {
				t.Errorf("views (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("gives up after 20 conflicts", func(t *testing.T) {
		t.Parallel()
		s := newEventStore(t, writeOptimistic, Config{})
		other := newEventStore(t, writeOptimistic, Config{Database: s.cfg.Database})
		var n atomic.Int64
		lock := &interferingLock{always: true}
		lock.interfere = func() {
			i := n.Add(1)
			mustApply(t, other, 1, 0, viewEvent(fmt.Sprintf("theirs-%d", i), "p", "theirs", t0.Add(time.Duration(i)*time.Second)))
		}
		s.condWrite = lock
		applied, dups, err := s.ApplyEvents(context.Background(), []content.Event{viewEvent("mine", "p", "mine", t0)})
		if !errors.Is(err, errWriteContention) || applied != 0 || dups != 0 {
			t.Fatalf("ApplyEvents = %d, %d, %v; want 0, 0 and the contention error", applied, dups, err)
		}
		if got := s.Stats().WriteConflicts; got != maxWriteAttempts {
			t.Errorf("%d write conflicts, want %d", got, maxWriteAttempts)
		}
		s.condWrite = new(sync.Mutex)
		mustApply(t, s, 1, 0, viewEvent("mine", "p", "mine", t0)) // not recorded: the retry applies it
	})
}

// TestApplyEventsReadYourWrites: a ReadProfile right after ApplyEvents
// returns sees the event, every time, with a long cache TTL and readers
// racing to refill the cache.
func TestApplyEventsReadYourWrites(t *testing.T) {
	t.Parallel()
	for _, wp := range writePaths {
		t.Run(wp.name, func(t *testing.T) {
			t.Parallel()
			s := newEventStore(t, wp.path, Config{ProfileTTL: time.Hour, Deadline: 10 * time.Second})
			ctx, cancel := context.WithCancel(context.Background())
			var readers sync.WaitGroup
			for range 2 {
				readers.Go(func() {
					for ctx.Err() == nil {
						s.ReadProfile(ctx, "p")
						time.Sleep(100 * time.Microsecond) // do not starve the store of CPU
					}
				})
			}
			defer readers.Wait()
			defer cancel()

			for i := range 200 {
				sku := fmt.Sprintf("sku-%d", i)
				mustApply(t, s, 1, 0, viewEvent(fmt.Sprintf("e%d", i), "p", sku, at(i)))
				r := s.ReadProfile(context.Background(), "p")
				views := r.Profile.RecentViews
				if !r.Known || r.Fallback || len(views) == 0 || views[len(views)-1].SKU != sku {
					t.Fatalf("iteration %d: read %+v, want the newest view %s", i, r, sku)
				}
			}
		})
	}
}

// TestApplyEventsCatalog: product_updated and campaign_updated show in
// Catalog and Campaign as soon as ApplyEvents returns.
func TestApplyEventsCatalog(t *testing.T) {
	t.Parallel()
	for _, wp := range writePaths {
		t.Run(wp.name, func(t *testing.T) {
			t.Parallel()
			s := newEventStore(t, wp.path, Config{RefreshEvery: time.Hour})
			mustSeed(t, s, testDataset())
			endsAt := time.Date(2026, 12, 24, 23, 0, 0, 0, time.UTC)
			mustApply(t, s, 4, 0,
				content.Event{ID: "pu1", Type: content.EventProductUpdated, At: at(0),
					Product: &content.ProductPatch{SKU: "sku-3", Stock: ptr(int64(7)), Price: ptr(int64(1200)), Currency: ptr("EUR")}},
				content.Event{ID: "pu2", Type: content.EventProductUpdated, At: at(0),
					Product: &content.ProductPatch{SKU: "sku-new", Title: ptr("Beanie"), URL: ptr("https://shop.example/p/9"),
						Price: ptr(int64(2500)), Currency: ptr("EUR"), Category: ptr("hats"), Stock: ptr(int64(1))}},
				// older than pu1 for stock: ignored there, but sets popularity
				content.Event{ID: "pu3", Type: content.EventProductUpdated, At: at(-5),
					Product: &content.ProductPatch{SKU: "sku-3", Stock: ptr(int64(0)), Popularity: ptr(int64(1))}},
				content.Event{ID: "cu1", Type: content.EventCampaignUpdated, At: at(0),
					Campaign: &content.CampaignPatch{ID: "bf-2026", EndsAt: &endsAt, Name: ptr("Black Week")}},
			)
			cat := s.Catalog()
			p3, ok := cat.Product("sku-3")
			if !ok || p3.Stock != 7 || p3.Price != 1200 || p3.Popularity != 1 || p3.Title != "Sold-out cap" {
				t.Errorf("sku-3 = %+v, want stock 7, price 1200, popularity 1, title kept", p3)
			}
			if pn, ok := cat.Product("sku-new"); !ok || pn.Title != "Beanie" || !pn.Sellable() {
				t.Errorf("sku-new = %+v, %v; want the new sellable product", pn, ok)
			}
			if got := cat.Len(); got != 4 {
				t.Errorf("catalog has %d products, want 4", got)
			}
			c, ok := s.Campaign("bf-2026")
			if !ok || !c.EndsAt.Equal(endsAt) || c.Name != "Black Week" || c.ExpiredText != "Sale over" {
				t.Errorf("campaign = %+v, want the new end and name, expired text kept", c)
			}
			// an event that changes nothing does not reload
			loaded := s.Catalog()
			mustApply(t, s, 1, 0, content.Event{ID: "pu4", Type: content.EventProductUpdated, At: at(-10),
				Product: &content.ProductPatch{SKU: "sku-3", Stock: ptr(int64(99))}})
			if s.Catalog() != loaded {
				t.Error("an event that changed nothing reloaded the catalog")
			}
		})
	}
}

// TestApplyEventsStoreDown stops a private embedded store right after the
// first document write of a batch: ApplyEvents returns an error (from a
// document write or from recording the events, whichever the stop hits)
// and counts nothing, nothing is recorded, and sending the batch again to
// the restarted store applies every event exactly once.
func TestApplyEventsStoreDown(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "down")
	ctx := context.Background()
	emb, err := StartEmbedded(ctx, dir, testLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emb.Stop() })
	cfg := Config{MongoURI: emb.URI(), sqliteDir: emb.Dir(), Database: "events", ServerSelectionTimeout: 300 * time.Millisecond}
	s := newTestStore(t, cfg)

	batch := []content.Event{
		viewEvent("a1", "pid-alpha", "sku-1", at(0)),
		viewEvent("b1", "pid-beta", "sku-1", at(0)),
		viewEvent("a2", "pid-alpha", "sku-2", at(1)),
	}
	var writes atomic.Int64
	s.afterWrite = func() {
		if writes.Add(1) == 1 {
			_ = emb.Stop() // one profile is written; the other may be, too
		}
	}
	applied, dups, err := s.ApplyEvents(ctx, batch)
	if err == nil || applied != 0 || dups != 0 {
		t.Fatalf("ApplyEvents with the store stopping = %d, %d, %v; want 0, 0 and an error", applied, dups, err)
	}
	t.Logf("error: %v", err)
	if strings.Contains(err.Error(), "pid-") {
		t.Errorf("error names a profile: %v", err)
	}
	if _, _, err := s.ApplyEvents(ctx, batch); err == nil {
		t.Error("ApplyEvents succeeded with the store down")
	}

	emb2, err := StartEmbedded(ctx, dir, testLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emb2.Stop() })
	cfg.MongoURI, cfg.sqliteDir = emb2.URI(), emb2.Dir()
	s2 := newTestStore(t, cfg)
	mustApply(t, s2, 3, 0, batch...) // nothing was recorded
	mustApply(t, s2, 0, 3, batch...)
	if diff := cmp.Diff([]string{"sku-1", "sku-2"}, viewSKUs(mustLookup(t, s2, "pid-alpha"))); diff != "" {
		t.Errorf("pid-alpha after the retry (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"sku-1"}, viewSKUs(mustLookup(t, s2, "pid-beta"))); diff != "" {
		t.Errorf("pid-beta after the retry (-want +got):\n%s", diff)
	}
}

// TestApplyEventsInvalid: an event that cannot be routed aborts the batch
// before anything is written.
func TestApplyEventsInvalid(t *testing.T) {
	t.Parallel()
	s := newEventStore(t, writeSerialized, Config{})
	good := viewEvent("ok", "p", "sku-1", at(0))
	cases := []struct {
		name string
		bad  content.Event
	}{
		{"empty id", viewEvent("", "p", "sku-1", at(0))},
		{"unknown type", content.Event{ID: "x", Type: "product_liked", ProfileID: "p", At: at(0)}},
		{"profile event without profile", viewEvent("x", "", "sku-1", at(0))},
		{"product event without patch", content.Event{ID: "x", Type: content.EventProductUpdated, At: at(0)}},
		{"campaign event without id", content.Event{ID: "x", Type: content.EventCampaignUpdated, At: at(0), Campaign: &content.CampaignPatch{}}},
	}
	for _, tc := range cases {
		applied, dups, err := s.ApplyEvents(context.Background(), []content.Event{good, tc.bad})
		if !errors.Is(err, ErrInvalidEvent) || applied != 0 || dups != 0 {
			t.Errorf("%s: ApplyEvents = %d, %d, %v; want ErrInvalidEvent", tc.name, applied, dups, err)
		}
	}
	if _, found, err := s.LookupProfile(context.Background(), "p"); found || err != nil {
		t.Errorf("profile p written by a refused batch (found %v, %v)", found, err)
	}
	if applied, dups, err := s.ApplyEvents(context.Background(), nil); applied != 0 || dups != 0 || err != nil {
		t.Errorf("empty batch = %d, %d, %v", applied, dups, err)
	}
}

func TestLookupProfile(t *testing.T) {
	t.Parallel()
	s := newEventStore(t, writeSerialized, Config{ProfileTTL: time.Hour})
	ctx := context.Background()
	d := testDataset()
	mustSeed(t, s, d)
	s.ReadProfile(ctx, "cust-min") // cached: LookupProfile must not use it
	s.cache.Wait()
	mustApply(t, s, 1, 0, profileEvent("u1", "cust-min", at(0), content.ProfilePatch{FirstName: ptr("Ada")}))

	want := msUTC(d.Profiles[1])
	want.FirstName, want.UpdatedAt = "Ada", at(0)
	want.FieldTimes = map[string]time.Time{"first_name": at(0)}
	cases := []struct {
		id        string
		want      content.Profile
		wantFound bool
	}{
		{"cust-min", want, true},
		{"cust-nobody", content.Profile{}, false},
		{"", content.Profile{}, false},
	}
	for _, tc := range cases {
		got, found, err := s.LookupProfile(ctx, tc.id)
		if err != nil || found != tc.wantFound {
			t.Errorf("LookupProfile(%q) found %v, %v; want %v", tc.id, found, err, tc.wantFound)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("LookupProfile(%q) (-want +got):\n%s", tc.id, diff)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LookupProfile(ctx, "cust-min"); !errors.Is(err, errClosed) {
		t.Errorf("LookupProfile after Close: %v", err)
	}
	if _, _, err := s.ApplyEvents(ctx, []content.Event{viewEvent("late", "p", "x", at(0))}); !errors.Is(err, errClosed) {
		t.Errorf("ApplyEvents after Close: %v", err)
	}
}

// TestChooseWritePath: Open picks the serialized path for FerretDB, told
// (the embedded store) or detected (a URI that points at one).
func TestChooseWritePath(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	cases := []struct {
		name    string
		cfg     Config
		want    bool
		wantLog bool
	}{
		{"embedded", Config{}, true, false},
		{"FerretDB by URI", Config{MongoURI: testEmb.URI(), Logger: testLogger(&logs)}, true, true},
		{"forced optimistic", Config{writePath: writeOptimistic}, false, false},
	}
	for _, tc := range cases {
		s := newTestStore(t, tc.cfg)
		if s.serialized != tc.want {
			t.Errorf("%s: serialized = %v, want %v", tc.name, s.serialized, tc.want)
		}
	}
	if !strings.Contains(logs.String(), "points at FerretDB") {
		t.Errorf("no WARN for a FerretDB URI:\n%s", logs.String())
	}
}
