package amp

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sampleOptions are the options every golden snippet and email is made with.
func sampleOptions(esp string) SnippetOptions {
	return SnippetOptions{
		BaseURL: "https://live.example.com", ESP: esp, Campaign: "demo-sale", SKU: "GGOEGADJ135212",
		Topics: []string{"apparel", "bags", "drinkware"}, ShopURL: "https://shop.example.com/",
	}
}

// TestSnippetGoldens renders every block for every ESP preset and compares
// it with testdata/snippets/<esp>/<block>.html.
func TestSnippetGoldens(t *testing.T) {
	t.Parallel()
	for _, esp := range ESPNames() {
		for _, block := range BlockNames() {
			s, err := RenderSnippet(block, sampleOptions(esp))
			if err != nil {
				t.Fatalf("%s/%s: %v", esp, block, err)
			}
			golden(t, filepath.Join("..", "testdata", "snippets", esp, block+".html"), []byte(s.String()))
		}
	}
}

// TestEmailGoldens renders a whole email with every block for every preset
// (testdata/emails/<esp>.amp.html) and the HTML and text parts once.
func TestEmailGoldens(t *testing.T) {
	t.Parallel()
	items := []FallbackItem{{Title: "Google Sherpa Zip Hoodie {{Charcoal}}", URL: "https://shop.example.com/p/1",
		Image: "https://shop.example.com/i/1.jpg", PriceText: "$39.00"}}
	for _, esp := range ESPNames() {
		e, err := RenderEmail(EmailOptions{SnippetOptions: sampleOptions(esp), Blocks: BlockNames(), Footer: "You get this email because you asked for it.", Items: items})
		if err != nil {
			t.Fatalf("%s: %v", esp, err)
		}
		golden(t, filepath.Join("..", "testdata", "emails", esp+".amp.html"), []byte(e.AMP))
		if esp == "generic" {
			golden(t, filepath.Join("..", "testdata", "emails", "fallback.html"), []byte(e.HTML))
			golden(t, filepath.Join("..", "testdata", "emails", "fallback.txt"), []byte(e.Text))
		}
		if len(e.Report.Warnings) > 0 || e.Report.AMPBytes != len(e.AMP) || e.Report.CSSBytes == 0 {
			t.Errorf("%s: report %+v", esp, e.Report)
		}
		if strings.Contains(e.HTML, "{{Charcoal}}") || strings.Contains(e.Text, "{{Charcoal}}") {
			t.Errorf("%s: send-time text kept a template tag the ESP would run", esp)
		}
	}
}

// TestEmailOnlyUsedExtensions: the head carries exactly the scripts of the
// blocks chosen.
func TestEmailOnlyUsedExtensions(t *testing.T) {
	t.Parallel()
	opt := sampleOptions("generic")
	opt.Token = "TOKEN.x.y"
	e, err := RenderEmail(EmailOptions{SnippetOptions: opt, Blocks: []string{"cart"}})
	if err != nil {
		t.Fatal(err)
	}
	for ext, want := range map[string]bool{"amp-list": true, "amp-mustache": true, "amp-form": false, "amp-bind": false} {
		if got := strings.Contains(e.AMP, `"`+ext+`"`); got != want {
			t.Errorf("%s script present = %v, want %v", ext, got, want)
		}
	}
	if probs := checkAMP4Email(e.AMP); len(probs) > 0 {
		t.Error(probs)
	}
}

