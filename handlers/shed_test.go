package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/content"
	"github.com/amplive/amplive/handlers"
)

// blockingStore is the shared store, except that every read or write for a
// profile id starting with "block-" holds its request (and so its
// in-flight slot) until release is closed; entered gets one value per held
// request. Events are acknowledged without being written.
type blockingStore struct {
	handlers.Store
	entered chan string
	release chan struct{}
}

func (s *blockingStore) hold(id string) {
	if strings.HasPrefix(id, "block-") {
		s.entered <- id
		<-s.release
	}
}

func (s *blockingStore) ReadProfile(ctx context.Context, id string) content.ProfileRead {
	s.hold(id)
	return s.Store.ReadProfile(ctx, id)
}

func (s *blockingStore) LookupProfile(ctx context.Context, id string) (content.Profile, bool, error) {
	s.hold(id)
	return s.Store.LookupProfile(ctx, id)
}

func (s *blockingStore) Subscribe(_ context.Context, id, _ string) (bool, error) {
	s.hold(id)
	return true, nil
}

func (s *blockingStore) ApplyEvents(_ context.Context, evs []content.Event) (int, int, error) {
	return len(evs), 0, nil
}

// TestLoadShedding fills the in-flight budget class by class with requests
// held inside the store and checks who is shed: with MaxInflight 8, admin
// and event ingest are refused once 4 requests are in flight, actions once
// 6 are, live reads once 8 are — and probes never. No timing is involved:
// each held request has entered its handler (so holds its slot) before the
// next step.
func TestLoadShedding(t *testing.T) {
	t.Parallel()
	st := &blockingStore{Store: shared, entered: make(chan string, 16), release: make(chan struct{})}
	secrets, err := amp.ParseWebhookSecrets(webhookNew)
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Deps{
		Store: st, Tokens: amp.NewVerifier(testKeys(t), testIssuer, 0, func() time.Time { return testNow }),
		CORS: mustPolicy(t), Webhook: secrets, AdminKeys: []string{adminKey}, Logger: quietLogger(),
		Now: func() time.Time { return testNow }, MaxInflight: 8,
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := func(id string) *httptest.ResponseRecorder {
		return get(t, h, "/v1/profiles/"+id, nil, http.Header{"Authorization": {"Bearer " + adminKey}})
	}
	live := func(path, sub string) *httptest.ResponseRecorder {
		return get(t, h, path, url.Values{"t": {mint(t, sub, "demo-sale")}}, nil)
	}
	notify := func(sub string) *httptest.ResponseRecorder {
		return submit(t, h, "/v1/actions/notify", mint(t, sub, ""), url.Values{"sku": {"GGOEGAEJ163316"}}, false)
	}
	var wg sync.WaitGroup
	held := func(n int, send func(i int) *httptest.ResponseRecorder) {
		t.Helper()
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if w := send(i); w.Code == http.StatusServiceUnavailable {
					t.Errorf("a held request was shed once released: %s", w.Body)
				}
			}()
			<-st.entered
		}
	}
	shed := func(what string, w *httptest.ResponseRecorder, action bool) {
		t.Helper()
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d, Retry-After %q; want 503 with Retry-After", what, w.Code, w.Header().Get("Retry-After"))
			return
		}
		var b struct {
			OK    *bool `json:"ok"`
			Error struct{ Code string }
		}
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || b.Error.Code != "overloaded" || action != (b.OK != nil) {
			t.Errorf("%s: body %s, want error code overloaded (action shape %v)", what, w.Body, action)
		}
	}
	passes := func(what string, w *httptest.ResponseRecorder) {
		t.Helper()
		if w.Code != http.StatusOK {
			t.Errorf("%s: %d %s, want 200", what, w.Code, w.Body)
		}
	}
	probes := func() {
		t.Helper()
		passes("/healthz", get(t, h, "/healthz", nil, http.Header{}))
		passes("/metrics", get(t, h, "/metrics", nil, http.Header{}))
	}

	// 4 admin reads in flight: the bulk share (half of 8) is used up.
	held(4, func(i int) *httptest.ResponseRecorder { return admin("block-admin-" + string(rune('a'+i))) })
	shed("admin read", admin("otto-1"), false)
	event := cartEvent("shed-1", "otto-1", testNow.Add(-time.Minute), "GGOEGAEJ163316")
	shed("event batch", post(t, h, event, webhookNew, testNow), false)
	shed("events schema", get(t, h, "/v1/schemas/events.json", nil, http.Header{}), false)
	shed("unknown route", get(t, h, "/v1/nope", nil, nil), false)
	passes("action", submit(t, h, "/v1/actions/more", mint(t, "otto-3", ""), nil, false))
	passes("live read", live("/v1/recommendations", "otto-3"))
	probes()

	// 2 actions more: 6 in flight, the action share (three quarters) is used up.
	held(2, func(i int) *httptest.ResponseRecorder { return notify("block-action-" + string(rune('a'+i))) })
	w := submit(t, h, "/v1/actions/more", mint(t, "otto-3", ""), nil, false)
	shed("action", w, true)
	if w.Header().Get(amp.HeaderEmailAllowSender) != allowedSender {
		t.Error("a shed action has no AMP-Email-Allow-Sender: the email cannot read its submit-error")
	}
	passes("live read", live("/v1/cart", "otto-1"))
	passes("countdown", live("/v1/countdown/demo-sale", "otto-1"))

	// 2 live reads more: 8 in flight, everything but the probes is shed.
	held(2, func(i int) *httptest.ResponseRecorder { return live("/v1/profile", "block-live-"+string(rune('a'+i))) })
	w = live("/v1/profile", "otto-3")
	shed("live read", w, false)
	if w.Header().Get(amp.HeaderEmailAllowSender) != allowedSender || w.Header().Get("Cache-Control") != "private, no-store" {
		t.Errorf("a shed live read lacks its AMP or cache headers: %v", w.Header())
	}
	img := get(t, h, "/v1/countdown/demo-sale.gif", nil, http.Header{})
	if img.Code != http.StatusOK || img.Header().Get("Content-Type") != "image/gif" || img.Header().Get("Amplive-Image-Status") != "overloaded" {
		t.Errorf("shed countdown image: %d %q status %q; want the neutral GIF, 200", img.Code, img.Header().Get("Content-Type"), img.Header().Get("Amplive-Image-Status"))
	}
	probes()

	// Released, every held request completes and every class gets in again.
	close(st.release)
	wg.Wait()
	passes("admin read after release", admin("otto-1"))
	passes("event batch after release", post(t, h, event, webhookNew, testNow))
	passes("action after release", submit(t, h, "/v1/actions/more", mint(t, "otto-3", ""), nil, false))
	passes("live read after release", live("/v1/profile", "otto-3"))
}

