package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/handlers"
	"github.com/amplive/amplive/store"
)

const adminKey = "test-admin-key-0123456789"

var (
	webhookNew = strings.Repeat("n", 32)
	webhookOld = strings.Repeat("o", 32)
)

// newEventsHandler is newHandler over its own seeded store (events write),
// with webhook secrets (new first, old second) and an admin key.
func newEventsHandler(t *testing.T) (http.Handler, *store.Store) {
	t.Helper()
	st, _, stop, err := openSeeded(context.Background(), t.TempDir(), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	secrets, err := amp.ParseWebhookSecrets(webhookNew + "," + webhookOld)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := amp.NewCORSPolicy([]string{allowedSender}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Deps{
		Store:     st,
		Tokens:    amp.NewVerifier(testKeys(t), testIssuer, amp.DefaultLeeway, func() time.Time { return testNow }),
		CORS:      policy,
		Webhook:   secrets,
		AdminKeys: []string{adminKey},
		Logger:    quietLogger(),
		Now:       tickingClock(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, st
}

// tickingClock starts at testNow and moves one millisecond per reading, so
// writes made "now" one after another are ordered, as on a real clock.
func tickingClock() func() time.Time {
	var mu sync.Mutex
	n := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return testNow.Add(time.Duration(n) * time.Millisecond)
	}
}

// post sends body to /v1/events signed with secret at instant at ("" secret: unsigned).
func post(t *testing.T, h http.Handler, body, secret string, at time.Time) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		w, err := amp.ParseWebhookSecrets(secret)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(amp.SignatureHeader, w.Sign([]byte(body), at))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func cartOf(t *testing.T, h http.Handler, profile string) (count int64, skus []string) {
	t.Helper()
	w := get(t, h, "/v1/cart", url.Values{"t": {mint(t, profile, "")}}, nil)
	var b struct {
		Items []struct {
			SKU string `json:"sku"`
		} `json:"items"`
		Count int64 `json:"count"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("cart: %v: %s", err, w.Body)
	}
	for _, it := range b.Items {
		skus = append(skus, it.SKU)
	}
	return b.Count, skus
}

func cartEvent(id, profile string, at time.Time, skus ...string) string {
	var items []string
	for _, s := range skus {
		items = append(items, fmt.Sprintf(`{"sku":%q,"qty":1}`, s))
	}
	return fmt.Sprintf(`{"id":%q,"type":"cart_updated","profile_id":%q,"at":%q,"items":[%s]}`,
		id, profile, at.Format(time.RFC3339Nano), strings.Join(items, ","))
}

// TestEventSignatures: only a valid signature from a configured secret,
// within five minutes, writes anything.
func TestEventSignatures(t *testing.T) {
	h, _ := newEventsHandler(t)
	other := strings.Repeat("x", 32)
	cases := []struct {
		name     string
		secret   string
		signedAt time.Time
		alter    bool
		want     int
	}{
		{"no header", "", testNow, false, 401},
		{"wrong secret", other, testNow, false, 401},
		{"stale timestamp", webhookNew, testNow.Add(-6 * time.Minute), false, 401},
		{"future timestamp", webhookNew, testNow.Add(6 * time.Minute), false, 401},
		{"body altered after signing", webhookNew, testNow, true, 401},
		{"rotated (older) secret", webhookOld, testNow, false, 200},
		{"current secret", webhookNew, testNow, false, 200},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sku := "GGOEGAEJ163316"
			body := cartEvent(fmt.Sprintf("sig-%d", i), "sig-profile-"+fmt.Sprint(i), testNow.Add(-time.Minute), sku)
			req := httptest.NewRequest(http.MethodPost, "/v1/events", strings.NewReader(body))
			if tc.secret != "" {
				w, _ := amp.ParseWebhookSecrets(tc.secret)
				req.Header.Set(amp.SignatureHeader, w.Sign([]byte(body), tc.signedAt))
			}
			if tc.alter {
				req.Body = httpBody(strings.Replace(body, `"qty":1`, `"qty":9`, 1))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			n, _ := cartOf(t, h, "sig-profile-"+fmt.Sprint(i))
			if tc.want == 401 {
				assertErrorCode(t, w.Body.Bytes(), "signature_invalid")
				if n != 0 {
					t.Errorf("a refused event changed the cart (count %d)", n)
				}
			} else if n != 1 {
				t.Errorf("an accepted event did not change the cart (count %d)", n)
			}
		})
	}
}

func httpBody(s string) *readCloser { return &readCloser{strings.NewReader(s)} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// TestEventsChangeTheNextOpen: a signed event changes cart, profile and
// recommendations on the very next request, every time (read-your-writes).
func TestEventsChangeTheNextOpen(t *testing.T) {
	h, _ := newEventsHandler(t)
	skus := []string{"GGOEGAEJ163316", "GGCOGOAC101259", "GGOEAAEC172013"}
	for i := 0; i < 100; i++ {
		want := skus[:1+i%3]
		w := post(t, h, cartEvent(fmt.Sprintf("ryw-%d", i), "otto-7", testNow.Add(-time.Hour+time.Duration(i)*time.Second), want...), webhookNew, testNow)
		if w.Code != http.StatusOK {
			t.Fatalf("event %d: %d %s", i, w.Code, w.Body)
		}
		if n, _ := cartOf(t, h, "otto-7"); n != int64(len(want)) {
			t.Fatalf("iteration %d: cart count %d right after the event, want %d", i, n, len(want))
		}
	}
	// profile_updated shows on the next /v1/profile, also when the answer
	// was just served (and memoised) twice.
	for i := 0; i < 2; i++ {
		if w := get(t, h, "/v1/profile", url.Values{"t": {mint(t, "otto-7", "")}}, nil); strings.Contains(w.Body.String(), "Robin") {
			t.Fatalf("Robin before the event: %s", w.Body)
		}
	}
	body := fmt.Sprintf(`{"id":"pu-1","type":"profile_updated","profile_id":"otto-7","at":%q,"first_name":"Robin","loyalty":{"tier":"gold","points":77}}`,
		testNow.Add(-time.Minute).Format(time.RFC3339))
	if w := post(t, h, body, webhookNew, testNow); w.Code != http.StatusOK {
		t.Fatalf("profile_updated: %d %s", w.Code, w.Body)
	}
	w := get(t, h, "/v1/profile", url.Values{"t": {mint(t, "otto-7", "")}}, nil)
	if !strings.Contains(w.Body.String(), `"first_name":"Robin"`) || !strings.Contains(w.Body.String(), `"points":77`) {
		t.Errorf("profile after the event: %s", w.Body)
	}
	// A view of a Drinkware product makes it the top recommendation ("viewed"),
	// though the generic answer was served (and memoised) just before.
	for i := 0; i < 2; i++ {
		get(t, h, "/v1/recommendations", url.Values{"t": {mint(t, "new-reader", "")}}, nil)
	}
	view := fmt.Sprintf(`{"id":"view-1","type":"product_viewed","profile_id":"new-reader","at":%q,"sku":"GGPRGDHB106099"}`,
		testNow.Add(-time.Minute).Format(time.RFC3339))
	if w := post(t, h, view, webhookNew, testNow); w.Code != http.StatusOK {
		t.Fatalf("product_viewed: %d %s", w.Code, w.Body)
	}
	w = get(t, h, "/v1/recommendations", url.Values{"t": {mint(t, "new-reader", "")}}, nil)
	var recs struct {
		Items []struct{ SKU, Reason string } `json:"items"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &recs)
	if len(recs.Items) == 0 || recs.Items[0].Reason == "bestseller" {
		t.Errorf("recommendations after a view are still generic: %s", w.Body)
	}
}

// TestEventBatchRefusedWhole: one bad event refuses the batch; nothing written.
func TestEventBatchRefusedWhole(t *testing.T) {
	h, _ := newEventsHandler(t)
	at := testNow.Add(-time.Minute)
	good := cartEvent("whole-1", "whole-profile", at, "GGOEGAEJ163316")
	bad := `{"id":"whole-2","type":"cart_updated","profile_id":"whole-profile","at":"` + at.Format(time.RFC3339) + `","items":[{"sku":"GGOEGAEJ163316","qty":-2}]}`
	w := post(t, h, "["+good+","+bad+"]", webhookNew, testNow)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", w.Code, w.Body)
	}
	var body struct {
		Error struct {
			Code   string `json:"code"`
			Events []struct {
				Index   int    `json:"index"`
				Pointer string `json:"pointer"`
				Message string `json:"message"`
			} `json:"events"`
		} `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Error.Code != "invalid_events" || len(body.Error.Events) == 0 ||
		body.Error.Events[0].Index != 1 || body.Error.Events[0].Pointer != "/items/0/qty" {
		t.Errorf("422 body = %s", w.Body)
	}
	if n, _ := cartOf(t, h, "whole-profile"); n != 0 {
		t.Errorf("the good event of a refused batch was written (cart count %d)", n)
	}
	unknown := `{"id":"u-1","type":"teleported","profile_id":"x","at":"` + at.Format(time.RFC3339) + `"}`
	if w := post(t, h, unknown, webhookNew, testNow); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("unknown type: %d, want 422", w.Code)
	}
	huge := "[" + strings.Repeat(good+",", 9000) + good + "]"
	if w := post(t, h, huge, webhookNew, testNow); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("%d-byte body: %d, want 413", len(huge), w.Code)
	}
}

// TestEventDuplicates: a retried event is acknowledged, not applied again.
func TestEventDuplicates(t *testing.T) {
	h, _ := newEventsHandler(t)
	at := testNow.Add(-time.Minute).Format(time.RFC3339)
	order := `{"id":"dup-1","type":"order_placed","profile_id":"dup-profile","at":"` + at + `","order_id":"o-1","items":[{"sku":"GGOEGAEJ163316","qty":1,"price":16.00,"currency":"USD"}]}`
	for i, want := range []string{`{"applied":1,"duplicates":0}`, `{"applied":0,"duplicates":1}`} {
		w := post(t, h, order, webhookNew, testNow)
		if w.Code != http.StatusOK || w.Body.String() != want {
			t.Errorf("send %d: %d %s, want %s", i+1, w.Code, w.Body, want)
		}
	}
	w := post(t, h, "["+order+","+strings.Replace(order, "dup-1", "dup-2", 1)+"]", webhookNew, testNow)
	if w.Body.String() != `{"applied":1,"duplicates":1}` {
		t.Errorf("batch with one old id: %s", w.Body)
	}
}

// TestAdminProfile: the admin read needs the key and shows field times.
func TestAdminProfile(t *testing.T) {
	h, _ := newEventsHandler(t)
	body := fmt.Sprintf(`{"id":"adm-1","type":"profile_updated","profile_id":"otto-2","at":%q,"first_name":"Kim"}`,
		testNow.Add(-time.Minute).Format(time.RFC3339))
	if w := post(t, h, body, webhookNew, testNow); w.Code != http.StatusOK {
		t.Fatalf("event: %d %s", w.Code, w.Body)
	}
	cases := []struct {
		name, path, auth string
		want             int
	}{
		{"no key", "/v1/profiles/otto-2", "", 401},
		{"wrong key", "/v1/profiles/otto-2", "Bearer nope", 401},
		{"not bearer", "/v1/profiles/otto-2", "Basic " + adminKey, 401},
		{"unknown profile", "/v1/profiles/nobody", "Bearer " + adminKey, 404},
		{"ok", "/v1/profiles/otto-2", "Bearer " + adminKey, 200},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, w.Code, tc.want, w.Body)
			continue
		}
		if tc.want == 200 && (!strings.Contains(w.Body.String(), `"first_name":"Kim"`) || !strings.Contains(w.Body.String(), `"field_times":{`)) {
			t.Errorf("admin profile: %s", w.Body)
		}
	}
}

// TestEventsSchemaServed: the schema endpoint serves the bundled schema.
func TestEventsSchemaServed(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	w := get(t, h, "/v1/schemas/events.json", nil, http.Header{})
	var doc map[string]any
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &doc) != nil || !bytes.Contains(w.Body.Bytes(), []byte("cart_updated")) {
		t.Errorf("schema: %d %.200s", w.Code, w.Body)
	}
}
