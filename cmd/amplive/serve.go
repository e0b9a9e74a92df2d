package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive"
	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/handlers"
	"github.com/amplive/amplive/store"
)

// demoAdminKey is the public admin key of --demo (admin reads such as
// GET /v1/profiles/{id}); --demo listens on loopback by default.
const demoAdminKey = "amplive-demo-admin-key"

// demoSenders is the sender allow-list of --demo: the README's example
// sender and the Gmail AMP playground's.
const demoSenders = "news@amplive.example,amp@gmail.dev"

// Server timeouts by default (--read-header-timeout etc., see limits.go).
// Live answers take milliseconds; these only bound misbehaving clients.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 15 * time.Second
	idleTimeout       = 120 * time.Second
)

// storeFlags registers the settings that choose and tune the store.
func storeFlags(f *flags) {
	f.str(setting{name: "mongodb-uri", usage: "MongoDB connection string; empty starts the embedded development store", secret: true})
	f.str(setting{name: "data-dir", def: store.DefaultDataDir, usage: "directory of the embedded store"})
	f.str(setting{name: "database", def: store.DefaultDatabase, usage: "MongoDB database name"})
}

// storeConfig reads the settings of storeFlags.
func storeConfig(f *flags, log *slog.Logger) store.Config {
	return store.Config{
		MongoURI: *f.values["mongodb-uri"],
		DataDir:  *f.values["data-dir"],
		Database: *f.values["database"],
		Logger:   log,
	}
}

// keyFlags registers the token signing settings.
func keyFlags(f *flags) {
	f.str(setting{name: "signing-keys", usage: "token keys kid:base64secret,… (≥ 32 bytes each; the first signs, all verify)", secret: true})
	f.str(setting{name: "token-issuer", def: amp.DefaultIssuer, usage: "iss claim of tokens"})
}

// keyring returns the configured keys, or with --demo and none configured
// the public demo key (configured keys win, as flags and variables win over
// defaults everywhere).
func keyring(f *flags, demo bool, log *slog.Logger) (*amp.Keyring, error) {
	spec := *f.values["signing-keys"]
	if demo && spec == "" {
		log.Warn("DEMO MODE: tokens use the public demo signing key (amp.DemoSigningKeys); anyone can mint them. Never use --demo in production.")
		return amp.DemoKeys(), nil
	}
	if spec == "" {
		return nil, usageError{"AMPLIVE_SIGNING_KEYS (or --signing-keys) is required; use --demo for the public demo key"}
	}
	k, err := amp.ParseKeys(spec)
	if err != nil {
		return nil, usageError{"--signing-keys: " + err.Error()}
	}
	return k, nil
}

