package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/amplive/amplive/content"
)

// refreshTimeout bounds one background reload of the catalog and campaigns.
const refreshTimeout = 30 * time.Second

// snapshot is the immutable in-memory copy of the catalog and campaigns.
type snapshot struct {
	catalog   *content.Catalog
	campaigns map[string]content.Campaign
}

func emptySnapshot() *snapshot {
	return &snapshot{catalog: content.NewCatalog(nil, time.Time{}), campaigns: map[string]content.Campaign{}}
}

// Catalog returns the current catalog snapshot: never nil, immutable, shared
// by all callers. Its LoadedAt says when it was read (UTC).
func (s *Store) Catalog() *content.Catalog { return s.snap.Load().catalog }

// Campaign returns the campaign with the given id from the in-memory
// snapshot, and whether it exists. It never touches the store.
func (s *Store) Campaign(id string) (content.Campaign, bool) {
	c, ok := s.snap.Load().campaigns[id]
	return c, ok
}

// Refresh reloads the catalog (every product) and the campaigns from the
// store and swaps in the new snapshot. On error the previous snapshot stays.
// Calls are serialized: a later call's snapshot is never replaced by an
// earlier call's.
// Open calls it once, a background loop every cfg.RefreshEvery, Seed after
// writing, ApplyEvents after changing products or campaigns; call it after
// loading products or campaigns by other means.
func (s *Store) Refresh(ctx context.Context) error {
	// One at a time: a background reload that read the products before an
	// ApplyEvents write must not replace the snapshot ApplyEvents loads after it.
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()

	var products []content.Product
	cur, err := s.db.Collection(CollProducts).Find(ctx, bson.D{})
	if err == nil {
		err = cur.All(ctx, &products)
	}
	if err != nil {
		return fmt.Errorf("store: load products from %s: %w", s.uri, err)
	}
	loadedAt := time.Now().UTC()

	var list []content.Campaign
	cur, err = s.db.Collection(CollCampaigns).Find(ctx, bson.D{})
	if err == nil {
		err = cur.All(ctx, &list)
	}
	if err != nil {
		return fmt.Errorf("store: load campaigns from %s: %w", s.uri, err)
	}
	campaigns := make(map[string]content.Campaign, len(list))
	for _, c := range list {
		campaigns[c.ID] = c
	}

	s.snap.Store(&snapshot{catalog: content.NewCatalog(products, loadedAt), campaigns: campaigns})
	return nil
}

// refreshLoop calls Refresh every cfg.RefreshEvery until Close.
func (s *Store) refreshLoop() {
	defer s.refresher.Done()
	t := time.NewTicker(s.cfg.RefreshEvery)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(s.ctx, refreshTimeout)
		err := s.Refresh(ctx)
		cancel()
		if err != nil && s.ctx.Err() == nil {
			s.log.Warn("catalog refresh failed; serving the previous snapshot",
				"error", err.Error(), "catalog_loaded_at", s.Catalog().LoadedAt())
		}
	}
}
