package main

import (
	"github.com/amplive/amplive/handlers"
	"github.com/amplive/amplive/store"
)

// storeStats adapts store.Stats to the counters GET /metrics exports
// (handlers does not import store).
func storeStats(st *store.Store) func() handlers.StoreStats {
	return func() handlers.StoreStats {
		s := st.Stats()
		return handlers.StoreStats{
			CacheHits:       s.Hits,
			CacheMisses:     s.Misses,
			StoreReads:      s.StoreReads,
			StoreErrors:     s.StoreErrors,
			Fallbacks:       s.Fallbacks,
			EventsApplied:   s.EventsApplied,
			EventsDuplicate: s.EventsDuplicate,
			CacheCostBytes:  s.CacheCostBytes,
		}
	}
}
