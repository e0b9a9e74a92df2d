package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/sync/singleflight"
)

const (
	// pingTimeout bounds Ping (readiness checks).
	pingTimeout = time.Second
	// disconnectTimeout bounds the driver's Disconnect in Close.
	disconnectTimeout = 5 * time.Second
)

// Store is amplive's data access: MongoDB behind an in-memory profile cache
// and in-memory catalog and campaign snapshots. It is safe for concurrent
// use. Create it with Open and release it with Close.
type Store struct {
	cfg      Config
	log      *slog.Logger
	uri      string // without credentials or options, for messages
	client   *mongo.Client
	db       *mongo.Database
	embedded *Embedded // nil unless Open started it

	cache  *ristretto.Cache[string, *profileEntry]
	flight singleflight.Group
	gens   *generations

	snap atomic.Pointer[snapshot]

	ctx       context.Context // cancelled by Close; parent of background work
	cancel    context.CancelFunc
	refresher sync.WaitGroup

	mu      sync.Mutex // guards closed and fetches.Add
	closed  bool
	fetches sync.WaitGroup // store reads running for ReadProfile

	isClosed  atomic.Bool
	closeOnce sync.Once
	closeErr  error

	hits, misses, fallbacks, storeReads, storeErrors atomic.Uint64
	fallbackLog                                      logLimiter

	// beforeFetch, when set (tests only), runs in every store read made for
	// ReadProfile, just before the query: it stands for a slow store.
	beforeFetch func()

	// Event writes (events.go). serialized selects the embedded store's
	// write path (_id-only writes) over the optimistic one (versioned
	// conditional writes), see chooseWritePath; docLocks serializes each
	// document's writes within this process on both.
	serialized bool
	docLocks   docLocks
	// sqliteWrites lets one ApplyEvents write command at a time reach the
	// embedded store (serialized path only). SQLite has a single writer; more
	// concurrent ones wait in its busy handler, which sleeps milliseconds at
	// a time, and ingest got slower with every added writer.
	sqliteWrites sync.Mutex
	refreshMu    sync.Mutex // serializes Refresh, so an older load never replaces a newer one

	eventsApplied, eventsDuplicate, writeConflicts atomic.Uint64

	// Test hooks for ApplyEvents, nil in production. afterWrite runs after
	// each acknowledged document write. condWrite, when set, is held around
	// each conditional write of the optimistic path: it supplies the
	// single-document atomicity MongoDB gives and FerretDB v1 does not, so
	// that the optimistic path can be tested against the embedded store.
	afterWrite func()
	condWrite  sync.Locker
}

