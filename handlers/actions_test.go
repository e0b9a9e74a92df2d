package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// submit posts an amp-form body (urlencoded unless multipart) with a v2 sender.
func submit(t *testing.T, h http.Handler, path, token string, form url.Values, multi bool) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	ctype := "application/x-www-form-urlencoded"
	if multi {
		mw := multipart.NewWriter(&body)
		for k, vs := range form {
			for _, v := range vs {
				_ = mw.WriteField(k, v)
			}
		}
		mw.Close()
		ctype = mw.FormDataContentType()
	} else {
		body.WriteString(form.Encode())
	}
	req := httptest.NewRequest(http.MethodPost, path+"?"+url.Values{"t": {token}}.Encode(), &body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("AMP-Email-Sender", allowedSender)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

type actionAnswer struct {
	OK         bool   `json:"ok"`
	Code       string `json:"code"`
	ExpiresAt  string `json:"expires_at"`
	SKU        string `json:"sku"`
	Subscribed bool   `json:"subscribed"`
	Error      struct {
		Code, Message, Field string
	} `json:"error"`
}

func answer(t *testing.T, w *httptest.ResponseRecorder) actionAnswer {
	t.Helper()
	var a actionAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatalf("not JSON: %s", w.Body)
	}
	return a
}

// TestActionNotify: success in both body encodings, validation errors with
// the field named and the AMP header on them, and 20 concurrent identical
// submits that store one subscription.
func TestActionNotify(t *testing.T) {
	h, st := newEventsHandler(t)
	tok := mint(t, "otto-5", "")
	for _, multi := range []bool{false, true} {
		w := submit(t, h, "/v1/actions/notify", tok, url.Values{"sku": {"GGOEGAEJ163316"}, "unknown": {"ignored"}}, multi)
		if a := answer(t, w); w.Code != 200 || !a.OK || !a.Subscribed || a.SKU != "GGOEGAEJ163316" {
			t.Errorf("multipart=%v: %d %s", multi, w.Code, w.Body)
		}
	}
	cases := []struct{ name, sku, field string }{{"missing", "", "sku"}, {"unknown", "NOPE", "sku"}, {"too long", strings.Repeat("X", 70), "sku"}}
	for _, tc := range cases {
		w := submit(t, h, "/v1/actions/notify", tok, url.Values{"sku": {tc.sku}}, false)
		a := answer(t, w)
		if w.Code != http.StatusUnprocessableEntity || a.OK || a.Error.Field != tc.field || a.Error.Message == "" {
			t.Errorf("%s: %d %s", tc.name, w.Code, w.Body)
		}
		if w.Header().Get("AMP-Email-Allow-Sender") != allowedSender {
			t.Errorf("%s: error without AMP-Email-Allow-Sender", tc.name)
		}
	}
	if w := submit(t, h, "/v1/actions/notify", "bad-token", url.Values{"sku": {"GGOEGAEJ163316"}}, false); w.Code != 401 || answer(t, w).OK {
		t.Errorf("bad token: %d %s", w.Code, w.Body)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w := submit(t, h, "/v1/actions/notify", mint(t, "otto-6", ""), url.Values{"sku": {"GGCOGOAC101259"}}, false); w.Code != 200 {
				t.Errorf("concurrent submit: %d %s", w.Code, w.Body)
			}
		}()
	}
	wg.Wait()
	if created, err := st.Subscribe(t.Context(), "otto-6", "GGCOGOAC101259"); err != nil || created {
		t.Errorf("after 20 submits, a new subscription was still possible (created %v, err %v)", created, err)
	}
}

// TestActionOffer: one code per profile and campaign, also under 20
// concurrent submits; a token without a campaign is refused.
func TestActionOffer(t *testing.T) {
	h, _ := newEventsHandler(t)
	tok := mint(t, "otto-8", "demo-sale")
	codes := make(chan string, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := submit(t, h, "/v1/actions/offer", tok, nil, false)
			a := answer(t, w)
			if w.Code != 200 || !a.OK || len(a.Code) != 10 || a.ExpiresAt == "" {
				t.Errorf("offer: %d %s", w.Code, w.Body)
			}
			codes <- a.Code
		}()
	}
	wg.Wait()
	close(codes)
	seen := map[string]bool{}
	for c := range codes {
		seen[c] = true
	}
	if len(seen) != 1 {
		t.Errorf("20 submits gave %d different codes, want 1", len(seen))
	}
	other := answer(t, submit(t, h, "/v1/actions/offer", mint(t, "otto-9", "demo-sale"), nil, true))
	if seen[other.Code] {
		t.Error("two profiles got the same code")
	}
	if w := submit(t, h, "/v1/actions/offer", mint(t, "otto-8", ""), nil, false); w.Code != http.StatusUnprocessableEntity || answer(t, w).Error.Code != "campaign_not_found" {
		t.Errorf("no campaign: %d %s", w.Code, w.Body)
	}
}

