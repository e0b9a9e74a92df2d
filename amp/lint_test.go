package amp

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// lintNow is the send time of the lint tests.
var lintNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// lintOptions lint at lintNow.
func lintOptions() LintOptions {
	return LintOptions{Now: func() time.Time { return lintNow }}
}

// mustLintToken mints a demo-key token issued at issued, valid for ttl.
func mustLintToken(tb testing.TB, issued time.Time, ttl time.Duration) string {
	tb.Helper()
	tok, err := DemoKeys().Sign(TokenSpec{Subject: "otto-3", Campaign: "demo-sale", TTL: ttl, Now: issued}, "")
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// mustLintEmail is the AMP part of a whole email with every block for
// esp, with token in its URLs ("" leaves the ESP's merge tag).
func mustLintEmail(tb testing.TB, esp, base, token string) string {
	tb.Helper()
	opt := sampleOptions(esp)
	if base != "" {
		opt.BaseURL = base
	}
	opt.Token = token
	e, err := RenderEmail(EmailOptions{SnippetOptions: opt, Blocks: BlockNames()})
	if err != nil {
		tb.Fatal(err)
	}
	return e.AMP
}

// lintPos is "line:col" of the first marker in doc, counted as Lint does.
func lintPos(tb testing.TB, doc, marker string) string {
	tb.Helper()
	i := strings.Index(doc, marker)
	if i < 0 {
		tb.Fatalf("%q is not in the document", marker)
	}
	before := doc[:i]
	line := strings.Count(before, "\n") + 1
	col := len([]rune(before[strings.LastIndex(before, "\n")+1:]))
	return fmt.Sprintf("%d:%d", line, col)
}

// lintSummary is each warning as "code line:col".
func lintSummary(ws []LintWarning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%s %d:%d", w.Code, w.Line, w.Col))
	}
	return out
}

// TestLintCleanEmail: a whole email of every preset, with a real 45-day
// token in its URLs, has no warnings.
func TestLintCleanEmail(t *testing.T) {
	t.Parallel()
	tok := mustLintToken(t, lintNow, DefaultTTL)
	for _, esp := range ESPNames() {
		t.Run(esp, func(t *testing.T) {
			t.Parallel()
			if ws := Lint(context.Background(), []byte(mustLintEmail(t, esp, "", tok)), lintOptions()); len(ws) > 0 {
				t.Errorf("warnings on a clean email:\n%v", ws)
			}
		})
	}
}

