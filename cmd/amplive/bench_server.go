package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/amplive/amplive/amp"
)

// benchBareCommand is the hidden `amplive bench` subcommand that runs the
// bare net/http handler of the side-by-side comparison as its own process.
const benchBareCommand = "__bare"

// Lines a bench child prints on stdout once it listens.
const (
	serveListeningPrefix = "amplive listening on " // runServe prints it before the URL
	bareListeningPrefix  = "amplive bare handler listening on "
)

// benchStopTimeout bounds a child's graceful shutdown before it is killed.
const benchStopTimeout = 20 * time.Second

// benchServer is a server the bench measures: a child process it started
// (pid > 0) or a running server it was pointed at.
type benchServer struct {
	base    string // http://127.0.0.1:port
	pid     int    // 0 for --url
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed when the child has exited
	waitErr error         // the child's exit, valid once exited is closed
}

// startBenchChild runs this executable with args as a child process, its
// stderr in logPath, and waits (up to 2 minutes) for the stdout line that
// starts with prefix and names its base URL, then until its /readyz answers
// 200. The child's environment is the bench's without AMPLIVE_* variables,
// so that only args configure it.
func startBenchChild(ctx context.Context, args []string, prefix, logPath string) (*benchServer, error) {
	s, err := startBenchProcess(ctx, args, nil, prefix, logPath)
	if err != nil {
		return nil, err
	}
	if err := waitReadyz(ctx, s.base, 60*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w%s", err, logTail(logPath))
	}
	return s, nil
}

// startBenchProcess is startBenchChild without the wait for /readyz (for
// `amplive store`, whose "base" is its MongoDB URI), with extra environment
// variables (KEY=value, AMPLIVE_* ones too). Its stderr is appended to
// logPath, so that a restarted child adds to the same file.
func startBenchProcess(ctx context.Context, args, env []string, prefix, logPath string) (*benchServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: find the amplive executable: %w", err)
	}
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(exe, args...)
	cmd.Env = append(childEnv(os.Environ()), env...)
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s %s: %w", exe, strings.Join(args, " "), err)
	}
	s := &benchServer{pid: cmd.Process.Pid, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				select {
				case found <- strings.TrimSpace(rest):
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	select {
	case s.base = <-found:
	case <-s.exited:
		return nil, fmt.Errorf("bench: the server exited before listening (%v)%s", s.waitErr, logTail(logPath))
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("bench: the server did not listen within 2 minutes%s", logTail(logPath))
	}
	return s, nil
}

// childEnv drops AMPLIVE_* variables from env.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AMPLIVE_") {
			out = append(out, kv)
		}
	}
	return out
}

// stop ends the child with SIGTERM (its graceful shutdown), then SIGKILL
// after benchStopTimeout. It returns the child's exit error, if any.
func (s *benchServer) stop() error {
	if s == nil || s.cmd == nil {
		return nil
	}
	select {
	case <-s.exited:
		return s.waitErr
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(benchStopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("bench: the server did not stop within %s and was killed", benchStopTimeout)
	}
}

// running reports whether the child is still alive (always true for --url,
// and when there is no server).
func (s *benchServer) running() bool {
	if s == nil || s.cmd == nil {
		return true
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// logTail is the end of a child's log, for error messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\nserver log (" + path + "), last lines:\n" + string(b)
}

// waitReadyz polls base/readyz until it answers 200.
func waitReadyz(ctx context.Context, base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %s/readyz not ready within %s", base, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rssBytes reads a process's resident set size (VmRSS) or its peak
// (VmHWM) from /proc/PID/status: Linux only; ok is false elsewhere.
func rssBytes(pid int, field string) (int64, bool) {
	if pid <= 0 || runtime.GOOS != "linux" {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest) // "123456 kB"
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb << 10, true
				}
			}
		}
	}
	return 0, false
}

// promSnapshot is a scrape of /metrics: each metric name with the sum of
// its samples over all label sets, and each labelled sample under its name
// and labels as exposed (`amplive_events_total{result="applied"}`). nil
// means /metrics was not available.
type promSnapshot map[string]float64

// Metrics the bench reads from the server's /metrics.
const (
	metricStoreReads      = "amplive_store_reads_total"
	metricCacheHits       = "amplive_cache_hits_total"
	metricCacheMisses     = "amplive_cache_misses_total"
	metricRSS             = "process_resident_memory_bytes"
	metricFallbacks       = "amplive_fallbacks_total"
	metricEventsApplied   = `amplive_events_total{result="applied"}`
	metricEventsDuplicate = `amplive_events_total{result="duplicate"}`
)

// scrapeMetrics GETs base/metrics (with the demo admin key, in case it is
// protected) and parses the Prometheus text format; nil when the endpoint
// is absent, refuses or does not answer within 5 s.
func scrapeMetrics(ctx context.Context, base string) promSnapshot {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+demoAdminKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil
	}
	return parsePromText(res.Body)
}