// TestActionRateLimit: a token's writes past 30 a minute get 429 with
// Retry-After, while another token still gets through.
func TestActionRateLimit(t *testing.T) {
	h, _ := newEventsHandler(t)
	tok := mint(t, "otto-10", "")
	var last *httptest.ResponseRecorder
	for i := 0; i < 31; i++ {
		last = submit(t, h, "/v1/actions/notify", tok, url.Values{"sku": {"GGOEGAEJ163316"}}, false)
		if i < 30 && last.Code != 200 {
			t.Fatalf("submit %d: %d", i+1, last.Code)
		}
	}
	if last.Code != http.StatusTooManyRequests || last.Header().Get("Retry-After") == "" || answer(t, last).Error.Code != "rate_limited" {
		t.Errorf("31st submit: %d %s", last.Code, last.Body)
	}
	if last.Header().Get("AMP-Email-Allow-Sender") != allowedSender {
		t.Error("429 without AMP-Email-Allow-Sender")
	}
	if w := submit(t, h, "/v1/actions/notify", mint(t, "otto-11", ""), url.Values{"sku": {"GGOEGAEJ163316"}}, false); w.Code != 200 {
		t.Errorf("another token: %d", w.Code)
	}
}

// TestActionStateForms: more, preferences and rate answer the state the
// email binds with AMP.setState, validate every field, and are visible on
// the next read.
func TestActionStateForms(t *testing.T) {
	h, st := newEventsHandler(t)
	tok := mint(t, "otto-12", "")

	var more struct {
		OK      bool `json:"ok"`
		Items   []struct{ SKU, Category string }
		Page    int  `json:"page"`
		HasMore bool `json:"has_more"`
	}
	seen := map[string]bool{}
	for page := 1; page <= 3; page++ {
		w := submit(t, h, "/v1/actions/more", tok, url.Values{"category": {"Bags"}, "page": {fmt.Sprint(page)}}, page == 2)
		if err := json.Unmarshal(w.Body.Bytes(), &more); err != nil || w.Code != 200 || !more.OK || more.Page != page {
			t.Fatalf("more page %d: %d %s", page, w.Code, w.Body)
		}
		for _, it := range more.Items {
			if it.Category != "Bags" || seen[it.SKU] {
				t.Errorf("page %d: item %+v (category or repeat)", page, it)
			}
			seen[it.SKU] = true
		}
	}
	for field, v := range map[string]url.Values{"page": {"page": {"zero"}}, "category": {"category": {"Spaceships"}}} {
		if w := submit(t, h, "/v1/actions/more", tok, v, false); w.Code != 422 || answer(t, w).Error.Field != field {
			t.Errorf("more with bad %s: %d %s", field, w.Code, w.Body)
		}
	}

	w := submit(t, h, "/v1/actions/preferences", tok, url.Values{"topics": {"apparel", "office", "apparel"}, "frequency": {"weekly"}}, true)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"preferences":{"frequency":"weekly","topics":["apparel","office"]}`) {
		t.Errorf("preferences: %d %s", w.Code, w.Body)
	}
	if p, _, _ := st.LookupProfile(t.Context(), "otto-12"); p.Attributes["pref_topics"] != "apparel,office" {
		t.Errorf("stored attributes %v", p.Attributes)
	}
	for field, v := range map[string]url.Values{"topics": {"topics": {"rockets"}}, "frequency": {"frequency": {"hourly"}}} {
		if w := submit(t, h, "/v1/actions/preferences", tok, v, false); w.Code != 422 || answer(t, w).Error.Field != field {
			t.Errorf("preferences with bad %s: %d %s", field, w.Code, w.Body)
		}
	}

	// 20 concurrent identical ratings count once; a second vote replaces it.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w := submit(t, h, "/v1/actions/rate", tok, url.Values{"sku": {"GGOEGAEJ163316"}, "value": {"4"}}, false); w.Code != 200 {
				t.Errorf("rate: %d %s", w.Code, w.Body)
			}
		}()
	}
	wg.Wait()
	w = submit(t, h, "/v1/actions/rate", mint(t, "otto-13", ""), url.Values{"sku": {"GGOEGAEJ163316"}, "value": {"5"}}, false)
	if !strings.Contains(w.Body.String(), `"votes":2`) || !strings.Contains(w.Body.String(), `"average":4.5`) {
		t.Errorf("tally after 20 identical + 1 other: %s", w.Body)
	}
	w = submit(t, h, "/v1/actions/rate", tok, url.Values{"sku": {"GGOEGAEJ163316"}, "value": {"1"}}, false)
	if !strings.Contains(w.Body.String(), `"votes":2`) || !strings.Contains(w.Body.String(), `"average":3`) {
		t.Errorf("a changed vote replaces the first: %s", w.Body)
	}
	w = submit(t, h, "/v1/actions/rate", tok, url.Values{"question": {"fav-color"}, "value": {"Blue"}}, false)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"counts":{"Blue":1}`) {
		t.Errorf("poll: %d %s", w.Code, w.Body)
	}
	bad := []struct {
		form  url.Values
		field string
	}{
		{url.Values{"sku": {"GGOEGAEJ163316"}, "value": {"6"}}, "value"},
		{url.Values{"sku": {"NOPE"}, "value": {"3"}}, "sku"},
		{url.Values{"question": {"Bad Q"}, "value": {"x"}}, "question"},
		{url.Values{"question": {"q"}, "value": {"<b>"}}, "value"},
		{url.Values{"value": {"3"}}, "sku"},
	}
	other := mint(t, "otto-14", "") // tok has used most of its 30 writes this minute
	for _, tc := range bad {
		if w := submit(t, h, "/v1/actions/rate", other, tc.form, false); w.Code != 422 || answer(t, w).Error.Field != tc.field {
			t.Errorf("rate %v: %d %s", tc.form, w.Code, w.Body)
		}
	}
}