// TestShedClasses pins the class of every route, so that a new or renamed
// route gets its priority by decision: a route missing here fails the test.
func TestShedClasses(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"/healthz": "exempt", "/readyz": "exempt", "/metrics": "exempt",
		"/v1/recommendations": "live", "/v1/cart": "live", "/v1/profile": "live", "/v1/countdown/:campaign": "live",
		"/v1/actions/more": "action", "/v1/actions/notify": "action", "/v1/actions/offer": "action",
		"/v1/actions/preferences": "action", "/v1/actions/rate": "action",
		"/v1/events": "bulk", "/v1/schemas/events.json": "bulk", "/v1/profiles/:id": "bulk",
		"/v1/campaigns/:id": "bulk", "/v1/snippets/:block": "bulk", "/v1/validate": "bulk",
		"": "bulk", // unknown routes
	}
	routes := allRoutes(t)
	seen := map[string]bool{"": true}
	for _, r := range routes {
		seen[r.Path] = true
		w, ok := want[r.Path]
		if strings.HasPrefix(r.Path, "/debug/pprof/") {
			w, ok = "bulk", true
		}
		if !ok {
			t.Errorf("%s %s: no shedding class decided in TestShedClasses", r.Method, r.Path)
			continue
		}
		if got := handlers.ShedClass(r.Path); got != w {
			t.Errorf("%s %s: class %s, want %s", r.Method, r.Path, got, w)
		}
	}
	for path := range want {
		if !seen[path] {
			t.Errorf("%s is no route any more: update shed.go and this test", path)
		}
	}
}

// allRoutes is every route of the engine, with pprof mounted.
func allRoutes(t *testing.T) []handlers.Route {
	t.Helper()
	routes, err := handlers.EngineRoutes(handlers.Deps{Store: shared, Tokens: amp.NewVerifier(testKeys(t), testIssuer, 0, nil),
		CORS: mustPolicy(t), AdminKeys: []string{adminKey}, Logger: quietLogger(), Pprof: true})
	if err != nil {
		t.Fatal(err)
	}
	return routes
}
