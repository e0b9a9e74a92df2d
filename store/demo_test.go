package store

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/amplive/amplive/content"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files and the demo SKU map")

const demoDir = "../testdata/demo"

// TestDemoSKUMap keeps the committed map equal to the rule that made it.
func TestDemoSKUMap(t *testing.T) {
	rows, err := BuildDemoSKUMap(os.DirFS(demoDir))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteSKUMap(&buf, rows); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(demoDir, DemoSKUMapFile)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./store -run TestDemoSKUMap -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s is out of date: run go test ./store -run TestDemoSKUMap -update", path)
	}
	if got, want := len(rows), 316; got != want {
		t.Errorf("mapped %d articles, want %d (one per catalog product)", got, want)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.SKU] {
			t.Errorf("SKU %s mapped twice", r.SKU)
		}
		seen[r.SKU] = true
	}
}

func TestDemoDataset(t *testing.T) {
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	d, err := DemoDataset(os.DirFS(demoDir), now)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(d.Products), 316; got != want {
		t.Errorf("products = %d, want %d", got, want)
	}
	if got, want := len(d.Profiles), 20; got != want {
		t.Fatalf("profiles = %d, want %d", got, want)
	}
	cat := content.NewCatalog(d.Products, now)
	var noImage, zeroPrice, sellable int
	for _, p := range d.Products {
		if p.Image == "" {
			noImage++
		}
		if p.Price == 0 {
			zeroPrice++
		}
		if p.Sellable() {
			sellable++
		}
	}
	if noImage != 32 || zeroPrice != 1 || sellable != 154 {
		t.Errorf("noImage=%d zeroPrice=%d sellable=%d, want 32, 1, 154", noImage, zeroPrice, sellable)
	}
	if p, ok := cat.Product("GGCOGOAC101259"); !ok || p.Price != 1600 || p.Currency != "USD" || p.Category != "Office" {
		t.Errorf("GGCOGOAC101259 = %+v", p)
	}
	var newest time.Time
	var views, carts, purchases int
	for i, p := range d.Profiles {
		if want := "otto-" + strconv.Itoa(i); p.ID != want {
			t.Errorf("profile %d id = %q, want %q", i, p.ID, want)
		}
		for _, v := range p.RecentViews {
			if _, ok := cat.Product(v.SKU); !ok {
				t.Errorf("%s views unknown SKU %s", p.ID, v.SKU)
			}
			if v.At.After(newest) {
				newest = v.At
			}
		}
		views += len(p.RecentViews)
		carts += len(p.Cart)
		purchases += len(p.Purchases)
	}
	if views == 0 || carts == 0 || purchases == 0 {
		t.Errorf("views=%d carts=%d purchases=%d: each should be > 0", views, carts, purchases)
	}
	if newest.After(now.Add(-time.Hour)) || newest.Before(now.Add(-30*24*time.Hour)) {
		t.Errorf("newest view %v, want within the month before %v", newest, now)
	}
	if got := d.Campaigns[0]; got.ID != DemoCampaignID || !got.EndsAt.Equal(now.Add(72*time.Hour)) {
		t.Errorf("campaign = %+v", got)
	}
	// Deterministic: the same files and instant give the same data set.
	again, err := DemoDataset(os.DirFS(demoDir), now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, again); diff != "" {
		t.Errorf("DemoDataset is not deterministic (-first +again):\n%s", diff)
	}
}

// TestSeedDemoTwice loads the whole demo data set twice with replace, as
// `amplive seed --demo` on a seeded store does. FerretDB holds a connection
// per replaced document until the command ends, so large replace batches
// used to hang here; the deadline turns such a hang into a failure.
func TestSeedDemoTwice(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d, err := DemoDataset(os.DirFS(demoDir), time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := []SeedResult{
		{Products: SeedCount{Inserted: 316}, Profiles: SeedCount{Inserted: 20}, Campaigns: SeedCount{Inserted: 1}},
		{Products: SeedCount{Replaced: 316}, Profiles: SeedCount{Replaced: 20}, Campaigns: SeedCount{Replaced: 1}},
	}
	for i, w := range want {
		got, err := s.Seed(ctx, d, true)
		if err != nil {
			t.Fatalf("seed %d: %v", i+1, err)
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("seed %d (-want +got):\n%s", i+1, diff)
		}
	}
	if got := s.Catalog().Len(); got != 316 {
		t.Errorf("catalog after re-seeding has %d products, want 316", got)
	}
}

func TestDemoEvents(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	evs, err := DemoEvents(os.DirFS(demoDir), now)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	ids := map[string]bool{}
	for i, e := range evs {
		count[e.Type]++
		if ids[e.ID] {
			t.Errorf("id %s twice", e.ID)
		}
		ids[e.ID] = true
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Fatalf("event %d is out of time order", i)
		}
		if e.At.After(now) {
			t.Errorf("event %s is in the future", e.ID)
		}
	}
	if !evs[len(evs)-1].At.Equal(now) {
		t.Errorf("newest event at %v, want %v", evs[len(evs)-1].At, now)
	}
	if count[content.EventProductViewed] == 0 || count[content.EventCartUpdated] == 0 || count[content.EventOrderPlaced] == 0 {
		t.Errorf("event counts %v: want views, carts and orders", count)
	}
	for _, e := range evs {
		if e.Type == content.EventOrderPlaced {
			for _, it := range e.Items {
				if it.Currency != "USD" || it.Qty < 1 {
					t.Errorf("order item %+v", it)
				}
			}
		}
	}
}
