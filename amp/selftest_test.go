package amp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// selftestSender is the sender the test endpoints allow.
const selftestSender = "news@shop.example"

// selftestToken is a JWT-shaped token; reports must show only its start.
const selftestToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvdHRvLTMifQ.c2lnbmF0dXJl"

// selftestFault is one deliberate mistake of selftestEndpoint.
type selftestFault int

const (
	selftestFaultNone               selftestFault = iota
	selftestFaultNoExpose                         // v1: no Access-Control-Expose-Headers
	selftestFaultStarOrigin                       // v1: Access-Control-Allow-Origin: *
	selftestFaultSlashRedirect                    // 302 from path/ to path
	selftestFaultNotJSON                          // an HTML body
	selftestFaultWrongShape                       // a JSON string instead of an object
	selftestFaultAllowEveryone                    // echoes any sender, refuses none
	selftestFaultNoAllowSender                    // v2: no AMP-Email-Allow-Sender (v1 headers only)
	selftestFaultV1Only                           // treats AMP-Email-Sender + Origin as v1
	selftestFaultCacheable                        // Cache-Control: public, max-age=600 and a cookie
	selftestFaultOptions405                       // OPTIONS is 405
	selftestFaultRefuseNullOrigin                 // v1 with Origin: null is refused
	selftestFaultRefuse401                        // a refused sender gets 401 text/plain
	selftestFaultSlow                             // never answers within the timeout
	selftestFaultRedirectEverything               // every request is redirected
)

// selftestEndpoint is an amp-list endpoint at /v1/list that follows AMP for
// Email CORS (v2 and v1) except for its fault.
func selftestEndpoint(fault selftestFault) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if fault == selftestFaultSlow {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		if fault == selftestFaultRedirectEverything {
			http.Redirect(w, r, "https://elsewhere.example/v1/list?"+r.URL.RawQuery, http.StatusMovedPermanently)
			return
		}
		if r.URL.Path == "/v1/list/" && fault == selftestFaultSlashRedirect {
			http.Redirect(w, r, "/v1/list?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		if fault == selftestFaultCacheable {
			h.Set("Cache-Control", "public, max-age=600")
			h.Add("Set-Cookie", "session=1")
		} else {
			h.Set("Cache-Control", "private, no-store")
		}
		h.Set("Content-Type", "application/json")
		refuse := func(status int) {
			if fault == selftestFaultRefuse401 {
				h.Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, "nope")
				return
			}
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error":{"code":"sender_not_allowed","message":"email sender is not allowed"}}`)
		}
		sender, origin := r.Header.Get("AMP-Email-Sender"), r.Header.Get("Origin")
		switch {
		case sender != "" && !(fault == selftestFaultV1Only && origin != ""):
			if sender != selftestSender && fault != selftestFaultAllowEveryone {
				refuse(http.StatusForbidden)
				return
			}
			if fault == selftestFaultNoAllowSender {
				h.Set(HeaderAllowSourceOrigin, sender)
			} else {
				h.Set("AMP-Email-Allow-Sender", sender)
			}
		case origin != "":
			src := r.URL.Query().Get(QuerySourceOrigin)
			if src != selftestSender || (origin == "null" && fault == selftestFaultRefuseNullOrigin) {
				refuse(http.StatusForbidden)
				return
			}
			if fault == selftestFaultStarOrigin {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
			}
			h.Set(HeaderAllowSourceOrigin, src)
			if fault != selftestFaultNoExpose {
				h.Set(HeaderExposeHeaders, "X-Request-Id, amp-access-control-allow-source-origin")
			}
			h.Set("Access-Control-Allow-Credentials", "true")
		default:
			refuse(http.StatusForbidden)
			return
		}
		if r.Method == http.MethodOptions {
			if fault == selftestFaultOptions405 {
				w.WriteHeader(http.StatusMethodNotAllowed)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.URL.Path != "/v1/list" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":"not_found","message":"no such endpoint"}}`)
			return
		}
		if r.URL.Query().Get("t") != selftestToken {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":"token_invalid","message":"the token is not valid"}}`)
			return
		}
		switch fault {
		case selftestFaultNotJSON:
			h.Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!doctype html><p>Hello</p>")
		case selftestFaultWrongShape:
			fmt.Fprint(w, `"Bike, Mug"`)
		default:
			fmt.Fprint(w, `{"items":[{"title":"Bike"},{"title":"Mug"}]}`)
		}
	}
}

// newSelftestServer serves selftestEndpoint(fault) until the test ends.
func newSelftestServer(t *testing.T, fault selftestFault) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(selftestEndpoint(fault))
	t.Cleanup(srv.Close)
	return srv
}

