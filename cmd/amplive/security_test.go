package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
)

// Security and limit checks against the real program: `amplive serve` with
// production-style secrets (no --demo), its logs in a buffer.

const (
	secSender     = "news@amplive.example"
	secAdminKey   = "adm-7Qw9-zX2v-Lp4r-Hs8k"
	secWebhook    = "whsec-4f1c9a7e2b8d6f3a0c5e9b1d7f2a4c6e"
	secProfile    = "cust-8c41f0"          // a profile the test creates with an event
	secEmail      = "jane.doe@example.com" // personal data sent in events and forms
	secSigningKey = "sec-signing-key-1 0123456789abcdef"
)

// secKeys is an AMPLIVE_SIGNING_KEYS spec "kid:base64(secret)".
func secKeys(kid, secret string) string {
	return kid + ":" + base64.StdEncoding.EncodeToString([]byte(secret))
}

// startServe runs `amplive serve` with args and the environment env until
// ctx ends; it returns the base URL once /readyz answers, the channel run's
// result arrives on, and the captured logs.
func startServe(t *testing.T, ctx context.Context, env map[string]string, args ...string) (string, chan error, *logBuffer) {
	t.Helper()
	out := &lineWriter{prefix: "amplive listening on ", found: make(chan string, 1)}
	logs := &logBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"amplive", "serve", "--addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, nil, out, logs)
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

// logBuffer collects a server's log output; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// stopServe cancels a server started by startServe and waits for run.
func stopServe(t *testing.T, cancel context.CancelFunc, done chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful shutdown within 15 s")
	}
}

