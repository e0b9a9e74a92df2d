package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/content"
	"github.com/amplive/amplive/store"
)

// Request headers of the bench: Gmail's CORS v2 sender for the amp-list
// blocks, an image proxy's user agent for the countdown GIF.
const (
	benchSender         = "news@amplive.example"
	benchImageUserAgent = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
)

// Series names, one per kind of request.
const (
	seriesRecs      = "recommendations"
	seriesCart      = "cart"
	seriesProfile   = "profile"
	seriesCDJSON    = "countdown JSON"
	seriesCDGIF     = "countdown GIF"
	seriesEvents    = "events"
	seriesOpen      = "all 4 blocks"
	seriesBare      = "bare net/http"
	benchMaxWorkers = 1000 // cap of vegeta's worker growth at a fixed rate
)

// newBenchClient is an HTTP client for loopback load: no proxy, keep-alive,
// up to idle idle connections, never following redirects (amplive must not
// send any: a redirect is reported as an error).
func newBenchClient(timeout time.Duration, idle int) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			MaxIdleConns:        idle,
			MaxIdleConnsPerHost: idle,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// attackSpec is one vegeta attack.
type attackSpec struct {
	targeter vegeta.Targeter
	rate     int // per second; 0 sends as fast as workers can
	workers  int
	duration time.Duration
	max      uint64       // stop after this many requests; 0 for no limit
	client   *http.Client // nil for a new one
	// classify names the series a result counts in (one or more).
	classify func(*vegeta.Result) []string
	// onResult, if set, sees every result (on the collecting goroutine).
	onResult func(*vegeta.Result)
	// adjust, if set, may correct a result before it is counted.
	adjust func(*vegeta.Result)
}

// attackResult is what an attack measured: each series (closed metrics)
// and the number of requests it sent.
type attackResult struct {
	series   map[string]*attackSeries
	requests uint64
}

// runAttack runs spec with vegeta until its duration or request limit is
// reached or ctx ends.
func runAttack(ctx context.Context, spec attackSpec) attackResult {
	client := spec.client
	if client == nil {
		client = newBenchClient(10*time.Second, max(spec.workers, 64))
	}
	opts := []func(*vegeta.Attacker){
		vegeta.Client(client), // first: the options below adjust it
		vegeta.Workers(uint64(spec.workers)),
		vegeta.Timeout(client.Timeout),
		vegeta.Redirects(0),
	}
	var pacer vegeta.Pacer = vegeta.ConstantPacer{Freq: spec.rate, Per: time.Second}
	if spec.rate == 0 {
		pacer = vegeta.ConstantPacer{} // no waiting: the workers set the pace
		opts = append(opts, vegeta.MaxWorkers(uint64(spec.workers)))
	} else {
		opts = append(opts, vegeta.MaxWorkers(uint64(max(spec.workers, benchMaxWorkers))))
	}
	if spec.max > 0 {
		pacer = limitPacer{Pacer: pacer, max: spec.max}
	}
	atk := vegeta.NewAttacker(opts...)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-done:
		}
	}()
	out := map[string]*attackSeries{}
	var n uint64
	for r := range atk.Attack(spec.targeter, pacer, spec.duration, "") {
		n++
		if spec.adjust != nil {
			spec.adjust(r)
		}
		code := ""
		if r.Code >= 400 {
			code = errorCode(r)
		}
		for _, name := range spec.classify(r) {
			a := out[name]
			if a == nil {
				a = &attackSeries{errorCodes: map[string]int{}}
				out[name] = a
			}
			a.m.Add(r)
			if code != "" {
				a.errorCodes[code]++
			}
		}
		if spec.onResult != nil {
			spec.onResult(r)
		}
	}
	for _, a := range out {
		a.m.Close()
	}
	return attackResult{series: out, requests: n}
}

// attackSeries is what one series of an attack measured.
type attackSeries struct {
	m          vegeta.Metrics
	errorCodes map[string]int // "503 busy": count, from the JSON error bodies
}

