package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/store"
)

// Scenario g: store faults under load. The bench runs `amplive store` as a
// child of its own on a free loopback port, seeds it, starts a second
// `serve --demo` on it through AMPLIVE_MONGODB_URI, and runs scenario d's
// email opens and scenario e's signed event batches while it pauses the
// store (SIGSTOP … SIGCONT) and later kills it (SIGKILL) and restarts it on
// the same port and data directory. TestStoreFaults asserts the same
// behaviour with a lighter load; this measures it under the bench's.

const (
	// benchFaultMargin is added to the deadline to judge a read "in time": a
	// fallback answer first waits the deadline out, then is rendered and
	// sent, and the load generator shares the machine's CPUs.
	benchFaultMargin = 50 * time.Millisecond
	// benchReadyzEvery is how often /readyz is polled during the run.
	benchReadyzEvery = 100 * time.Millisecond
	// benchFaultSettle: the load goes on at least this long after /readyz
	// is 200 again after the restart.
	benchFaultSettle = time.Second
	// benchFaultRecover bounds the wait for /readyz after the restart.
	benchFaultRecover = 60 * time.Second
	// benchResendTries bounds the attempts of each refused batch after
	// recovery, 1 s apart.
	benchResendTries = 10
)

// faultReport is scenario g's own part of the report.
type faultReport struct {
	Store          string        `json:"store"`  // the store process(es) and URI
	Server         string        `json:"server"` // the server started on it
	Prepare        string        `json:"prepare"`
	PrepareSeconds float64       `json:"prepare_seconds"` // store, seed, server
	PauseSeconds   float64       `json:"pause_seconds"`   // --fault-pause
	DownSeconds    float64       `json:"down_seconds"`    // --fault-down
	LoadSeconds    float64       `json:"load_seconds"`    // from the first request until the load stopped
	Timeline       faultTimeline `json:"timeline"`
	Reads          faultReads    `json:"reads"`
	Readyz         faultReadyz   `json:"readyz"`
	Events         faultEvents   `json:"events"`
}

// faultTimeline is when each fault happened, in seconds after the load
// began.
type faultTimeline struct {
	Stopped   float64 `json:"sigstop_s"`
	Continued float64 `json:"sigcont_s"`
	Killed    float64 `json:"sigkill_s"`
	Restarted float64 `json:"restart_s"`   // the new store process was started
	Listening float64 `json:"listening_s"` // and listened again
}

// faultReads is what the email opens saw (every series of the scenario's
// table but events).
type faultReads struct {
	Requests      int            `json:"requests"`
	OK            int            `json:"ok"`               // 200
	InTime        int            `json:"in_time"`          // 200 within deadline + margin
	InDeadline    int            `json:"in_deadline"`      // 200 within the deadline itself
	InTimePercent float64        `json:"in_time_percent"`  // InTime of Requests
	DeadlineMs    float64        `json:"deadline_ms"`      // the server's store deadline
	MarginMs      float64        `json:"margin_ms"`        // benchFaultMargin
	WorstMs       float64        `json:"worst_ms"`         // as the client saw it
	StatusCodes   map[string]int `json:"status_codes"`     // "0" is no answer
	Fallbacks     int            `json:"fallbacks"`        // 200 answers with "fallback":true
	FallbacksStop int            `json:"fallbacks_paused"` // of them sent while the store was paused
	FallbacksDown int            `json:"fallbacks_down"`   // while it was down (killed until listening again)
	// FallbacksMetric is the server's amplive_fallbacks_total over the
	// load (profile reads answered with stale or generic content).
	FallbacksMetric *float64 `json:"fallbacks_metric"`
}

// faultReadyz is what polling /readyz every 100 ms saw.
type faultReadyz struct {
	Polls              int                `json:"polls"`
	Transitions        []readyzTransition `json:"transitions"`
	UnreadyPeriods     int                `json:"unready_periods"`
	UnreadySeconds     float64            `json:"unready_seconds"`      // from sending each first poll not answered 200 to the next 200 answer
	UnreadyDuringPause bool               `json:"unready_during_pause"` // a poll during the pause was not 200
	UnreadyWhileDown   bool               `json:"unready_while_down"`   // a poll while the store was down was not 200
	// ReadyAfterContS is the time from SIGCONT to the answer of the first
	// poll sent after it that was 200 (nil: none before the kill).
	ReadyAfterContS *float64 `json:"ready_after_sigcont_s"`
	// ReadyAfterRestartS is the same from the restarted store listening.
	ReadyAfterRestartS *float64 `json:"ready_after_restart_s"`
	ReadyAtEnd         bool     `json:"ready_at_end"` // the last poll was 200
}

