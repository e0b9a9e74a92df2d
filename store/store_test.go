package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/amplive/amplive/content"
)

// TestOpenEmbeddedIdempotent opens the embedded store twice on one data
// directory: the second Open must find the schema in place and change
// nothing, and each Open must log exactly one WARN about the embedded store.
func TestOpenEmbeddedIdempotent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // Open creates it
	wantIndexes := map[string][]string{
		CollProfiles:  {"_id_"},
		CollProducts:  {"_id_", "category_1_popularity_-1", "popularity_-1"},
		CollCampaigns: {"_id_"},
		CollEvents:    {"_id_", "profile_id_1_at_1"},
	}
	for run := 1; run <= 2; run++ {
		var logs syncBuffer
		start := time.Now()
		s, err := Open(context.Background(), Config{DataDir: dir, Logger: testLogger(&logs)})
		if err != nil {
			t.Fatalf("run %d: Open: %v\nlogs:\n%s", run, err, logs.String())
		}
		t.Logf("run %d: Open with embedded store took %v", run, time.Since(start))
		if s.Embedded() == nil {
			t.Fatalf("run %d: no embedded store", run)
		}

		ctx := context.Background()
		for coll, want := range wantIndexes {
			specs, err := s.db.Collection(coll).Indexes().ListSpecifications(ctx)
			if err != nil {
				t.Fatalf("run %d: list indexes of %s: %v", run, coll, err)
			}
			var got []string
			for _, sp := range specs {
				got = append(got, sp.Name)
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("run %d: indexes of %s (-want +got):\n%s", run, coll, diff)
			}
		}
		names, err := sqliteIndexNames(filepath.Join(s.Embedded().Dir(), "amplive.sqlite"), "%"+sqliteIDIndexSuffix)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(names), len(collections); got != want {
			t.Errorf("run %d: %d SQLite _id indexes %v, want %d", run, got, names, want)
		}

		if err := s.Close(ctx); err != nil {
			t.Fatalf("run %d: Close: %v", run, err)
		}
		out := logs.String()
		if got := strings.Count(out, "embedded development store"); got != 1 {
			t.Errorf("run %d: %d log lines about the embedded store, want 1:\n%s", run, got, out)
		}
		if strings.Contains(out, "endSessions") {
			t.Errorf("run %d: endSessions noise was logged:\n%s", run, out)
		}
	}
}

// sqliteIndexNames lists the indexes in a SQLite file whose name matches the
// LIKE pattern.
func sqliteIndexNames(path, like string) ([]string, error) {
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ? ORDER BY name`, like)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	// A port nothing listens on; the credentials must not show in the error.
	start := time.Now()
	_, err := Open(context.Background(), Config{
		MongoURI:               "mongodb://amp:s3cret@127.0.0.1:1/?authSource=admin",
		ServerSelectionTimeout: 200 * time.Millisecond,
		Logger:                 testLogger(nil),
	})
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret") || strings.Contains(msg, "amp:") {
		t.Errorf("error leaks credentials: %v", err)
	}
	if !strings.Contains(msg, "mongodb://127.0.0.1:1/") || !strings.Contains(msg, "unreachable") {
		t.Errorf("error does not name the server clearly: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
}

func TestRedactURI(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"mongodb://127.0.0.1:27017/", "mongodb://127.0.0.1:27017/"},
		{"mongodb://user:p%40ss@db1:27017,db2:27017/amplive?replicaSet=rs0&tls=true", "mongodb://db1:27017,db2:27017/amplive"},
		{"mongodb+srv://u:p@cluster0.example.net/?retryWrites=true", "mongodb+srv://cluster0.example.net/"},
		{"mongodb://u:p@host?authSource=admin", "mongodb://host"},
		{"not a uri", "(malformed URI)"},
	}
	for _, tc := range cases {
		if got := redactURI(tc.in); got != tc.want {
			t.Errorf("redactURI(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	got := Config{ProfileTTL: 2 * time.Hour}.WithDefaults()
	if got.StaleFor != 2*time.Hour {
		t.Errorf("StaleFor = %v, want raised to ProfileTTL (2h)", got.StaleFor)
	}
	got = Config{}.WithDefaults()
	want := Config{
		DataDir: "./amplive-data", Database: "amplive", ProfileTTL: 10 * time.Second, StaleFor: time.Hour,
		Deadline: 250 * time.Millisecond, RefreshEvery: 30 * time.Second, CacheBytes: 64 << 20,
		ServerSelectionTimeout: 2 * time.Second,
	}
	if got.Logger == nil {
		t.Error("Logger is nil")
	}
	got.Logger = nil
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(Config{})); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if err := (Config{Database: "a.b"}).WithDefaults().validate(); err == nil {
		t.Error("database name with '.' accepted")
	}
}

func TestSeed(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, Config{})
	ctx := context.Background()
	d := testDataset()

	empty, err := s.Empty(ctx)
	if err != nil || !empty {
		t.Fatalf("Empty before seeding = %v, %v; want true", empty, err)
	}
	cases := []struct {
		name    string
		replace bool
		want    SeedResult
	}{
		{"first load", true, SeedResult{Products: SeedCount{Inserted: 3}, Profiles: SeedCount{Inserted: 2}, Campaigns: SeedCount{Inserted: 1}}},
		{"again with replace", true, SeedResult{Products: SeedCount{Replaced: 3}, Profiles: SeedCount{Replaced: 2}, Campaigns: SeedCount{Replaced: 1}}},
		{"again without replace", false, SeedResult{Products: SeedCount{Skipped: 3}, Profiles: SeedCount{Skipped: 2}, Campaigns: SeedCount{Skipped: 1}}},
	}
	for _, tc := range cases {
		got, err := s.Seed(ctx, d, tc.replace)
		if err != nil {
			t.Fatalf("%s: Seed: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: result (-want +got):\n%s", tc.name, diff)
		}
	}
	n, err := s.db.Collection(CollProfiles).CountDocuments(ctx, bson.D{})
	if err != nil || n != 2 {
		t.Errorf("profiles after three seeds = %d, %v; want 2", n, err)
	}
	empty, err = s.Empty(ctx)
	if err != nil || empty {
		t.Errorf("Empty after seeding = %v, %v; want false", empty, err)
	}

	// without replace, a new document goes in and an existing one is kept
	d2 := Dataset{Profiles: []content.Profile{{ID: "cust-min", FirstName: "changed"}, {ID: "cust-new"}}}
	got, err := s.Seed(ctx, d2, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(SeedResult{Profiles: SeedCount{Inserted: 1, Skipped: 1}}, got); diff != "" {
		t.Errorf("partial seed (-want +got):\n%s", diff)
	}
	if r := s.ReadProfile(ctx, "cust-min"); r.Profile.FirstName != "" {
		t.Errorf("seed without replace overwrote cust-min: %+v", r.Profile)
	}

	if _, err := s.Seed(ctx, Dataset{Products: []content.Product{{Title: "no sku"}}}, true); err == nil {
		t.Error("Seed accepted a product without SKU")
	}
}
