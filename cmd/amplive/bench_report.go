package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// benchReport is what `amplive bench` prints: as a table, or as this JSON
// with --format json. Pointers are null where a figure is not available
// (no /metrics, RSS outside Linux).
type benchReport struct {
	Command        string           `json:"command"`
	GoVersion      string           `json:"go_version"`
	OS             string           `json:"os"`
	Arch           string           `json:"arch"`
	CPUs           int              `json:"cpus"`
	Started        time.Time        `json:"started"`
	Target         string           `json:"target"`  // "child pid N at URL" or the --url
	Prepare        string           `json:"prepare"` // seed, ingest or already loaded
	Profiles       int              `json:"profiles"`
	Events         int              `json:"events"` // events that make the profiles
	Seed           uint64           `json:"seed"`
	Rate           int              `json:"rate"` // per second; 0 = as fast as possible
	Workers        int              `json:"workers"`
	Duration       string           `json:"duration"` // per scenario
	PrepareSeconds float64          `json:"prepare_seconds"`
	RSSSource      string           `json:"rss_source"`
	PeakRSS        *int64           `json:"peak_rss_bytes"` // VmHWM of the child at the end
	Scenarios      []scenarioReport `json:"scenarios"`
}

// scenarioReport is one scenario: its series of requests and the server's
// side over the scenario (deltas of /metrics counters).
type scenarioReport struct {
	Name          string         `json:"name"`
	Title         string         `json:"title"`
	Series        []seriesReport `json:"series"`
	RSSBefore     *int64         `json:"rss_before_bytes"`
	RSSAfter      *int64         `json:"rss_after_bytes"`
	CacheHits     *float64       `json:"cache_hits"`
	CacheMisses   *float64       `json:"cache_misses"`
	CacheHitRatio *float64       `json:"cache_hit_ratio"`
	StoreReads    *float64       `json:"store_reads"`
	// Requests counts every request of the scenario (event batches too).
	Requests uint64 `json:"requests"`
	// CPU time over the scenario from /proc (Linux): the server's, per
	// request; the bench's own (the load generator shares the machine);
	// and other processes' (busy time of all CPUs less both: noise), with
	// the capacity (CPUs × wall time) to compare them with.
	ServerCPUSeconds      *float64 `json:"server_cpu_seconds"`
	ServerCPUPerRequestUs *float64 `json:"server_cpu_per_request_us"`
	BenchCPUSeconds       *float64 `json:"bench_cpu_seconds"`
	OtherCPUSeconds       *float64 `json:"other_cpu_seconds"`
	CPUCapacitySeconds    *float64 `json:"cpu_capacity_seconds"`

	Bare  *bareReport  `json:"bare,omitempty"`  // scenario a
	Fault *faultReport `json:"fault,omitempty"` // scenario g

	noProfileReads bool // /metrics counted no profile read: the ratio is "-"
}

// seriesReport is one kind of request within a scenario.
type seriesReport struct {
	Name           string         `json:"name"`
	Requests       uint64         `json:"requests"`
	RequestsPerSec float64        `json:"requests_per_sec"` // completed, over first request to last answer
	P50Ms          float64        `json:"p50_ms"`
	P90Ms          float64        `json:"p90_ms"`
	P99Ms          float64        `json:"p99_ms"`
	MaxMs          float64        `json:"max_ms"`
	Seconds        float64        `json:"seconds"`               // first request to last answer
	StatusCodes    map[string]int `json:"status_codes"`          // "0" is a transport error
	ErrorCodes     map[string]int `json:"error_codes,omitempty"` // error answers by status and JSON error code: "503 busy"
	Errors         []string       `json:"errors,omitempty"`      // transport errors (status 0), a few
	BytesIn        uint64         `json:"bytes_in"`
	// Events only.
	EventsPerSec    *float64 `json:"events_per_sec,omitempty"` // applied and duplicate events per second
	EventsApplied   *int     `json:"events_applied,omitempty"`
	EventsDuplicate *int     `json:"events_duplicate,omitempty"`
}

// bareReport is scenario a's load against the bare handler.
type bareReport struct {
	Answer string       `json:"answer"` // what it replays
	Series seriesReport `json:"series"`
	RSS    *int64       `json:"rss_bytes"`
	Ratio  *float64     `json:"amplive_over_bare"` // amplive ÷ bare requests/s
	// ServerCPUPerRequestUs is the bare process's CPU time per request.
	ServerCPUPerRequestUs *float64 `json:"server_cpu_per_request_us"`
}

