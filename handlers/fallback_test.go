package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/amplive/amplive/store"
)

// TestStoreDown: with the store stopped, opens still get 200 answers, marked
// "fallback": the last good copy of a profile, or generic content.
func TestStoreDown(t *testing.T) {
	ctx := context.Background()
	st, emb, stop, err := openSeeded(ctx, t.TempDir(), store.Config{ProfileTTL: 50 * time.Millisecond, Deadline: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	h := newHandler(t, st)
	known := url.Values{"t": {mint(t, "otto-3", "")}}
	unknown := url.Values{"t": {mint(t, "never-seen", "")}}

	w := get(t, h, "/v1/profile", known, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("warm-up: %d %s", w.Code, w.Body)
	}
	if err := emb.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond) // past ProfileTTL: the next read goes to the (dead) store

	var prof struct {
		Items struct {
			Known     bool   `json:"known"`
			FirstName string `json:"first_name"`
		} `json:"items"`
		Fallback bool `json:"fallback"`
	}
	w = get(t, h, "/v1/profile", known, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("profile with store down: %d %s", w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &prof); err != nil {
		t.Fatal(err)
	}
	if !prof.Fallback || !prof.Items.Known || prof.Items.FirstName != "Sam" {
		t.Errorf("want the last good copy marked fallback, got %s", w.Body)
	}

	var recs struct {
		Items []struct {
			Reason string `json:"reason"`
		} `json:"items"`
		Fallback bool `json:"fallback"`
	}
	w = get(t, h, "/v1/recommendations", unknown, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("recommendations with store down: %d %s", w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &recs); err != nil {
		t.Fatal(err)
	}
	if !recs.Fallback || len(recs.Items) == 0 || recs.Items[0].Reason != "bestseller" {
		t.Errorf("want bestsellers marked fallback, got %s", w.Body)
	}
	w = get(t, h, "/readyz", nil, http.Header{})
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with store down: %d, want 503", w.Code)
	}
	assertErrorCode(t, w.Body.Bytes(), "store_unavailable")
	if w = get(t, h, "/healthz", nil, http.Header{}); w.Code != http.StatusOK {
		t.Errorf("/healthz with store down: %d, want 200", w.Code)
	}
}
