package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/signal"
	"syscall"
	"time"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/store"
)

// defaultStoreAddr is where `amplive store` listens by default: MongoDB's
// own port, on loopback (the store has no authentication).
const defaultStoreAddr = "127.0.0.1:27017"

// storeListeningPrefix starts the stdout line `amplive store` prints once
// it accepts connections; the rest of the line is its MongoDB URI.
const storeListeningPrefix = "amplive store listening on "

// storeStopTimeout bounds the store's shutdown (FerretDB gives open client
// connections up to 3 s).
const storeStopTimeout = 10 * time.Second

// runStore runs `amplive store`: the embedded development store (FerretDB
// on SQLite in --data-dir) on its own, speaking the MongoDB wire protocol on
// --addr until SIGINT or SIGTERM, so that amplive processes (serve, seed,
// events import, tests) share it through AMPLIVE_MONGODB_URI. It creates
// the collections and indexes of --database at start-up, so a server that
// connects later finds them ready.
func runStore(ctx context.Context, args []string, e env) error {
	f := newFlags("store", "store [--addr 127.0.0.1:27017] [--data-dir DIR] [flags]", e)
	f.str(setting{name: "addr", def: defaultStoreAddr, usage: "listen address host:port of the MongoDB wire protocol (no authentication: keep it on loopback)"})
	f.str(setting{name: "data-dir", def: store.DefaultDataDir, usage: "directory of the store's SQLite files"})
	f.str(setting{name: "database", def: store.DefaultDatabase, usage: "database to create the collections and indexes of at start-up"})
	f.str(setting{name: "log-level", def: "info", usage: "debug, info, warn or error"})
	if err := f.parse(args); err != nil {
		return err
	}
	log, err := newLogger(*f.values["log-level"], e)
	if err != nil {
		return err
	}
	addr := *f.values["addr"]
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Sprintf("--addr: %q is not host:port", addr)}
	}
	if !amp.IsLoopbackHost(host) {
		log.Warn("the store listens beyond loopback and has no authentication: anyone who reaches " + addr + " can read and change every profile")
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	started := time.Now()
	emb, err := store.StartEmbeddedOn(ctx, *f.values["data-dir"], addr, log)
	if err != nil {
		return err
	}
	stopStore := func() error {
		done := make(chan error, 1)
		go func() { done <- emb.Stop() }()
		select {
		case err := <-done:
			return err
		case <-time.After(storeStopTimeout):
			return fmt.Errorf("store: not stopped within %s", storeStopTimeout)
		}
	}
	if err := emb.Prepare(ctx, *f.values["database"]); err != nil {
		return errors.Join(err, stopStore())
	}
	log.Warn("development store (FerretDB on SQLite), not for production; event writes are serialized per amplive process, so let only one process write events to it",
		"uri", emb.URI(), "dir", emb.Dir(), "startup_ms", time.Since(started).Milliseconds())
	fmt.Fprintf(e.stdout, "%s%s\n", storeListeningPrefix, emb.URI())

	select {
	case <-ctx.Done():
		log.Info("store: stopping")
		if err := stopStore(); err != nil {
			return err
		}
		log.Info("store: stopped")
		return nil
	case <-emb.Done():
		return fmt.Errorf("store: FerretDB stopped on its own: %v", stopStore())
	}
}