// newSeries summarizes one series of an attack (nil: no requests).
func newSeries(name string, a *attackSeries) seriesReport {
	if a == nil {
		a = &attackSeries{}
	}
	m := &a.m
	s := seriesReport{Name: name, Requests: m.Requests, StatusCodes: m.StatusCodes, ErrorCodes: a.errorCodes, BytesIn: m.BytesIn.Total}
	if s.StatusCodes == nil {
		s.StatusCodes = map[string]int{}
	}
	if len(s.ErrorCodes) == 0 {
		s.ErrorCodes = nil
	}
	if span := m.End.Sub(m.Earliest).Seconds(); span > 0 {
		s.Seconds = span
		s.RequestsPerSec = float64(m.Requests) / span
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if m.Requests > 0 {
		s.P50Ms, s.P90Ms, s.P99Ms, s.MaxMs = ms(m.Latencies.P50), ms(m.Latencies.P90), ms(m.Latencies.P99), ms(m.Latencies.Max)
	}
	for _, e := range m.Errors {
		if len(s.Errors) == 3 {
			s.Errors = append(s.Errors, "…")
			break
		}
		if !statusLine(e) {
			s.Errors = append(s.Errors, e) // transport errors; error answers are in ErrorCodes
		}
	}
	return s
}

// statusLine reports whether a vegeta error is an HTTP status line
// ("503 Service Unavailable") rather than a transport error.
func statusLine(e string) bool {
	code, _, ok := strings.Cut(e, " ")
	n, err := strconv.Atoi(code)
	return ok && err == nil && n >= 100 && n < 600
}

// addSeries appends the named series of res (empty ones for names absent).
func (sc *scenarioReport) addSeries(res attackResult, names ...string) {
	for _, n := range names {
		sc.Series = append(sc.Series, newSeries(n, res.series[n]))
	}
}

// setServer records RSS, CPU times and the /metrics deltas between two
// samples (sc.Requests must be set).
func (sc *scenarioReport) setServer(before, after serverSample) {
	if b, a := before.cpu, after.cpu; b.ok && a.ok {
		f := func(v float64) *float64 { return &v }
		sc.BenchCPUSeconds = f(a.self - b.self)
		sc.CPUCapacitySeconds = f(a.total - b.total)
		other := (a.busy - b.busy) - (a.self - b.self)
		if b.serverOK && a.serverOK {
			srv := a.server - b.server
			sc.ServerCPUSeconds = f(srv)
			other -= srv
			if sc.Requests > 0 {
				sc.ServerCPUPerRequestUs = f(srv / float64(sc.Requests) * 1e6)
			}
		}
		sc.OtherCPUSeconds = f(max(other, 0))
	}
	sc.RSSBefore, sc.RSSAfter = before.rss, after.rss
	delta := func(name string) *float64 {
		a, ok1 := before.metrics.get(name)
		z, ok2 := after.metrics.get(name)
		if !ok1 || !ok2 {
			return nil
		}
		d := z - a
		return &d
	}
	sc.StoreReads = delta(metricStoreReads)
	sc.CacheHits, sc.CacheMisses = delta(metricCacheHits), delta(metricCacheMisses)
	if sc.CacheHits != nil && sc.CacheMisses != nil {
		if n := *sc.CacheHits + *sc.CacheMisses; n > 0 {
			r := *sc.CacheHits / n
			sc.CacheHitRatio = &r
		} else {
			sc.noProfileReads = true // shown as "-" (null in JSON)
		}
	}
}

func writeBenchJSON(w io.Writer, rep *benchReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeBenchText prints the report as a table, one line per series.
func writeBenchText(w io.Writer, rep *benchReport) error {
	rate := "as fast as possible"
	if rep.Rate > 0 {
		rate = strconv.Itoa(rep.Rate) + "/s"
	}
	fmt.Fprintf(w, "%s\n", strings.TrimSpace(rep.Command))
	how := map[string]string{"seed": "the store's Seed before the server started", "ingest": "POST /v1/events",
		"already loaded": "an earlier run (the server had them)"}[rep.Prepare]
	if how == "" {
		how = rep.Prepare
	}
	fmt.Fprintf(w, "%s %s/%s, %d CPUs; server: %s\n", rep.GoVersion, rep.OS, rep.Arch, rep.CPUs, rep.Target)
	fmt.Fprintf(w, "data: %d resampled profiles (%d events, seed %d), written by %s; prepared in %.1f s\n",
		rep.Profiles, rep.Events, rep.Seed, how, rep.PrepareSeconds)
	fmt.Fprintf(w, "load: %s, %d workers, %s per scenario; RSS: %s\n\n", rate, rep.Workers, rep.Duration, rep.RSSSource)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tseries\trequests\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\tstatus\tMB in\tRSS MB before→after\thit ratio\tstore reads\tsrv CPU µs/req\tother CPU\t")
	for _, sc := range rep.Scenarios {
		for i, s := range sc.Series {
			server := []string{"", "", "", "", ""}
			if i == 0 {
				ratio := ratioText(sc.CacheHitRatio)
				if sc.noProfileReads {
					ratio = "-"
				}
				server = []string{rssText(sc.RSSBefore) + "→" + rssText(sc.RSSAfter), ratio, countText(sc.StoreReads),
					usText(sc.ServerCPUPerRequestUs), shareText(sc.OtherCPUSeconds, sc.CPUCapacitySeconds)}
			}
			name := s.Name
			if s.EventsPerSec != nil {
				name = fmt.Sprintf("%s (%.0f events/s)", s.Name, *s.EventsPerSec)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t\n",
				sc.Name, name, s.Requests, s.RequestsPerSec, s.P50Ms, s.P90Ms, s.P99Ms, s.MaxMs,
				statusText(s.StatusCodes), float64(s.BytesIn)/1e6, server[0], server[1], server[2], server[3], server[4])
		}
		if bare := sc.Bare; bare != nil {
			s := bare.Series
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%.1f\t%s\t\t\t%s\t\t\n",
				sc.Name, s.Name, s.Requests, s.RequestsPerSec, s.P50Ms, s.P90Ms, s.P99Ms, s.MaxMs,
				statusText(s.StatusCodes), float64(s.BytesIn)/1e6, "→"+rssText(bare.RSS), usText(bare.ServerCPUPerRequestUs))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, sc := range rep.Scenarios {
		fmt.Fprintf(w, "%s  %s\n", sc.Name, sc.Title)
		if sc.Bare != nil {
			fmt.Fprintf(w, "   amplive ÷ bare net/http requests/s: %s; server CPU per request %s µs vs %s µs (the bare handler replays one real answer: %s)\n",
				ratioText(sc.Bare.Ratio), usText(sc.ServerCPUPerRequestUs), usText(sc.Bare.ServerCPUPerRequestUs), sc.Bare.Answer)
		}
		if sc.Name == "f" {
			fmt.Fprintf(w, "   store reads for %d identical concurrent misses: %s (cache hits %s, misses %s)\n",
				sc.Series[0].Requests, countText(sc.StoreReads), countText(sc.CacheHits), countText(sc.CacheMisses))
		}
		if (sc.Name == "d" || sc.Name == "e" || sc.Name == "g") && len(sc.Series) > 0 {
			fmt.Fprintf(w, "   %.0f email opens/s (4 blocks each)\n", sc.Series[0].RequestsPerSec/4)
		}
		if sc.Fault != nil {
			writeFaultText(w, sc.Fault)
		}
		for _, s := range sc.Series {
			if s.EventsApplied != nil {
				fmt.Fprintf(w, "   events: %d applied, %d duplicates, %d batches of which %d refused\n",
					*s.EventsApplied, *s.EventsDuplicate, s.Requests, s.Requests-uint64(s.StatusCodes["200"]))
			}
			for _, k := range slices.Sorted(maps.Keys(s.ErrorCodes)) {
				fmt.Fprintf(w, "   %s: %d × %s\n", s.Name, s.ErrorCodes[k], k)
			}
			for _, e := range s.Errors {
				fmt.Fprintf(w, "   %s: transport error: %s\n", s.Name, e)
			}
		}
	}
	if rep.PeakRSS != nil {
		fmt.Fprintf(w, "server peak RSS (VmHWM): %s MB\n", rssText(rep.PeakRSS))
	}
	return nil
}

func rssText(v *int64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", float64(*v)/(1<<20))
}

func ratioText(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", *v)
}

func usText(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", *v)
}

// shareText is part as a percentage of whole.
func shareText(part, whole *float64) string {
	if part == nil || whole == nil || *whole <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", 100**part / *whole)
}

func countText(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// statusText writes status codes as "200" when all are one code, else
// "200×990 503×10" (0 is a transport error).
func statusText(codes map[string]int) string {
	keys := slices.Sorted(maps.Keys(codes))
	if len(keys) == 1 {
		return keys[0]
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, codes[k])
	}
	return strings.Join(parts, " ")
}
