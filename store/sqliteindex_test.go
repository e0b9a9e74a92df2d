package store

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/amplive/amplive/content"
)

// ferretFindByIDSQL is the statement FerretDB v1.24.2 runs for
// find({_id: <string>}) on a non-capped collection without a comment:
// prepareSelectClause(table, "", false, false) (note the two spaces where the
// empty comment goes) plus the pushed-down filter `WHERE <IDColumn> = ?`,
// with no LIMIT (a limit is pushed down only without a filter). Its argument
// is the _id as a JSON string, e.g. `"cust-1"`.
// See internal/backends/sqlite/collection.go (Query) and query.go.
func ferretFindByIDSQL(table string) string {
	return fmt.Sprintf(`SELECT  _ferretdb_sjson FROM %q WHERE %s = ?`, table, sqliteIDExpr)
}

// openSQLite opens a FerretDB SQLite file read-only, for inspection.
func openSQLite(tb testing.TB, dir, database string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(sqliteDatabasePath(dir, database))+"?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// sqlitePlan returns the EXPLAIN QUERY PLAN details of q.
func sqlitePlan(tb testing.TB, db *sql.DB, q string, args ...any) []string {
	tb.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			tb.Fatal(err)
		}
		details = append(details, detail)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return details
}

// ferretExplain runs FerretDB's explain for find({_id: id}) over the wire:
// FerretDB builds the same SQL as for the find and returns SQLite's plan.
func ferretExplain(tb testing.TB, db *mongo.Database, coll, id string) (plan []string, pushdown bool) {
	tb.Helper()
	var res struct {
		QueryPlanner struct {
			Plan []string `bson:"Plan"`
		} `bson:"queryPlanner"`
		FilterPushdown bool `bson:"filterPushdown"`
	}
	cmd := bson.D{{Key: "explain", Value: bson.D{
		{Key: "find", Value: coll},
		{Key: "filter", Value: bson.D{{Key: "_id", Value: id}}},
	}}}
	if err := db.RunCommand(context.Background(), cmd).Decode(&res); err != nil {
		tb.Fatalf("explain: %v", err)
	}
	return res.QueryPlanner.Plan, res.FilterPushdown
}