// seededDir is a data directory with the demo data loaded by `amplive seed`.
func seededDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := run(context.Background(), []string{"amplive", "seed", "--demo", "--data-dir", dir, "--log-level", "warn"}, noEnv, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mintCLI mints a token with `amplive token` under AMPLIVE_SIGNING_KEYS=keys.
func mintCLI(t *testing.T, keys string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	env := map[string]string{"AMPLIVE_SIGNING_KEYS": keys}
	if err := run(context.Background(), append([]string{"amplive", "token"}, args...), func(k string) string { return env[k] }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out.String())
}

// httpCall sends one request and returns its status and body.
func httpCall(t *testing.T, method, u, body string, hdr http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeLogsKeepSecretsOut drives every route of the real program, with
// good and bad tokens, a wrong admin key, bad and good webhook signatures,
// actions and personal data (an email address, a profile id) in events and
// forms, then reads every log line at the default level: none may hold a
// token, an email address, a profile id, the admin key, the webhook secret
// or the signing secret.
func TestServeLogsKeepSecretsOut(t *testing.T) {
	t.Parallel()
	dir := seededDir(t)
	keys := secKeys("k1", secSigningKey)
	env := map[string]string{
		"AMPLIVE_SIGNING_KEYS": keys, "AMPLIVE_ADMIN_KEYS": secAdminKey, "AMPLIVE_WEBHOOK_SECRETS": secWebhook,
		"AMPLIVE_ALLOWED_SENDERS": secSender, "AMPLIVE_PPROF": "1", "AMPLIVE_DATA_DIR": dir,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, logs := startServe(t, ctx, env)

	good := mintCLI(t, keys, "--sub", "otto-3", "--campaign", "demo-sale")
	mine := mintCLI(t, keys, "--sub", secProfile, "--campaign", "demo-sale")
	ring, err := amp.ParseKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := ring.Sign(amp.TokenSpec{Subject: "otto-4", Now: time.Now().Add(-60 * 24 * time.Hour)}, "")
	if err != nil {
		t.Fatal(err)
	}
	foreign := mintCLI(t, secKeys("k1", "another signing key, 32 bytes or more"), "--sub", "otto-5")
	tampered := good[:len(good)-4] + "AAAA"
	tokens := []string{good, mine, expired, foreign, tampered}

	sender := http.Header{"AMP-Email-Sender": {secSender}}
	form := http.Header{"AMP-Email-Sender": {secSender}, "Content-Type": {"application/x-www-form-urlencoded"}}
	wrongAdmin := "adm-0000-wrong-key-guess"
	webhook, err := amp.ParseWebhookSecrets(secWebhook)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	event := `{"id":"sec-1","type":"profile_updated","profile_id":"` + secProfile + `","at":"` + now.Add(-time.Minute).UTC().Format(time.RFC3339) +
		`","first_name":"Jane","attributes":{"email":"` + secEmail + `"}}`
	goodSig := webhook.Sign([]byte(event), now)
	signatures := []string{goodSig, webhook.Sign([]byte(event), now.Add(-time.Hour)), "t=1,v1=" + strings.Repeat("ab", 32), "garbage"}

	type req struct {
		method, path, body string
		hdr                http.Header
	}
	var reqs []req
	for _, tok := range tokens {
		q := "?t=" + url.QueryEscape(tok)
		for _, p := range []string{"/v1/recommendations", "/v1/cart", "/v1/profile", "/v1/countdown/demo-sale", "/v1/countdown/demo-sale.gif", "/v1/countdown/demo-sale.png"} {
			reqs = append(reqs, req{"GET", p + q, "", sender})
		}
		for p, body := range map[string]string{
			"/v1/actions/more":        "page=2",
			"/v1/actions/notify":      "sku=GGOEGAEJ163316",
			"/v1/actions/offer":       "",
			"/v1/actions/preferences": "topics=" + url.QueryEscape(secEmail) + "&frequency=weekly",
			"/v1/actions/rate":        "question=contact&value=" + url.QueryEscape(secEmail),
		} {
			reqs = append(reqs, req{"POST", p + q, body, form})
		}
		reqs = append(reqs, req{"POST", "/v1/actions/preferences" + q, "topics=apparel&frequency=weekly", form},
			req{"GET", "/v1/cart&t=" + tok, "", sender}, // mistyped: the token in the path
			req{"GET", "/v1/profiles/otto-3", "", http.Header{"Authorization": {"Bearer " + tok}}},
		)
	}
	for _, sig := range signatures {
		reqs = append(reqs, req{"POST", "/v1/events", event, http.Header{amp.SignatureHeader: {sig}, "Content-Type": {"application/json"}}})
	}
	for _, key := range []string{secAdminKey, wrongAdmin} {
		h := http.Header{"Authorization": {"Bearer " + key}}
		reqs = append(reqs,
			req{"GET", "/v1/profiles/" + secProfile, "", h},
			req{"GET", "/v1/profiles/otto-3", "", h},
			req{"PUT", "/v1/campaigns/sec-sale", `{"name":"Sale for ` + secEmail + `","ends_at":"2030-01-01T00:00:00Z"}`, h},
			req{"GET", "/v1/snippets/recommendations?esp=generic&base_url=https://live.example.com", "", h},
			req{"POST", "/v1/validate", "<html ⚡4email><body>" + secEmail + "</body></html>", h},
			req{"GET", "/debug/pprof/", "", h},
		)
	}
	reqs = append(reqs,
		req{"GET", "/healthz", "", nil}, req{"GET", "/readyz", "", nil}, req{"GET", "/metrics", "", nil},
		req{"GET", "/v1/schemas/events.json", "", nil},
		req{"GET", "/v1/recommendations", "", sender},                                                                 // no token
		req{"GET", "/v1/recommendations?t=" + url.QueryEscape(good), "", http.Header{"AMP-Email-Sender": {secEmail}}}, // a sender not allowed
		req{"GET", "/v1/nope/" + secProfile + "?email=" + url.QueryEscape(secEmail), "", sender},
		req{"GET", "/v1/countdown/" + secProfile + "?t=" + url.QueryEscape(good), "", sender},
	)
	statuses := map[int]int{}
	for _, r := range reqs {
		code, body := httpCall(t, r.method, base+r.path, r.body, r.hdr)
		statuses[code]++
		if r.path == "/v1/events" && r.hdr.Get(amp.SignatureHeader) == goodSig && code != http.StatusOK {
			t.Fatalf("the signed event was refused: %d %s", code, body)
		}
	}
	stopServe(t, cancel, done)
	if statuses[200] == 0 || statuses[401] == 0 || statuses[422] == 0 || statuses[404] == 0 || statuses[403] == 0 {
		t.Errorf("the requests did not reach every kind of answer: %v", statuses)
	}

	secrets := map[string]string{"admin key": secAdminKey, "wrong admin key": wrongAdmin, "webhook secret": secWebhook,
		"signing secret": secSigningKey, "signing secret (base64)": strings.TrimPrefix(keys, "k1:"),
		"profile id": secProfile, "demo profile id": "otto-3", "email address": secEmail}
	for i, tok := range tokens {
		secrets[fmt.Sprintf("token %d", i)] = tok
		if parts := strings.Split(tok, "."); len(parts) == 3 {
			secrets[fmt.Sprintf("token %d's payload", i)] = parts[1]
			secrets[fmt.Sprintf("token %d's signature", i)] = parts[2]
		}
	}
	for i, sig := range signatures[:2] {
		secrets[fmt.Sprintf("webhook signature %d", i)] = sig[strings.Index(sig, "v1=")+3:]
	}
	emailRE := regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+`)
	lines, routes := 0, map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		lines++
		var rec struct {
			Route string `json:"route"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line is not JSON: %s", line)
		}
		routes[rec.Route] = true
		for what, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("a log line holds the %s: %s", what, line)
			}
		}
		if m := emailRE.FindString(line); m != "" {
			t.Errorf("a log line holds an email address (%s): %s", m, line)
		}
	}
	for _, want := range []string{"/v1/recommendations", "/v1/events", "/v1/profiles/:id", "/v1/actions/preferences", "/debug/pprof/", "unmatched"} {
		if !routes[want] {
			t.Errorf("no access log line for %s: the capture missed the logs (%d lines)", want, lines)
		}
	}
}

