package store

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/amplive/amplive/content"
)

// ignoreFetchedAt compares reads by their data, not by when they were made.
var ignoreFetchedAt = cmpopts.IgnoreFields(content.ProfileRead{}, "FetchedAt")

func TestReadProfile(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, Config{})
	d := testDataset()
	mustSeed(t, s, d)

	cases := []struct {
		name string
		id   string
		want content.ProfileRead
	}{
		{"every field", "cust-full", content.ProfileRead{Profile: msUTC(d.Profiles[0]), Known: true}},
		{"few fields", "cust-min", content.ProfileRead{Profile: msUTC(d.Profiles[1]), Known: true}},
		{"unknown", "cust-nobody", content.ProfileRead{}},
		{"empty id", "", content.ProfileRead{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// twice: from the store, then from the cache
			var fetched time.Time
			for _, from := range []string{"store", "cache"} {
				got := s.ReadProfile(context.Background(), tc.id)
				if from == "store" {
					fetched = got.FetchedAt
				}
				if !got.FetchedAt.Equal(fetched) || (tc.id != "" && fetched.IsZero()) {
					t.Errorf("%s: FetchedAt %v, want the store read's %v (non-zero)", from, got.FetchedAt, fetched)
				}
				if diff := cmp.Diff(tc.want, got, ignoreFetchedAt); diff != "" {
					t.Errorf("%s: ReadProfile(%q) (-want +got):\n%s", from, tc.id, diff)
				}
				if got.Known && got.Profile.UpdatedAt.Location() != time.UTC {
					t.Errorf("%s: UpdatedAt in %v, want UTC", from, got.Profile.UpdatedAt.Location())
				}
				s.cache.Wait()
			}
		})
	}
	st := s.Stats()
	// 3 non-empty ids: one store read each (found or not), then a hit each
	if st.StoreReads != 3 || st.Hits != 3 || st.Misses != 3 || st.Fallbacks != 0 {
		t.Errorf("stats = %+v, want 3 store reads, 3 hits, 3 misses, 0 fallbacks", st)
	}
	if st.HitRatio != 0.5 || st.CacheCostBytes <= 0 {
		t.Errorf("stats = %+v, want hit ratio 0.5 and a cache cost", st)
	}
}

// TestReadProfileStoreDown stops a private embedded store under two Stores,
// one whose cache is still fresh and one whose cache is stale, and checks
// what each read answers.
func TestReadProfileStoreDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	emb, err := StartEmbedded(ctx, filepath.Join(t.TempDir(), "down"), testLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emb.Stop() })

	const deadline = 200 * time.Millisecond
	var logs syncBuffer
	open := func(ttl time.Duration) *Store {
		return newTestStore(t, Config{
			MongoURI: emb.URI(), sqliteDir: emb.Dir(), Database: "down",
			ProfileTTL: ttl, StaleFor: time.Hour, Deadline: deadline,
			ServerSelectionTimeout: 300 * time.Millisecond, Logger: testLogger(&logs),
		})
	}
	fresh := open(time.Hour)
	stale := open(time.Millisecond)
	d := testDataset()
	mustSeed(t, fresh, d)

	// warm both caches: a known and an unknown profile each
	for _, s := range []*Store{fresh, stale} {
		for _, id := range []string{"cust-full", "cust-gone"} {
			if r := s.ReadProfile(ctx, id); r.Fallback {
				t.Fatalf("warm-up read of %s fell back", id)
			}
		}
		s.cache.Wait()
	}
	start := time.Now()
	if err := emb.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded store stopped in %v (FerretDB gives open connections 3 s)", time.Since(start))
	time.Sleep(5 * time.Millisecond) // let the stale store's entries age past its TTL

	full := msUTC(d.Profiles[0])
	cases := []struct {
		name string
		s    *Store
		id   string
		want content.ProfileRead
	}{
		{"fresh cache hit is served", fresh, "cust-full", content.ProfileRead{Profile: full, Known: true}},
		{"fresh negative hit is served", fresh, "cust-gone", content.ProfileRead{}},
		{"stale copy is the fallback", stale, "cust-full", content.ProfileRead{Profile: full, Known: true, Fallback: true}},
		{"stale negative is the fallback", stale, "cust-gone", content.ProfileRead{Fallback: true}},
		{"never seen, store down", fresh, "cust-other", content.ProfileRead{Fallback: true}},
		{"never seen, store down, other store", stale, "cust-other", content.ProfileRead{Fallback: true}},
	}
	for _, tc := range cases {
		before := tc.s.Stats().StoreReads
		start := time.Now()
		got := tc.s.ReadProfile(ctx, tc.id)
		took := time.Since(start)
		if diff := cmp.Diff(tc.want, got, ignoreFetchedAt); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tc.name, diff)
		}
		reads := tc.s.Stats().StoreReads - before
		if !tc.want.Fallback && reads != 0 {
			t.Errorf("%s: %d store reads for a fresh cache hit", tc.name, reads)
		}
		// the deadline is respected: generous slack, speed is for benchmarks
		if took > deadline+time.Second {
			t.Errorf("%s: took %v with a %v deadline", tc.name, took, deadline)
		}
	}

	// a caller's own shorter deadline wins too
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	start = time.Now()
	if got := stale.ReadProfile(short, "cust-full"); !got.Fallback || !got.Known {
		t.Errorf("short deadline: %+v, want the last good copy as fallback", got)
	}
	if took := time.Since(start); took > deadline {
		t.Errorf("read with a 20 ms context took %v", took)
	}

	if got := fresh.Stats().Fallbacks + stale.Stats().Fallbacks; got != 5 {
		t.Errorf("fallbacks = %d, want 5", got)
	}
	out := logs.String()
	if !strings.Contains(out, "profile reads answered from fallback") {
		t.Errorf("no fallback WARN logged:\n%s", out)
	}
	for _, id := range []string{"cust-full", "cust-gone", "cust-other"} {
		if strings.Contains(out, id) {
			t.Errorf("log names profile %s:\n%s", id, out)
		}
	}
}

