package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// helperEnv makes this test binary act as the amplive binary: the bench
// starts its servers as os.Executable() with serve or bench arguments,
// which in a test is the test binary (as os/exec's own tests do).
const helperEnv = "GO_WANT_AMPLIVE_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestBenchEndToEnd runs `amplive bench` through run: a child server on a
// resampled store, scenario a (with the bare handler) and f, at a low fixed
// rate for one second, and checks that the report is sane. It never asserts
// speed.
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two child processes")
	}
	t.Setenv(helperEnv, "1")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	args := []string{"amplive", "bench", "--scenario", "a,f", "--duration", "1s", "--rate", "50",
		"--profiles", "200", "--hot", "3", "--concurrent", "20", "--format", "json"}
	if err := run(ctx, args, noEnv, nil, &out, &syncWriter{w: &errOut}); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if got, want := len(rep.Scenarios), 2; got != want {
		t.Fatalf("%d scenarios, want %d", got, want)
	}
	if rep.Profiles != 200 || rep.Events < 200 || !strings.HasPrefix(rep.Target, "child pid ") {
		t.Errorf("profiles %d, events %d, target %q", rep.Profiles, rep.Events, rep.Target)
	}
	a, f := rep.Scenarios[0], rep.Scenarios[1]
	if a.Name != "a" || f.Name != "f" {
		t.Fatalf("scenarios %q, %q", a.Name, f.Name)
	}
	checkOK := func(name string, s seriesReport) {
		t.Helper()
		if s.Requests == 0 || s.RequestsPerSec <= 0 || s.BytesIn == 0 {
			t.Errorf("%s: %d requests, %.1f/s, %d bytes in", name, s.Requests, s.RequestsPerSec, s.BytesIn)
		}
		if s.StatusCodes["200"] != int(s.Requests) || len(s.Errors) > 0 {
			t.Errorf("%s: status codes %v, errors %v", name, s.StatusCodes, s.Errors)
		}
		if s.P50Ms <= 0 || s.P50Ms > s.P99Ms || s.P99Ms > s.MaxMs {
			t.Errorf("%s: latencies p50 %.3f, p99 %.3f, max %.3f ms", name, s.P50Ms, s.P99Ms, s.MaxMs)
		}
	}
	checkOK("a", a.Series[0])
	if a.Bare == nil || a.Bare.Ratio == nil || *a.Bare.Ratio <= 0 {
		t.Fatalf("no bare comparison: %+v", a.Bare)
	}
	checkOK("a bare", a.Bare.Series)
	checkOK("f", f.Series[0])
	if got, want := f.Series[0].Requests, uint64(20); got != want {
		t.Errorf("f sent %d requests, want %d", got, want)
	}
	if f.StoreReads != nil && *f.StoreReads < 1 {
		t.Errorf("f: %v store reads for a fresh profile", *f.StoreReads)
	}
	if a.RSSAfter == nil && rep.OS == "linux" {
		t.Error("no RSS of the child on Linux")
	}

	// The text table names every figure.
	out.Reset()
	if err := writeBenchText(&out, &rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"req/s", "p99 ms", "bare net/http", "amplive ÷ bare", "store reads for 20 identical concurrent misses"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestBenchUsage: bad command lines are usage errors; --url must be loopback.
func TestBenchUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"scenario", []string{"--scenario", "h"}, "--scenario"},
		{"faults remote", []string{"--scenario", "g", "--url", "http://127.0.0.1:8080"}, "--url"},
		{"fault pause", []string{"--scenario", "g", "--fault-pause", "0s"}, "--fault-pause"},
		{"rate", []string{"--rate", "fast"}, "--rate"},
		{"zipf", []string{"--zipf-s", "1"}, "--zipf-s"},
		{"hot", []string{"--profiles", "10", "--hot", "11"}, "--hot"},
		{"remote", []string{"--url", "http://example.com:8080"}, "loopback"},
		{"private", []string{"--url", "http://10.0.0.1:8080"}, "loopback"},
		{"batch", []string{"--batch", "501"}, "--batch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := run(context.Background(), append([]string{"amplive", "bench"}, tc.args...), noEnv, nil, &bytes.Buffer{}, &bytes.Buffer{})
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want a usage error naming %q", err, tc.want)
			}
		})
	}
}