// Open connects to MongoDB (or, with an empty cfg.MongoURI, starts the
// embedded development store in cfg.DataDir and logs one WARN saying so),
// pings it, creates the collections and indexes that are missing, loads the
// catalog and the campaigns, and starts their background refresh. ctx bounds
// the start-up only. Errors name the server by its URI without credentials or
// options; nothing is left running when Open fails.
func Open(ctx context.Context, cfg Config) (_ *Store, err error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "store")

	var emb *Embedded
	uri := cfg.MongoURI
	if uri == "" {
		start := time.Now()
		emb, err = StartEmbedded(ctx, cfg.DataDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				_ = emb.Stop()
			}
		}()
		uri, cfg.sqliteDir = emb.URI(), emb.Dir()
		log.Warn("using the embedded development store (FerretDB on SQLite), not for production: configure a MongoDB URI",
			"dir", emb.Dir(), "uri", uri, "startup_ms", time.Since(start).Milliseconds())
	}
	shownURI := redactURI(uri)

	client, err := mongo.Connect(options.Client().
		ApplyURI(uri).
		SetServerSelectionTimeout(cfg.ServerSelectionTimeout).
		SetAppName("amplive"))
	if err != nil {
		return nil, fmt.Errorf("store: MongoDB URI %s: %w", shownURI, err)
	}
	defer func() {
		if err != nil {
			dctx, cancel := context.WithTimeout(context.Background(), disconnectTimeout)
			defer cancel()
			_ = client.Disconnect(dctx)
		}
	}()
	if err := client.Ping(ctx, nil); err != nil {
		return nil, fmt.Errorf("store: MongoDB at %s is unreachable: %w", shownURI, err)
	}

	db := client.Database(cfg.Database)
	if err := ensureSchema(ctx, db); err != nil {
		return nil, fmt.Errorf("store: MongoDB at %s, database %s: %w", shownURI, cfg.Database, err)
	}
	if cfg.sqliteDir != "" {
		if _, err := ensureIDIndexes(ctx, cfg.sqliteDir, cfg.Database, collections); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}

	serialized, err := chooseWritePath(ctx, cfg, client, log)
	if err != nil {
		return nil, fmt.Errorf("store: MongoDB at %s: %w", shownURI, err)
	}

	cache, err := newProfileCache(cfg.CacheBytes)
	if err != nil {
		return nil, fmt.Errorf("store: profile cache: %w", err)
	}

	s := &Store{
		cfg:        cfg,
		log:        log,
		uri:        shownURI,
		client:     client,
		db:         db,
		embedded:   emb,
		cache:      cache,
		gens:       newGenerations(),
		serialized: serialized,
	}
	s.docLocks.init()
	s.fallbackLog.every = time.Second
	s.snap.Store(emptySnapshot())
	if err := s.Refresh(ctx); err != nil {
		cache.Close()
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.refresher.Add(1)
	go s.refreshLoop()
	return s, nil
}

// Close stops the background refresh, waits for store reads in flight, then
// disconnects from MongoDB and stops the embedded store if Open started one,
// in that order. ctx bounds the disconnect (at most 5 s in any case). Call it
// once no goroutine calls the Store any more (after the HTTP server has shut
// down); later calls to Close return the first result, and reads after Close
// answer Fallback. The error joins the disconnect and stop errors.
func (s *Store) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.isClosed.Store(true)

		s.cancel()
		s.refresher.Wait()
		s.fetches.Wait()
		s.cache.Close()

		dctx, cancel := context.WithTimeout(ctx, disconnectTimeout)
		defer cancel()
		var errs []error
		if err := s.client.Disconnect(dctx); err != nil {
			errs = append(errs, fmt.Errorf("store: disconnect from %s: %w", s.uri, err))
		}
		if s.embedded != nil {
			if err := s.embedded.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("store: stop embedded store: %w", err))
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Ping checks that the store answers, within ctx and at most 1 s. It is
// meant for readiness checks; the error names the server without
// credentials.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := s.client.Ping(ctx, nil); err != nil {
		return fmt.Errorf("store: ping %s: %w", s.uri, err)
	}
	return nil
}

// Embedded returns the embedded store Open started, or nil when Open
// connected to cfg.MongoURI.
func (s *Store) Embedded() *Embedded { return s.embedded }

// redactURI returns a MongoDB URI without user info (credentials) and
// without options (which may carry secrets such as key file passwords):
// "mongodb://user:pw@h1,h2/db?tls=true" becomes "mongodb://h1,h2/db".
func redactURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return "(malformed URI)"
	}
	hosts, path := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		hosts, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(hosts, '@'); i >= 0 {
		hosts = hosts[i+1:]
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return scheme + "://" + hosts + path
}

// logLimiter lets a log line through at most once per period and counts the
// events it held back.
type logLimiter struct {
	every   time.Duration
	last    atomic.Int64  // UnixNano of the last line let through
	pending atomic.Uint64 // events since then
}

// allow records one event and reports whether to log now; when it does, it
// also returns how many events the line stands for (this one included).
func (l *logLimiter) allow(now time.Time) (bool, uint64) {
	l.pending.Add(1)
	last := l.last.Load()
	if now.UnixNano()-last < int64(l.every) || !l.last.CompareAndSwap(last, now.UnixNano()) {
		return false, 0
	}
	return true, l.pending.Swap(0)
}
