package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	// The database/sql driver "sqlite". FerretDB's SQLite backend imports
	// the same package, so it is registered once, by this package's init.
	_ "modernc.org/sqlite"
)

// FerretDB v1.24.2 (SQLite backend) layout, from its
// internal/backends/sqlite/metadata package. v1 is frozen, so these do not move.
const (
	// sqliteCollectionsTable maps collection names to table names.
	sqliteCollectionsTable = "_ferretdb_collections"

	// sqliteIDExpr is the exact expression FerretDB's SQL filters on for
	// find({_id: <string|ObjectID>}) (metadata.IDColumn): the generated query
	// is `SELECT  _ferretdb_sjson FROM "<table>" WHERE _ferretdb_sjson->'$._id' = ?`.
	// FerretDB's own unique _id index is on `_ferretdb_sjson->"_id"`, an
	// expression SQLite does not consider equal, so without an index on
	// this one every _id read is a full table scan.
	sqliteIDExpr = `_ferretdb_sjson->'$._id'`

	// sqliteIDIndexSuffix names our index "<table>_amplive_id".
	sqliteIDIndexSuffix = "_amplive_id"
)

// sqliteDatabasePath is the SQLite file FerretDB keeps database in.
func sqliteDatabasePath(dir, database string) string {
	return filepath.Join(dir, database+".sqlite")
}

// ensureIDIndexes adds, idempotently, an index on sqliteIDExpr to the tables
// of the given collections in FerretDB's SQLite file for database, so that
// lookups by _id use an index instead of scanning (about 150 ms per read at
// 10k profiles before, about 0.85 ms after; BenchmarkProfileReadByID). The collections must already
// exist. It is safe while FerretDB runs: the files are in WAL mode, the index
// is built under SQLite's write lock (waiting up to 10 s for it), and
// FerretDB's connections pick up the schema change on their next statement.
// FerretDB does not know about the index: dropping a collection drops it, and
// the next Open adds it again. It returns the index names, in the order of
// collections.
func ensureIDIndexes(ctx context.Context, dir, database string, collections []string) ([]string, error) {
	path := sqliteDatabasePath(dir, database)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("embedded store: _id indexes: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("embedded store: _id indexes: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	tables, err := sqliteTables(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("embedded store: _id indexes: %s: %w", path, err)
	}

	names := make([]string, 0, len(collections))
	for _, coll := range collections {
		table, ok := tables[coll]
		if !ok {
			return nil, fmt.Errorf("embedded store: _id indexes: collection %s.%s does not exist", database, coll)
		}
		name := table + sqliteIDIndexSuffix
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (%s)`, sqliteQuote(name), sqliteQuote(table), sqliteIDExpr)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("embedded store: _id index on %s.%s: %w", database, coll, err)
		}
		names = append(names, name)
	}
	return names, nil
}

// sqliteTables reads FerretDB's collection → table map.
func sqliteTables(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, table_name FROM `+sqliteQuote(sqliteCollectionsTable))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tables := make(map[string]string)
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return nil, err
		}
		tables[name] = table
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		return nil, errors.New("no collections")
	}
	return tables, nil
}

// sqliteQuote quotes an SQLite identifier.
func sqliteQuote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}
