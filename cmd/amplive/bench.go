package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/amplive/amplive"
	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/content"
	"github.com/amplive/amplive/store"
)

const benchUsage = `Usage: amplive bench [--scenario a|b|c|d|e|f|g|all] [--duration 10s] [--rate N/s] [--url URL] [flags]

A reproducible load test of amplive on loopback, built on vegeta's library. By default it prepares a
temporary embedded store with the demo catalog and --profiles recipients resampled from real shoppers
(OTTO sessions, UCI Online Retail customers; seeded), starts "amplive serve --demo" on it as a child
process (so the server's memory is its own: RSS from /proc, Linux only), and runs the scenarios one
after the other:

  a  cache-hit amp-list: GET /v1/recommendations for --hot profiles, also against a bare net/http
     handler that replays the same answer (the limit, side by side: amplive ÷ bare requests/s)
  b  open storm: every profile once, in a seeded random order: mostly cache misses
  c  the countdown of demo-sale: JSON and GIF, reported separately
  d  mixed email opens: profile, countdown, recommendations and cart per open, Zipf(--zipf-s) recipients
  e  d while signed event batches (POST /v1/events, --batch events, --event-rate batches/s) come in
  f  --concurrent identical requests for one fresh profile at once: how many store reads they cost
  g  store faults (Linux only: it signals the store process; not part of "all"): starts "amplive
     store" on a free loopback port as its own child, seeds it, starts a second "serve --demo" with
     AMPLIVE_MONGODB_URI pointing at it, and runs d's opens with e's event batches while it pauses
     the store (SIGSTOP … SIGCONT) for --fault-pause a third of the way in and kills it (SIGKILL)
     two thirds of the way in, restarting it on the same port and data after --fault-down; the load
     goes on until /readyz has been 200 again for a second. Reports the share of reads answered
     200 within the store deadline (250 ms) + 50 ms, the worst, fallback answers, /readyz every
     100 ms, and the event batches refused, re-sent after recovery and checked against /metrics
     (events lost, duplicates applied)

Each scenario reports requests/s, latency p50/p90/p99/max, status codes (and JSON error codes), bytes
in, the server's RSS before and after and its CPU time per request (/proc, Linux only), the CPU that
other processes took meanwhile (noise: the load generator and the server share this machine), and the
cache hit ratio and store reads from /metrics ("n/a" without /metrics).
--url loads a running "amplive serve --demo" instead (loopback only; not with g); recipients are
then written through POST /v1/events once (skipped when the last one is already there).

Flags:
`

// benchConfig is the parsed command line of `amplive bench`.
type benchConfig struct {
	scenarios   []string // of "abcdefg", in that order
	duration    time.Duration
	maxRequests uint64
	rate        int // requests per second; 0 is as fast as workers can
	workers     int
	profiles    int
	hot         int
	seed        uint64
	zipfS       float64
	batch       int
	eventRate   int
	concurrent  int
	faultPause  time.Duration // scenario g: how long the store is stopped
	faultDown   time.Duration // scenario g: how long the killed store stays down
	url         string        // "" starts a child server
	prepare     string        // seed or ingest
	bare        bool
	format      string
	serveArgs   []string
	keep        bool
	command     string // the command line, for the report
}

// runBench is `amplive bench`.
func runBench(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == benchBareCommand {
		return runBenchBare(ctx, args[1:], e)
	}
	cfg, err := parseBenchArgs(args, e)
	if err != nil {
		return err
	}
	// Ctrl-C stops the load; the child server is then stopped and the
	// temporary directory removed.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	b := &bench{cfg: cfg, e: e, progress: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
				return slog.Attr{}
			}
			return a
		},
	}))}
	rep, err := b.run(ctx)
	if err != nil {
		return err
	}
	if cfg.format == "json" {
		return writeBenchJSON(e.stdout, rep)
	}
	return writeBenchText(e.stdout, rep)
}