func TestBenchParse(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"all": "abcdef", "f,a": "af", "c": "c", "a, b,a": "ab", "g,d": "dg", "G": "g"} {
		got, err := parseScenarios(in)
		if err != nil || strings.Join(got, "") != want {
			t.Errorf("parseScenarios(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for in, want := range map[string]int{"0": 0, "50": 50, "50/s": 50, "200/1s": 200} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("parseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/": "http://127.0.0.1:8080", "http://localhost:9": "http://localhost:9", "http://[::1]:80": "http://[::1]:80",
	} {
		if got, err := loopbackURL(in); err != nil || got != want {
			t.Errorf("loopbackURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	prom := "# HELP x\n# TYPE amplive_store_reads_total counter\namplive_store_reads_total 7\n" +
		"amplive_cache_hits_total{kind=\"profile\"} 3\namplive_cache_hits_total{kind=\"x y\"} 4 1700000000\nprocess_resident_memory_bytes 1.2e+07\n"
	prom += "amplive_events_total{result=\"applied\"} 5\namplive_events_total{result=\"duplicate\"} 2\n"
	p := parsePromText(strings.NewReader(prom))
	for name, want := range map[string]float64{metricStoreReads: 7, metricCacheHits: 7, metricRSS: 1.2e7,
		"amplive_events_total": 7, metricEventsApplied: 5, metricEventsDuplicate: 2, `amplive_cache_hits_total{kind="x y"}`: 4} {
		if got, ok := p.get(name); !ok || got != want {
			t.Errorf("%s = %v, %v; want %v", name, got, ok, want)
		}
	}
	if _, ok := promSnapshot(nil).get(metricStoreReads); ok {
		t.Error("a missing /metrics has values")
	}
}

// TestBenchStoreFaults runs scenario g for 12 s on 200 recipients: its own
// `amplive store` child, paused for 2 s at 4 s and killed at 8 s (restarted
// 1 s later) under email opens and event batches. Every read must be
// answered 200, /readyz must go unready during each fault and be 200 again
// after it, and every event must apply once. It never asserts speed (the
// 2 s between the end of the pause and the kill leave /readyz time to
// recover even on a busy machine).
func TestBenchStoreFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts amplive store and serve as child processes and signals the store")
	}
	if runtime.GOOS != "linux" {
		t.Skip("scenario g is Linux only")
	}
	t.Setenv(helperEnv, "1")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	args := []string{"amplive", "bench", "--scenario", "g", "--duration", "12s", "--fault-pause", "2s", "--fault-down", "1s",
		"--rate", "300", "--profiles", "200", "--batch", "20", "--format", "json"}
	if err := run(ctx, args, noEnv, nil, &out, &syncWriter{w: &errOut}); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if len(rep.Scenarios) != 1 || rep.Scenarios[0].Name != "g" || rep.Scenarios[0].Fault == nil {
		t.Fatalf("want scenario g with its fault report: %s", out.String())
	}
	g := rep.Scenarios[0]
	f := g.Fault
	r, z, e := f.Reads, f.Readyz, f.Events
	if r.Requests == 0 || r.OK != r.Requests || len(r.StatusCodes) != 1 || r.StatusCodes["200"] != r.Requests {
		t.Errorf("reads: %d requests, %d answered 200, status codes %v: want every one 200", r.Requests, r.OK, r.StatusCodes)
	}
	for _, s := range g.Series {
		if s.Name != seriesEvents && (s.Requests == 0 || len(s.Errors) > 0) {
			t.Errorf("%s: %d requests, errors %v", s.Name, s.Requests, s.Errors)
		}
	}
	if r.DeadlineMs != 250 || r.MarginMs != 50 || r.WorstMs <= 0 {
		t.Errorf("reads: deadline %v ms, margin %v ms, worst %v ms", r.DeadlineMs, r.MarginMs, r.WorstMs)
	}
	tl := f.Timeline
	if !(0 < tl.Stopped && tl.Stopped < tl.Continued && tl.Continued <= tl.Killed && tl.Killed < tl.Restarted && tl.Restarted <= tl.Listening) {
		t.Errorf("fault timeline out of order: %+v", tl)
	}
	if tl.Continued-tl.Stopped < 2 || tl.Restarted-tl.Killed < 1 {
		t.Errorf("paused %.2f s (want 2), down %.2f s (want 1)", tl.Continued-tl.Stopped, tl.Restarted-tl.Killed)
	}
	if !z.UnreadyDuringPause || !z.UnreadyWhileDown || z.UnreadyPeriods < 2 || z.UnreadySeconds <= 0 || z.ReadyAfterContS == nil {
		t.Errorf("/readyz did not go unready during each fault: %+v", z)
	}
	if !z.ReadyAtEnd || z.ReadyAfterRestartS == nil || len(z.Transitions) < 4 || z.Transitions[len(z.Transitions)-1].Status != "200" {
		t.Errorf("/readyz not 200 again after the restart: %+v", z)
	}
	if e.Batches == 0 || e.Events != 20*e.Batches || e.Acknowledged+e.Resent != e.Batches || e.Unacked != 0 || e.VerifyFailed != 0 {
		t.Errorf("events: %+v", e)
	}
	if e.Lost == nil || *e.Lost != 0 || e.AppliedTwice == nil || *e.AppliedTwice != 0 {
		t.Errorf("events lost %v, applied twice %v: %+v", e.Lost, e.AppliedTwice, e)
	}
	if e.MetricApplied == nil || int(*e.MetricApplied) != e.Events || e.VerifyApplied == nil || *e.VerifyApplied != 0 ||
		e.VerifyDuplicate == nil || int(*e.VerifyDuplicate) != e.Events {
		t.Errorf("events by /metrics: applied %v, then re-sent: applied %v, duplicate %v; want %d, 0, %d",
			countText(e.MetricApplied), countText(e.VerifyApplied), countText(e.VerifyDuplicate), e.Events, e.Events)
	}
	if !strings.Contains(f.Store, "killed and restarted as pid") {
		t.Errorf("store: %q", f.Store)
	}

	out.Reset()
	if err := writeBenchText(&out, &rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"answered 200 within the store deadline 250 ms + 50 ms", "/readyz every 100ms", "events lost 0, duplicates applied 0", "SIGKILL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
	t.Logf("report:\n%s", out.String())
}