// selftestSummary maps each failing check to its problems and each check
// with warnings (prefixed "warn ") to its warnings.
func selftestSummary(checks []SelftestCheck) map[string][]string {
	out := map[string][]string{}
	for _, c := range checks {
		if len(c.Problems) > 0 {
			out[c.Name] = c.Problems
		}
		if len(c.Warnings) > 0 {
			out["warn "+c.Name] = c.Warnings
		}
	}
	return out
}

// TestSelftestFaults runs the self-test against endpoints that each make
// one mistake, and checks that exactly the right checks fail or warn, each
// with a problem naming the mistake.
func TestSelftestFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault selftestFault
		// want maps a check name (or "warn " + name) to substrings, one per
		// expected problem (or warning), in order.
		want map[string][]string
	}{
		{name: "correct endpoint", fault: selftestFaultNone, want: map[string][]string{}},
		{
			name:  "missing Access-Control-Expose-Headers",
			fault: selftestFaultNoExpose,
			want: map[string][]string{
				SelftestCheckV1Gmail:             {"missing Access-Control-Expose-Headers"},
				"warn " + SelftestCheckV1Null:    {"missing Access-Control-Expose-Headers", "Yahoo Mail sends is unconfirmed"},
				"warn " + SelftestCheckPreflight: {"missing Access-Control-Expose-Headers"},
			},
		},
		{
			name:  "Access-Control-Allow-Origin: *",
			fault: selftestFaultStarOrigin,
			want: map[string][]string{
				SelftestCheckV1Gmail:             {"Access-Control-Allow-Origin is *: version 1 wants the Origin echoed exactly (https://mail.google.com)"},
				"warn " + SelftestCheckV1Null:    {"Access-Control-Allow-Origin is *", "unconfirmed"},
				"warn " + SelftestCheckPreflight: {"Access-Control-Allow-Origin is *"},
			},
		},
		{
			name:  "redirect on the trailing slash",
			fault: selftestFaultSlashRedirect,
			want: map[string][]string{
				SelftestCheckSlash: {"redirect (302) to /v1/list?t=eyJhbGci…: email clients do not follow redirects"},
			},
		},
		{
			name:  "not JSON",
			fault: selftestFaultNotJSON,
			want: map[string][]string{
				SelftestCheckV2:           {`the body is not JSON (starts "<!doctype html><p>Hello<…")`},
				"warn " + SelftestCheckV2: {`Content-Type is "text/html", not application/json`},
			},
		},
		{
			name:  "wrong JSON shape",
			fault: selftestFaultWrongShape,
			want: map[string][]string{
				SelftestCheckV2: {"wrong JSON shape: the body is a string"},
			},
		},
		{
			name:  "allows every sender",
			fault: selftestFaultAllowEveryone,
			want: map[string][]string{
				SelftestCheckRefused: {
					"the refused sender selftest-refused@invalid.example got AMP-Email-Allow-Sender: selftest-refused@invalid.example",
					"HTTP 200 for a sender that is not allowed; want 403",
				},
			},
		},
		{
			name:  "missing AMP-Email-Allow-Sender",
			fault: selftestFaultNoAllowSender,
			want: map[string][]string{
				SelftestCheckV2:   {"missing AMP-Email-Allow-Sender (version 2): email clients refuse the answer; the answer has only version 1 headers"},
				SelftestCheckBoth: {"missing AMP-Email-Allow-Sender"},
				// The answer to both versions carries only the v1 source origin.
				"warn " + SelftestCheckBoth: {"the answer also has AMP-Access-Control-Allow-Source-Origin: when AMP-Email-Sender is present"},
			},
		},
		{
			name:  "version 1 wins over version 2",
			fault: selftestFaultV1Only,
			want: map[string][]string{
				SelftestCheckBoth:           {"missing AMP-Email-Allow-Sender"},
				"warn " + SelftestCheckBoth: {"also has Access-Control-Allow-Origin and AMP-Access-Control-Allow-Source-Origin"},
			},
		},
		{
			name:  "cacheable, with a cookie",
			fault: selftestFaultCacheable,
			want: map[string][]string{
				"warn " + SelftestCheckV2: {
					`Cache-Control is "public, max-age=600": live data should be private, no-store (or no-cache)`,
					"the answer sets 1 cookie(s)",
				},
			},
		},
		{
			name:  "OPTIONS 405",
			fault: selftestFaultOptions405,
			want: map[string][]string{
				"warn " + SelftestCheckPreflight: {"HTTP 405 to OPTIONS: answer 204 with the CORS headers"},
			},
		},
		{
			name:  "Origin null refused",
			fault: selftestFaultRefuseNullOrigin,
			want: map[string][]string{
				"warn " + SelftestCheckV1Null: {
					`HTTP 403 (not 2xx), the server says "email sender is not allowed": email clients show the fallback; check that the sender is allowed`,
					"missing Access-Control-Allow-Origin (version 1 wants the Origin, null)",
					"missing AMP-Access-Control-Allow-Source-Origin",
					"missing Access-Control-Expose-Headers",
					"unconfirmed",
				},
			},
		},
		{
			name:  "refused sender gets a 401 in plain text",
			fault: selftestFaultRefuse401,
			want: map[string][]string{
				"warn " + SelftestCheckRefused: {
					"HTTP 401 for a sender that is not allowed; 403 is the usual answer",
					`the error body is not JSON (starts "nope")`,
				},
			},
		},
		{
			name:  "every request redirected",
			fault: selftestFaultRedirectEverything,
			want: func() map[string][]string {
				m := map[string][]string{}
				for _, n := range []string{SelftestCheckV2, SelftestCheckV1Gmail, SelftestCheckV1Null, SelftestCheckBoth, SelftestCheckRefused, SelftestCheckPreflight, SelftestCheckSlash} {
					m[n] = []string{"redirect (301) to https://elsewhere.example/v1/list?t=eyJhbGci…"}
				}
				return m
			}(),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSelftestServer(t, tc.fault)
			checks, err := Selftest(context.Background(), srv.URL+"/v1/list?t="+selftestToken, SelftestOptions{Sender: selftestSender})
			if err != nil {
				t.Fatal(err)
			}
			got := selftestSummary(checks)
			if diff := cmp.Diff(selftestKeys(tc.want), selftestKeys(got)); diff != "" {
				t.Fatalf("checks with problems or warnings (-want, +got):\n%s\nall: %q", diff, got)
			}
			for name, subs := range tc.want {
				if len(got[name]) != len(subs) {
					t.Errorf("%s: %d findings, want %d: %q", name, len(got[name]), len(subs), got[name])
					continue
				}
				for i, sub := range subs {
					if !strings.Contains(got[name][i], sub) {
						t.Errorf("%s finding %d = %q, want it to contain %q", name, i+1, got[name][i], sub)
					}
				}
			}
			for _, c := range checks {
				if got, want := c.OK, len(c.Problems) == 0; got != want {
					t.Errorf("%s: OK = %v with problems %q", c.Name, got, c.Problems)
				}
				for _, s := range append(append([]string{c.URL}, c.Problems...), c.Warnings...) {
					if strings.Contains(s, selftestToken) {
						t.Errorf("%s shows the whole token: %q", c.Name, s)
					}
				}
			}
		})
	}
}