// TestSnippetErrors: each malformed option is refused with an error that
// names it.
func TestSnippetErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, block string
		edit        func(*SnippetOptions)
		want        string
	}{
		{"unknown block", "carousel", func(*SnippetOptions) {}, "unknown block"},
		{"unknown esp", "cart", func(o *SnippetOptions) { o.ESP = "gmail" }, "unknown ESP"},
		{"http base", "cart", func(o *SnippetOptions) { o.BaseURL = "http://live.example.com" }, "only https"},
		{"relative base", "cart", func(o *SnippetOptions) { o.BaseURL = "/v1" }, "--base-url"},
		{"base with query", "cart", func(o *SnippetOptions) { o.BaseURL = "https://x.example/?a=1" }, "--base-url"},
		{"quote in base", "cart", func(o *SnippetOptions) { o.BaseURL = `https://x.example/"` }, "--base-url"},
		{"bad field", "cart", func(o *SnippetOptions) { o.TokenField = "amp token" }, "--token-field"},
		{"mailchimp long field", "cart", func(o *SnippetOptions) { o.ESP = "mailchimp"; o.TokenField = "amplive_token" }, "at most 10"},
		{"bad token", "cart", func(o *SnippetOptions) { o.Token = `x"><script>` }, "--token"},
		{"no campaign", "countdown", func(o *SnippetOptions) { o.Campaign = "" }, "--campaign"},
		{"no sku", "notify", func(o *SnippetOptions) { o.SKU = "" }, "--sku"},
		{"rate both", "rate", func(o *SnippetOptions) { o.Question = "fit" }, "not both"},
		{"rate neither", "rate", func(o *SnippetOptions) { o.SKU = "" }, "--question"},
		{"bad question", "rate", func(o *SnippetOptions) { o.SKU = ""; o.Question = "Fit?" }, "--question"},
		{"no topics", "preferences", func(o *SnippetOptions) { o.Topics = nil }, "--topics"},
		{"upper topic", "preferences", func(o *SnippetOptions) { o.Topics = []string{"Apparel"} }, "lower-case"},
		{"bad shop url", "cart", func(o *SnippetOptions) { o.ShopURL = "javascript:alert(1)" }, "--shop-url"},
		{"token not a JWT", "cart", func(o *SnippetOptions) { o.Token = "garbage" }, "not a JWT"},
		{"campaign with a dot", "countdown", func(o *SnippetOptions) { o.Campaign = "demo.sale" }, "--campaign"},
		{"negative max items", "cart", func(o *SnippetOptions) { o.MaxItems = -1 }, "--max-items"},
		{"too many items", "recommendations", func(o *SnippetOptions) { o.MaxItems = 51 }, "--max-items"},
		{"options for a rating", "rate", func(o *SnippetOptions) { o.Options = []string{"a", "b"} }, "--options"},
		{"poll option twice", "rate", func(o *SnippetOptions) { o.SKU = ""; o.Question = "fit"; o.Options = []string{"a", "a"} }, "twice"},
		{"topic twice", "preferences", func(o *SnippetOptions) { o.Topics = []string{"bags", "bags"} }, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt := sampleOptions("generic")
			c.edit(&opt)
			_, err := RenderSnippet(c.block, opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := RenderSnippet("cart", SnippetOptions{BaseURL: "http://127.0.0.1:8080", Token: "a.b.c"}); err != nil {
		t.Errorf("http on loopback is for previews: %v", err)
	}
	if _, err := RenderEmail(EmailOptions{SnippetOptions: sampleOptions("generic"), Blocks: []string{"cart", "cart"}}); err == nil {
		t.Error("a repeated block makes duplicate ids")
	}
	if _, err := RenderEmail(EmailOptions{SnippetOptions: sampleOptions("generic"), Blocks: []string{"cart"}, Lang: `en"><script>`}); err == nil || !strings.Contains(err.Error(), "--lang") {
		t.Errorf("a hostile --lang: %v", err)
	}
}

// espSyntax is anything one of the ESP languages would read as its own.
var espSyntax = regexp.MustCompile(`\{|\}|%%|\*\||\|\*`)

// TestNotesHoldNoTemplateSyntax: notes go into comments that every ESP
// engine reads, so they must not contain its syntax.
func TestNotesHoldNoTemplateSyntax(t *testing.T) {
	t.Parallel()
	for _, name := range ESPNames() {
		esp, _ := LookupESP(name)
		if len(esp.Notes) == 0 {
			t.Errorf("%s has no notes", name)
		}
		for _, n := range esp.Notes {
			if espSyntax.MatchString(n) {
				t.Errorf("%s note %q contains template syntax", name, n)
			}
		}
	}
}