// parsePromText sums the samples of each metric name in a Prometheus text
// exposition ("name{labels} value [timestamp]") and keeps each labelled
// sample under "name{labels}" as well; comments and unparsable lines are
// skipped.
func parsePromText(r io.Reader) promSnapshot {
	out := promSnapshot{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, labels := line, "", ""
		if i := strings.IndexAny(line, "{ \t"); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if strings.HasPrefix(rest, "{") {
			j := strings.LastIndexByte(rest, '}')
			if j < 0 {
				continue
			}
			labels, rest = rest[:j+1], rest[j+1:]
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		out[name] += v
		if labels != "" {
			out[name+labels] += v
		}
	}
	return out
}

// get returns a metric's value, and whether the scrape had it.
func (p promSnapshot) get(name string) (float64, bool) {
	if p == nil {
		return 0, false
	}
	v, ok := p[name]
	return v, ok
}

// loopbackURL checks that raw is an http(s) URL whose host is localhost
// or a loopback address, and returns it without a trailing slash.
func loopbackURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageError{fmt.Sprintf("--url %q: want a base URL such as http://127.0.0.1:8080", raw)}
	}
	if !amp.IsLoopbackHost(u.Hostname()) {
		return "", usageError{fmt.Sprintf("--url %q: the bench only loads loopback servers (localhost, 127.0.0.0/8, ::1)", raw)}
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

// capturedResponse is one real answer of amplive, replayed byte for byte
// by the bare handler.
type capturedResponse struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// captureResponse makes one request of target and records the answer.
func captureResponse(ctx context.Context, client *http.Client, method, target string, header http.Header) (capturedResponse, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return capturedResponse{}, err
	}
	req.Header = header.Clone()
	res, err := client.Do(req)
	if err != nil {
		return capturedResponse{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return capturedResponse{}, err
	}
	h := res.Header.Clone()
	h.Del("Date")           // net/http writes its own
	h.Del("Content-Length") // and this one
	return capturedResponse{Status: res.StatusCode, Header: h, Body: body}, nil
}

// bareHandler answers every request with the captured response.
func bareHandler(c capturedResponse) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range c.Header {
			h[k] = v
		}
		h.Set("Content-Length", strconv.Itoa(len(c.Body)))
		w.WriteHeader(c.Status)
		_, _ = w.Write(c.Body)
	})
}

// runBenchBare is `amplive bench __bare FILE`: the side-by-side baseline. It
// serves the response captured in FILE (JSON, see capturedResponse) from a
// bare net/http server with serve's timeouts on 127.0.0.1:0, prints
// bareListeningPrefix and its URL, and stops on SIGINT or SIGTERM.
func runBenchBare(ctx context.Context, args []string, e env) error {
	if len(args) != 1 {
		return usageError{"bench " + benchBareCommand + " needs the captured response file"}
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var c capturedResponse
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           bareHandler(c),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(e.stderr, nil), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(e.stdout, "%shttp://%s\n", bareListeningPrefix, ln.Addr())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// writeCaptured stores c as JSON in path.
func writeCaptured(path string, c capturedResponse) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// sameBytes reports whether two captured answers carry the same status,
// headers and body (for a sanity check of the bare handler).
func sameBytes(a, b capturedResponse) bool {
	if a.Status != b.Status || !bytes.Equal(a.Body, b.Body) || len(a.Header) != len(b.Header) {
		return false
	}
	for k, v := range a.Header {
		if strings.Join(v, "\n") != strings.Join(b.Header[k], "\n") {
			return false
		}
	}
	return true
}

// clockTicks is USER_HZ, the unit of /proc CPU times: 100 on Linux.
const clockTicks = 100

// cpuSample is CPU time in seconds at one moment, from /proc (Linux):
// the server's (a child's), the bench's own, and the whole machine's
// busy and total time (all CPUs). ok is false where /proc is missing.
type cpuSample struct {
	server, self, busy, total float64
	ok, serverOK              bool
}

// readCPU samples the CPU times of process pid (0: none), this process
// and the machine.
func readCPU(pid int) cpuSample {
	var s cpuSample
	if runtime.GOOS != "linux" {
		return s
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		return s
	}
	for i, v := range f[1:9] {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return s
		}
		s.total += n
		if i != 3 && i != 4 { // idle, iowait
			s.busy += n
		}
	}
	s.total /= clockTicks
	s.busy /= clockTicks
	var ok bool
	if s.self, ok = procCPU("self"); !ok {
		return s
	}
	s.ok = true
	if pid > 0 {
		s.server, s.serverOK = procCPU(strconv.Itoa(pid))
	}
	return s
}

// procCPU is utime + stime of /proc/<pid>/stat, in seconds.
func procCPU(pid string) (float64, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:])) // state is f[0], utime f[11], stime f[12]
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (u + st) / clockTicks, true
}