// TestReadProfileSingleflight holds the first store read until all callers
// have missed: they must share it.
func TestReadProfileSingleflight(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, Config{Deadline: 10 * time.Second})
	d := testDataset()
	mustSeed(t, s, d)

	const n = 32
	release := make(chan struct{})
	s.beforeFetch = func() { <-release }
	before := s.Stats()

	var wg sync.WaitGroup
	got := make([]content.ProfileRead, n)
	for i := range n {
		wg.Go(func() { got[i] = s.ReadProfile(context.Background(), "cust-full") })
	}
	for s.Stats().Misses-before.Misses < n {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // from Misses.Add to DoChan
	close(release)
	wg.Wait()

	if reads := s.Stats().StoreReads - before.StoreReads; reads != 1 {
		t.Errorf("%d concurrent misses made %d store reads, want 1", n, reads)
	}
	want := content.ProfileRead{Profile: msUTC(d.Profiles[0]), Known: true}
	for i, g := range got {
		if !g.FetchedAt.Equal(got[0].FetchedAt) {
			t.Errorf("caller %d got another copy (%v) than caller 0 (%v)", i, g.FetchedAt, got[0].FetchedAt)
		}
		if diff := cmp.Diff(want, g, ignoreFetchedAt); diff != "" {
			t.Fatalf("caller %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestInvalidate(t *testing.T) {
	t.Parallel()
	// a long deadline, so that the held read below still succeeds
	s := newTestStore(t, Config{ProfileTTL: time.Hour, Deadline: 10 * time.Second})
	ctx := context.Background()
	mustSeed(t, s, testDataset())

	if r := s.ReadProfile(ctx, "cust-min"); r.Profile.FirstName != "" {
		t.Fatalf("unexpected first name %q", r.Profile.FirstName)
	}
	s.cache.Wait()
	_, err := s.db.Collection(CollProfiles).UpdateOne(ctx, bson.D{{Key: "_id", Value: "cust-min"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "first_name", Value: "Ada"}}}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name       string
		invalidate bool
		want       string
	}{
		{"cached copy until invalidated", false, ""},
		{"store read after Invalidate", true, "Ada"},
	}
	for _, st := range steps {
		if st.invalidate {
			s.Invalidate("cust-min")
		}
		if got := s.ReadProfile(ctx, "cust-min").Profile.FirstName; got != st.want {
			t.Errorf("%s: first name %q, want %q", st.name, got, st.want)
		}
	}

	// a store read that started before Invalidate must not refill the cache
	release := make(chan struct{})
	s.beforeFetch = func() { <-release }
	s.Invalidate("cust-full")
	var raced content.ProfileRead
	done := make(chan struct{})
	go func() { defer close(done); raced = s.ReadProfile(ctx, "cust-full") }()
	for s.Stats().StoreReads < 3 { // the reads above were the first two
		time.Sleep(time.Millisecond)
	}
	s.Invalidate("cust-full")
	close(release)
	<-done
	if !raced.Known || raced.Fallback {
		t.Fatalf("held read answered %+v, want the profile", raced)
	}
	s.cache.Wait()
	if _, ok := s.cache.Get("cust-full"); ok {
		t.Error("a read that raced with Invalidate refilled the cache")
	}
}

// BenchmarkReadProfileCacheHit measures a ReadProfile answered from the
// cache (no store involved).
func BenchmarkReadProfileCacheHit(b *testing.B) {
	s := newTestStore(b, Config{ProfileTTL: time.Hour})
	mustSeed(b, s, testDataset())
	ctx := context.Background()
	if r := s.ReadProfile(ctx, "cust-full"); !r.Known {
		b.Fatal("profile unknown")
	}
	s.cache.Wait()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := s.ReadProfile(ctx, "cust-full"); !r.Known || r.Fallback {
				b.Fatal("not a hit")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if r := s.ReadProfile(ctx, "cust-full"); !r.Known || r.Fallback {
					b.Error("not a hit")
					return
				}
			}
		})
	})
	if st := s.Stats(); st.StoreReads != 1 {
		b.Errorf("%d store reads, want 1", st.StoreReads)
	}
}