// readyzTransition is a change of /readyz's answer.
type readyzTransition struct {
	// AtS is when, in s after the load began, the first poll not answered
	// 200 was sent (its answer may come up to the ping's 1 s timeout
	// later), or when the first 200 answer came.
	AtS    float64 `json:"at_s"`
	Status string  `json:"status"` // "200", "503", "no answer"
}

// faultEvents is what the event batches saw, and the check of /metrics.
type faultEvents struct {
	Batches      int            `json:"batches"`
	Events       int            `json:"events"`       // distinct events sent
	Acknowledged int            `json:"acknowledged"` // batches 200 at the first attempt
	Refused      map[string]int `json:"refused"`      // first attempts not 200, by "503 store_unavailable", "no answer"
	Resent       int            `json:"resent"`       // batches sent again after recovery
	ResentAcked  int            `json:"resent_acknowledged"`
	Unacked      int            `json:"unacknowledged"` // batches without a 200 after the re-sends
	// AnswersApplied and AnswersDuplicate sum the 200 answers (first
	// attempts and re-sends).
	AnswersApplied   int `json:"answers_applied"`
	AnswersDuplicate int `json:"answers_duplicate"`
	// MetricApplied and MetricDuplicate are the server's
	// amplive_events_total{result=applied|duplicate} from before the load
	// until every refused batch was acknowledged.
	MetricApplied   *float64 `json:"metric_applied"`
	MetricDuplicate *float64 `json:"metric_duplicate"`
	// Then every batch is sent once more: the store must know every event
	// (applied 0) — an acknowledged event it lost would apply again.
	VerifyApplied   *float64 `json:"verify_applied"`
	VerifyDuplicate *float64 `json:"verify_duplicate"`
	VerifyFailed    int      `json:"verify_failed"` // batches of that pass not answered 200
	// Lost is acknowledged events not applied, or applied again when
	// re-sent (the store had lost them); AppliedTwice is events applied more
	// than once. Both nil without /metrics.
	Lost         *int `json:"lost"`
	AppliedTwice *int `json:"applied_twice"`
}

// faultEnv is scenario g's store and server.
type faultEnv struct {
	addr, dataDir, storeLog string
	store, server           *benchServer
	storePIDs               []int // every store process, in order
}

func (fe *faultEnv) uri() string { return "mongodb://" + fe.addr + "/" }

// startStore starts `amplive store` on fe's address and data directory.
func (fe *faultEnv) startStore(ctx context.Context) error {
	s, err := startBenchProcess(ctx, []string{"store", "--addr", fe.addr, "--data-dir", fe.dataDir}, nil, storeListeningPrefix, fe.storeLog)
	if err != nil {
		return err
	}
	fe.store = s
	fe.storePIDs = append(fe.storePIDs, s.pid)
	if s.base != fe.uri() {
		return fmt.Errorf("bench: the store listens on %s, want %s", s.base, fe.uri())
	}
	return nil
}

// stop ends the server, then the store (continued first, should it be
// paused).
func (fe *faultEnv) stop(log *slog.Logger) {
	if err := fe.server.stop(); err != nil {
		log.Warn("stopping scenario g's server", "err", err)
	}
	if fe.store != nil && fe.store.running() {
		_ = resumeProcess(fe.store.cmd.Process)
	}
	if err := fe.store.stop(); err != nil {
		log.Warn("stopping scenario g's store", "err", err)
	}
}

