package store

import (
	"errors"
	"log/slog"
	"time"
)

// Defaults applied by Config.WithDefaults to zero fields.
const (
	DefaultDataDir                = "./amplive-data"
	DefaultDatabase               = "amplive"
	DefaultProfileTTL             = 10 * time.Second
	DefaultStaleFor               = time.Hour
	DefaultDeadline               = 250 * time.Millisecond
	DefaultRefreshEvery           = 30 * time.Second
	DefaultCacheBytes             = 64 << 20
	DefaultServerSelectionTimeout = 2 * time.Second
)

// Config configures Open. The zero value is usable: every zero field takes
// the default named in its comment.
type Config struct {
	// MongoURI is the MongoDB connection string. Empty starts the embedded
	// development store (FerretDB on SQLite) in DataDir instead.
	MongoURI string

	// DataDir is the directory of the embedded store's SQLite files; it is
	// created if missing and only used when MongoURI is empty.
	// Default DefaultDataDir ("./amplive-data").
	DataDir string

	// Database is the MongoDB database name. Default "amplive".
	Database string

	// ProfileTTL is how long a cached profile read (found or not) is served
	// without asking the store. Default 10 s.
	ProfileTTL time.Duration

	// StaleFor is how long a profile read is kept after it was fetched, so
	// that it can be served as the last good copy while the store fails.
	// Default 1 h; raised to ProfileTTL if smaller.
	StaleFor time.Duration

	// Deadline bounds each profile read that goes to the store, including
	// the wait for a concurrent read of the same profile. Default 250 ms.
	Deadline time.Duration

	// RefreshEvery is the period of the background reload of the catalog
	// and the campaigns. Default 30 s.
	RefreshEvery time.Duration

	// CacheBytes is the approximate memory budget of the profile cache, in
	// bytes (measured as encoded BSON size plus a small overhead per entry).
	// Default 64 MiB.
	CacheBytes int64

	// ServerSelectionTimeout bounds how long the driver waits for a usable
	// server (at start and for each operation). Default 2 s.
	ServerSelectionTimeout time.Duration

	// Logger receives the store's logs; nil means slog.Default(). Profile
	// ids are never logged.
	Logger *slog.Logger

	// OnStoreRead, when set, is called after each profile query that
	// ReadProfile sends to the store (a cache miss, once per key at a time),
	// with the query's duration and its error: nil when the profile was
	// found or is not there, else the failure or timeout. It runs on the
	// reading goroutine, so it must be fast and safe for concurrent use (a
	// histogram observation, say). It keeps metrics libraries out of store.
	OnStoreRead func(d time.Duration, err error)

	// sqliteDir, when set, is the SQLite directory of an embedded store the
	// URI points at; Open then adds the _id indexes FerretDB lacks (see
	// ensureIDIndexes). Open sets it for the embedded store it starts;
	// tests set it for a shared one.
	sqliteDir string

	// writePath selects how ApplyEvents guards concurrent writes to one
	// document (see writePath). The zero value lets Open choose; tests
	// force either path.
	writePath writePath
}

// WithDefaults returns a copy of c with defaults applied to zero fields.
func (c Config) WithDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.ProfileTTL <= 0 {
		c.ProfileTTL = DefaultProfileTTL
	}
	if c.StaleFor <= 0 {
		c.StaleFor = DefaultStaleFor
	}
	if c.StaleFor < c.ProfileTTL {
		c.StaleFor = c.ProfileTTL
	}
	if c.Deadline <= 0 {
		c.Deadline = DefaultDeadline
	}
	if c.RefreshEvery <= 0 {
		c.RefreshEvery = DefaultRefreshEvery
	}
	if c.CacheBytes <= 0 {
		c.CacheBytes = DefaultCacheBytes
	}
	if c.ServerSelectionTimeout <= 0 {
		c.ServerSelectionTimeout = DefaultServerSelectionTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validate reports configuration errors that defaults cannot fix.
func (c Config) validate() error {
	if !validDatabaseName(c.Database) {
		return errors.New("store: database name must be 1–63 characters of a–z, A–Z, 0–9, '_' or '-'")
	}
	return nil
}

// validDatabaseName accepts names that are valid on both MongoDB and
// FerretDB (latin only) and safe as a SQLite file name.
func validDatabaseName(name string) bool {
	if name == "" || len(name) > 63 {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}