// TestSigningKeyRotationDrill is README's rotation drill (Tokens) with the
// real program, restarted at each step as an operator would:
//  1. k1 signs; a k1 token opens.
//  2. AMPLIVE_SIGNING_KEYS=k2:…,k1:…: new tokens carry kid k2; k1 and k2 tokens both open.
//  3. AMPLIVE_SIGNING_KEYS=k2:… (k1 retired): k2 tokens open, k1 tokens get 401 token_invalid.
//
// A restart also clears the verifier's memory of verified tokens
// (amp.Verifier), which would otherwise keep a retired key's tokens valid
// in that process until they expire.
func TestSigningKeyRotationDrill(t *testing.T) {
	t.Parallel()
	dir := seededDir(t)
	k1 := secKeys("k1", "rotation drill key one, 32 bytes or more")
	k2 := secKeys("k2", "rotation drill key two, 32 bytes or more")
	opens := func(base, tok string) (int, string) {
		code, body := httpCall(t, "GET", base+"/v1/profile?t="+url.QueryEscape(tok), "", http.Header{"AMP-Email-Sender": {secSender}})
		var e struct{ Error struct{ Code string } }
		_ = json.Unmarshal([]byte(body), &e)
		return code, e.Error.Code
	}
	kidOf := func(tok string) string {
		h, _ := base64.RawURLEncoding.DecodeString(strings.SplitN(tok, ".", 2)[0])
		var hdr struct{ Kid string }
		_ = json.Unmarshal(h, &hdr)
		return hdr.Kid
	}
	serveWith := func(keys string) (string, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		base, done, _ := startServe(t, ctx, map[string]string{"AMPLIVE_SIGNING_KEYS": keys, "AMPLIVE_ALLOWED_SENDERS": secSender, "AMPLIVE_DATA_DIR": dir})
		return base, func() { stopServe(t, cancel, done) }
	}

	// 1. k1 alone.
	base, stop := serveWith(k1)
	old := mintCLI(t, k1, "--sub", "otto-3")
	if code, _ := opens(base, old); code != http.StatusOK || kidOf(old) != "k1" {
		t.Fatalf("step 1: a k1 token (kid %q): %d", kidOf(old), code)
	}
	stop()

	// 2. k2 added in front: it signs, both verify.
	base, stop = serveWith(k2 + "," + k1)
	fresh := mintCLI(t, k2+","+k1, "--sub", "otto-3")
	if kidOf(fresh) != "k2" {
		t.Errorf("step 2: a new token has kid %q, want k2 (the first key signs)", kidOf(fresh))
	}
	for name, tok := range map[string]string{"k1": old, "k2": fresh} {
		if code, _ := opens(base, tok); code != http.StatusOK {
			t.Errorf("step 2: the %s token: %d, want 200", name, code)
		}
	}
	stop()

	// 3. k1 retired.
	base, stop = serveWith(k2)
	if code, _ := opens(base, fresh); code != http.StatusOK {
		t.Errorf("step 3: the k2 token: %d, want 200", code)
	}
	if code, ecode := opens(base, old); code != http.StatusUnauthorized || ecode != "token_invalid" {
		t.Errorf("step 3: the retired k1 token: %d %s, want 401 token_invalid", code, ecode)
	}
	stop()
}

