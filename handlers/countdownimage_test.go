package handlers_test

import (
	"bytes"
	"image/gif"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/content"
	"github.com/amplive/amplive/handlers"
)

func getImage(t *testing.T, h http.Handler, path string, q url.Values) *httptest.ResponseRecorder {
	t.Helper()
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

// TestCountdownImages: the GIF is the countdown as of the request (the same
// bytes content renders for the remaining seconds), with no-cache headers;
// failures still get 200 and an image, saying why in a header.
func TestCountdownImages(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	camp, ok := shared.Campaign("demo-sale")
	if !ok {
		t.Fatal("no demo-sale campaign")
	}
	remaining := int64(camp.EndsAt.Sub(testNow) / time.Second)
	want, err := content.RenderCountdownGIF(content.CountdownStyle{ExpiredText: camp.ExpiredText}, remaining, 60)
	if err != nil {
		t.Fatal(err)
	}
	w := getImage(t, h, "/v1/countdown/demo-sale.gif", nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/gif" {
		t.Fatalf("status %d, type %q", w.Code, w.Header().Get("Content-Type"))
	}
	for k, v := range map[string]string{"Cache-Control": "no-store, no-cache, must-revalidate, max-age=0", "Pragma": "no-cache", "Expires": "0"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !bytes.Equal(w.Body.Bytes(), want) {
		t.Error("the GIF differs from the countdown rendered for the remaining time at the request")
	}
	g, err := gif.DecodeAll(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 60 || g.LoopCount != 0 || g.Delay[0] != 100 {
		t.Errorf("frames %d, loop %d, delay %d; want 60, 0, 100", len(g.Image), g.LoopCount, g.Delay[0])
	}
	if p := getImage(t, h, "/v1/countdown/demo-sale.png", nil); p.Code != 200 || p.Header().Get("Content-Type") != "image/png" {
		t.Errorf("png: %d %q", p.Code, p.Header().Get("Content-Type"))
	} else if _, err := png.Decode(bytes.NewReader(p.Body.Bytes())); err != nil {
		t.Errorf("png does not decode: %v", err)
	}

	// An evergreen token counts down to its own deadline.
	tok, _ := testKeys(t).Sign(amp.TokenSpec{Subject: "otto-1", Campaign: "demo-sale", Now: testNow, End: testNow.Add(90 * time.Second)}, testIssuer)
	ever := getImage(t, h, "/v1/countdown/demo-sale.gif", url.Values{"t": {tok}})
	wantEver, _ := content.RenderCountdownGIF(content.CountdownStyle{ExpiredText: camp.ExpiredText}, 90, 60)
	if !bytes.Equal(ever.Body.Bytes(), wantEver) {
		t.Error("evergreen GIF is not the 90-second countdown")
	}

	neutral := []struct{ name, path, token, reason string }{
		{"unknown campaign", "/v1/countdown/nope.gif", "", "campaign_not_found"},
		{"bad token", "/v1/countdown/demo-sale.gif", "garbage", "token_invalid"},
		{"other campaign's token", "/v1/countdown/demo-sale.png", mint(t, "otto-1", "other"), "token_invalid"},
		{"unknown image kind", "/v1/countdown/demo-sale.jpg", "", "not_found"},
	}
	for _, tc := range neutral {
		q := url.Values{}
		if tc.token != "" {
			q.Set("t", tc.token)
		}
		w := getImage(t, h, tc.path, q)
		if w.Code != http.StatusOK || w.Header().Get("Amplive-Image-Status") != tc.reason || w.Body.Len() == 0 {
			t.Errorf("%s: %d, status %q, %d bytes; want 200 %q with an image", tc.name, w.Code, w.Header().Get("Amplive-Image-Status"), w.Body.Len(), tc.reason)
		}
	}
}

// TestCountdownImageRendersOncePerSecond: 200 opens of one campaign in the
// same second render one GIF.
func TestCountdownImageRendersOncePerSecond(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	var wg sync.WaitGroup
	var mu sync.Mutex
	misses := 0
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := getImage(t, h, "/v1/countdown/demo-sale.gif", nil)
			if w.Code != http.StatusOK {
				t.Errorf("status %d", w.Code)
			}
			if w.Header().Get("Amplive-Image-Cache") == "miss" {
				mu.Lock()
				misses++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if misses != 1 {
		t.Errorf("%d renders for 200 requests in one second, want 1", misses)
	}
}

// TestCountdownImageRenderedAhead: once a campaign's image is hot (a second
// open in the same second), the next second's image is rendered ahead, so
// the first open of that second is a cache hit.
func TestCountdownImageRenderedAhead(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := testNow.Add(500 * time.Millisecond)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	policy, _ := amp.NewCORSPolicy([]string{allowedSender}, nil)
	h, err := handlers.New(handlers.Deps{Store: shared, Tokens: amp.NewVerifier(testKeys(t), testIssuer, 0, now),
		CORS: policy, Logger: quietLogger(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"miss", "hit"} {
		if got := getImage(t, h, "/v1/countdown/demo-sale.gif", nil).Header().Get("Amplive-Image-Cache"); got != want {
			t.Fatalf("open %d: %q, want %q", i+1, got, want)
		}
	}
	mu.Lock()
	clock = clock.Add(time.Second)
	mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := getImage(t, h, "/v1/countdown/demo-sale.gif", nil).Header().Get("Amplive-Image-Cache")
		if got == "hit" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the next second's image was not rendered ahead")
		}
		// The look-ahead render runs in the background; a miss here means
		// this open rendered it first. Move to the following second and
		// try again with a fresh look-ahead.
		getImage(t, h, "/v1/countdown/demo-sale.gif", nil) // hot again → renders the next one ahead
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		clock = clock.Add(time.Second)
		mu.Unlock()
	}
}

// TestCountdownImageFollowsEdits: editing an ended campaign's after-text
// changes its image at once (the cache key covers the look), and a dotted
// path that is not an image is the JSON route.
func TestCountdownImageFollowsEdits(t *testing.T) {
	h, _ := newEventsHandler(t)
	bearer := "Bearer " + adminKey
	if w := putCampaign(t, h, "gone", `{"ends_at":"2026-11-01T00:00:00Z","expired_text":"Old text"}`, bearer); w.Code != 200 {
		t.Fatal(w.Body)
	}
	first := getImage(t, h, "/v1/countdown/gone.gif", nil)
	if w := putCampaign(t, h, "gone", `{"expired_text":"New text"}`, bearer); w.Code != 200 {
		t.Fatal(w.Body)
	}
	second := getImage(t, h, "/v1/countdown/gone.gif", nil)
	want, _ := content.RenderCountdownGIF(content.CountdownStyle{ExpiredText: "New text"}, 0, 60)
	if bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) || !bytes.Equal(second.Body.Bytes(), want) {
		t.Error("the image did not follow the edited after-text")
	}
	if w := putCampaign(t, h, "sale.2026", `{"name":"x"}`, bearer); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("a dotted campaign id: %d, want 422", w.Code)
	}
	w := getImage(t, h, "/v1/countdown/sale.2026", url.Values{"t": {mint(t, "", "sale.2026")}})
	if w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("/v1/countdown/sale.2026 answered %q, want the JSON route", w.Header().Get("Content-Type"))
	}
}