// freeLoopbackAddr is a loopback address whose port nothing listens on now.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startFaultEnv starts the store, seeds it (--prepare seed) and starts the
// server on it. The returned env is never nil: stop it whatever the error.
func (b *bench) startFaultEnv(ctx context.Context) (*faultEnv, error) {
	fe := &faultEnv{dataDir: filepath.Join(b.dir, "fault-data"), storeLog: filepath.Join(b.dir, "fault-store.log")}
	var err error
	if fe.addr, err = freeLoopbackAddr(); err != nil {
		return fe, err
	}
	b.progress.Info("scenario g: starting amplive store", "addr", fe.addr, "data_dir", fe.dataDir)
	if err := fe.startStore(ctx); err != nil {
		return fe, err
	}
	if b.cfg.prepare == "seed" {
		if err := b.seed(ctx, store.Config{MongoURI: fe.uri()}); err != nil {
			return fe, err
		}
	}
	args := append([]string{"serve", "--demo", "--addr", "127.0.0.1:0"}, b.cfg.serveArgs...)
	b.progress.Info("scenario g: starting the server on the store", "args", strings.Join(args, " "), "AMPLIVE_MONGODB_URI", fe.uri())
	logPath := filepath.Join(b.dir, "fault-server.log")
	if fe.server, err = startBenchProcess(ctx, args, []string{"AMPLIVE_MONGODB_URI=" + fe.uri()}, serveListeningPrefix, logPath); err != nil {
		return fe, err
	}
	if err := waitReadyz(ctx, fe.server.base, 60*time.Second); err != nil {
		return fe, fmt.Errorf("%w%s", err, logTail(logPath))
	}
	return fe, nil
}

// storeDeadline is the started server's store deadline: serve's default,
// or a --store-deadline given with --serve-arg.
func (b *bench) storeDeadline() time.Duration {
	d := store.DefaultDeadline // serve's AMPLIVE_STORE_DEADLINE unless a --serve-arg sets it
	args := b.cfg.serveArgs
	for i := 0; i < len(args); i++ {
		name, val, ok := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if name != "store-deadline" {
			continue
		}
		if !ok && i+1 < len(args) {
			i++
			val = args[i]
		}
		if v, err := time.ParseDuration(val); err == nil && v > 0 {
			d = v
		}
	}
	return d
}

// faultTimes are the moments of scenario g's faults.
type faultTimes struct {
	stopped, continued, killed, restarted, listening time.Time
	recovered                                        time.Time // /readyz 200 after the restart
}

