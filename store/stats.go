package store

import "time"

// Stats is a snapshot of the store's counters since Open. Counts are
// cumulative; take differences for rates.
type Stats struct {
	Hits        uint64  // profile reads answered from a fresh cache entry
	Misses      uint64  // profile reads that needed the store (absent, or older than ProfileTTL)
	Fallbacks   uint64  // profile reads answered with Fallback true (store slow, failing or closed)
	StoreReads  uint64  // profile queries sent to the store (misses after singleflight)
	StoreErrors uint64  // of those, the ones that failed or timed out (not "not found")
	HitRatio    float64 // Hits / (Hits + Misses); 0 before the first read

	CacheSetsDropped  uint64 // cache fills lost because ristretto's buffer was full
	CacheSetsRejected uint64 // cache fills refused by ristretto's admission policy
	CacheKeysEvicted  uint64 // entries evicted to stay within CacheBytes
	CacheCostBytes    int64  // current cache use, in cost units (≈ bytes, ristretto's per-item overhead included)

	EventsApplied   uint64 // events ApplyEvents applied and recorded
	EventsDuplicate uint64 // events ApplyEvents acknowledged without applying: ids seen before
	WriteConflicts  uint64 // optimistic writes that lost to a concurrent writer and were retried (MongoDB path)

	Products        int       // products in the catalog snapshot
	Campaigns       int       // campaigns in the snapshot
	CatalogLoadedAt time.Time // when the snapshot was read (UTC); zero if never
}

// Stats returns the current counters. It is cheap and safe to call
// concurrently (e.g. from a /metrics handler).
func (s *Store) Stats() Stats {
	st := Stats{
		Hits:        s.hits.Load(),
		Misses:      s.misses.Load(),
		Fallbacks:   s.fallbacks.Load(),
		StoreReads:  s.storeReads.Load(),
		StoreErrors: s.storeErrors.Load(),

		EventsApplied:   s.eventsApplied.Load(),
		EventsDuplicate: s.eventsDuplicate.Load(),
		WriteConflicts:  s.writeConflicts.Load(),
	}
	if total := st.Hits + st.Misses; total > 0 {
		st.HitRatio = float64(st.Hits) / float64(total)
	}
	if m := s.cache.Metrics; m != nil && !s.isClosed.Load() {
		st.CacheSetsDropped = m.SetsDropped()
		st.CacheSetsRejected = m.SetsRejected()
		st.CacheKeysEvicted = m.KeysEvicted()
		st.CacheCostBytes = s.cache.MaxCost() - s.cache.RemainingCost()
	}
	snap := s.snap.Load()
	st.Products = snap.catalog.Len()
	st.Campaigns = len(snap.campaigns)
	st.CatalogLoadedAt = snap.catalog.LoadedAt()
	return st
}
