package handlers_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive"
	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/handlers"
	"github.com/amplive/amplive/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testNow is the fixed clock of every handler test: the demo data is built
// as of this instant and the handlers see it as "now".
var testNow = time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)

const (
	allowedSender = "news@amplive.example"
	testIssuer    = "amplive-test"
)

// shared is the real embedded store, seeded with the demo data, that most
// tests use (read-only).
var shared *store.Store

func TestMain(m *testing.M) {
	flag.Parse()
	gin.SetMode(gin.TestMode)
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "amplive-handlers-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	st, _, stop, err := openSeeded(ctx, dir, store.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedded store:", err)
		return 1
	}
	defer stop()
	shared = st
	return m.Run()
}

// openSeeded starts an embedded store in dir, opens it with cfg and loads
// the demo data built as of testNow. stop closes both.
func openSeeded(ctx context.Context, dir string, cfg store.Config) (*store.Store, *store.Embedded, func(), error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	emb, err := store.StartEmbedded(ctx, dir, quiet)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg.MongoURI = emb.URI()
	cfg.Logger = quiet
	st, err := store.Open(ctx, cfg)
	if err != nil {
		_ = emb.Stop()
		return nil, nil, nil, err
	}
	d, err := store.DemoDataset(amplive.DemoData(), testNow)
	if err == nil {
		_, err = st.Seed(ctx, d, true)
	}
	stop := func() { _ = st.Close(context.Background()); _ = emb.Stop() }
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	return st, emb, stop, nil
}

// testKeys is the signing keyring of the tests: kid "k1" signs, "k0" verifies.
func testKeys(t testing.TB) *amp.Keyring {
	t.Helper()
	k, err := amp.ParseKeys("k1:" + b64Secret('1') + ", k0:" + b64Secret('0'))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newHandler builds the real handler over st with the test keys, clock and
// a sender list written with stray whitespace, as operators do.
func newHandler(t testing.TB, st handlers.Store) http.Handler {
	t.Helper()
	return newHandlerLogging(t, st, io.Discard)
}

// newHandlerLogging is newHandler with its JSON logs written to logs.
func newHandlerLogging(t testing.TB, st handlers.Store, logs io.Writer) http.Handler {
	t.Helper()
	policy, err := amp.NewCORSPolicy(amp.ParseList(" news@amplive.example ,  *@shop.example,amp@gmail.dev "), []string{"https://mail.yahoo.com"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Deps{
		Store:  st,
		Tokens: amp.NewVerifier(testKeys(t), testIssuer, amp.DefaultLeeway, func() time.Time { return testNow }),
		CORS:   policy,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Now:    func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// mint signs a token as of testNow.
func mint(t testing.TB, sub, campaign string) string {
	t.Helper()
	tok, err := testKeys(t).Sign(amp.TokenSpec{Subject: sub, Campaign: campaign, Now: testNow}, testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// get sends a GET through h with a v2 sender header unless hdr says otherwise.
func get(t testing.TB, h http.Handler, path string, query url.Values, hdr http.Header) *httptest.ResponseRecorder {
	t.Helper()
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if hdr == nil {
		hdr = http.Header{amp.HeaderEmailSender: {allowedSender}}
	}
	for k, vs := range hdr {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// golden compares got with testdata/golden/<name>, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./handlers -update)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (run go test ./handlers -update to accept):\ngot:  %s\nwant: %s", name, got, want)
	}
}