// scenarioG is store faults under load: see the top of this file.
func (b *bench) scenarioG(ctx context.Context) (scenarioReport, error) {
	pause, down, deadline := b.cfg.faultPause, b.cfg.faultDown, b.storeDeadline()
	sc := scenarioReport{Name: "g", Title: fmt.Sprintf("store faults: email opens as in d and signed batches of %d events as in e, "+
		"the store (its own process) paused %s a third of the way in, killed two thirds in and restarted after %s", b.cfg.batch, pause, down)}
	fr := &faultReport{Prepare: b.cfg.prepare, PauseSeconds: pause.Seconds(), DownSeconds: down.Seconds()}
	sc.Fault = fr
	start := time.Now()
	fe, err := b.startFaultEnv(ctx)
	defer fe.stop(b.progress)
	if err != nil {
		return sc, err
	}
	shared := b.server
	b.server = fe.server // blockURL, sample and ingest use it
	defer func() { b.server = shared }()
	if b.cfg.prepare == "ingest" {
		if err := b.ingest(ctx, b.rcs); err != nil {
			return sc, err
		}
	}
	fr.PrepareSeconds = time.Since(start).Seconds()
	fr.Server = fmt.Sprintf("child pid %d at %s", fe.server.pid, fe.server.base)

	// Reads: scenario d's opens; judged as they come.
	limit := deadline + benchFaultMargin
	var worst time.Duration
	var fallbackAt []time.Time
	rd := &fr.Reads
	opens := attackSpec{targeter: b.openTargeter(newBenchRand(b.cfg.seed, 1<<40+'g')),
		classify: func(r *vegeta.Result) []string { return []string{seriesOpen, seriesOf(r)} },
		rate:     b.cfg.rate, workers: b.cfg.workers, max: b.cfg.maxRequests, // no duration: stopped below
		onResult: func(r *vegeta.Result) {
			rd.Requests++
			worst = max(worst, r.Latency)
			if r.Code != http.StatusOK || r.Error != "" {
				return
			}
			rd.OK++
			if r.Latency <= limit {
				rd.InTime++
			}
			if r.Latency <= deadline {
				rd.InDeadline++
			}
			if bytes.Contains(r.Body, []byte(`"fallback":true`)) {
				fallbackAt = append(fallbackAt, r.Timestamp)
			}
		}}
	snd := &faultSender{base: fe.server.base, client: newBenchClient(30*time.Second, 64), secrets: amp.DemoWebhookSecrets(),
		series: attackSeries{errorCodes: map[string]int{}}}
	rz := &readyzPoller{}

	before := b.sample(ctx)
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var wg sync.WaitGroup
	var res attackResult
	var sendErr error
	t0 := time.Now()
	wg.Go(func() { rz.run(loadCtx, fe.server.base) })
	wg.Go(func() {
		sendErr = snd.run(ctx, loadCtx, b.eventTargeter(newBenchRand(b.cfg.seed, 1<<40+'G'), "g"), b.cfg.eventRate, b.cfg.batch)
	})
	wg.Go(func() { res = runAttack(loadCtx, opens) })
	ft, faultErr := b.runFaults(ctx, fe, t0, rz)
	if faultErr == nil {
		end := t0.Add(b.cfg.duration)
		if settled := ft.recovered.Add(benchFaultSettle); settled.After(end) {
			end = settled
		}
		faultErr = sleepUntil(ctx, end)
	}
	stopLoad()
	fr.LoadSeconds = time.Since(t0).Seconds()
	wg.Wait() // event batches in flight end within the server's write bounds
	if err := errors.Join(faultErr, sendErr); err != nil {
		return sc, err
	}
	if !fe.server.running() {
		return sc, fmt.Errorf("the server exited (%v)%s", fe.server.waitErr, logTail(fe.server.logPath))
	}
	afterLoad := b.sample(ctx)
	fr.Store = fmt.Sprintf("child pid %d at %s, killed and restarted as pid %d (data %s)", fe.storePIDs[0], fe.uri(), fe.store.pid, fe.dataDir)

	// Reads.
	since := func(t time.Time) float64 { return t.Sub(t0).Seconds() }
	fr.Timeline = faultTimeline{Stopped: since(ft.stopped), Continued: since(ft.continued), Killed: since(ft.killed),
		Restarted: since(ft.restarted), Listening: since(ft.listening)}
	rd.DeadlineMs, rd.MarginMs = float64(deadline.Milliseconds()), float64(benchFaultMargin.Milliseconds())
	rd.WorstMs = float64(worst.Microseconds()) / 1000
	if rd.Requests > 0 {
		rd.InTimePercent = 100 * float64(rd.InTime) / float64(rd.Requests)
	}
	rd.Fallbacks = len(fallbackAt)
	for _, at := range fallbackAt {
		switch {
		case !at.Before(ft.stopped) && at.Before(ft.continued):
			rd.FallbacksStop++
		case !at.Before(ft.killed) && at.Before(ft.listening):
			rd.FallbacksDown++
		}
	}
	if a, ok := before.metrics.get(metricFallbacks); ok {
		if z, ok := afterLoad.metrics.get(metricFallbacks); ok {
			d := z - a
			rd.FallbacksMetric = &d
		}
	}
	fr.Readyz = readyzSummary(rz.snapshot(), t0, ft)

	// Events: re-send the refused batches, then every batch once more.
	ev := &fr.Events
	sc.Requests = res.requests + uint64(len(snd.batches))
	sc.setServer(before, afterLoad)
	sc.addSeries(res, seriesOpen, seriesProfile, seriesCDJSON, seriesRecs, seriesCart)
	rd.StatusCodes = sc.Series[0].StatusCodes
	snd.series.m.Close()
	sc.Series = append(sc.Series, newSeries(seriesEvents, &snd.series))
	es := &sc.Series[len(sc.Series)-1]
	es.EventsApplied, es.EventsDuplicate = &snd.firstApplied, &snd.firstDups
	if es.Seconds > 0 {
		eps := float64(snd.firstApplied+snd.firstDups) / es.Seconds
		es.EventsPerSec = &eps
	}
	ev.Batches, ev.Refused = len(snd.batches), map[string]int{}
	for _, fb := range snd.batches {
		ev.Events += fb.events
		if fb.acked {
			ev.Acknowledged++
		} else {
			ev.Refused[fb.refused]++
		}
	}
	if ev.Acknowledged < ev.Batches {
		b.progress.Info("scenario g: re-sending the refused batches", "batches", ev.Batches-ev.Acknowledged)
	}
	if ev.Resent, ev.ResentAcked, err = snd.resend(ctx); err != nil {
		return sc, err
	}
	ev.Unacked = ev.Resent - ev.ResentAcked
	ev.AnswersApplied, ev.AnswersDuplicate = snd.applied, snd.dups
	resent := scrapeMetrics(ctx, fe.server.base)
	b.progress.Info("scenario g: sending every batch once more (all must be duplicates)", "batches", ev.Batches)
	if ev.VerifyFailed, err = snd.verify(ctx); err != nil {
		return sc, err
	}
	verified := scrapeMetrics(ctx, fe.server.base)
	delta := func(a, z promSnapshot, name string) *float64 {
		x, ok1 := a.get(name)
		y, ok2 := z.get(name)
		if !ok1 || !ok2 {
			return nil
		}
		d := y - x
		return &d
	}
	ev.MetricApplied, ev.MetricDuplicate = delta(before.metrics, resent, metricEventsApplied), delta(before.metrics, resent, metricEventsDuplicate)
	ev.VerifyApplied, ev.VerifyDuplicate = delta(resent, verified, metricEventsApplied), delta(resent, verified, metricEventsDuplicate)
	if ev.MetricApplied != nil && ev.VerifyApplied != nil {
		acked := 0
		for _, fb := range snd.batches {
			if fb.acked {
				acked += fb.events
			}
		}
		applied := int(*ev.MetricApplied)
		lost := max(0, acked-applied) + int(*ev.VerifyApplied)
		twice := max(0, applied-ev.Events)
		ev.Lost, ev.AppliedTwice = &lost, &twice
	}
	return sc, nil
}

