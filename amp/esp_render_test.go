package amp

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aymerick/raymond"
	"github.com/cbroglie/mustache"
	"github.com/flosch/pongo2/v6"
	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/osteele/liquid"
)

// sampleToken is the recipient's token in the send-time renders: a JWT's
// shape (three base64url parts) so any escaping an engine did would show.
const sampleToken = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJvdHRvLTMifQ.c2lnbmF0dXJlLV8tXw"

// sendTime renders body as ESP esp does at send time for a recipient whose
// token attribute (DefaultTokenField) holds sampleToken, through a real Go
// implementation of that ESP's template language. Where no implementation
// exists the step is named in a comment and done literally.
func sendTime(t *testing.T, esp, body string) string {
	t.Helper()
	tok := map[string]any{DefaultTokenField: sampleToken}
	var out string
	var err error
	switch esp {
	case "generic": // no engine: the marketer's own mail-merge replaces the placeholder
		out = strings.ReplaceAll(body, "${"+DefaultTokenField+"}", sampleToken)
	case "sendgrid", "iterable": // Handlebars (github.com/aymerick/raymond)
		out, err = raymond.Render(body, tok)
	case "braze", "customerio": // Liquid (github.com/osteele/liquid)
		// Braze writes a custom attribute as custom_attribute.${name}, an
		// extension plain Liquid does not parse: resolve that one reference
		// first, then let Liquid render everything else.
		body = strings.ReplaceAll(body, "custom_attribute.${"+DefaultTokenField+"}", "custom_attribute."+DefaultTokenField)
		var b []byte
		b, err = liquid.NewEngine().ParseAndRender([]byte(body), map[string]any{"customer": tok, "custom_attribute": tok})
		out = string(b)
	case "klaviyo": // Django templates (github.com/flosch/pongo2)
		var tpl *pongo2.Template
		if tpl, err = pongo2.FromString(body); err == nil {
			out, err = tpl.Execute(pongo2.Context{"person": tok})
		}
	case "hubspot": // HubL is Jinjava, a Jinja implementation (github.com/nikolalohinski/gonja)
		var tpl *exec.Template
		if tpl, err = gonja.FromString(body); err == nil {
			out, err = tpl.ExecuteToString(exec.NewContext(map[string]any{"contact": tok}))
		}
	case "sfmc": // Guide Template Language is mustache-based (github.com/cbroglie/mustache);
		// AMPscript has no Go implementation: its personalization string is replaced literally after.
		out, err = mustache.Render(body, map[string]any{})
		out = strings.ReplaceAll(out, "%%"+DefaultTokenField+"%%", sampleToken)
	case "mailchimp": // merge tags have no Go implementation: replaced literally
		out = strings.ReplaceAll(body, "*|"+strings.ToUpper(DefaultTokenField)+"|*", sampleToken)
	default:
		t.Fatalf("no send-time engine for %s", esp)
	}
	if err != nil {
		t.Fatalf("%s engine: %v", esp, err)
	}
	return out
}

var htmlComment = regexp.MustCompile(`(?s)<!--.*?-->\n?`)

// TestESPSendTimeRendering is the proof the presets work: every block and a
// whole email, for every ESP, rendered through that ESP's template language
// with a sample recipient, equals the intended AMP — the same block with
// the recipient's token written in and every amp-mustache tag intact
// (comments, which carry the notes and the SFMC switch, aside) — and the
// rendered email passes the AMP4EMAIL structure check.
func TestESPSendTimeRendering(t *testing.T) {
	t.Parallel()
	intended := sampleOptions("generic")
	intended.Token = sampleToken
	for _, esp := range ESPNames() {
		t.Run(esp, func(t *testing.T) {
			t.Parallel()
			for _, block := range BlockNames() {
				s, err := RenderSnippet(block, sampleOptions(esp))
				if err != nil {
					t.Fatal(err)
				}
				want, err := RenderSnippet(block, intended)
				if err != nil {
					t.Fatal(err)
				}
				got := sendTime(t, esp, s.Body)
				if strip(got) != strip(want.Body) {
					t.Errorf("%s: after %s's engine:\n%s\nwant:\n%s", block, esp, got, want.Body)
				}
				if !strings.Contains(got, "?t="+sampleToken+`"`) && !strings.Contains(got, "?t="+sampleToken+"&") {
					t.Errorf("%s: the token is not in the URL", block)
				}
			}
			opt := EmailOptions{SnippetOptions: sampleOptions(esp), Blocks: BlockNames()}
			e, err := RenderEmail(opt)
			if err != nil {
				t.Fatal(err)
			}
			opt.SnippetOptions = intended
			want, err := RenderEmail(opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := sendTime(t, esp, e.HTML); strip(got) != strip(want.HTML) || !strings.Contains(got, ".gif?t="+sampleToken+`"`) {
				t.Errorf("the HTML part after %s's engine:\n%s\nwant:\n%s", esp, got, want.HTML)
			}
			got := sendTime(t, esp, e.AMP)
			if strip(got) != strip(want.AMP) {
				t.Errorf("whole email after %s's engine differs:\n%s", esp, got)
			}
			if probs := checkAMP4Email(got); len(probs) > 0 {
				t.Errorf("the sent email breaks AMP4EMAIL rules: %v", probs)
			}
			if r := Validate([]byte(got)); !r.Pass || len(r.Errors) > 0 {
				t.Errorf("the sent email fails the validator: %v", r.Errors)
			}
			if n, m := strings.Count(got, "{{"), strings.Count(want.AMP, "{{"); n != m || n == 0 {
				t.Errorf("%d amp-mustache tags after sending, want %d", n, m)
			}
		})
	}
}

// strip drops HTML comments and one final newline, which Jinja (HubL)
// removes by design (its keep_trailing_newline option is off by default).
func strip(s string) string { return strings.TrimSuffix(htmlComment.ReplaceAllString(s, ""), "\n") }