// TestIDIndex proves the _id index trap and its fix, on a running FerretDB:
// before ensureIDIndexes, SQLite scans the table for a find by _id (both for
// the statement FerretDB generates, checked directly, and for FerretDB's own
// explain over the wire); afterwards it uses our index, and reads and writes
// through FerretDB, whose connections were open while the index was added,
// still return the right documents.
func TestIDIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t, Config{})
	database := s.cfg.Database
	// a collection Open did not index, created and filled through FerretDB
	const coll = "probe"
	docs := make([]any, 500)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("id-%03d", i)}, {Key: "n", Value: int64(i)}}
	}
	if _, err := s.db.Collection(coll).InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}

	lite := openSQLite(t, testEmb.Dir(), database)
	tables, err := sqliteTables(ctx, lite)
	if err != nil {
		t.Fatal(err)
	}
	table := tables[coll]
	ours := table + sqliteIDIndexSuffix

	// FerretDB's own _id index is on a different expression: the trap.
	var ferretSQL string
	if err := lite.QueryRow(`SELECT sql FROM sqlite_master WHERE name = ?`, table+"__id_").Scan(&ferretSQL); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ferretSQL, `_ferretdb_sjson->"_id"`) {
		t.Errorf("FerretDB's _id index is %q; the trap may be gone, revisit ensureIDIndexes", ferretSQL)
	}

	q := ferretFindByIDSQL(table)
	cases := []struct {
		name      string
		addIndex  bool
		wantInPln string
	}{
		{"without our index: full scan", false, "SCAN " + table},
		{"with our index", true, "USING INDEX " + ours},
		{"index added again (idempotent)", true, "USING INDEX " + ours},
	}
	for _, tc := range cases {
		if tc.addIndex {
			names, err := ensureIDIndexes(ctx, testEmb.Dir(), database, []string{coll})
			if err != nil {
				t.Fatalf("%s: ensureIDIndexes: %v", tc.name, err)
			}
			if diff := cmp.Diff([]string{ours}, names); diff != "" {
				t.Errorf("%s: index names (-want +got):\n%s", tc.name, diff)
			}
		}
		// Real reads by _id through FerretDB return the right documents.
		// They come first on purpose: SQLite re-prepares a statement whose
		// schema changed when it runs, but EXPLAIN QUERY PLAN does not run
		// anything, so on a connection that has not run a statement since
		// the index was added, EXPLAIN still shows the old plan. These reads
		// refresh the schema of the FerretDB connection that explain uses.
		for _, i := range []int{0, 42, 499} {
			var got struct {
				ID string `bson:"_id"`
				N  int64  `bson:"n"`
			}
			if err := s.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("id-%03d", i)}}).Decode(&got); err != nil {
				t.Fatalf("%s: FindOne id-%03d: %v", tc.name, i, err)
			}
			if got.N != int64(i) {
				t.Errorf("%s: id-%03d has n=%d", tc.name, i, got.N)
			}
		}
		if err := s.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: "id-nope"}}).Err(); err != mongo.ErrNoDocuments {
			t.Errorf("%s: FindOne of a missing id: %v, want ErrNoDocuments", tc.name, err)
		}

		// the statement FerretDB generates, planned on a new connection
		direct := strings.Join(sqlitePlan(t, openSQLite(t, testEmb.Dir(), database), q, `"id-042"`), "; ")
		if !strings.Contains(direct, tc.wantInPln) {
			t.Errorf("%s: plan of %s is %q, want %q in it", tc.name, q, direct, tc.wantInPln)
		}
		// FerretDB's own explain, which builds the same statement
		plan, pushdown := ferretExplain(t, s.db, coll, "id-042")
		wire := strings.Join(plan, "; ")
		if !pushdown || !strings.Contains(wire, tc.wantInPln) {
			t.Errorf("%s: FerretDB explain: pushdown %v, plan %q; want pushdown and %q", tc.name, pushdown, wire, tc.wantInPln)
		}
	}

	// writes after the index was added: insert, replace, delete, then read
	c := s.db.Collection(coll)
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "id-new"}, {Key: "n", Value: int64(1000)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "id-new"}}); !mongo.IsDuplicateKeyError(err) {
		t.Errorf("duplicate _id insert: %v, want a duplicate key error", err)
	}
	if _, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "id-007"}}, bson.D{{Key: "n", Value: int64(-7)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: "id-008"}}); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		id     string
		n      int64
		exists bool
	}{{"id-new", 1000, true}, {"id-007", -7, true}, {"id-008", 0, false}, {"id-009", 9, true}}
	for _, ck := range checks {
		var got struct {
			N int64 `bson:"n"`
		}
		err := c.FindOne(ctx, bson.D{{Key: "_id", Value: ck.id}}).Decode(&got)
		switch {
		case !ck.exists && err != mongo.ErrNoDocuments:
			t.Errorf("%s: %v, want ErrNoDocuments", ck.id, err)
		case ck.exists && (err != nil || got.N != ck.n):
			t.Errorf("%s: n=%d, %v; want n=%d", ck.id, got.N, err, ck.n)
		}
	}
	if n, err := c.CountDocuments(ctx, bson.D{}); err != nil || n != 500 {
		t.Errorf("count = %d, %v; want 500", n, err)
	}
	var integrity string
	if err := lite.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("integrity_check = %q, %v", integrity, err)
	}
}

// TestOpenIndexesProfiles checks that Open indexed _id for the profiles it
// reads: FerretDB's explain of a profile read uses our index.
func TestOpenIndexesProfiles(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, Config{})
	mustSeed(t, s, testDataset())
	for _, coll := range collections {
		plan, _ := ferretExplain(t, s.db, coll, "cust-full")
		if p := strings.Join(plan, "; "); !strings.Contains(p, "USING INDEX") || !strings.Contains(p, sqliteIDIndexSuffix) {
			t.Errorf("%s: plan %q does not use the amplive _id index", coll, p)
		}
	}
}

var benchProfiles = flag.Int("bench-profiles", 10_000, "profiles in BenchmarkProfileReadByID")

// benchDB holds one filled database for BenchmarkProfileReadByID.
type benchDB struct {
	once  sync.Once
	store *Store
	err   error
}