// runFaults pauses the store a third of the way into --duration for
// --fault-pause, kills it two thirds of the way in (or when the pause ends,
// if later), restarts it after --fault-down, and returns once /readyz is
// 200 again.
func (b *bench) runFaults(ctx context.Context, fe *faultEnv, t0 time.Time, rz *readyzPoller) (faultTimes, error) {
	var ft faultTimes
	d := b.cfg.duration
	if err := sleepUntil(ctx, t0.Add(d/3)); err != nil {
		return ft, err
	}
	b.progress.Info("scenario g: pausing the store (SIGSTOP)", "pid", fe.store.pid, "for", b.cfg.faultPause.String())
	if err := pauseProcess(fe.store.cmd.Process); err != nil {
		return ft, err
	}
	ft.stopped = time.Now()
	err := sleepUntil(ctx, ft.stopped.Add(b.cfg.faultPause))
	if cerr := resumeProcess(fe.store.cmd.Process); cerr != nil {
		return ft, errors.Join(err, cerr)
	}
	ft.continued = time.Now()
	if err != nil {
		return ft, err
	}
	if err := sleepUntil(ctx, t0.Add(2*d/3)); err != nil {
		return ft, err
	}
	b.progress.Info("scenario g: killing the store (SIGKILL)", "pid", fe.store.pid, "down_for", b.cfg.faultDown.String())
	if err := fe.store.cmd.Process.Kill(); err != nil {
		return ft, err
	}
	ft.killed = time.Now()
	select {
	case <-fe.store.exited:
	case <-time.After(10 * time.Second):
		return ft, fmt.Errorf("the killed store (pid %d) did not exit within 10 s", fe.store.pid)
	}
	if err := sleepUntil(ctx, ft.killed.Add(b.cfg.faultDown)); err != nil {
		return ft, err
	}
	ft.restarted = time.Now()
	if err := fe.startStore(ctx); err != nil {
		return ft, fmt.Errorf("restart the store: %w", err)
	}
	ft.listening = time.Now()
	b.progress.Info("scenario g: restarted the store", "pid", fe.store.pid, "seconds_to_listen", fmt.Sprintf("%.2f", ft.listening.Sub(ft.restarted).Seconds()))
	if ft.recovered, err = rz.waitReady(ctx, ft.listening, benchFaultRecover); err != nil {
		return ft, err
	}
	return ft, nil
}

// sleepUntil waits until t or ctx's end (its error).
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// ---- /readyz ----