func parseBenchArgs(args []string, e env) (benchConfig, error) {
	cfg := benchConfig{command: "amplive bench " + strings.Join(args, " ")}
	f := newFlags("bench", "bench …", e)
	f.fs.Usage = func() {
		fmt.Fprint(e.stderr, benchUsage)
		f.fs.PrintDefaults()
	}
	scenario := f.fs.String("scenario", "all", "scenarios to run: a letter, a comma-separated list (a,f) or all (a to f; g only by name)")
	f.fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each scenario sends requests")
	f.fs.Uint64Var(&cfg.maxRequests, "max-requests", 0, "stop each scenario after this many requests as well (0: --duration only)")
	rate := f.fs.String("rate", "0", "requests per second of each scenario, N or N/s; 0 sends as fast as --workers can")
	f.fs.IntVar(&cfg.workers, "workers", 8, "concurrent requests with --rate 0 (the initial number with a fixed rate)")
	f.fs.IntVar(&cfg.profiles, "profiles", 10_000, "recipients to resample and load")
	f.fs.IntVar(&cfg.hot, "hot", 1, "scenario a: how many hot profiles it cycles through")
	f.fs.Uint64Var(&cfg.seed, "seed", 1, "seed of every random draw (recipients, orders of opens, event streams)")
	f.fs.Float64Var(&cfg.zipfS, "zipf-s", 1.1, "scenarios d and e: exponent s (> 1) of the Zipf distribution of recipients")
	f.fs.IntVar(&cfg.batch, "batch", 100, "scenarios e and g: events per signed batch (1–500)")
	f.fs.IntVar(&cfg.eventRate, "event-rate", 5, "scenarios e and g: event batches per second; 0 sends them back to back")
	f.fs.IntVar(&cfg.concurrent, "concurrent", 100, "scenario f: identical requests sent at once")
	f.fs.DurationVar(&cfg.faultPause, "fault-pause", 3*time.Second, "scenario g: how long the store is paused (SIGSTOP … SIGCONT), a third of the way in")
	f.fs.DurationVar(&cfg.faultDown, "fault-down", 3*time.Second, "scenario g: how long the store stays down after it is killed (SIGKILL), two thirds of the way in")
	f.fs.StringVar(&cfg.url, "url", "", "load this running server (loopback only; it must run with --demo) instead of starting one")
	f.fs.StringVar(&cfg.prepare, "prepare", "seed", "how a started server gets its recipients: seed (the store's Seed before it starts: fast) or ingest (signed POST /v1/events batches)")
	f.fs.BoolVar(&cfg.bare, "bare", true, "scenario a: also load a bare net/http handler that replays amplive's answer")
	f.fs.StringVar(&cfg.format, "format", "text", "report format: text or json")
	f.fs.Func("serve-arg", "an extra flag for the started server, e.g. --serve-arg=--cache-mb=128 (repeatable)", func(s string) error {
		cfg.serveArgs = append(cfg.serveArgs, s)
		return nil
	})
	f.fs.BoolVar(&cfg.keep, "keep", false, "keep the temporary directory (store files, server logs)")
	if err := f.parse(args); err != nil {
		return cfg, err
	}
	var err error
	if cfg.scenarios, err = parseScenarios(*scenario); err != nil {
		return cfg, err
	}
	if cfg.rate, err = parseRate(*rate); err != nil {
		return cfg, err
	}
	switch {
	case cfg.duration <= 0:
		return cfg, usageError{"--duration must be positive"}
	case cfg.workers < 1 || cfg.workers > 10_000:
		return cfg, usageError{"--workers must be from 1 to 10000"}
	case cfg.profiles < 1 || cfg.profiles > 10_000_000:
		return cfg, usageError{"--profiles must be from 1 to 10000000"}
	case cfg.hot < 1 || cfg.hot > cfg.profiles:
		return cfg, usageError{"--hot must be from 1 to --profiles"}
	case cfg.zipfS <= 1:
		return cfg, usageError{"--zipf-s must be greater than 1"}
	case cfg.batch < 1 || cfg.batch > content.MaxBatchEvents:
		return cfg, usageError{"--batch must be from 1 to 500"}
	case cfg.eventRate < 0:
		return cfg, usageError{"--event-rate must not be negative"}
	case cfg.concurrent < 1 || cfg.concurrent > 10_000:
		return cfg, usageError{"--concurrent must be from 1 to 10000"}
	case cfg.faultPause <= 0 || cfg.faultDown <= 0:
		return cfg, usageError{"--fault-pause and --fault-down must be positive"}
	case cfg.prepare != "seed" && cfg.prepare != "ingest":
		return cfg, usageError{"--prepare must be seed or ingest"}
	case cfg.format != "text" && cfg.format != "json":
		return cfg, usageError{"--format must be text or json"}
	}
	if slices.Contains(cfg.scenarios, "g") {
		if runtime.GOOS != "linux" {
			return cfg, usageError{"--scenario g runs on Linux only (it pauses and kills the store process with signals)"}
		}
		if cfg.url != "" {
			return cfg, usageError{"--scenario g starts its own store and server: not with --url"}
		}
	}
	if cfg.url != "" {
		if cfg.url, err = loopbackURL(cfg.url); err != nil {
			return cfg, err
		}
		if len(cfg.serveArgs) > 0 {
			return cfg, usageError{"--serve-arg needs a started server, not --url"}
		}
	}
	return cfg, nil
}