func runServe(ctx context.Context, args []string, e env) error {
	started := time.Now()
	f := newFlags("serve", "serve [--demo] [flags]", e)
	demo := f.boolean(setting{name: "demo", usage: "use the public demo key and sender list, and load the demo data into an empty store"})
	f.str(setting{name: "addr", usage: "listen address host:port (default :8080; with --demo 127.0.0.1:8080, since demo tokens are public)"})
	f.str(setting{name: "allowed-senders", usage: "AMP email senders allowed, comma-separated: exact addresses or *@domain (--demo: " + demoSenders + ")"})
	f.str(setting{name: "allowed-client-origins", def: "https://mail.yahoo.com", usage: "email client origins allowed to call with CORS v1 and Origin: null (Yahoo Mail)"})
	f.str(setting{name: "log-level", def: "info", usage: "debug, info, warn or error"})
	f.str(setting{name: "profile-ttl", def: store.DefaultProfileTTL.String(), usage: "how long a profile read is cached"})
	f.str(setting{name: "store-deadline", def: store.DefaultDeadline.String(), usage: "deadline of each store read; past it the last good value is served"})
	f.str(setting{name: "refresh-every", def: store.DefaultRefreshEvery.String(), usage: "period of the background catalog and campaign reload"})
	f.str(setting{name: "cache-mb", def: strconv.Itoa(store.DefaultCacheBytes >> 20), usage: "profile cache budget in MiB"})
	f.str(setting{name: "shutdown-timeout", def: "10s", usage: "how long in-flight requests may finish on SIGINT/SIGTERM"})
	f.str(setting{name: "admin-keys", usage: "admin API keys (Authorization: Bearer), comma-separated (--demo: " + demoAdminKey + ")", secret: true})
	pprof := f.boolean(setting{name: "pprof", usage: "serve Go's profiler at /debug/pprof/, admin key required"})
	storeFlags(f)
	keyFlags(f)
	webhookFlags(f)
	limitFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	log, err := newLogger(*f.values["log-level"], e)
	if err != nil {
		return err
	}
	cfg := storeConfig(f, log)
	if cfg.ProfileTTL, err = f.duration("profile-ttl"); err != nil {
		return err
	}
	if cfg.Deadline, err = f.duration("store-deadline"); err != nil {
		return err
	}
	if cfg.RefreshEvery, err = f.duration("refresh-every"); err != nil {
		return err
	}
	mb, err := f.integer("cache-mb")
	if err != nil {
		return err
	}
	cfg.CacheBytes = mb << 20
	shutdownTimeout, err := f.duration("shutdown-timeout")
	if err != nil {
		return err
	}
	limits, err := readLimits(f)
	if err != nil {
		return err
	}
	memLimit := applyMemoryLimit(limits.memoryLimitMB, e.getenv)
	keys, err := keyring(f, *demo, log)
	if err != nil {
		return err
	}
	addr := *f.values["addr"]
	if addr == "" {
		addr = ":8080"
		if *demo {
			addr = "127.0.0.1:8080"
		}
	}
	senders := *f.values["allowed-senders"]
	if senders == "" && *demo {
		senders = demoSenders
	}
	if senders == "" {
		return usageError{"AMPLIVE_ALLOWED_SENDERS (or --allowed-senders) is required; use --demo for the demo list"}
	}
	webhook, err := webhookSecrets(f, *demo)
	if err != nil {
		return err
	}
	if webhook == nil {
		log.Warn("no AMPLIVE_WEBHOOK_SECRETS: POST /v1/events is disabled (503)")
	}
	adminKeys := amp.ParseList(*f.values["admin-keys"])
	for _, k := range adminKeys {
		if len(k) < 16 {
			return usageError{"--admin-keys: each key needs at least 16 characters"}
		}
	}
	if len(adminKeys) == 0 && *demo {
		adminKeys = []string{demoAdminKey}
		log.Warn("DEMO MODE: profiles are readable with the public admin key " + demoAdminKey + "; keep a --demo server on loopback (the default) and never expose it")
	}
	policy, err := amp.NewCORSPolicy(amp.ParseList(senders), amp.ParseList(*f.values["allowed-client-origins"]))
	if err != nil {
		return usageError{"--allowed-senders / --allowed-client-origins: " + err.Error()}
	}

	if *pprof && len(adminKeys) == 0 {
		log.Warn("--pprof without admin keys: every /debug/pprof/ request is refused (401)")
	}
	metrics := handlers.NewMetrics()
	cfg.OnStoreRead = metrics.ObserveStoreRead

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	st, closeStore, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeStore()
	if *demo {
		if err := seedDemoIfEmpty(ctx, st, log); err != nil {
			return err
		}
	}

	gin.SetMode(gin.ReleaseMode)
	h, err := handlers.New(handlers.Deps{
		Store:     st,
		Tokens:    amp.NewVerifier(keys, *f.values["token-issuer"], amp.DefaultLeeway, time.Now),
		CORS:      policy,
		Webhook:   webhook,
		AdminKeys: adminKeys,
		Logger:    log,
		Metrics:   metrics,
		Stats:     storeStats(st),
		Pprof:     *pprof,

		MaxInflight: limits.maxInflight,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: limits.readHeader,
		ReadTimeout:       limits.read,
		WriteTimeout:      limits.write,
		IdleTimeout:       limits.idle,
		MaxHeaderBytes:    limits.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	log.Info("ready", "addr", ln.Addr().String(), "startup_ms", time.Since(started).Milliseconds(),
		"products", st.Catalog().Len(), "demo", *demo, "memory_limit_mb", memLimit>>20)
	fmt.Fprintf(e.stdout, "%s%s\n", serveListeningPrefix, url)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped: all requests finished")
	return nil
}

// openStore opens the configured store; closeStore closes it within 5 s
// and logs a failure.
func openStore(ctx context.Context, cfg store.Config, log *slog.Logger) (st *store.Store, closeStore func(), err error) {
	st, err = store.Open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return st, func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := st.Close(cctx); err != nil {
			log.Error("closing the store", "err", err)
		}
	}, nil
}

// seedDemoIfEmpty loads the demo data set when the store has no products.
func seedDemoIfEmpty(ctx context.Context, st *store.Store, log *slog.Logger) error {
	empty, err := st.Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		log.Info("demo: the store already has data; not seeding")
		return nil
	}
	return seedDemo(ctx, st, log)
}

// seedDemo upserts the demo data set built as of now.
func seedDemo(ctx context.Context, st *store.Store, log *slog.Logger) error {
	d, err := store.DemoDataset(amplive.DemoData(), time.Now())
	if err != nil {
		return err
	}
	res, err := st.Seed(ctx, d, true)
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	log.Info("demo data loaded", "products", len(d.Products), "profiles", len(d.Profiles),
		"campaigns", len(d.Campaigns), "result", fmt.Sprintf("%+v", res))
	return nil
}