// readyzPoll is one GET /readyz.
type readyzPoll struct {
	start, end time.Time
	status     int // 0: no answer
}

// readyzPoller polls /readyz every benchReadyzEvery (or right after the
// previous answer, if that took longer).
type readyzPoller struct {
	mu    sync.Mutex
	polls []readyzPoll
}

func (p *readyzPoller) run(ctx context.Context, base string) {
	client := newBenchClient(3*time.Second, 1)
	next := time.Now()
	for ctx.Err() == nil {
		poll := readyzPoll{start: time.Now()}
		if req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil); err == nil {
			if res, err := client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				poll.status = res.StatusCode
			}
		}
		poll.end = time.Now()
		if ctx.Err() != nil { // cut short by the end of the load
			return
		}
		p.mu.Lock()
		p.polls = append(p.polls, poll)
		p.mu.Unlock()
		if next = next.Add(benchReadyzEvery); next.Before(poll.end) {
			next = poll.end
		}
		_ = sleepUntil(ctx, next)
	}
}

func (p *readyzPoller) snapshot() []readyzPoll {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]readyzPoll(nil), p.polls...)
}

// waitReady returns when the first poll sent at or after since answered
// 200, waiting up to limit for it.
func (p *readyzPoller) waitReady(ctx context.Context, since time.Time, limit time.Duration) (time.Time, error) {
	for give := time.Now().Add(limit); ; {
		for _, r := range p.snapshot() {
			if !r.start.Before(since) && r.status == http.StatusOK {
				return r.end, nil
			}
		}
		if time.Now().After(give) {
			return time.Time{}, fmt.Errorf("/readyz not 200 within %s of the store's restart", limit)
		}
		if err := sleepUntil(ctx, time.Now().Add(20*time.Millisecond)); err != nil {
			return time.Time{}, err
		}
	}
}

// readyzSummary reads the polls against the faults.
func readyzSummary(polls []readyzPoll, t0 time.Time, ft faultTimes) faultReadyz {
	s := faultReadyz{Polls: len(polls), Transitions: []readyzTransition{}}
	statusText := func(c int) string {
		if c == 0 {
			return "no answer"
		}
		return fmt.Sprint(c)
	}
	overlaps := func(r readyzPoll, from, to time.Time) bool { return !r.end.Before(from) && r.start.Before(to) }
	ready := true // it was when the load began
	var unreadySince time.Time
	for _, r := range polls {
		ok := r.status == http.StatusOK
		if ok != ready {
			at := r.end
			if ok {
				s.UnreadySeconds += r.end.Sub(unreadySince).Seconds()
			} else {
				at = r.start
				s.UnreadyPeriods++
				unreadySince = r.start
			}
			s.Transitions = append(s.Transitions, readyzTransition{AtS: at.Sub(t0).Seconds(), Status: statusText(r.status)})
			ready = ok
		}
		if !ok && overlaps(r, ft.stopped, ft.continued) {
			s.UnreadyDuringPause = true
		}
		if !ok && overlaps(r, ft.killed, ft.listening) {
			s.UnreadyWhileDown = true
		}
		if ok && s.ReadyAfterContS == nil && !r.start.Before(ft.continued) && r.start.Before(ft.killed) {
			v := r.end.Sub(ft.continued).Seconds()
			s.ReadyAfterContS = &v
		}
		if ok && s.ReadyAfterRestartS == nil && !r.start.Before(ft.listening) {
			v := r.end.Sub(ft.listening).Seconds()
			s.ReadyAfterRestartS = &v
		}
	}
	if !ready && len(polls) > 0 {
		s.UnreadySeconds += polls[len(polls)-1].end.Sub(unreadySince).Seconds()
	}
	s.ReadyAtEnd = len(polls) > 0 && polls[len(polls)-1].status == http.StatusOK
	return s
}

// ---- event batches ----

// faultBatch is one signed batch of scenario g.
type faultBatch struct {
	body    []byte
	events  int
	acked   bool
	refused string // the first attempt's answer when not 200: "503 store_unavailable", "no answer"
}

// faultSender posts scenario g's event batches and keeps each, so that the
// refused ones can be sent again after recovery.
type faultSender struct {
	base    string
	client  *http.Client
	secrets *amp.WebhookSecrets

	mu                      sync.Mutex
	batches                 []*faultBatch
	series                  attackSeries // first attempts
	firstApplied, firstDups int          // over the first attempts' 200 answers
	applied, dups           int          // over every 200 answer but the final check's
}

