package handlers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
)

// TestEndpointShapes checks each endpoint's JSON against a golden file and
// the headers every live answer must carry.
func TestEndpointShapes(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	cases := []struct {
		name, path string
		query      url.Values
		golden     string
	}{
		{"recommendations", "/v1/recommendations", url.Values{"t": {mint(t, "otto-3", "")}}, "recommendations_otto-3.json"},
		{"recommendations limit", "/v1/recommendations", url.Values{"t": {mint(t, "otto-0", "")}, "limit": {"3"}}, "recommendations_otto-0_limit3.json"},
		{"recommendations unknown profile", "/v1/recommendations", url.Values{"t": {mint(t, "nobody-42", "")}, "limit": {"4"}}, "recommendations_unknown.json"},
		{"recommendations campaign-wide token", "/v1/recommendations", url.Values{"t": {mint(t, "", "demo-sale")}, "limit": {"4"}}, "recommendations_unknown.json"},
		{"cart", "/v1/cart", url.Values{"t": {mint(t, "otto-1", "")}}, "cart_otto-1.json"},
		{"cart unknown profile", "/v1/cart", url.Values{"t": {mint(t, "nobody-42", "")}}, "cart_unknown.json"},
		{"profile", "/v1/profile", url.Values{"t": {mint(t, "otto-3", "")}}, "profile_otto-3.json"},
		{"profile unknown", "/v1/profile", url.Values{"t": {mint(t, "nobody-42", "")}}, "profile_unknown.json"},
		{"countdown in the reader's zone", "/v1/countdown/demo-sale", url.Values{"t": {mint(t, "otto-4", "demo-sale")}}, "countdown_otto-4.json"},
		{"countdown campaign-wide", "/v1/countdown/demo-sale", url.Values{"t": {mint(t, "", "demo-sale")}}, "countdown_campaign.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := get(t, h, tc.path, tc.query, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			assertLiveHeaders(t, w.Header())
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, w.Body.Bytes(), "", "  "); err != nil {
				t.Fatalf("not JSON: %v: %s", err, w.Body)
			}
			pretty.WriteByte('\n')
			golden(t, tc.golden, pretty.Bytes())
		})
	}
}

func assertLiveHeaders(t *testing.T, h http.Header) {
	t.Helper()
	if got, want := h.Get("Content-Type"), "application/json; charset=utf-8"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	if got, want := h.Get("Cache-Control"), "private, no-store"; got != want {
		t.Errorf("Cache-Control = %q, want %q", got, want)
	}
	if got := h.Values("Set-Cookie"); len(got) > 0 {
		t.Errorf("Set-Cookie sent: %q", got)
	}
	if h.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

// TestRecommendationsContract checks the amp-list contract rather than
// exact values: items is an array of at most 20 complete items.
func TestRecommendationsContract(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	cases := []struct {
		limit     string
		wantCode  int
		wantItems int
	}{
		{"", http.StatusOK, 8},
		{"1", http.StatusOK, 1},
		{"20", http.StatusOK, 20},
		{"500", http.StatusOK, 20},
		{"99999999999999999999", http.StatusOK, 20},
		{"+3", http.StatusBadRequest, 0},
		{"3.5", http.StatusBadRequest, 0},
		{"0", http.StatusBadRequest, 0},
		{"-3", http.StatusBadRequest, 0},
		{"ten", http.StatusBadRequest, 0},
	}
	for _, tc := range cases {
		q := url.Values{"t": {mint(t, "otto-5", "")}}
		if tc.limit != "" {
			q.Set("limit", tc.limit)
		}
		w := get(t, h, "/v1/recommendations", q, nil)
		if w.Code != tc.wantCode {
			t.Errorf("limit=%q: status %d, want %d (%s)", tc.limit, w.Code, tc.wantCode, w.Body)
			continue
		}
		if tc.wantCode != http.StatusOK {
			assertErrorCode(t, w.Body.Bytes(), "bad_request")
			continue
		}
		var body struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if len(body.Items) != tc.wantItems {
			t.Errorf("limit=%q: %d items, want %d", tc.limit, len(body.Items), tc.wantItems)
		}
		seen := map[any]bool{}
		for _, it := range body.Items {
			for _, k := range []string{"sku", "title", "url", "image", "price", "currency", "price_text", "category", "reason"} {
				if _, ok := it[k]; !ok {
					t.Errorf("item %v has no %q", it["sku"], k)
				}
			}
			if seen[it["sku"]] {
				t.Errorf("SKU %v twice", it["sku"])
			}
			seen[it["sku"]] = true
		}
	}
}

// TestEvergreenCountdown: a token's own deadline replaces the campaign's.
func TestEvergreenCountdown(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	tok, err := testKeys(t).Sign(amp.TokenSpec{Subject: "otto-1", Campaign: "demo-sale", Now: testNow, End: testNow.Add(90 * time.Minute)}, testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	w := get(t, h, "/v1/countdown/demo-sale", url.Values{"t": {tok}}, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"remaining_seconds":5400`) || !strings.Contains(w.Body.String(), `"hours":1,"minutes":30`) {
		t.Errorf("evergreen countdown: %d %s", w.Code, w.Body)
	}
}

// TestUnknownCampaign: a 404 with a stable code, so the block's fallback shows.
func TestUnknownCampaign(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	w := get(t, h, "/v1/countdown/no-such-sale", url.Values{"t": {mint(t, "otto-1", "")}}, nil)
	if w.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", w.Code)
	}
	assertErrorCode(t, w.Body.Bytes(), "campaign_not_found")
	if w.Header().Get("AMP-Email-Allow-Sender") != allowedSender {
		t.Error("error answer lacks AMP-Email-Allow-Sender")
	}
	// A token minted for one campaign does not open another's countdown.
	w = get(t, h, "/v1/countdown/demo-sale", url.Values{"t": {mint(t, "otto-1", "other-sale")}}, nil)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("other campaign's token: status %d, want 401", w.Code)
	}
	assertErrorCode(t, w.Body.Bytes(), "token_invalid")
}

func assertErrorCode(t *testing.T, body []byte, want string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	if e.Error.Code != want || e.Error.Message == "" {
		t.Errorf("error = %+v, want code %q with a message", e.Error, want)
	}
}