// errorCode names an error answer by its status and the code of its JSON
// body ({"error":{"code":…}}), e.g. "503 busy".
func errorCode(r *vegeta.Result) string {
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	code := strconv.Itoa(int(r.Code))
	if json.Unmarshal(r.Body, &body) == nil && body.Error.Code != "" {
		code += " " + body.Error.Code
	}
	return code
}

// limitPacer stops an attack after max hits.
type limitPacer struct {
	vegeta.Pacer
	max uint64
}

// Pace is vegeta.Pacer's: the wait before the next hit, or stop once max
// hits (--max-requests) have been sent.
func (p limitPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.max {
		return 0, true
	}
	return p.Pacer.Pace(elapsed, hits)
}

// seriesOf classifies a result by its URL's path (the query holds tokens).
func seriesOf(r *vegeta.Result) string {
	path, _, _ := strings.Cut(r.URL, "?")
	switch {
	case strings.HasSuffix(path, "/v1/recommendations"):
		return seriesRecs
	case strings.HasSuffix(path, "/v1/cart"):
		return seriesCart
	case strings.HasSuffix(path, "/v1/profile"):
		return seriesProfile
	case strings.Contains(path, "/v1/countdown/") && strings.HasSuffix(path, ".gif"):
		return seriesCDGIF
	case strings.Contains(path, "/v1/countdown/"):
		return seriesCDJSON
	case strings.HasSuffix(path, "/v1/events"):
		return seriesEvents
	}
	return "other"
}

func bySeries(r *vegeta.Result) []string { return []string{seriesOf(r)} }

// senderHeader is the AMP CORS v2 request header of Gmail's proxy.
func senderHeader() http.Header {
	return http.Header{"Amp-Email-Sender": {benchSender}}
}

// cyclic is a targeter that hands out targets in turn, safe for vegeta's
// concurrent workers.
func cyclic(targets []vegeta.Target) vegeta.Targeter {
	var next atomic.Uint64
	return func(t *vegeta.Target) error {
		*t = targets[(next.Add(1)-1)%uint64(len(targets))]
		return nil
	}
}

// blockURL is the URL of a live block for recipient i.
func (b *bench) blockURL(path string, i int) string {
	return b.server.base + path + "?t=" + b.tokens[i]
}

// attack runs spec against the bench's server with the configured rate,
// workers, duration and request limit, and records the server's RSS and
// /metrics before and after into sc.
func (b *bench) attack(ctx context.Context, sc *scenarioReport, spec attackSpec) attackResult {
	spec.rate, spec.workers, spec.duration, spec.max = b.cfg.rate, b.cfg.workers, b.cfg.duration, b.cfg.maxRequests
	before := b.sample(ctx)
	res := runAttack(ctx, spec)
	sc.Requests += res.requests
	sc.setServer(before, b.sample(ctx))
	return res
}

// serverSample is the server's memory, counters and CPU time at one moment.
type serverSample struct {
	rss     *int64
	metrics promSnapshot
	cpu     cpuSample
}

// sample reads the child's RSS from /proc (else /metrics), /metrics, and
// the CPU times of the child, the bench and the machine.
func (b *bench) sample(ctx context.Context) serverSample {
	s := serverSample{metrics: scrapeMetrics(ctx, b.server.base), cpu: readCPU(b.server.pid)}
	if v, ok := rssBytes(b.server.pid, "VmRSS"); ok {
		s.rss = &v
	} else if v, ok := s.metrics.get(metricRSS); ok {
		n := int64(v)
		s.rss = &n
	}
	return s
}

// scenario runs one scenario by its letter.
func (b *bench) scenario(ctx context.Context, s string) (scenarioReport, error) {
	switch s {
	case "a":
		return b.scenarioA(ctx)
	case "b":
		return b.scenarioB(ctx)
	case "c":
		return b.scenarioC(ctx)
	case "d":
		return b.scenarioD(ctx, false)
	case "e":
		return b.scenarioD(ctx, true)
	case "f":
		return b.scenarioF(ctx)
	case "g":
		return b.scenarioG(ctx)
	}
	return scenarioReport{}, fmt.Errorf("unknown scenario %q", s)
}