// faultAck is the 200 answer of POST /v1/events.
type faultAck struct {
	Applied    int `json:"applied"`
	Duplicates int `json:"duplicates"`
}

// run posts a batch from tr every 1/rate s (rate 0: back to back) until
// loadCtx ends, then waits for the answers (requests run under ctx).
func (s *faultSender) run(ctx, loadCtx context.Context, tr vegeta.Targeter, rate, size int) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	next := time.Now()
	for loadCtx.Err() == nil {
		var t vegeta.Target
		if err := tr(&t); err != nil {
			return err
		}
		fb := &faultBatch{body: t.Body, events: size}
		s.mu.Lock()
		s.batches = append(s.batches, fb)
		s.mu.Unlock()
		if rate == 0 {
			s.first(ctx, fb)
			continue
		}
		wg.Go(func() { s.first(ctx, fb) })
		next = next.Add(time.Second / time.Duration(rate))
		_ = sleepUntil(loadCtx, next)
	}
	return nil
}

// post sends fb once, signed now, and returns the result as vegeta would
// record it, and the answer when it is a 200.
func (s *faultSender) post(ctx context.Context, fb *faultBatch) (vegeta.Result, faultAck, bool) {
	r := vegeta.Result{Timestamp: time.Now(), Method: http.MethodPost, URL: s.base + "/v1/events", BytesOut: uint64(len(fb.body))}
	var ack faultAck
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(fb.body))
	if err != nil {
		r.Error = err.Error()
		return r, ack, false
	}
	req.Header = eventsHeader(s.secrets, fb.body, time.Now())
	res, err := s.client.Do(req)
	if err != nil {
		r.Latency, r.Error = time.Since(r.Timestamp), err.Error()
		return r, ack, false
	}
	r.Body, err = io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	r.Latency, r.Code, r.BytesIn = time.Since(r.Timestamp), uint16(res.StatusCode), uint64(len(r.Body))
	switch {
	case err != nil:
		r.Error = err.Error()
	case res.StatusCode != http.StatusOK:
		r.Error = res.Status
	case json.Unmarshal(r.Body, &ack) != nil:
		r.Error = "unreadable 200 answer"
	default:
		return r, ack, true
	}
	return r, ack, false
}

// first is a batch's first attempt, counted in the events series.
func (s *faultSender) first(ctx context.Context, fb *faultBatch) {
	r, ack, ok := s.post(ctx, fb)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.series.m.Add(&r)
	if r.Code >= 400 {
		s.series.errorCodes[errorCode(&r)]++
	}
	switch {
	case ok:
		fb.acked = true
		s.firstApplied += ack.Applied
		s.firstDups += ack.Duplicates
		s.applied += ack.Applied
		s.dups += ack.Duplicates
	case r.Code >= 400:
		fb.refused = errorCode(&r)
	case r.Code == 0:
		fb.refused = "no answer"
	default:
		fb.refused = fmt.Sprint(r.Code)
	}
}

// resend posts every batch not acknowledged yet again, each until a 200 (at
// most benchResendTries attempts, 1 s apart).
func (s *faultSender) resend(ctx context.Context) (resent, acked int, err error) {
	for _, fb := range s.batches {
		if fb.acked {
			continue
		}
		resent++
		for try := 0; try < benchResendTries && !fb.acked; try++ {
			if try > 0 {
				if err := sleepUntil(ctx, time.Now().Add(time.Second)); err != nil {
					return resent, acked, err
				}
			}
			if _, ack, ok := s.post(ctx, fb); ok {
				fb.acked = true
				s.applied += ack.Applied
				s.dups += ack.Duplicates
			}
		}
		if fb.acked {
			acked++
		}
	}
	return resent, acked, ctx.Err()
}

// verify posts every batch once more, two at a time (the server writes two
// batches at once), and returns how many were not answered 200. Their
// effect is read from /metrics.
func (s *faultSender) verify(ctx context.Context) (failed int, err error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, 2)
	for _, fb := range s.batches {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			for try := 0; try < benchResendTries; try++ {
				if try > 0 && sleepUntil(ctx, time.Now().Add(time.Second)) != nil {
					break
				}
				if _, _, ok := s.post(ctx, fb); ok {
					return
				}
			}
			mu.Lock()
			failed++
			mu.Unlock()
		})
	}
	wg.Wait()
	return failed, ctx.Err()
}

