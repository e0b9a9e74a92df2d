package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// embeddedReadyTimeout bounds how long StartEmbedded waits for the listener.
const embeddedReadyTimeout = 10 * time.Second

// Embedded is a FerretDB v1.24 server running inside this process, storing
// one SQLite file per database in a directory and listening for the MongoDB
// wire protocol on a loopback TCP port. It is the development store: no
// transactions, no change streams, and only _id equality lookups use an
// index (Open adds the index FerretDB gets wrong, see ensureIDIndexes).
type Embedded struct {
	dir    string // absolute SQLite directory
	uri    string
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned
	runErr error         // Run's result; read after done is closed

	unlock   func() // releases the data directory's lock
	stopOnce sync.Once
	stopErr  error
}

// StartEmbedded starts FerretDB with its SQLite backend in dir (created if
// missing; made absolute) and returns once the server accepts TCP
// connections on 127.0.0.1 (an ephemeral port; see URI). ctx bounds the
// start-up only: the server runs until Stop.
//
// FerretDB's own logs go to logger (nil means slog.Default()) at WARN and
// above only, tagged component=ferretdb, without the WARN dump it writes for
// every driver disconnect ("no such command: 'endSessions'"), without the
// header line it writes before every failed response, and without a benign
// shutdown race ("Failed to set deadline: ... use of closed network
// connection").
//
// dir must not contain '?', '#' or '%', which FerretDB would read as URI
// syntax. One process at a time may run the store in dir: while it does it
// holds a lock on dir/amplive.lock, and another StartEmbedded there fails
// with an error wrapping ErrDataDirInUse.
func StartEmbedded(ctx context.Context, dir string, logger *slog.Logger) (*Embedded, error) {
	return StartEmbeddedOn(ctx, dir, "127.0.0.1:0", logger)
}

// StartEmbeddedOn is StartEmbedded listening on addr (host:port; port 0
// picks a free one) instead of an ephemeral loopback port: the store of
// `amplive store`, which other processes reach by URI. It fails when addr
// cannot be bound. The server has no authentication: anyone who can reach
// addr can read and write every database.
func StartEmbeddedOn(ctx context.Context, dir, addr string, logger *slog.Logger) (*Embedded, error) {
	if logger == nil {
		logger = slog.Default()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded store: data directory %q: %w", dir, err)
	}
	if strings.ContainsAny(abs, "?#%") {
		return nil, fmt.Errorf("embedded store: data directory %q must not contain '?', '#' or '%%'", abs)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("embedded store: create data directory: %w", err)
	}
	unlock, err := lockDir(abs)
	if err != nil {
		return nil, err
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    slog.New(ferretLogHandler{next: logger.Handler()}).With("component", "ferretdb"),
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(abs) + "/",
	})
	if err != nil {
		unlock()
		return nil, fmt.Errorf("embedded store: start FerretDB in %s: %w", abs, err)
	}

	runCtx, cancel := context.WithCancel(context.Background())
	e := &Embedded{dir: abs, cancel: cancel, done: make(chan struct{}), unlock: unlock}
	go func() {
		defer close(e.done)
		e.runErr = f.Run(runCtx)
	}()
	// MongoDBURI is safe once Run has been started: the listener is bound in New.
	e.uri = f.MongoDBURI()

	if err := e.waitReady(ctx); err != nil {
		_ = e.Stop()
		return nil, err
	}
	return e, nil
}

// waitReady dials the listener until it accepts a TCP connection.
func (e *Embedded) waitReady(ctx context.Context) error {
	u, err := url.Parse(e.uri)
	if err != nil {
		return fmt.Errorf("embedded store: unexpected URI %q: %w", e.uri, err)
	}
	ctx, cancel := context.WithTimeout(ctx, embeddedReadyTimeout)
	defer cancel()
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", u.Host)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded store: not accepting connections on %s: %w", u.Host, err)
		case <-e.done:
			return errors.New("embedded store: FerretDB stopped during start-up")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// URI is the MongoDB connection string of the server,
// "mongodb://127.0.0.1:<port>/". It carries no credentials.
func (e *Embedded) URI() string { return e.uri }

// Done is closed when the server has stopped: after Stop, or when FerretDB
// ends on its own (Stop then returns why).
func (e *Embedded) Done() <-chan struct{} { return e.done }

// Dir is the absolute SQLite directory; each database is the file
// "<Dir>/<database>.sqlite".
func (e *Embedded) Dir() string { return e.dir }

// Stop stops the server and waits for it to return: it closes the listener,
// gives open client connections up to 3 s (FerretDB's grace period) to go
// away, then closes them and the SQLite files. Disconnect clients first to
// stop quickly. Stop is idempotent; it returns FerretDB's Run error, if any.
func (e *Embedded) Stop() error {
	e.stopOnce.Do(func() {
		e.cancel()
		<-e.done
		e.unlock()
		e.stopErr = e.runErr
	})
	return e.stopErr
}

// ferretLogHandler passes FerretDB's WARN and ERROR records through, minus
// the ones that are noise for amplive.
type ferretLogHandler struct{ next slog.Handler }

// Enabled implements slog.Handler: WARN and above only.
func (h ferretLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h ferretLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn || ferretNoise(r.Message) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h ferretLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return ferretLogHandler{next: h.next.WithAttrs(as)}
}

// WithGroup implements slog.Handler.
func (h ferretLogHandler) WithGroup(name string) slog.Handler {
	return ferretLogHandler{next: h.next.WithGroup(name)}
}

// ferretNoise reports whether a FerretDB log message is noise:
//   - the response dump for endSessions, which mongo-driver sends on every
//     Disconnect and FerretDB v1 does not implement;
//   - "Response header: ...", which FerretDB logs before the dump of every
//     failed response and which says nothing the dump does not;
//   - "Failed to set deadline: ... use of closed network connection", logged
//     at shutdown for a client connection that has already gone.
func ferretNoise(msg string) bool {
	return strings.Contains(msg, "no such command: 'endSessions'") ||
		strings.HasPrefix(msg, "Response header: ") ||
		strings.HasPrefix(msg, "Failed to set deadline: ") && strings.HasSuffix(msg, "use of closed network connection")
}