// parseScenarios reads "all", "a" or "a,c,f" into scenario letters in
// their canonical order. "all" is a to f: g (store faults) starts a store
// and a second server of its own and kills the store, so it runs only when
// named.
func parseScenarios(s string) ([]string, error) {
	if strings.TrimSpace(s) == "all" {
		return strings.Split("abcdef", ""), nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if len(part) != 1 || part[0] < 'a' || part[0] > 'g' {
			return nil, usageError{fmt.Sprintf("--scenario %q: use letters a to g, a list such as a,f, or all (a to f)", s)}
		}
		if !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	slices.Sort(out)
	return out, nil
}

// parseRate reads "N", "N/s" or "N/1s" as requests per second.
func parseRate(s string) (int, error) {
	v := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "/s"), "/1s")
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, usageError{fmt.Sprintf("--rate %q: want requests per second such as 500 or 500/s, or 0 for as fast as possible", s)}
	}
	return n, nil
}

// bench is one run of `amplive bench`.
type bench struct {
	cfg      benchConfig
	e        env
	progress *slog.Logger // progress lines on stderr

	dir     string // temporary files: store, logs, captured answer
	src     *benchSources
	rcs     []benchRecipient
	tokens  []string // per recipient: sub + cmp demo-sale
	campTok string   // campaign-wide token of demo-sale
	server  *benchServer
	nonce   string // makes event ids of this run unique
}

// run prepares the data and the server, runs the scenarios and returns
// the report. The child server and the temporary directory are gone when
// it returns (unless --keep).
func (b *bench) run(ctx context.Context) (*benchReport, error) {
	var err error
	if b.dir, err = os.MkdirTemp("", "amplive-bench-"); err != nil {
		return nil, err
	}
	defer func() {
		if b.cfg.keep {
			b.progress.Info("kept the temporary directory", "dir", b.dir)
			return
		}
		_ = os.RemoveAll(b.dir)
	}()
	now := time.Now().UTC()
	b.nonce = strconv.FormatInt(now.UnixNano(), 36)
	rep := &benchReport{
		Command: b.cfg.command, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), Profiles: b.cfg.profiles, Seed: b.cfg.seed, Rate: b.cfg.rate,
		Workers: b.cfg.workers, Duration: b.cfg.duration.String(), Started: now,
	}
	start := time.Now()
	if b.src, err = loadBenchSources(amplive.DemoData(), amplive.BenchData(), now); err != nil {
		return nil, err
	}
	b.progress.Info("resampling recipients", "profiles", b.cfg.profiles, "seed", b.cfg.seed)
	if b.rcs, err = b.src.resample(b.cfg.seed, 0, b.cfg.profiles, now); err != nil {
		return nil, err
	}
	for _, rc := range b.rcs {
		rep.Events += len(rc.Events)
	}
	defer func() { // before the directory goes: the child's files are in it
		if err := b.server.stop(); err != nil {
			b.progress.Warn("stopping the server", "err", err)
		}
	}()
	// Scenario g brings its own store and server; the shared one is started
	// only for the others.
	if slices.ContainsFunc(b.cfg.scenarios, func(s string) bool { return s != "g" }) {
		if err := b.startServer(ctx, rep); err != nil {
			return nil, err
		}
	} else {
		rep.Target, rep.Prepare = "scenario g's own store and server (below)", b.cfg.prepare
	}
	rep.PrepareSeconds = time.Since(start).Seconds()
	if err := b.mintTokens(now); err != nil {
		return nil, err
	}
	rep.RSSSource = "n/a"
	switch {
	case b.server == nil && runtime.GOOS == "linux":
		rep.RSSSource = "/proc/PID/status VmRSS of the child server"
	case b.server == nil:
	case b.server.pid > 0 && runtime.GOOS == "linux":
		rep.RSSSource = fmt.Sprintf("/proc/%d/status VmRSS of the child server", b.server.pid)
	case scrapeMetrics(ctx, b.server.base) != nil:
		rep.RSSSource = "/metrics " + metricRSS
	}
	for _, s := range b.cfg.scenarios {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b.progress.Info("scenario "+s, "duration", b.cfg.duration.String())
		sc, err := b.scenario(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", s, err)
		}
		rep.Scenarios = append(rep.Scenarios, sc)
		if b.server == nil && sc.Fault != nil { // g alone: its preparation is the run's
			rep.PrepareSeconds += sc.Fault.PrepareSeconds
		}
		if !b.server.running() {
			return nil, fmt.Errorf("scenario %s: the server exited (%v)%s", s, b.server.waitErr, logTail(b.server.logPath))
		}
	}
	if b.server != nil {
		if v, ok := rssBytes(b.server.pid, "VmHWM"); ok {
			rep.PeakRSS = &v
		}
	}
	return rep, nil
}

