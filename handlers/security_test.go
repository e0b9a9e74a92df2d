package handlers_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/handlers"
	"github.com/amplive/amplive/store"
)

// The security tests send requests through the real engine (handlers.New
// over the embedded store); cmd/amplive/security_test.go repeats the log
// and key-rotation checks with the real program.

// routeAuth is how each route authenticates its caller. TestAudiences
// fails for a route missing here, so a new route gets one by decision.
var routeAuth = map[string]string{
	"/healthz": "public", "/readyz": "public", "/metrics": "public", "/v1/schemas/events.json": "public",
	"/v1/recommendations": "token", "/v1/cart": "token", "/v1/profile": "token", "/v1/countdown/:campaign": "token",
	"/v1/actions/more": "action", "/v1/actions/notify": "action", "/v1/actions/offer": "action",
	"/v1/actions/preferences": "action", "/v1/actions/rate": "action",
	"/v1/events":       "signature",
	"/v1/profiles/:id": "admin", "/v1/campaigns/:id": "admin", "/v1/snippets/:block": "admin", "/v1/validate": "admin",
	"/debug/pprof/*any": "admin", // every /debug/pprof/ route, see authOf
}

func authOf(path string) (string, bool) {
	if strings.HasPrefix(path, "/debug/pprof/") {
		path = "/debug/pprof/*any"
	}
	a, ok := routeAuth[path]
	return a, ok
}

// concretePath fills a route template's parameters with plausible values.
func concretePath(tmpl string) string {
	r := strings.NewReplacer(":campaign", "demo-sale", ":id", "otto-1", ":block", "recommendations")
	return r.Replace(tmpl)
}

// secureDeps are the dependencies of the security tests: webhook secrets,
// the admin key and the profiler on.
func secureDeps(t *testing.T, st handlers.Store) handlers.Deps {
	t.Helper()
	secrets, err := amp.ParseWebhookSecrets(webhookNew)
	if err != nil {
		t.Fatal(err)
	}
	return handlers.Deps{
		Store: st, Tokens: amp.NewVerifier(testKeys(t), testIssuer, amp.DefaultLeeway, func() time.Time { return testNow }),
		CORS: mustPolicy(t), Webhook: secrets, AdminKeys: []string{adminKey}, Logger: quietLogger(),
		Now: func() time.Time { return testNow }, Pprof: true,
	}
}

