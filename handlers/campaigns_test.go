package handlers_test

import (
	"bytes"
	"encoding/json"
	"image/gif"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amplive/amplive/content"
)

func putCampaign(t *testing.T, h http.Handler, id, body, auth string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPut, "/v1/campaigns/"+id, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestCampaignPut: the admin API sets a campaign's end from an instant or a
// local time with DST rules; refused bodies name the field; the countdown
// follows at once.
func TestCampaignPut(t *testing.T) {
	h, st := newEventsHandler(t)
	bearer := "Bearer " + adminKey
	cases := []struct {
		name, id, body string
		want           int
		field, ends    string
	}{
		{"instant", "xmas", `{"name":"Christmas","ends_at":"2026-12-24T17:00:00Z","time_zone":"Europe/Berlin","expired_text":"Too late!"}`, 200, "", "2026-12-24T17:00:00Z"},
		{"local time", "xmas", `{"ends_at_local":"2026-12-24T20:00:00","time_zone":"Europe/Berlin"}`, 200, "", "2026-12-24T19:00:00Z"},
		{"skipped local time", "spring", `{"ends_at_local":"2027-03-28T02:30:00","time_zone":"Europe/Berlin"}`, 422, "ends_at_local", ""},
		{"doubled local time", "fall", `{"ends_at_local":"2026-11-01T01:30:00","time_zone":"America/New_York"}`, 422, "ends_at_local", ""},
		{"doubled, later picked", "fall", `{"ends_at_local":"2026-11-01T01:30:00","time_zone":"America/New_York","pick":"later"}`, 200, "", "2026-11-01T06:30:00Z"},
		{"unknown zone", "x", `{"ends_at_local":"2026-12-01T10:00:00","time_zone":"Mars/Base"}`, 422, "time_zone", ""},
		{"both ends", "x", `{"ends_at":"2026-12-01T10:00:00Z","ends_at_local":"2026-12-01T10:00:00","time_zone":"UTC"}`, 422, "ends_at", ""},
		{"unknown field", "x", `{"ends":"2026-12-01T10:00:00Z"}`, 422, "", ""},
		{"nothing named", "x", `{}`, 422, "", ""},
		{"bad id", "a%20b", `{"name":"x"}`, 422, "id", ""},
		{"bad style colour", "xmas", `{"style":{"background":"red"}}`, 422, "style/background", ""},
		{"style", "xmas", `{"style":{"background":"#8B0000","labels":{"days":"TAGE","hours":"STD","minutes":"MIN","seconds":"SEK"}}}`, 200, "", "2026-12-24T19:00:00Z"},
		{"event fields set by the server", "xmas", `{"campaign_id":"other","name":"x"}`, 422, "campaign_id", ""},
	}
	for _, tc := range cases {
		w := putCampaign(t, h, tc.id, tc.body, bearer)
		if w.Code != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, w.Code, tc.want, w.Body)
			continue
		}
		var b struct {
			Campaign struct {
				EndsAt string `json:"ends_at"`
			} `json:"campaign"`
			Error struct{ Code, Field, Message string } `json:"error"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &b)
		if tc.want == 200 && b.Campaign.EndsAt != tc.ends {
			t.Errorf("%s: ends_at %q, want %q", tc.name, b.Campaign.EndsAt, tc.ends)
		}
		if tc.want == 422 && (b.Error.Code != "invalid_campaign" || b.Error.Field != tc.field || b.Error.Message == "") {
			t.Errorf("%s: error %+v, want field %q", tc.name, b.Error, tc.field)
		}
	}
	// The style shapes the image: it is the PNG rendered with that style.
	camp, ok := st.Campaign("xmas")
	if !ok || camp.Style == nil || camp.Style.Background != "#8B0000" {
		t.Fatalf("stored campaign: %+v", camp)
	}
	img := getImage(t, h, "/v1/countdown/xmas.png", nil)
	// The handler's clock ticks a millisecond past testNow: one second less.
	remaining := int64((camp.EndsAt.Sub(testNow) - time.Millisecond) / time.Second)
	want, _ := content.RenderCountdownPNG(camp.Style.ImageStyle(camp.ExpiredText), remaining)
	plain, _ := content.RenderCountdownPNG(content.CountdownStyle{ExpiredText: camp.ExpiredText}, remaining)
	if img.Code != 200 || !bytes.Equal(img.Body.Bytes(), want) || bytes.Equal(want, plain) {
		t.Errorf("styled image: %d %q, matches the styled render: %v", img.Code, img.Header().Get("Amplive-Image-Status"), bytes.Equal(img.Body.Bytes(), want))
	}
	// An ended campaign's GIF is one still frame with its after-text.
	if w := putCampaign(t, h, "over", `{"ends_at":"2026-11-01T00:00:00Z","expired_text":"Sold out"}`, bearer); w.Code != 200 {
		t.Fatalf("ended campaign: %d %s", w.Code, w.Body)
	}
	ended := getImage(t, h, "/v1/countdown/over.gif", nil)
	g, err := gif.DecodeAll(bytes.NewReader(ended.Body.Bytes()))
	wantEnded, _ := content.RenderCountdownGIF(content.CountdownStyle{ExpiredText: "Sold out"}, 0, 60)
	if err != nil || len(g.Image) != 1 || !bytes.Equal(ended.Body.Bytes(), wantEnded) {
		t.Errorf("ended GIF: %d frames, err %v, is the after-text render: %v", len(g.Image), err, bytes.Equal(ended.Body.Bytes(), wantEnded))
	}
	if w := putCampaign(t, h, "xmas", `{"name":"x"}`, ""); w.Code != http.StatusUnauthorized {
		t.Errorf("without the admin key: %d", w.Code)
	}
	w := get(t, h, "/v1/countdown/xmas", url.Values{"t": {mint(t, "", "xmas")}}, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"ends_at":"2026-12-24T19:00:00Z"`) || !strings.Contains(w.Body.String(), `"expired_text":"Too late!"`) {
		t.Errorf("countdown after PUT: %d %s", w.Code, w.Body)
	}
}