// startServer prepares the recipients and the server: a child on a fresh
// embedded store, or the --url server.
func (b *bench) startServer(ctx context.Context, rep *benchReport) error {
	if b.cfg.url != "" {
		rep.Target = b.cfg.url
		b.server = &benchServer{base: b.cfg.url}
		if err := waitReadyz(ctx, b.cfg.url, 10*time.Second); err != nil {
			return err
		}
		rep.Prepare = "ingest"
		if b.loaded(ctx) {
			rep.Prepare = "already loaded"
			b.progress.Info("the recipients are already loaded; not writing them again", "last", b.rcs[len(b.rcs)-1].ID)
			return nil
		}
		return b.ingest(ctx, b.rcs)
	}
	rep.Target = "child"
	rep.Prepare = b.cfg.prepare
	dataDir := filepath.Join(b.dir, "data")
	if b.cfg.prepare == "seed" {
		if err := b.seed(ctx, store.Config{DataDir: dataDir}); err != nil {
			return err
		}
	}
	args := append([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, b.cfg.serveArgs...)
	b.progress.Info("starting the server", "args", strings.Join(args, " "))
	var err error
	if b.server, err = startBenchChild(ctx, args, serveListeningPrefix, filepath.Join(b.dir, "server.log")); err != nil {
		return err
	}
	rep.Target = fmt.Sprintf("child pid %d at %s", b.server.pid, b.server.base)
	if b.cfg.prepare == "ingest" {
		return b.ingest(ctx, b.rcs)
	}
	return nil
}

// seed writes the demo data set and the recipients' profiles (their events
// folded with content.ApplyProfileEvent) into the store of cfg (a new
// embedded store in cfg.DataDir, or the store at cfg.MongoURI), and closes
// it, before the server starts on it.
func (b *bench) seed(ctx context.Context, cfg store.Config) error {
	start := time.Now()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Logger = log
	st, closeStore, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := seedDemo(ctx, st, log); err != nil {
		return err
	}
	profiles := make([]content.Profile, len(b.rcs))
	for i, rc := range b.rcs {
		profiles[i] = rc.profile()
	}
	if _, err := st.Seed(ctx, store.Dataset{Profiles: profiles}, false); err != nil {
		return err
	}
	b.progress.Info("seeded the store", "profiles", len(profiles), "seconds", fmt.Sprintf("%.1f", time.Since(start).Seconds()))
	return nil
}

// ingest writes the recipients' events through POST /v1/events in signed
// batches of up to 500, four at a time.
func (b *bench) ingest(ctx context.Context, rcs []benchRecipient) error {
	start := time.Now()
	var lines [][]byte
	for _, rc := range rcs {
		for _, ev := range rc.Events {
			l, err := content.MarshalEvent(ev)
			if err != nil {
				return err
			}
			lines = append(lines, l)
		}
	}
	b.progress.Info("writing recipients through POST /v1/events", "profiles", len(rcs), "events", len(lines))
	snd := &httpSender{base: b.server.base, secrets: amp.DemoWebhookSecrets(), client: newBenchClient(30*time.Second, 8)}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i := 0; i < len(lines); i += content.MaxBatchEvents {
		batch := lines[i:min(i+content.MaxBatchEvents, len(lines))]
		where := numbered("event", len(batch))
		g.Go(func() error {
			_, _, err := snd.send(gctx, batch, where)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	b.progress.Info("wrote recipients", "events", len(lines), "seconds", fmt.Sprintf("%.1f", secs),
		"events_per_s", fmt.Sprintf("%.0f", float64(len(lines))/max(secs, 1e-9)))
	return nil
}

// loaded reports whether the --url server already has the last recipient
// (read with the demo admin key).
func (b *bench) loaded(ctx context.Context) bool {
	res, err := captureResponse(ctx, newBenchClient(5*time.Second, 1), "GET",
		b.server.base+"/v1/profiles/"+b.rcs[len(b.rcs)-1].ID,
		map[string][]string{"Authorization": {"Bearer " + demoAdminKey}})
	return err == nil && res.Status == 200
}

// mintTokens signs one token per recipient (sub and cmp demo-sale, as an
// email with a countdown carries) and a campaign-wide one, with the public
// demo key.
func (b *bench) mintTokens(now time.Time) error {
	keys := amp.DemoKeys()
	b.tokens = make([]string, len(b.rcs))
	for i, rc := range b.rcs {
		t, err := keys.Sign(amp.TokenSpec{Subject: rc.ID, Campaign: store.DemoCampaignID, Now: now}, amp.DefaultIssuer)
		if err != nil {
			return err
		}
		b.tokens[i] = t
	}
	var err error
	b.campTok, err = keys.Sign(amp.TokenSpec{Campaign: store.DemoCampaignID, Now: now}, amp.DefaultIssuer)
	return err
}