// scenarioA is the cache-hit amp-list: GET /v1/recommendations for the
// --hot profiles in turn, each fetched once before (so cached), then the
// same load on a bare net/http handler that replays one real answer.
func (b *bench) scenarioA(ctx context.Context) (scenarioReport, error) {
	sc := scenarioReport{Name: "a", Title: fmt.Sprintf("cache-hit amp-list: GET /v1/recommendations, %d hot profile(s)", b.cfg.hot)}
	client := newBenchClient(10*time.Second, 4)
	targets := make([]vegeta.Target, b.cfg.hot)
	var captured capturedResponse
	for i := range targets {
		targets[i] = vegeta.Target{Method: http.MethodGet, URL: b.blockURL("/v1/recommendations", i), Header: senderHeader()}
		c, err := captureResponse(ctx, client, http.MethodGet, targets[i].URL, targets[i].Header)
		if err != nil {
			return sc, err
		}
		if c.Status != http.StatusOK {
			return sc, fmt.Errorf("warm-up of %s: status %d: %s", b.rcs[i].ID, c.Status, c.Body)
		}
		if i == 0 {
			captured = c
		}
	}
	res := b.attack(ctx, &sc, attackSpec{targeter: cyclic(targets), classify: bySeries})
	sc.addSeries(res, seriesRecs)
	if !b.cfg.bare {
		return sc, nil
	}
	bare, err := b.bareRun(ctx, captured, targets)
	if err != nil {
		return sc, fmt.Errorf("bare handler: %w", err)
	}
	sc.Bare = bare
	if a := sc.Series[0].RequestsPerSec; bare.Series.RequestsPerSec > 0 {
		r := a / bare.Series.RequestsPerSec
		bare.Ratio = &r
	}
	return sc, nil
}