// selftestKeys returns the keys of m.
func selftestKeys(m map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// TestSelftestRequests checks what is sent: the order and names of the
// checks, methods, URLs (token shortened, __amp_source_origin added, the
// trailing slash) and the CORS request headers.
func TestSelftestRequests(t *testing.T) {
	t.Parallel()
	type seen struct{ Method, Target, Sender, Origin, ACRM, Cookie string }
	got := make(chan seen, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Method, r.URL.RequestURI(), r.Header.Get("AMP-Email-Sender"), r.Header.Get("Origin"),
			r.Header.Get("Access-Control-Request-Method"), r.Header.Get("Cookie")}
		http.SetCookie(w, &http.Cookie{Name: "c", Value: "1"})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	raw := srv.URL + "/v1/list?a=1&t=" + selftestToken + "&__amp_source_origin=old%40x.example#frag"
	checks, err := Selftest(context.Background(), raw, SelftestOptions{Sender: "a+b@shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	close(got)
	base := "/v1/list?a=1&t=" + selftestToken
	v1 := base + "&__amp_source_origin=a%2Bb%40shop.example"
	wantSeen := map[seen]int{
		{"GET", base, "a+b@shop.example", "", "", ""}:                               1,
		{"GET", v1, "", "https://mail.google.com", "", ""}:                          1,
		{"GET", v1, "", "null", "", ""}:                                             1,
		{"GET", v1, "a+b@shop.example", "https://mail.google.com", "", ""}:          1,
		{"GET", base, "selftest-refused@invalid.example", "", "", ""}:               1,
		{"OPTIONS", v1, "", "https://mail.google.com", "GET", ""}:                   1,
		{"GET", "/v1/list/?a=1&t=" + selftestToken, "a+b@shop.example", "", "", ""}: 1,
	}
	gotSeen := map[seen]int{}
	for s := range got {
		gotSeen[s]++
	}
	if diff := cmp.Diff(wantSeen, gotSeen); diff != "" {
		t.Errorf("requests (-want, +got):\n%s", diff)
	}
	type row struct{ Name, Method, URL string }
	short := srv.URL + "/v1/list?a=1&t=eyJhbGci…"
	wantRows := []row{
		{SelftestCheckV2, "GET", short},
		{SelftestCheckV1Gmail, "GET", short + "&__amp_source_origin=a%2Bb%40shop.example"},
		{SelftestCheckV1Null, "GET", short + "&__amp_source_origin=a%2Bb%40shop.example"},
		{SelftestCheckBoth, "GET", short + "&__amp_source_origin=a%2Bb%40shop.example"},
		{SelftestCheckRefused, "GET", short},
		{SelftestCheckPreflight, "OPTIONS", short + "&__amp_source_origin=a%2Bb%40shop.example"},
		{SelftestCheckSlash, "GET", srv.URL + "/v1/list/?a=1&t=eyJhbGci…"},
	}
	var gotRows []row
	for _, c := range checks {
		gotRows = append(gotRows, row{c.Name, c.Method, c.URL})
		if c.Status != http.StatusNoContent {
			t.Errorf("%s: status %d", c.Name, c.Status)
		}
	}
	if diff := cmp.Diff(wantRows, gotRows); diff != "" {
		t.Errorf("checks (-want, +got):\n%s", diff)
	}
	if w := checks[0].Warnings; len(w) == 0 || !strings.Contains(w[len(w)-1], "the URL already has __amp_source_origin") {
		t.Errorf("version 2 warnings = %q, want one about the URL's __amp_source_origin", w)
	}
}

// TestSelftestURLs: a URL ending in "/" is tried without it; an http URL
// on a public host is a problem.
func TestSelftestURLs(t *testing.T) {
	t.Parallel()
	srv := newSelftestServer(t, selftestFaultNone)
	checks, err := Selftest(context.Background(), srv.URL+"/v1/list/?t="+selftestToken, SelftestOptions{Sender: selftestSender})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := checks[len(checks)-1].URL, srv.URL+"/v1/list?t=eyJhbGci…"; got != want {
		t.Errorf("trailing-slash URL = %q, want %q", got, want)
	}

	// A public http host, reached through a transport that dials the test server.
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, srv.Listener.Addr().String())
		},
	}}
	checks, err = Selftest(context.Background(), "http://live.shop.example/v1/list?t="+selftestToken, SelftestOptions{Sender: selftestSender, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := checks[0].Problems, []string{"the URL is http: email clients fetch only https URLs"}; !cmp.Equal(got, want) {
		t.Errorf("version 2 problems = %q, want %q", got, want)
	}
	for _, c := range checks[1:] {
		if !c.OK {
			t.Errorf("%s: %q", c.Name, c.Problems)
		}
	}
}

// TestSelftestTimeout: an endpoint that does not answer in time fails every
// check with a timeout, and Selftest returns when the timeout is up.
func TestSelftestTimeout(t *testing.T) {
	t.Parallel()
	srv := newSelftestServer(t, selftestFaultSlow)
	start := time.Now()
	checks, err := Selftest(context.Background(), srv.URL+"/v1/list?t="+selftestToken, SelftestOptions{Sender: selftestSender, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
	for _, c := range checks {
		if c.OK || c.Status != 0 || len(c.Problems) != 1 || c.Problems[0] != "no answer within 200ms (timeout)" {
			t.Errorf("%s: OK %v, status %d, problems %q", c.Name, c.OK, c.Status, c.Problems)
		}
	}
}

// TestSelftestUnusable: only a bad URL or sender (or a cancelled context)
// is an error, and the error does not show the whole token.
func TestSelftestUnusable(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name, url, sender string
		ctx               context.Context
		want              string
	}{
		{"relative", "/v1/list?t=" + selftestToken, selftestSender, context.Background(), `selftest: "/v1/list?t=eyJhbGci…" is not an absolute http(s) URL`},
		{"ftp", "ftp://x.example/v1/list", selftestSender, context.Background(), "not an absolute http(s) URL"},
		{"no host", "https:///v1/list", selftestSender, context.Background(), "not an absolute http(s) URL"},
		{"bad URL", "https://x.example/%zz", selftestSender, context.Background(), "not an absolute http(s) URL"},
		{"no sender", "https://x.example/v1/list", "", context.Background(), `selftest: sender "" is not an email address`},
		{"sender without @", "https://x.example/v1/list", "news", context.Background(), "not an email address"},
		{"cancelled", "http://127.0.0.1:1/v1/list", selftestSender, cancelled, "context canceled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checks, err := Selftest(tc.ctx, tc.url, SelftestOptions{Sender: tc.sender})
			if err == nil || !strings.Contains(err.Error(), tc.want) || checks != nil {
				t.Errorf("Selftest = %d checks, %v; want an error containing %q", len(checks), err, tc.want)
			}
		})
	}
}
