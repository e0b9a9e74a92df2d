package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineWriter collects output and reports the first line starting with prefix.
type lineWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	prefix string
	found  chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for _, line := range strings.Split(w.buf.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, w.prefix); ok && strings.HasSuffix(w.buf.String(), "\n") {
			select {
			case w.found <- strings.TrimSpace(rest):
			default:
			}
		}
	}
	return len(p), nil
}

func noEnv(string) string { return "" }

// startDemoServer runs `amplive serve --demo` on a free loopback port with
// its data in dataDir until ctx ends; it returns the base URL once /readyz
// answers, the channel run's result arrives on, and the captured logs.
func startDemoServer(t *testing.T, ctx context.Context, dataDir string) (string, chan error, *bytes.Buffer) {
	t.Helper()
	out := &lineWriter{prefix: "amplive listening on ", found: make(chan string, 1)}
	logs := &bytes.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"amplive", "serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, noEnv, nil, out, &syncWriter{w: logs})
	}()
	var base string
	select {
	case base = <-out.found:
	case err := <-done:
		t.Fatalf("run returned early: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start within 60 s")
	}
	waitReady(t, base+"/readyz")
	return base, done, logs
}

// TestRunServeEndToEnd starts the real program on :0 with the embedded store
// and demo data, mints a token with the token command, fetches
// recommendations as Gmail would, then shuts down on context cancel.
func TestRunServeEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dataDir := filepath.Join(t.TempDir(), "data")
	base, done, logs := startDemoServer(t, ctx, dataDir)

	var tok bytes.Buffer
	if err := run(ctx, []string{"amplive", "token", "--demo", "--sub", "otto-3"}, noEnv, nil, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/recommendations?t="+strings.TrimSpace(tok.String()), nil)
	req.Header.Set("AMP-Email-Sender", "news@amplive.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Items []struct {
			SKU, Reason string
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || len(body.Items) != 8 {
		t.Fatalf("status %d, %d items", res.StatusCode, len(body.Items))
	}
	if got := res.Header.Get("AMP-Email-Allow-Sender"); got != "news@amplive.example" {
		t.Errorf("AMP-Email-Allow-Sender = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "amplive.sqlite")); err != nil {
		t.Errorf("embedded store file: %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful shutdown within 15 s")
	}
	for _, secret := range []string{strings.TrimSpace(tok.String()), "otto-3"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready", url)
}

// TestRunUsage: command-line mistakes are usage errors with clear text.
func TestRunUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no command", []string{"amplive"}, nil, "no command"},
		{"unknown command", []string{"amplive", "dance"}, nil, `unknown command "dance"`},
		{"serve without keys", []string{"amplive", "serve"}, nil, "AMPLIVE_SIGNING_KEYS"},
		{"serve with a short key", []string{"amplive", "serve"}, map[string]string{"AMPLIVE_SIGNING_KEYS": "k1:c2hvcnQ="}, "--signing-keys"},
		{"serve without senders", []string{"amplive", "serve", "--signing-keys", "k1:" + strings.Repeat("QUFB", 11)}, nil, "AMPLIVE_ALLOWED_SENDERS"},
		{"bad duration", []string{"amplive", "serve", "--demo", "--profile-ttl", "soon"}, nil, "--profile-ttl"},
		{"seed without --demo", []string{"amplive", "seed"}, nil, "--demo"},
		{"AMPLIVE_DEMO not a boolean", []string{"amplive", "serve"}, map[string]string{"AMPLIVE_DEMO": "yes"}, "AMPLIVE_DEMO"},
		{"token without key", []string{"amplive", "token", "--sub", "x"}, nil, "AMPLIVE_SIGNING_KEYS"},
		{"token csv without column", []string{"amplive", "token", "--demo", "--csv", "x.csv"}, nil, "--id-column"},
		{"token both modes", []string{"amplive", "token", "--demo", "--csv", "x.csv", "--sub", "a", "--id-column", "id"}, nil, "either --sub or --csv"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string { return tc.env[k] }
			err := run(context.Background(), tc.args, getenv, nil, io.Discard, io.Discard)
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want a usage error mentioning %q", err, tc.want)
			}
		})
	}
}