// bareRun starts the bare handler as a child process with the captured
// answer, checks that it answers the same bytes, and runs scenario a's load
// against it (same paths, headers, rate, workers and duration).
func (b *bench) bareRun(ctx context.Context, captured capturedResponse, targets []vegeta.Target) (*bareReport, error) {
	file := filepath.Join(b.dir, "bare-answer.json")
	if err := writeCaptured(file, captured); err != nil {
		return nil, err
	}
	srv, err := startBenchChild(ctx, []string{"bench", benchBareCommand, file}, bareListeningPrefix, filepath.Join(b.dir, "bare.log"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	moved := make([]vegeta.Target, len(targets))
	for i, t := range targets {
		t.URL = srv.base + strings.TrimPrefix(t.URL, b.server.base)
		moved[i] = t
	}
	got, err := captureResponse(ctx, newBenchClient(5*time.Second, 1), http.MethodGet, moved[0].URL, moved[0].Header)
	if err != nil {
		return nil, err
	}
	if !sameBytes(captured, got) {
		return nil, fmt.Errorf("the bare handler does not answer amplive's bytes")
	}
	rep := &bareReport{Answer: fmt.Sprintf("%d, %d bytes, %d headers", captured.Status, len(captured.Body), len(captured.Header))}
	spec := attackSpec{targeter: cyclic(moved), classify: func(*vegeta.Result) []string { return []string{seriesBare} },
		rate: b.cfg.rate, workers: b.cfg.workers, duration: b.cfg.duration, max: b.cfg.maxRequests}
	before := readCPU(srv.pid)
	res := runAttack(ctx, spec)
	after := readCPU(srv.pid)
	rep.Series = newSeries(seriesBare, res.series[seriesBare])
	if before.serverOK && after.serverOK && res.requests > 0 {
		us := (after.server - before.server) / float64(res.requests) * 1e6
		rep.ServerCPUPerRequestUs = &us
	}
	if v, ok := rssBytes(srv.pid, "VmRSS"); ok {
		rep.RSS = &v
	}
	return rep, nil
}

// scenarioB is the open storm: GET /v1/recommendations for every profile
// once, in a seeded random order (then again, if time remains): with more
// profiles than the cache's TTL lets stay fresh, most requests miss.
func (b *bench) scenarioB(ctx context.Context) (scenarioReport, error) {
	sc := scenarioReport{Name: "b", Title: fmt.Sprintf("open storm: GET /v1/recommendations, %d profiles each once in a seeded random order (then again)", len(b.rcs))}
	perm := newBenchRand(b.cfg.seed, 1<<40+'b').Perm(len(b.rcs))
	hdr := senderHeader()
	var next atomic.Uint64
	tr := func(t *vegeta.Target) error {
		i := perm[(next.Add(1)-1)%uint64(len(perm))]
		*t = vegeta.Target{Method: http.MethodGet, URL: b.blockURL("/v1/recommendations", i), Header: hdr}
		return nil
	}
	res := b.attack(ctx, &sc, attackSpec{targeter: tr, classify: bySeries})
	sc.addSeries(res, seriesRecs)
	return sc, nil
}

// scenarioC is one hot campaign's countdown: its JSON (campaign-wide token,
// CORS v2) and its GIF (as an image proxy fetches it) in turn.
func (b *bench) scenarioC(ctx context.Context) (scenarioReport, error) {
	sc := scenarioReport{Name: "c", Title: "countdown of one hot campaign (" + store.DemoCampaignID + "): JSON and GIF in turn"}
	base := b.server.base + "/v1/countdown/" + store.DemoCampaignID
	targets := []vegeta.Target{
		{Method: http.MethodGet, URL: base + "?t=" + b.campTok, Header: senderHeader()},
		{Method: http.MethodGet, URL: base + ".gif?t=" + b.campTok, Header: http.Header{"User-Agent": {benchImageUserAgent}}},
	}
	client := newBenchClient(10*time.Second, 1)
	for _, t := range targets { // warm-up: the first GIF parses the font
		c, err := captureResponse(ctx, client, t.Method, t.URL, t.Header)
		if err != nil {
			return sc, err
		}
		if c.Status != http.StatusOK {
			return sc, fmt.Errorf("warm-up %s: status %d", t.URL, c.Status)
		}
	}
	res := b.attack(ctx, &sc, attackSpec{targeter: cyclic(targets), classify: bySeries})
	sc.addSeries(res, seriesCDJSON, seriesCDGIF)
	return sc, nil
}

// openTargeter hands out email opens: a Zipf-distributed recipient (rank k
// is recipient k), then that email's four amp-list requests in the order a
// client issues them (profile, countdown, recommendations, cart), all with
// the recipient's token.
func (b *bench) openTargeter(r *rand.Rand) vegeta.Targeter {
	zipf := rand.NewZipf(r, b.cfg.zipfS, 1, uint64(len(b.rcs)-1))
	hdr := senderHeader()
	var mu sync.Mutex
	var queue []vegeta.Target
	return func(t *vegeta.Target) error {
		mu.Lock()
		defer mu.Unlock()
		if len(queue) == 0 {
			i := int(zipf.Uint64())
			queue = append(queue,
				vegeta.Target{Method: http.MethodGet, URL: b.blockURL("/v1/profile", i), Header: hdr},
				vegeta.Target{Method: http.MethodGet, URL: b.blockURL("/v1/countdown/"+store.DemoCampaignID, i), Header: hdr},
				vegeta.Target{Method: http.MethodGet, URL: b.blockURL("/v1/recommendations", i), Header: hdr},
				vegeta.Target{Method: http.MethodGet, URL: b.blockURL("/v1/cart", i), Header: hdr},
			)
		}
		*t, queue = queue[0], queue[1:]
		return nil
	}
}

// eventTargeter hands out signed POST /v1/events batches of --batch events
// from the live stream: each a real OTTO event (type, SKUs, cart or order
// lines) resampled onto a Zipf-distributed recipient, at the time of the
// batch, with an id unique to this run and scenario.
func (b *bench) eventTargeter(r *rand.Rand, scenario string) vegeta.Targeter {
	zipf := rand.NewZipf(r, b.cfg.zipfS, 1, uint64(len(b.rcs)-1))
	secrets := amp.DemoWebhookSecrets()
	prefix := "bench-" + b.nonce + "-" + scenario
	var mu sync.Mutex
	seq := 0
	return func(t *vegeta.Target) error {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		lines := make([][]byte, b.cfg.batch)
		for j := range lines {
			ev := b.src.streamEvent(r, prefix, seq, b.rcs[zipf.Uint64()].ID, now)
			seq++
			l, err := content.MarshalEvent(ev)
			if err != nil {
				return err
			}
			lines[j] = l
		}
		body := joinBatch(lines)
		*t = vegeta.Target{Method: http.MethodPost, URL: b.server.base + "/v1/events", Body: body, Header: eventsHeader(secrets, body, now)}
		return nil
	}
}

// scenarioD is the mixed email open (d), alone or (e) while event batches
// are ingested at --event-rate.
func (b *bench) scenarioD(ctx context.Context, withEvents bool) (scenarioReport, error) {
	sc := scenarioReport{Name: "d", Title: fmt.Sprintf("email opens: profile, countdown, recommendations, cart; Zipf(s=%g) over %d recipients", b.cfg.zipfS, len(b.rcs))}
	opens := attackSpec{targeter: b.openTargeter(newBenchRand(b.cfg.seed, 1<<40+'d')),
		classify: func(r *vegeta.Result) []string { return []string{seriesOpen, seriesOf(r)} }}
	if !withEvents {
		res := b.attack(ctx, &sc, opens)
		sc.addSeries(res, seriesOpen, seriesProfile, seriesCDJSON, seriesRecs, seriesCart)
		return sc, nil
	}
	rate := "back to back"
	if b.cfg.eventRate > 0 {
		rate = fmt.Sprintf("%d/s", b.cfg.eventRate)
	}
	sc.Name, sc.Title = "e", fmt.Sprintf("email opens as in d, while signed batches of %d events are posted (%s)", b.cfg.batch, rate)
	var applied, dups int
	events := attackSpec{targeter: b.eventTargeter(newBenchRand(b.cfg.seed, 1<<40+'e'), "e"), classify: bySeries,
		rate: b.cfg.eventRate, workers: 2, duration: b.cfg.duration, max: b.cfg.maxRequests,
		onResult: func(r *vegeta.Result) {
			var ans struct{ Applied, Duplicates int }
			if r.Code == http.StatusOK && json.Unmarshal(r.Body, &ans) == nil {
				applied += ans.Applied
				dups += ans.Duplicates
			}
		}}
	if b.cfg.eventRate == 0 {
		events.workers = 1
	}
	before := b.sample(ctx)
	var evRes attackResult
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		evRes = runAttack(ctx, events)
	}()
	opens.rate, opens.workers, opens.duration, opens.max = b.cfg.rate, b.cfg.workers, b.cfg.duration, b.cfg.maxRequests
	res := runAttack(ctx, opens)
	wg.Wait()
	sc.Requests = res.requests + evRes.requests
	sc.setServer(before, b.sample(ctx))
	sc.addSeries(res, seriesOpen, seriesProfile, seriesCDJSON, seriesRecs, seriesCart)
	sc.addSeries(evRes, seriesEvents)
	ev := &sc.Series[len(sc.Series)-1]
	ev.EventsApplied, ev.EventsDuplicate = &applied, &dups
	if ev.Seconds > 0 {
		eps := float64(applied+dups) / ev.Seconds
		ev.EventsPerSec = &eps
	}
	return sc, nil
}

// scenarioF writes one fresh recipient through POST /v1/events (so no
// answer of it is cached), opens --concurrent keep-alive connections, and
// sends the same GET /v1/recommendations on all of them at once; the
// store-read delta from /metrics says how many reads reached the store.
func (b *bench) scenarioF(ctx context.Context) (scenarioReport, error) {
	n := b.cfg.concurrent
	sc := scenarioReport{Name: "f", Title: fmt.Sprintf("%d identical concurrent misses: GET /v1/recommendations of one fresh profile", n)}
	id := "bench-fresh-" + b.nonce
	rc, err := b.src.recipient(b.cfg.seed, len(b.rcs), id, time.Now())
	if err != nil {
		return sc, err
	}
	var lines [][]byte
	for _, ev := range rc.Events {
		l, err := content.MarshalEvent(ev)
		if err != nil {
			return sc, err
		}
		lines = append(lines, l)
	}
	snd := &httpSender{base: b.server.base, secrets: amp.DemoWebhookSecrets(), client: newBenchClient(30*time.Second, 1)}
	if _, _, err := snd.send(ctx, lines, numbered("event", len(lines))); err != nil {
		return sc, fmt.Errorf("write the fresh profile: %w", err)
	}
	tok, err := amp.DemoKeys().Sign(amp.TokenSpec{Subject: id, Campaign: store.DemoCampaignID}, amp.DefaultIssuer)
	if err != nil {
		return sc, err
	}
	client := newBenchClient(30*time.Second, n)
	if err := warmConnections(ctx, client, b.server.base+"/healthz", n); err != nil {
		return sc, err
	}
	target := vegeta.Target{Method: http.MethodGet, URL: b.server.base + "/v1/recommendations?t=" + tok, Header: senderHeader()}
	tr, released := barrier(n, target)
	spec := attackSpec{targeter: tr, classify: bySeries, client: client,
		rate: 0, workers: n, duration: 30 * time.Second, max: uint64(n),
		adjust: func(r *vegeta.Result) { // time from the release, not from the wait at the barrier
			if at := released(); !at.IsZero() && at.After(r.Timestamp) {
				r.Latency -= at.Sub(r.Timestamp)
				r.Timestamp = at
			}
		}}
	before := b.sample(ctx)
	res := runAttack(ctx, spec)
	sc.Requests = res.requests
	sc.setServer(before, b.sample(ctx))
	sc.addSeries(res, seriesRecs)
	return sc, nil
}

// barrier is a targeter for n of vegeta's workers that holds each one
// until all n have asked for their target (or 10 s have passed), then
// releases them together, so that the n requests leave at once rather
// than one after the other as the pacer hands out ticks. released tells
// when that happened. Vegeta starts a result's clock before it asks for
// the target: the adjust hook of scenario f moves it to the release.
func barrier(n int, t vegeta.Target) (tr vegeta.Targeter, released func() time.Time) {
	var mu sync.Mutex
	var at time.Time
	count := 0
	gate := make(chan struct{})
	timeout := time.AfterFunc(10*time.Second, func() {
		mu.Lock()
		defer mu.Unlock()
		if at.IsZero() {
			at = time.Now()
			close(gate)
		}
	})
	tr = func(tgt *vegeta.Target) error {
		mu.Lock()
		if count++; count == n && at.IsZero() {
			timeout.Stop()
			at = time.Now()
			close(gate)
		}
		mu.Unlock()
		<-gate
		*tgt = t
		return nil
	}
	released = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return at
	}
	return tr, released
}

// warmConnections opens n keep-alive connections in client's pool: n
// simultaneous requests of url, each holding its connection (its body
// unread) until all n have their answer, so that none can reuse another's.
// The next n requests then start at once, without dialing.
func warmConnections(ctx context.Context, client *http.Client, url string, n int) error {
	var all, answered sync.WaitGroup
	errs := make(chan error, n)
	all.Add(n)
	answered.Add(n)
	for range n {
		go func() {
			defer all.Done()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				answered.Done()
				errs <- err
				return
			}
			res, err := client.Do(req)
			answered.Done()
			if err != nil {
				errs <- err
				return
			}
			answered.Wait()
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}()
	}
	all.Wait()
	close(errs)
	for err := range errs {
		return fmt.Errorf("open %d connections: %w", n, err)
	}
	return nil
}