// TestServeLimits: the limits are settings of the real program. A request
// whose headers pass AMPLIVE_MAX_HEADER_BYTES gets 431; a client that does
// not finish its headers within AMPLIVE_READ_HEADER_TIMEOUT is
// disconnected; bad values are usage errors.
func TestServeLimits(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := filepath.Join(t.TempDir(), "data")
	base, done, _ := startServe(t, ctx, map[string]string{"AMPLIVE_MAX_HEADER_BYTES": "16384", "AMPLIVE_READ_HEADER_TIMEOUT": "300ms"},
		"--demo", "--data-dir", dir)

	// Headers over the limit (Go allows 4 KiB of slack above it): 431.
	if code, _ := httpCall(t, "GET", base+"/healthz", "", http.Header{"X-Big": {strings.Repeat("a", 24<<10)}}); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("24 KiB of headers: %d, want 431", code)
	}
	// A token of the longest size Verify reads still passes the limit.
	if code, body := httpCall(t, "GET", base+"/v1/profile?t="+strings.Repeat("a", amp.MaxTokenBytes), "", http.Header{"AMP-Email-Sender": {secSender}}); code != http.StatusUnauthorized {
		t.Errorf("a 4 KiB token: %d %s, want 401 (read, then refused)", code, body)
	}

	// A slow client: half a request line, then nothing. The server hangs up
	// after the read-header timeout; the 30 s deadline only stops a hang.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, err := conn.Read(make([]byte, 1024))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("a client that never finished its headers was still connected after 30 s")
	} else if err == nil {
		t.Logf("the server answered %d bytes before closing", n) // Go may send 408 first
	}
	stopServe(t, cancel, done)

	for _, tc := range []struct{ env, value string }{
		{"AMPLIVE_MAX_INFLIGHT", "0"}, {"AMPLIVE_MAX_INFLIGHT", "many"}, {"AMPLIVE_MAX_HEADER_BYTES", "1024"},
		{"AMPLIVE_READ_HEADER_TIMEOUT", "soon"}, {"AMPLIVE_READ_TIMEOUT", "-1s"}, {"AMPLIVE_WRITE_TIMEOUT", "0s"}, {"AMPLIVE_IDLE_TIMEOUT", "x"},
	} {
		// A cancelled context: were the value let through, run would stop
		// at once instead of serving.
		done, stop := context.WithCancel(context.Background())
		stop()
		err := run(done, []string{"amplive", "serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "bad")}, func(k string) string {
			if k == tc.env {
				return tc.value
			}
			return ""
		}, nil, io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.env) {
			t.Errorf("%s=%s: %v, want a usage error naming it", tc.env, tc.value, err)
		}
	}
}

// TestMemoryLimit: --memory-limit-mb sets the runtime's soft limit unless
// GOMEMLIMIT is set or it is 0; bad values are usage errors naming it.
func TestMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	if got := applyMemoryLimit(192, noEnv); got != 192<<20 {
		t.Errorf("limit %d, want 192 MiB", got)
	}
	debug.SetMemoryLimit(before)
	withGOMEMLIMIT := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	}
	if got := applyMemoryLimit(192, withGOMEMLIMIT); got != before {
		t.Errorf("GOMEMLIMIT set: limit changed to %d", got)
	}
	if got := applyMemoryLimit(0, noEnv); got != before {
		t.Errorf("0: limit changed to %d", got)
	}
	for _, bad := range []string{"-1", "lots", "1.5"} {
		err := run(context.Background(), []string{"amplive", "serve", "--demo", "--memory-limit-mb", bad, "--data-dir", t.TempDir()}, noEnv, nil, io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "memory-limit-mb") {
			t.Errorf("%q: %v, want a usage error naming the setting", bad, err)
		}
	}
}