// TestLint breaks one thing per case in a clean generated email.
func TestLint(t *testing.T) {
	t.Parallel()
	tok := mustLintToken(t, lintNow, DefaultTTL)
	good := mustLintEmail(t, "generic", "", tok)
	profileList := good[strings.Index(good, `<amp-list id="amplive-profile"`):]
	profileList = profileList[:strings.Index(profileList, "</amp-list>")+len("</amp-list>")]
	noExp := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"otto-3","aud":"amplive"}`)) + ".c2ln"
	cases := []struct {
		name   string
		doc    func() string
		want   []string // "code MARKER": the warning's position is MARKER's
		inMsg  []string // in the first warning's message
		now    time.Time
		notMsg []string // in no message
	}{
		{
			name: "heights on amp-list",
			doc: func() string {
				return strings.Replace(good, `<amp-list id="amplive-cart"`, `<amp-list id="amplive-cart" heights="(min-width: 500px) 200px, 400px"`, 1)
			},
			want:  []string{`amp_list_heights <amp-list id="amplive-cart"`},
			inMsg: []string{`heights="(min-width: 500px) 200px, 400px"`, "Gmail ignores", "amphtml#40251"},
		},
		{
			name: "21 amp-lists",
			doc: func() string {
				var extra strings.Builder
				for i := 1; i <= 17; i++ { // the email has 4
					extra.WriteString(strings.Replace(profileList, `id="amplive-profile"`, fmt.Sprintf(`id="extra-%d"`, i), 1) + "\n")
				}
				return strings.Replace(good, "</body>", extra.String()+"</body>", 1)
			},
			want:  []string{`amp_list_limit <amp-list id="extra-17"`},
			inMsg: []string{"21 amp-list elements", "at most 20", "wg-amp4email#4", "UNCONFIRMED"},
		},
		{
			name: "21 forms",
			doc: func() string {
				var extra strings.Builder
				for i := 1; i <= 16; i++ { // the email has 5
					fmt.Fprintf(&extra, `<form id="extra-%d" method="post" action-xhr="https://live.example.com/v1/actions/notify?t=%s"><input type="hidden" name="sku" value="X"></form>`+"\n", i, tok)
				}
				return strings.Replace(good, "</body>", extra.String()+"</body>", 1)
			},
			want:  []string{`amp_form_limit <form id="extra-16"`},
			inMsg: []string{"21 amp-form elements", "at most 20", "wg-amp4email#4"},
		},
		{
			name: "101 KB",
			doc: func() string {
				pad := "<p>" + strings.Repeat("Live data, fresh at every open. ", 101_000/32+1) + "</p>\n"
				return strings.Replace(good, "</body>", pad+"</body>", 1)
			},
			want:  []string{"amp_part_size <!doctype html>"},
			inMsg: []string{"over 100,000", "under 100 KB", "200,000"},
		},
		{
			name: "missing fallback",
			doc: func() string {
				return strings.Replace(good, `<div fallback style="padding:16px">Your cart`, `<div style="padding:16px">Your cart`, 1)
			},
			want:  []string{`amp_list_no_fallback <amp-list id="amplive-cart"`},
			inMsg: []string{"no fallback child"},
		},
		{
			name: "missing placeholder",
			doc: func() string {
				return strings.Replace(good, `<div placeholder style="padding:16px;color:#5f6368">Loading your cart…</div>`, "", 1)
			},
			want:  []string{`amp_list_no_placeholder <amp-list id="amplive-cart"`},
			inMsg: []string{"no placeholder child"},
		},
		{
			name:  "token expiring in 10 days",
			doc:   func() string { return strings.ReplaceAll(good, tok, mustLintToken(t, lintNow, 10*24*time.Hour)) },
			want:  []string{`token_expiring <amp-list id="amplive-profile"`},
			inMsg: []string{"expires on 2026-12-11, in 10 days", "for the last 20 days", "30 days", "45-day", "the same token is in 10 URLs"},
		},
		{
			name: "token expired",
			doc: func() string {
				return strings.ReplaceAll(good, tok, mustLintToken(t, lintNow.Add(-50*24*time.Hour), DefaultTTL))
			},
			want:  []string{`token_expired <amp-list id="amplive-profile"`},
			inMsg: []string{"expired on 2026-11-26, 5 days ago", "token_expired"},
		},
		{
			name:  "expired at send time, 45 days later",
			doc:   func() string { return good },
			now:   lintNow.Add(DefaultTTL + time.Hour),
			want:  []string{`token_expired <amp-list id="amplive-profile"`},
			inMsg: []string{"1 hour ago"},
		},
		{
			name:   "not a JWT",
			doc:    func() string { return strings.ReplaceAll(good, tok, "abc123") },
			want:   []string{`token_not_jwt <amp-list id="amplive-profile"`},
			inMsg:  []string{"not a JWT (abc123: not three base64url parts", "the same token is in 9 URLs"}, // not the GIF's: a cache-buster there
			notMsg: []string{"merge tag"},
		},
		{
			name:  "JWT-shaped, not a JWT",
			doc:   func() string { return strings.ReplaceAll(good, tok, "TOKEN.x.y") },
			want:  []string{`token_not_jwt <amp-list id="amplive-profile"`},
			inMsg: []string{"not a JWT", "header is not", "the same token is in 10 URLs"},
		},
		{
			name:  "JWT without exp",
			doc:   func() string { return strings.ReplaceAll(good, tok, noExp) },
			want:  []string{`token_no_exp <amp-list id="amplive-profile"`},
			inMsg: []string{"no exp claim"},
		},
		{
			name: "two problems at once, in document order",
			doc: func() string {
				d := strings.Replace(good, `<div fallback style="padding:16px">Your cart`, `<div style="padding:16px">Your cart`, 1)
				return strings.Replace(d, `<amp-list id="amplive-recommendations"`, `<amp-list id="amplive-recommendations" heights="80%"`, 1)
			},
			want: []string{`amp_list_heights <amp-list id="amplive-recommendations"`, `amp_list_no_fallback <amp-list id="amplive-cart"`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := tc.doc()
			if doc == good && tc.now.IsZero() {
				t.Fatal("the case changed nothing")
			}
			opt := lintOptions()
			if !tc.now.IsZero() {
				opt.Now = func() time.Time { return tc.now }
			}
			got := Lint(context.Background(), []byte(doc), opt)
			var want []string
			for _, w := range tc.want {
				code, marker, _ := strings.Cut(w, " ")
				want = append(want, code+" "+lintPos(t, doc, marker))
			}
			if diff := cmp.Diff(want, lintSummary(got)); diff != "" {
				t.Fatalf("warnings (-want, +got):\n%s\n%v", diff, got)
			}
			for _, s := range tc.inMsg {
				if !strings.Contains(got[0].Message, s) {
					t.Errorf("message lacks %q:\n%s", s, got[0].Message)
				}
			}
			for _, w := range got {
				for _, s := range tc.notMsg {
					if strings.Contains(w.Message, s) {
						t.Errorf("message has %q:\n%s", s, w.Message)
					}
				}
				if strings.Contains(w.Message, tok) {
					t.Errorf("a message shows a whole token: %s", w.Message)
				}
			}
		})
	}
}

// TestLintMergeTags: every preset's output without a token leaves its
// merge tag in each amp-list src, form action-xhr and the countdown GIF's
// URL, and Lint names the syntax, and only that one.
func TestLintMergeTags(t *testing.T) {
	t.Parallel()
	const (
		handlebars = "Handlebars/Liquid/Django {{…}}"
		braze      = "Braze {{custom_attribute.${…}}}"
		ampscript  = "AMPscript %%…%%"
		mailchimp  = "Mailchimp *|…|*"
		generic    = "amplive's generic placeholder ${…}"
	)
	syntaxes := []string{handlebars, braze, ampscript, mailchimp, generic, "Liquid/Django {%…%}"}
	cases := []struct{ esp, tag, syntax, validator string }{
		{"generic", "${amp_token}", generic, "the validator accepts it"},
		{"sendgrid", "{{amp_token}}", handlebars, "the validator rejects"},
		{"iterable", "{{amp_token}}", handlebars, "the validator rejects"},
		{"braze", "{{custom_attribute.${amp_token}}}", braze, "the validator rejects"},
		{"customerio", "{{customer.amp_token}}", handlebars, "the validator rejects"},
		{"klaviyo", "{{ person.amp_token }}", handlebars, "the validator rejects"},
		{"hubspot", "{{ contact.amp_token }}", handlebars, "the validator rejects"},
		{"sfmc", "%%amp_token%%", ampscript, "the validator accepts it"},
		{"mailchimp", "*|AMP_TOKEN|*", mailchimp, "the validator accepts it"},
	}
	if len(cases) != len(ESPNames()) {
		t.Fatalf("%d cases for %d presets: add the new preset", len(cases), len(ESPNames()))
	}
	for _, tc := range cases {
		t.Run(tc.esp, func(t *testing.T) {
			t.Parallel()
			check := func(t *testing.T, doc string, wantN int) {
				t.Helper()
				ws := Lint(context.Background(), []byte(doc), lintOptions())
				if len(ws) != wantN {
					t.Fatalf("%d warnings, want %d:\n%v", len(ws), wantN, ws)
				}
				for _, w := range ws {
					if w.Code != LintMergeTag {
						t.Fatalf("code %s, want %s: %s", w.Code, LintMergeTag, w)
					}
					if want := tc.tag + " (" + tc.syntax + ")"; !strings.Contains(w.Message, want) {
						t.Errorf("message lacks %q:\n%s", want, w.Message)
					}
					if !strings.Contains(w.Message, tc.validator) {
						t.Errorf("message lacks %q:\n%s", tc.validator, w.Message)
					}
					for _, other := range syntaxes {
						if other != tc.syntax && strings.Contains(w.Message, other) {
							t.Errorf("the %s tag is also named %s:\n%s", tc.syntax, other, w.Message)
						}
					}
				}
			}
			t.Run("email", func(t *testing.T) {
				// 4 amp-lists, the countdown fallback's amp-img, 5 forms
				check(t, mustLintEmail(t, tc.esp, "", ""), 10)
			})
			t.Run("snippet", func(t *testing.T) {
				s, err := RenderSnippet("cart", sampleOptions(tc.esp))
				if err != nil {
					t.Fatal(err)
				}
				check(t, s.String(), 1)
			})
		})
	}
}

// TestLintMergeTagSyntaxes names syntaxes no preset writes into a URL.
func TestLintMergeTagSyntaxes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    []string
		encoded bool
	}{
		{"https://x.example/l?t={% if a %}x{% endif %}", []string{"{% if a %} (Liquid/Django {%…%})", "{% endif %} (Liquid/Django {%…%})"}, false},
		{"https://x.example/l?t=%7B%7Bamp_token%7D%7D", []string{"{{amp_token}} (Handlebars/Liquid/Django {{…}})"}, true},
		{"https://x.example/l?t=%%=v(@token)=%%&u=*|EMAIL|*", []string{"%%=v(@token)=%% (AMPscript %%…%%)", "*|EMAIL|* (Mailchimp *|…|*)"}, false},
		{"https://x.example/l?t=eyJ.eyJ.sig&price=100%25", nil, false},
	}
	for _, tc := range cases {
		got, encoded := lintMergeTags(tc.in)
		if diff := cmp.Diff(tc.want, got); diff != "" || encoded != tc.encoded {
			t.Errorf("lintMergeTags(%q) (-want, +got):\n%s encoded %v", tc.in, diff, encoded)
		}
	}
}

// TestLintPositions: lines are 1-based, columns 0-based in characters;
// fallback and placeholder must be direct children of the amp-list, after
// implied end tags; URLs inside templates are amp-mustache's.
func TestLintPositions(t *testing.T) {
	t.Parallel()
	doc := "<!doctype html>\n<html ⚡4email data-css-strict><head></head><body>\n" +
		`<p>⚡ <amp-list layout="fixed-height" height="40" src="https://a.example/l"><p>text<div fallback>x</div><div placeholder>y</div></amp-list>` + "\n" +
		`  <amp-list layout="fixed-height" height="40" src="https://a.example/l"><div><div fallback>x</div></div><div placeholder>y</div></amp-list>` + "\n" +
		`<amp-list layout="fixed-height" height="40" src="https://a.example/l"><div fallback></div><div placeholder></div><template type="amp-mustache"><amp-img src="{{image}}?t={{t}}" width="1" height="1"></amp-img><form method="post" action-xhr="https://a.example/f?t={{id}}"></form></template>` + "\n" +
		"</body></html>"
	got := Lint(context.Background(), []byte(doc), lintOptions())
	want := []LintWarning{{Code: LintNoFallback, Line: 4, Col: 2}}
	if diff := cmp.Diff(want, got, cmpIgnoreMessage); diff != "" {
		t.Errorf("(-want, +got):\n%s", diff)
	}
	if got, want := fmt.Sprint(LintWarning{Code: "c", Line: 3, Col: 5, Message: "m"}), "3:5 warning: m [c]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	// A token in the first amp-list: the column counts ⚡ as one character.
	doc = strings.Replace(doc, `src="https://a.example/l">`, `src="https://a.example/l?t=abc" heights="1">`, 1)
	got = Lint(context.Background(), []byte(doc), lintOptions())
	want = []LintWarning{{Code: LintListHeights, Line: 3, Col: 5}, {Code: LintTokenNotJWT, Line: 3, Col: 5}, {Code: LintNoFallback, Line: 4, Col: 2}}
	if diff := cmp.Diff(want, got, cmpIgnoreMessage); diff != "" {
		t.Errorf("(-want, +got):\n%s", diff)
	}
}

var cmpIgnoreMessage = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Message" }, cmp.Ignore())

// TestLintFetch fetches each amp-list of a generated email from a test
// server as Gmail's proxy does and checks the answers' size.
func TestLintFetch(t *testing.T) {
	t.Parallel()
	big := `{"items":[` + strings.Repeat(`{"title":"Google Sherpa Zip Hoodie","price_text":"$39.00","url":"https://shop.example.com/p/1"},`, 650) + `{}]}`
	cases := []struct {
		name      string
		sender    string
		budget    int
		noAllow   string // path answered without AMP-Email-Allow-Sender
		want      []string
		inMsg     []string
		wantHeard string
	}{
		{
			name:      "a 60 KB answer",
			want:      []string{`amp_list_answer_size <amp-list id="amplive-recommendations"`},
			inMsg:     []string{fmt.Sprintf("is %s bytes, over the budget of 50,000", lintThousands(len(big))), "amphtml#23450", "t=eyJhbGci…"},
			wantHeard: DefaultLintSender,
		},
		{
			name:      "within a larger budget, another sender",
			sender:    "ops@shop.example",
			budget:    100_000,
			wantHeard: "ops@shop.example",
		},
		{
			name:      "an answer Gmail refuses",
			budget:    100_000,
			noAllow:   "/v1/cart",
			want:      []string{`amp_list_fetch_failed <amp-list id="amplive-cart"`},
			inMsg:     []string{"could not be checked: missing AMP-Email-Allow-Sender"},
			wantHeard: DefaultLintSender,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			heard := map[string]bool{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				heard[r.Header.Get("AMP-Email-Sender")] = true
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Path != tc.noAllow {
					w.Header().Set("AMP-Email-Allow-Sender", r.Header.Get("AMP-Email-Sender"))
				}
				if r.URL.Path == "/v1/recommendations" {
					fmt.Fprint(w, big)
					return
				}
				fmt.Fprint(w, `{"items":[{"known":true}]}`)
			}))
			t.Cleanup(srv.Close)
			doc := mustLintEmail(t, "generic", srv.URL, mustLintToken(t, lintNow, DefaultTTL))
			opt := lintOptions()
			opt.Fetch, opt.Sender, opt.ResponseBudget, opt.Client = true, tc.sender, tc.budget, srv.Client()
			got := Lint(context.Background(), []byte(doc), opt)
			var want []string
			for _, w := range tc.want {
				code, marker, _ := strings.Cut(w, " ")
				want = append(want, code+" "+lintPos(t, doc, marker))
			}
			if diff := cmp.Diff(want, lintSummary(got)); diff != "" {
				t.Fatalf("warnings (-want, +got):\n%s\n%v", diff, got)
			}
			for _, s := range tc.inMsg {
				if !strings.Contains(got[0].Message, s) {
					t.Errorf("message lacks %q:\n%s", s, got[0].Message)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(map[string]bool{tc.wantHeard: true}, heard); diff != "" {
				t.Errorf("AMP-Email-Sender received (-want, +got):\n%s", diff)
			}
		})
	}
}
