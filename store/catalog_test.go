package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amplive/amplive/content"
)

func TestCatalogAndCampaign(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, Config{})
	if c := s.Catalog(); c == nil || c.Len() != 0 {
		t.Fatalf("catalog before seeding = %v, want empty and non-nil", c)
	}
	d := testDataset()
	before := time.Now().UTC()
	mustSeed(t, s, d) // Seed refreshes the snapshots

	cat := s.Catalog()
	if got, want := cat.Len(), len(d.Products); got != want {
		t.Errorf("catalog has %d products, want %d", got, want)
	}
	for _, p := range d.Products {
		got, ok := cat.Product(p.SKU)
		if !ok {
			t.Errorf("product %s missing", p.SKU)
			continue
		}
		want := p
		want.UpdatedAt = want.UpdatedAt.Truncate(time.Millisecond)
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("product %s (-want +got):\n%s", p.SKU, diff)
		}
	}
	var best []string
	for _, p := range cat.Bestsellers() {
		best = append(best, p.SKU)
	}
	if diff := cmp.Diff([]string{"sku-2", "sku-1"}, best); diff != "" { // sku-3 is out of stock
		t.Errorf("bestsellers (-want +got):\n%s", diff)
	}
	if cat.LoadedAt().Before(before) || cat.LoadedAt().Location() != time.UTC {
		t.Errorf("LoadedAt = %v, want a UTC time after %v", cat.LoadedAt(), before)
	}

	cases := []struct {
		id     string
		want   content.Campaign
		wantOK bool
	}{
		{"bf-2026", d.Campaigns[0], true},
		{"nope", content.Campaign{}, false},
	}
	for _, tc := range cases {
		got, ok := s.Campaign(tc.id)
		if ok != tc.wantOK {
			t.Errorf("Campaign(%q) ok = %v, want %v", tc.id, ok, tc.wantOK)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Campaign(%q) (-want +got):\n%s", tc.id, diff)
		}
	}
	st := s.Stats()
	if st.Products != 3 || st.Campaigns != 1 {
		t.Errorf("stats: %d products, %d campaigns; want 3, 1", st.Products, st.Campaigns)
	}
}

// TestRefreshLoop checks that the background refresh picks up products
// written by other means.
func TestRefreshLoop(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, Config{RefreshEvery: 20 * time.Millisecond})
	ctx := context.Background()
	if _, err := s.db.Collection(CollProducts).InsertOne(ctx, content.Product{SKU: "late", Price: 1, Stock: 1}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Catalog().Len() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("background refresh did not load the new product")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
