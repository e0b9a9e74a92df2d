package store

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amplive/amplive/content"
)

// testEmb is the embedded FerretDB shared by the tests of this binary;
// each test uses its own database in it (see newTestStore).
var (
	testEmb        *Embedded
	testEmbStartup time.Duration
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "amplive-store-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	start := time.Now()
	testEmb, err = StartEmbedded(context.Background(), dir, testLogger(nil))
	testEmbStartup = time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := testEmb.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop embedded store:", err)
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// testLogger returns a logger that writes to w (nil: to stderr with -v,
// nowhere otherwise).
func testLogger(w io.Writer) *slog.Logger {
	if w == nil {
		if !testing.Verbose() {
			return slog.New(slog.DiscardHandler)
		}
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	dbCounter atomic.Int64
	dbUnsafe  = regexp.MustCompile(`[^A-Za-z0-9_]+`)
)

// testDatabase returns a database name unique in this test binary.
func testDatabase(tb testing.TB) string {
	name := fmt.Sprintf("t%d_%s", dbCounter.Add(1), dbUnsafe.ReplaceAllString(tb.Name(), "_"))
	return strings.ToLower(name[:min(len(name), 60)])
}

// newTestStore opens a Store on its own database in the shared embedded
// FerretDB (with the _id index fix, as Open applies it to its own embedded
// store) and closes it at the end of the test. Zero cfg fields get test
// defaults; cfg.Logger nil means testLogger(nil).
func newTestStore(tb testing.TB, cfg Config) *Store {
	tb.Helper()
	if cfg.MongoURI == "" {
		cfg.MongoURI = testEmb.URI()
		cfg.sqliteDir = testEmb.Dir()
	}
	if cfg.Database == "" {
		cfg.Database = testDatabase(tb)
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// mustSeed seeds d (replace true) and fails the test on error.
func mustSeed(tb testing.TB, s *Store, d Dataset) SeedResult {
	tb.Helper()
	res, err := s.Seed(context.Background(), d, true)
	if err != nil {
		tb.Fatalf("Seed: %v", err)
	}
	return res
}

// t0 is a fixed instant with sub-millisecond digits and a non-UTC zone, to
// show that stored times come back as UTC milliseconds.
var t0 = time.Date(2026, 11, 27, 9, 30, 15, 123456789, time.FixedZone("CET", 3600))

// testDataset is a small data set touching every field.
func testDataset() Dataset {
	return Dataset{
		Products: []content.Product{
			{SKU: "sku-1", Title: "Trail shoe", URL: "https://shop.example/p/1", Image: "https://img.example/1.jpg",
				Price: 12999, Currency: "EUR", Category: "shoes", Brand: "Acme", Rating: 4.5, Stock: 12, Popularity: 90, UpdatedAt: t0},
			{SKU: "sku-2", Title: "Rain jacket", URL: "https://shop.example/p/2", Price: 8900, Currency: "EUR",
				Category: "jackets", Stock: 3, Popularity: 120, UpdatedAt: t0},
			{SKU: "sku-3", Title: "Sold-out cap", URL: "https://shop.example/p/3", Price: 1500, Currency: "EUR",
				Category: "hats", Stock: 0, Popularity: 500, UpdatedAt: t0},
		},
		Profiles: []content.Profile{
			{
				ID: "cust-full", EmailHash: strings.Repeat("ab", 32), FirstName: "Jürgen", Locale: "de-DE", TimeZone: "Europe/Berlin",
				Loyalty:     content.Loyalty{Tier: "gold", Points: 1234},
				Cart:        []content.CartItem{{SKU: "sku-1", Qty: 2, AddedAt: t0.Add(-time.Hour)}},
				RecentViews: []content.View{{SKU: "sku-2", At: t0.Add(-2 * time.Hour)}, {SKU: "sku-1", At: t0.Add(-time.Minute)}},
				Purchases:   []content.Purchase{{SKU: "sku-3", OrderID: "o-1", At: t0.Add(-48 * time.Hour)}},
				Attributes:  map[string]string{"segment": "runner", "size": "44"},
				UpdatedAt:   t0,
			},
			{ID: "cust-min", Loyalty: content.Loyalty{Points: 0}, UpdatedAt: t0},
		},
		Campaigns: []content.Campaign{
			{ID: "bf-2026", Name: "Black Friday", EndsAt: time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC), TimeZone: "Europe/Berlin", ExpiredText: "Sale over"},
		},
	}
}

// msUTC returns p with every time truncated to milliseconds and in UTC, as
// a BSON round trip returns it.
func msUTC(p content.Profile) content.Profile {
	n := func(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }
	p.UpdatedAt = n(p.UpdatedAt)
	p.Cart = append([]content.CartItem(nil), p.Cart...)
	for i := range p.Cart {
		p.Cart[i].AddedAt = n(p.Cart[i].AddedAt)
	}
	p.RecentViews = append([]content.View(nil), p.RecentViews...)
	for i := range p.RecentViews {
		p.RecentViews[i].At = n(p.RecentViews[i].At)
	}
	p.Purchases = append([]content.Purchase(nil), p.Purchases...)
	for i := range p.Purchases {
		p.Purchases[i].At = n(p.Purchases[i].At)
	}
	if len(p.Cart) == 0 {
		p.Cart = nil
	}
	if len(p.RecentViews) == 0 {
		p.RecentViews = nil
	}
	if len(p.Purchases) == 0 {
		p.Purchases = nil
	}
	return p
}