var benchDBs = map[bool]*benchDB{false: {}, true: {}}

// randomProfile is a profile of realistic size (about 1 KiB of BSON).
func randomProfile(i int, r *rand.Rand) content.Profile {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(30*24*3600)) * time.Second)
	p := content.Profile{
		ID: fmt.Sprintf("cust-%06d", i), EmailHash: fmt.Sprintf("%064x", r.Uint64()), FirstName: "Name",
		Locale: "de-DE", TimeZone: "Europe/Berlin", Loyalty: content.Loyalty{Tier: "silver", Points: r.Int64N(5000)},
		Attributes: map[string]string{"segment": "runner", "size": "44"}, UpdatedAt: at,
	}
	for j := range 2 {
		p.Cart = append(p.Cart, content.CartItem{SKU: fmt.Sprintf("sku-%d", r.IntN(300)), Qty: int64(j + 1), AddedAt: at})
	}
	for range 10 {
		p.RecentViews = append(p.RecentViews, content.View{SKU: fmt.Sprintf("sku-%d", r.IntN(300)), At: at})
	}
	for j := range 3 {
		p.Purchases = append(p.Purchases, content.Purchase{SKU: fmt.Sprintf("sku-%d", r.IntN(300)), OrderID: fmt.Sprintf("o-%d-%d", i, j), At: at})
	}
	return p
}

// fill opens a store on a fresh database of the shared embedded FerretDB
// without our _id index, inserts n profiles and, if indexed, then adds the
// index while FerretDB runs.
func (b *benchDB) fill(tb testing.TB, indexed bool, n int) (*Store, error) {
	b.once.Do(func() {
		cfg := Config{
			MongoURI: testEmb.URI(), Database: fmt.Sprintf("bench_%d_indexed_%v", n, indexed),
			Deadline: 10 * time.Second, Logger: testLogger(nil),
		}
		ctx := context.Background()
		s, err := Open(ctx, cfg)
		if err != nil {
			b.err = err
			return
		}
		b.store = s
		r := rand.New(rand.NewPCG(1, 2))
		start := time.Now()
		batch := make([]any, 0, 1000)
		for i := range n {
			batch = append(batch, randomProfile(i, r))
			if len(batch) == cap(batch) || i == n-1 {
				if _, err := s.db.Collection(CollProfiles).InsertMany(ctx, batch); err != nil {
					b.err = err
					return
				}
				batch = batch[:0]
			}
		}
		tb.Logf("inserted %d profiles in %v", n, time.Since(start))
		if indexed {
			// added live, after the data, while FerretDB's connections are warm
			start := time.Now()
			if _, b.err = ensureIDIndexes(ctx, testEmb.Dir(), cfg.Database, collections); b.err != nil {
				return
			}
			tb.Logf("added the _id indexes in %v", time.Since(start))
		}
	})
	return b.store, b.err
}

// BenchmarkProfileReadByID measures one profile read by _id through the real
// mongo-driver, over loopback TCP, from embedded FerretDB on SQLite holding
// -bench-profiles profiles (10k), with and without the _id index that Open
// adds. It bypasses the cache: this is the cost of every cache miss.
func BenchmarkProfileReadByID(b *testing.B) {
	for _, indexed := range []bool{false, true} {
		b.Run(fmt.Sprintf("profiles=%d/index=%v", *benchProfiles, indexed), func(b *testing.B) {
			s, err := benchDBs[indexed].fill(b, indexed, *benchProfiles)
			if err != nil {
				b.Fatal(err)
			}
			coll := s.db.Collection(CollProfiles)
			ctx := context.Background()
			r := rand.New(rand.NewPCG(3, 4))
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				id := fmt.Sprintf("cust-%06d", r.IntN(*benchProfiles))
				raw, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
				if err != nil {
					b.Fatal(err)
				}
				var p content.Profile
				if err := bson.Unmarshal(raw, &p); err != nil || p.ID != id {
					b.Fatalf("decoded %q, %v; want %q", p.ID, err, id)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
	b.Cleanup(func() {
		for _, d := range benchDBs {
			if d.store != nil {
				_ = d.store.Close(context.Background())
			}
		}
	})
}