// send is one request through h: method, target (path and query), body,
// headers.
func send(h http.Handler, method, target, body string, hdr http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, vs := range hdr {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// errorCode is the error code of a JSON error answer (either shape), or "".
func errorCode(w *httptest.ResponseRecorder) string {
	var b struct{ Error struct{ Code string } }
	_ = json.Unmarshal(w.Body.Bytes(), &b)
	return b.Error.Code
}

// TestAudiences: each credential opens only its own routes. An email token
// (JWT, aud amplive) is no admin key; the admin key is no token; a webhook
// signature authenticates nothing but POST /v1/events, and on a live route
// changes nothing; a JWT signed with the webhook secret is refused.
func TestAudiences(t *testing.T) {
	t.Parallel()
	d := secureDeps(t, shared)
	h, err := handlers.New(d)
	if err != nil {
		t.Fatal(err)
	}
	emailToken := mint(t, "otto-3", "demo-sale")
	sender := []string{allowedSender}
	webhook, _ := amp.ParseWebhookSecrets(webhookNew)
	sig := webhook.Sign(nil, testNow) // a valid signature of an empty body
	jwtWithWebhookSecret := hs256(t, "k1", []byte(webhookNew), claims("otto-3"))

	routes := allRoutes(t)
	for _, r := range routes {
		auth, ok := authOf(r.Path)
		if !ok {
			t.Errorf("%s %s: no authentication decided in routeAuth", r.Method, r.Path)
			continue
		}
		path := concretePath(r.Path)
		type attempt struct {
			name  string
			query url.Values
			hdr   http.Header
		}
		var attempts []attempt
		wantStatus, wantCode := http.StatusUnauthorized, ""
		switch auth {
		case "public":
			continue
		case "token", "action":
			wantCode = "token_invalid"
			attempts = []attempt{
				{"admin key as t", url.Values{"t": {adminKey}}, http.Header{"AMP-Email-Sender": sender}},
				{"webhook secret as t", url.Values{"t": {webhookNew}}, http.Header{"AMP-Email-Sender": sender}},
				{"JWT signed with the webhook secret", url.Values{"t": {jwtWithWebhookSecret}}, http.Header{"AMP-Email-Sender": sender}},
			}
			for _, a := range []attempt{
				{"admin key as Bearer, no t", nil, http.Header{"AMP-Email-Sender": sender, "Authorization": {"Bearer " + adminKey}}},
				{"token as Bearer, no t", nil, http.Header{"AMP-Email-Sender": sender, "Authorization": {"Bearer " + emailToken}}},
				{"webhook signature, no t", nil, http.Header{"AMP-Email-Sender": sender, amp.SignatureHeader: {sig}}},
			} {
				a.name += " (token_missing)"
				attempts = append(attempts, a)
			}
		case "admin":
			wantCode = "admin_unauthorized"
			attempts = []attempt{
				{"email token as Bearer", nil, http.Header{"Authorization": {"Bearer " + emailToken}}},
				{"email token as t", url.Values{"t": {emailToken}}, nil},
				{"webhook secret as Bearer", nil, http.Header{"Authorization": {"Bearer " + webhookNew}}},
				{"webhook signature", nil, http.Header{amp.SignatureHeader: {sig}}},
			}
		case "signature":
			wantCode = "signature_invalid"
			attempts = []attempt{
				{"admin key as Bearer", nil, http.Header{"Authorization": {"Bearer " + adminKey}}},
				{"email token as t", url.Values{"t": {emailToken}}, nil},
				{"email token as Bearer", nil, http.Header{"Authorization": {"Bearer " + emailToken}}},
			}
		}
		for _, a := range attempts {
			target := path
			if len(a.query) > 0 {
				target += "?" + a.query.Encode()
			}
			w := send(h, r.Method, target, "", a.hdr)
			want := wantCode
			if strings.HasSuffix(a.name, "(token_missing)") {
				want = "token_missing"
			}
			if w.Code != wantStatus || errorCode(w) != want {
				t.Errorf("%s %s with %s: %d %s; want %d %s", r.Method, r.Path, a.name, w.Code, w.Body, wantStatus, want)
			}
		}
	}

	// The countdown image never answers an error status: the admin key as t
	// gets the neutral image, marked token_invalid.
	w := send(h, http.MethodGet, "/v1/countdown/demo-sale.gif?t="+adminKey, "", nil)
	if w.Code != http.StatusOK || w.Header().Get("Amplive-Image-Status") != "token_invalid" {
		t.Errorf("countdown image with the admin key as t: %d, status %q", w.Code, w.Header().Get("Amplive-Image-Status"))
	}

	// A webhook signature (and an admin key) next to a valid token changes
	// nothing on a live route: the same status and body.
	for _, path := range []string{"/v1/recommendations", "/v1/cart", "/v1/profile", "/v1/countdown/demo-sale"} {
		target := path + "?t=" + emailToken
		plain := send(h, http.MethodGet, target, "", http.Header{"AMP-Email-Sender": sender})
		extra := send(h, http.MethodGet, target, "", http.Header{"AMP-Email-Sender": sender,
			amp.SignatureHeader: {sig}, "Authorization": {"Bearer " + adminKey}})
		if plain.Code != http.StatusOK || extra.Code != plain.Code || extra.Body.String() != plain.Body.String() {
			t.Errorf("%s: %d %s without, %d %s with a signature and admin key", path, plain.Code, plain.Body, extra.Code, extra.Body)
		}
	}
}

// TestSecretNearMisses: admin keys and webhook signatures are compared in
// constant time (subtle.ConstantTimeCompare in admin.go, hmac.Equal in
// amp/webhook.go — a test cannot measure that; the comments there say
// why). What a test can show is that every near miss is refused: a
// prefix, an extension, one byte changed at either end, another case.
func TestSecretNearMisses(t *testing.T) {
	t.Parallel()
	h, err := handlers.New(secureDeps(t, shared))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(s string, i int) string { b := []byte(s); b[i] ^= 1; return string(b) }
	for _, k := range []string{"", adminKey[:len(adminKey)-1], adminKey + "0", flip(adminKey, 0),
		flip(adminKey, len(adminKey)-1), strings.ToUpper(adminKey), " " + adminKey} {
		if w := send(h, http.MethodGet, "/v1/profiles/otto-1", "", http.Header{"Authorization": {"Bearer " + k}}); w.Code != http.StatusUnauthorized {
			t.Errorf("admin key %q: %d, want 401", k, w.Code)
		}
	}
	if w := send(h, http.MethodGet, "/v1/profiles/otto-1", "", http.Header{"Authorization": {"bearer " + adminKey}}); w.Code != http.StatusOK {
		t.Errorf("the admin key itself (scheme in lower case): %d, want 200", w.Code)
	}

	body := cartEvent("near-miss", "otto-1", testNow.Add(-time.Minute), "GGOEGAEJ163316")
	webhook, _ := amp.ParseWebhookSecrets(webhookNew)
	good := webhook.Sign([]byte(body), testNow)
	hexSig := good[strings.Index(good, "v1=")+3:]
	for _, sig := range []string{flip(hexSig, 0), flip(hexSig, len(hexSig)-1), strings.Repeat("0", len(hexSig))} {
		w := send(h, http.MethodPost, "/v1/events", body, http.Header{amp.SignatureHeader: {"t=" + strconv.FormatInt(testNow.Unix(), 10) + ",v1=" + sig}})
		if w.Code != http.StatusUnauthorized || errorCode(w) != "signature_invalid" {
			t.Errorf("signature %s…: %d %s, want 401 signature_invalid", sig[:8], w.Code, w.Body)
		}
	}
}

// TestBodyLimits: every route that takes a body (POST or PUT in the route
// table) has a limit; one byte over it is a 413 payload_too_large, at the
// limit it is read. A new body route must be added here with its limit.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	h, err := handlers.New(secureDeps(t, shared))
	if err != nil {
		t.Fatal(err)
	}
	limits := map[string]int{
		"/v1/events":              1 << 20,
		"/v1/actions/more":        64 << 10,
		"/v1/actions/notify":      64 << 10,
		"/v1/actions/offer":       64 << 10,
		"/v1/actions/preferences": 64 << 10,
		"/v1/actions/rate":        64 << 10,
		"/v1/campaigns/:id":       64 << 10,
		"/v1/validate":            2_000_000,
		"/debug/pprof/symbol":     64 << 10,
	}
	hdr := http.Header{"AMP-Email-Sender": {allowedSender}, "Authorization": {"Bearer " + adminKey},
		"Content-Type": {"application/x-www-form-urlencoded"}}
	seen := map[string]bool{}
	for _, r := range allRoutes(t) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			continue
		}
		seen[r.Path] = true
		limit, ok := limits[r.Path]
		if !ok {
			t.Errorf("%s %s takes a body but has no limit in TestBodyLimits", r.Method, r.Path)
			continue
		}
		// Each action write is rate limited per token: a fresh token per request.
		target := func() string { return concretePath(r.Path) + "?t=" + url.QueryEscape(mint(t, "otto-15", "demo-sale")) }
		if w := send(h, r.Method, target(), strings.Repeat("a", limit+1), hdr); w.Code != http.StatusRequestEntityTooLarge || errorCode(w) != "payload_too_large" {
			t.Errorf("%s %s with %d bytes: %d %.200s, want 413 payload_too_large", r.Method, r.Path, limit+1, w.Code, w.Body)
		}
		if w := send(h, r.Method, target(), strings.Repeat("a", limit), hdr); w.Code == http.StatusRequestEntityTooLarge {
			t.Errorf("%s %s with %d bytes (the limit): 413", r.Method, r.Path, limit)
		}
	}
	for path := range limits {
		if !seen[path] {
			t.Errorf("%s is no body route any more: update TestBodyLimits", path)
		}
	}
}