// ---- text report ----

// writeFaultText prints scenario g's own lines.
func writeFaultText(w io.Writer, f *faultReport) {
	t := f.Timeline
	fmt.Fprintf(w, "   store: %s\n   server: %s; prepared (%s) in %.1f s\n", f.Store, f.Server, f.Prepare, f.PrepareSeconds)
	fmt.Fprintf(w, "   faults, s after the load began: SIGSTOP %.2f, SIGCONT %.2f, SIGKILL %.2f, restart %.2f (listening %.2f); load %.1f s\n",
		t.Stopped, t.Continued, t.Killed, t.Restarted, t.Listening, f.LoadSeconds)
	r := f.Reads
	pct := func(n, of int) string {
		if of == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f %%", 100*float64(n)/float64(of))
	}
	fmt.Fprintf(w, "   reads: %d requests, %s answered 200 within the store deadline %.0f ms + %.0f ms (%s within %.0f ms), worst %.0f ms; status %s\n",
		r.Requests, pct(r.InTime, r.Requests), r.DeadlineMs, r.MarginMs, pct(r.InDeadline, r.Requests), r.DeadlineMs, r.WorstMs, statusText(r.StatusCodes))
	fmt.Fprintf(w, "   fallbacks: %d answers with \"fallback\":true (%d while paused, %d while down, %d at other times); amplive_fallbacks_total +%s\n",
		r.Fallbacks, r.FallbacksStop, r.FallbacksDown, r.Fallbacks-r.FallbacksStop-r.FallbacksDown, countText(r.FallbacksMetric))
	z := f.Readyz
	secs := func(v *float64) string {
		if v == nil {
			return "never"
		}
		return fmt.Sprintf("%.2f s", *v)
	}
	end := "200 at the end"
	if !z.ReadyAtEnd {
		end = "NOT 200 at the end"
	}
	fmt.Fprintf(w, "   /readyz every %s: %d polls; unready %d time(s), %.2f s in all (during the pause: %t, while down: %t); 200 again %s after SIGCONT, %s after the restarted store listened; %s\n",
		benchReadyzEvery, z.Polls, z.UnreadyPeriods, z.UnreadySeconds, z.UnreadyDuringPause, z.UnreadyWhileDown,
		secs(z.ReadyAfterContS), secs(z.ReadyAfterRestartS), end)
	if len(z.Transitions) > 0 {
		parts := make([]string, len(z.Transitions))
		for i, tr := range z.Transitions {
			parts[i] = fmt.Sprintf("%.2f s → %s", tr.AtS, tr.Status)
		}
		fmt.Fprintf(w, "   /readyz changes, s after the load began (a 503 when its poll was sent): %s\n", strings.Join(parts, ", "))
	}
	e := f.Events
	refused := make([]string, 0, len(e.Refused))
	n := 0
	for _, k := range slices.Sorted(maps.Keys(e.Refused)) {
		refused = append(refused, fmt.Sprintf("%d × %s", e.Refused[k], k))
		n += e.Refused[k]
	}
	how := ""
	if len(refused) > 0 {
		how = " (" + strings.Join(refused, ", ") + ")"
	}
	fmt.Fprintf(w, "   events: %d batches, %d events: %d acknowledged, %d refused%s; re-sent after recovery: %d of %d acknowledged\n",
		e.Batches, e.Events, e.Acknowledged, n, how, e.ResentAcked, e.Resent)
	intText := func(v *int) string {
		if v == nil {
			return "n/a"
		}
		return fmt.Sprint(*v)
	}
	fmt.Fprintf(w, "   events check (/metrics amplive_events_total): applied +%s, duplicate +%s; every batch sent once more: applied +%s, duplicate +%s, %d not 200 → events lost %s, duplicates applied %s\n",
		countText(e.MetricApplied), countText(e.MetricDuplicate), countText(e.VerifyApplied), countText(e.VerifyDuplicate), e.VerifyFailed,
		intText(e.Lost), intText(e.AppliedTwice))
}
