package store

import (
	"hash/maphash"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/amplive/amplive/content"
)

// entryOverhead approximates, in bytes, what a cache entry costs beyond its
// encoded profile (the entry struct, the id, the decoded struct headers).
// Ristretto adds its own per-item overhead on top (IgnoreInternalCost false).
const entryOverhead = 128

// assumedProfileBytes sizes the admission counters: about ten counters per
// entry a full cache would hold at this average profile size.
const assumedProfileBytes = 1024

// profileEntry is one cached profile read. It is immutable once stored.
type profileEntry struct {
	profile   content.Profile // zero when !found
	found     bool
	fetchedAt time.Time
}

// read returns the entry as a ProfileRead.
func (e *profileEntry) read(fallback bool) content.ProfileRead {
	return content.ProfileRead{Profile: e.profile, Known: e.found, Fallback: fallback, FetchedAt: e.fetchedAt}
}

// newProfileCache builds the profile cache with a budget of maxBytes.
func newProfileCache(maxBytes int64) (*ristretto.Cache[string, *profileEntry], error) {
	counters := max(10*maxBytes/assumedProfileBytes, 10_000)
	return ristretto.NewCache(&ristretto.Config[string, *profileEntry]{
		NumCounters: counters,
		MaxCost:     maxBytes,
		BufferItems: 64,
		Metrics:     true,
	})
}

// generations detects invalidations that race with a store read: Invalidate
// bumps the generation of the id's stripe, and a read started before the bump
// does not cache what it got (it may predate the write that caused the
// invalidation). Stripes keep this to a fixed size; a collision only costs a
// skipped cache fill.
type generations struct {
	seed    maphash.Seed
	stripes [256]atomic.Uint64
}

func newGenerations() *generations { return &generations{seed: maphash.MakeSeed()} }

// of returns the generation counter for id.
func (g *generations) of(id string) *atomic.Uint64 {
	return &g.stripes[maphash.String(g.seed, id)%uint64(len(g.stripes))]
}