// TestNoServerSideFetch: no route fetches a URL a caller supplies. A
// listener's URL goes into every path parameter, query field, form field,
// JSON field, AMP document attribute and URL-carrying header of every
// route, authenticated so that each handler runs to its end, twice (the
// second pass reads what the first stored: products whose url and image
// point at the listener); the listener must see no connection.
func TestNoServerSideFetch(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	canary := "http://" + ln.Addr().String() + "/canary"
	canaryTLS := "https://" + ln.Addr().String() + "/canary"
	variants := []string{canary, canaryTLS, "//" + ln.Addr().String() + "/canary", ln.Addr().String()}

	st, _, stop, err := openSeeded(t.Context(), t.TempDir(), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	d := secureDeps(t, st)
	d.Now = tickingClock()
	h, err := handlers.New(d)
	if err != nil {
		t.Fatal(err)
	}
	webhook, _ := amp.ParseWebhookSecrets(webhookNew)

	fields := []string{"limit", "esp", "base_url", "token_field", "campaign", "sku", "question", "options", "category",
		"topics", "max_items", "shop_url", "page", "value", "frequency", "debug", "gc", "url", "src", "image", "href",
		"callback", "redirect", "return_to", "next", "webhook", "endpoint", "__amp_source_origin"}
	events := func(v string, n int) string {
		at := testNow.Add(-time.Minute).Format(time.RFC3339)
		return fmt.Sprintf(`[{"id":"ssrf-p-%[3]d","type":"product_updated","at":%[2]q,"sku":"SSRF-1","title":%[1]q,"url":%[1]q,"image":%[1]q,"popularity":9000000000,"stock":5,"price":1.00,"currency":"USD","category":"Bags"},
			{"id":"ssrf-u-%[3]d","type":"profile_updated","at":%[2]q,"profile_id":"otto-2","first_name":%[1]q,"attributes":{"website":%[1]q,"avatar":%[1]q}},
			{"id":"ssrf-c-%[3]d","type":"campaign_updated","at":%[2]q,"campaign_id":"demo-sale","expired_text":%[1]q}]`, v, at, n)
	}
	ampDoc := func(v string) string {
		return `<!doctype html><html ⚡4email data-css-strict><head><meta charset="utf-8"><script async src="` + v + `"></script>` +
			`<link rel="stylesheet" href="` + v + `"><style amp4email-boilerplate>body{visibility:hidden}</style></head><body>` +
			`<amp-img src="` + v + `" width="1" height="1"></amp-img><img src="` + v + `"><amp-list src="` + v + `" width="1" height="1"></amp-list>` +
			`<form method="post" action-xhr="` + v + `"></form><a href="` + v + `">x</a></body></html>`
	}

	// Each route gets every field set to the URL (validation refuses some
	// early), then valid values where the handlers check them and the URL
	// everywhere else, so that each handler runs to its end.
	valid := map[string]string{"limit": "3", "max_items": "3", "page": "2", "sku": "GGOEGAEJ163316", "value": "5",
		"frequency": "weekly", "topics": "apparel", "category": "Bags", "esp": "generic", "campaign": "demo-sale",
		"options": "red,blue", "question": "", "token_field": "amp_token", "__amp_source_origin": allowedSender}
	n := 0
	for pass := range 2 { // the second pass reads what the first stored
		for _, r := range allRoutes(t) {
			switch {
			case r.Path == "/debug/pprof/profile" || r.Path == "/debug/pprof/trace":
				continue // net/http/pprof reads only ?seconds= (a number) there; a fetch is impossible and the wait long
			case pass == 1 && strings.HasPrefix(r.Path, "/debug/pprof/"):
				continue // reads no stored data
			}
			for _, v := range variants {
				// Path parameters cannot hold a '/': the host:port form there.
				paths := []string{concretePath(r.Path)}
				if strings.Contains(r.Path, ":") {
					addr := ln.Addr().String()
					paths = append(paths, strings.NewReplacer(":campaign", addr, ":id", addr, ":block", addr).Replace(r.Path))
					if r.Path == "/v1/countdown/:campaign" {
						paths = append(paths, "/v1/countdown/"+addr+".gif", "/v1/countdown/demo-sale.png")
					}
				}
				for _, checked := range []bool{false, true} {
					n++
					q := url.Values{"t": {mint(t, fmt.Sprintf("ssrf-%d", n), "demo-sale")}}
					form := url.Values{}
					for _, f := range fields {
						val := v
						if good, ok := valid[f]; ok && checked {
							val = good
						}
						if val != "" {
							q.Set(f, val)
							form.Set(f, val)
						}
					}
					var body string
					hdr := http.Header{
						"AMP-Email-Sender": {allowedSender}, "Authorization": {"Bearer " + adminKey},
						"Origin": {v}, "Referer": {v}, "X-Forwarded-Host": {ln.Addr().String()}, "X-Forwarded-For": {ln.Addr().String()},
						"Forwarded": {"host=" + ln.Addr().String()}, "X-Request-Id": {"ssrf"}, "Content-Type": {"application/x-www-form-urlencoded"},
					}
					switch {
					case r.Path == "/v1/events":
						body = events(v, n)
						hdr.Set("Content-Type", "application/json")
						hdr.Set(amp.SignatureHeader, webhook.Sign([]byte(body), testNow))
					case r.Path == "/v1/campaigns/:id":
						body = fmt.Sprintf(`{"name":%q,"expired_text":%q,"ends_at":"2026-12-24T18:00:00Z"}`, v, v)
						hdr.Set("Content-Type", "application/json")
					case r.Path == "/v1/validate":
						body = ampDoc(v)
						hdr.Set("Content-Type", "text/html")
					case r.Method == http.MethodPost:
						body = form.Encode()
					}
					for _, p := range paths {
						w := send(h, r.Method, p+"?"+q.Encode(), body, hdr)
						if checked && v == canaryTLS && p == paths[0] && strings.HasPrefix(r.Path, "/v1/") && w.Code != http.StatusOK {
							t.Errorf("%s %s with valid fields and URLs elsewhere: %d %s (the handler should run to its end)", r.Method, p, w.Code, w.Body)
						}
					}
				}
			}
		}
	}
	// The stored canaries are served back as data, never fetched.
	w := get(t, h, "/v1/recommendations", url.Values{"t": {mint(t, "otto-2", "")}, "limit": {"20"}}, nil)
	if !strings.Contains(w.Body.String(), ln.Addr().String()+"/canary") {
		t.Errorf("the product whose url is the canary is not among the recommendations: %s", w.Body)
	}
	if got := conns.Load(); got != 0 {
		t.Errorf("the server connected to a caller-supplied URL %d times", got)
	}
}

// TestActionRateLimitCoversEveryWrite: every amp-form write in the route
// table answers 429 rate_limited to a token's 31st submit in a minute
// (TestActionRateLimit covers the answer itself on notify); /more, a read,
// is not limited. Refused submits count too: the bodies here are invalid
// (422), so nothing is written.
func TestActionRateLimitCoversEveryWrite(t *testing.T) {
	t.Parallel()
	h, err := handlers.New(secureDeps(t, shared))
	if err != nil {
		t.Fatal(err)
	}
	invalid := map[string]url.Values{
		"/v1/actions/more": {"page": {"zero"}}, "/v1/actions/notify": {"sku": {""}}, "/v1/actions/offer": nil,
		"/v1/actions/preferences": {"topics": {"rockets"}}, "/v1/actions/rate": {"sku": {"GGOEGAEJ163316"}, "value": {"6"}},
	}
	for _, r := range allRoutes(t) {
		if !strings.HasPrefix(r.Path, "/v1/actions/") {
			continue
		}
		form, ok := invalid[r.Path]
		if !ok {
			t.Errorf("%s: a new action; add it to TestActionRateLimitCoversEveryWrite", r.Path)
			continue
		}
		tok := mint(t, "rl-"+strings.TrimPrefix(r.Path, "/v1/actions/"), "") // a token per route; no campaign: offer refuses before writing
		var last *httptest.ResponseRecorder
		for range 31 {
			last = submit(t, h, r.Path, tok, form, false)
		}
		limited := last.Code == http.StatusTooManyRequests && errorCode(last) == "rate_limited"
		if want := r.Path != "/v1/actions/more"; limited != want {
			t.Errorf("%s, 31st submit: %d %s; rate limited %v, want %v", r.Path, last.Code, last.Body, limited, want)
		}
	}
}
