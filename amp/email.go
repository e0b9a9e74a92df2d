package amp

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/amplive/amplive/templates"
)

// Size budgets of an AMP email (AMP-EMAIL.md §6).
const (
	// MaxAMPBytes is the AMP4EMAIL document limit: 200,000 bytes
	// (https://amp.dev/documentation/guides-and-tutorials/email/learn/email-spec/amp-email-format).
	MaxAMPBytes = 200_000
	// WarnAMPBytes is the old Gmail limit of the AMP MIME part (100 KB);
	// amplive warns above it.
	WarnAMPBytes = 100_000
	// MaxCSSBytes is the limit of <style amp-custom> plus inline styles under
	// data-css-strict (75,000 bytes).
	MaxCSSBytes = 75_000
	// MaxInlineStyleBytes is the limit of one style attribute (1,000 bytes).
	MaxInlineStyleBytes = 1_000
	// GmailClipBytes is where Gmail clips an HTML body ("[Message clipped]",
	// about 102 KB); amplive warns when the text/html part is larger.
	GmailClipBytes = 102_000
)

// EmailOptions describe a whole AMP email: which blocks, for which ESP,
// pointing where, and the send-time content of its HTML fallback.
type EmailOptions struct {
	SnippetOptions
	// Blocks are block names (see BlockNames) in the order they appear.
	Blocks []string
	// Title is the heading of both parts (default "Just for you").
	Title string
	// Lang is the document language (default "en").
	Lang string
	// Footer is the small print under the blocks.
	Footer string
	// Items are the recommendations shown as a static list in the HTML and
	// text parts, read from the store at send time; empty when none could be
	// read (the parts then link to ShopURL).
	Items []FallbackItem
}

// FallbackItem is one product line of the HTML and text parts.
type FallbackItem struct{ Title, URL, Image, PriceText string }

// Email is a generated email: the three MIME bodies and their sizes.
type Email struct {
	// AMP is the text/x-amp-html part, HTML the text/html part, Text the
	// text/plain part, all UTF-8.
	AMP, HTML, Text string
	Report          SizeReport
}

// SizeReport gives the byte sizes of an email's parts and the budgets they
// come near or exceed.
type SizeReport struct {
	AMPBytes, HTMLBytes, TextBytes, CSSBytes int
	// Warnings are human-readable, e.g. "AMP part is 120,000 bytes: over
	// the 100,000 bytes some clients once allowed".
	Warnings []string
}

var (
	ampDocument = template.Must(template.New("amp.html").Delims(templates.Delims[0], templates.Delims[1]).
			ParseFS(templates.FS, "email/amp.html"))
	htmlFallback = htmltemplate.Must(htmltemplate.New("fallback.html").Delims(templates.Delims[0], templates.Delims[1]).
			ParseFS(templates.FS, "email/fallback.html"))
	textFallback = template.Must(template.New("text.txt").Delims(templates.Delims[0], templates.Delims[1]).
			ParseFS(templates.FS, "email/text.txt"))
)

// emailBlock is one block as the document template sees it.
type emailBlock struct {
	Heading string
	HTML    string
}

// RenderEmail builds a complete AMP4EMAIL document for opt.ESP — the
// `<html ⚡4email data-css-strict>` skeleton, the runtime, only the
// extensions the blocks use, each block protected for the ESP — and its
// text/html and text/plain fallbacks. Errors: no blocks, a block repeated,
// any RenderSnippet error, or an AMP part over MaxAMPBytes or CSS over
// MaxCSSBytes; nearer budgets become Report.Warnings.
func RenderEmail(opt EmailOptions) (Email, error) {
	if len(opt.Blocks) == 0 {
		return Email{}, fmt.Errorf("no blocks: choose from %s", strings.Join(BlockNames(), ", "))
	}
	esp, err := lookupESP(opt.ESP)
	if err != nil {
		return Email{}, err
	}
	var exts []string
	var blocks []emailBlock
	var specs []blockSpec
	seen := map[string]bool{}
	for _, name := range opt.Blocks {
		spec, ok := findBlock(name)
		if !ok {
			return Email{}, fmt.Errorf("unknown block %q (blocks: %s)", name, strings.Join(BlockNames(), ", "))
		}
		if seen[name] {
			return Email{}, fmt.Errorf("block %q is listed twice (element ids must be unique)", name)
		}
		seen[name] = true
		body, err := renderBlock(spec, esp, opt.SnippetOptions)
		if err != nil {
			return Email{}, err
		}
		exts = append(exts, spec.extensions...)
		specs = append(specs, spec)
		blocks = append(blocks, emailBlock{Heading: spec.heading, HTML: esp.protect(body)})
	}
	lang := orDefault(opt.Lang, "en")
	if !langTag.MatchString(lang) {
		return Email{}, fmt.Errorf("--lang %q: a language tag such as en or pt-BR", lang)
	}
	title := orDefault(opt.Title, "Just for you")
	doc := struct {
		Lang, Title, Footer, Prologue string
		Scripts                       []string
		Blocks                        []emailBlock
	}{
		Lang: lang, Title: htmlText(title), Footer: htmlText(opt.Footer),
		Prologue: esp.prologue + notesComment(esp.Title, notesFor(specs, esp, opt.SnippetOptions)), Scripts: scriptsFor(exts), Blocks: blocks,
	}
	var amp bytes.Buffer
	if err := ampDocument.Execute(&amp, doc); err != nil {
		return Email{}, fmt.Errorf("render AMP part: %w", err)
	}
	fb := fallbackData(opt, esp, lang, title)
	var html, text bytes.Buffer
	if err := htmlFallback.Execute(&html, fb); err != nil {
		return Email{}, fmt.Errorf("render HTML part: %w", err)
	}
	if err := textFallback.Execute(&text, fb); err != nil {
		return Email{}, fmt.Errorf("render text part: %w", err)
	}
	e := Email{AMP: amp.String(), HTML: html.String(), Text: text.String()}
	e.Report, err = sizeReport(e)
	return e, err
}

// notesComment is notes as an HTML comment (empty for none).
func notesComment(espTitle string, notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return "<!-- amplive email for " + espTitle + ".\n     " + strings.Join(notes, "\n     ") + " -->\n"
}

// langTag is the shape of a BCP 47 language tag (en, pt-BR, zh-Hant-TW).
var langTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// fallbackContent is what the HTML and text parts show.
type fallbackContent struct {
	Lang, Title, Footer, ShopURL, ItemsHeading string
	// CountdownImage is the countdown GIF's URL; CountdownImg is its <img>
	// tag, built here because the URL holds the ESP's merge tag, which
	// html/template would percent-encode. Both come from a checked base
	// URL and campaign and the preset's own tag (or a checked JWT) only.
	CountdownImage string
	CountdownImg   htmltemplate.HTML
	Items          []FallbackItem
}

func fallbackData(opt EmailOptions, esp ESP, lang, title string) fallbackContent {
	fb := fallbackContent{
		Lang: lang, Title: espText(title), Footer: espText(opt.Footer),
		ShopURL: opt.ShopURL, ItemsHeading: "Picked for you",
	}
	if slices.Contains(opt.Blocks, "countdown") {
		base, _ := checkBaseURL(opt.BaseURL) // checked by renderBlock before this runs
		tok, _ := tokenRef(esp, opt.SnippetOptions)
		fb.CountdownImage = countdownImageURL(base, opt.Campaign, tok)
		fb.CountdownImg = htmltemplate.HTML(`<img src="` + fb.CountdownImage + `" width="480" height="120" alt="Time left">`)
	}
	for _, it := range opt.Items {
		fb.Items = append(fb.Items, FallbackItem{
			Title: espText(it.Title), URL: espText(it.URL), Image: espText(it.Image), PriceText: espText(it.PriceText),
		})
	}
	return fb
}

var (
	styleElement = regexp.MustCompile(`(?s)<style amp-custom>(.*?)</style>`)
	inlineStyle  = regexp.MustCompile(`\sstyle="([^"]*)"`)
)

func sizeReport(e Email) (SizeReport, error) {
	r := SizeReport{AMPBytes: len(e.AMP), HTMLBytes: len(e.HTML), TextBytes: len(e.Text)}
	for _, m := range styleElement.FindAllStringSubmatch(e.AMP, -1) {
		r.CSSBytes += len(m[1])
	}
	for _, m := range inlineStyle.FindAllStringSubmatch(e.AMP, -1) {
		r.CSSBytes += len(m[1])
		if len(m[1]) > MaxInlineStyleBytes {
			return r, fmt.Errorf("an inline style is %d bytes, over AMP's %d", len(m[1]), MaxInlineStyleBytes)
		}
	}
	switch {
	case r.AMPBytes > MaxAMPBytes:
		return r, fmt.Errorf("the AMP part is %d bytes, over AMP4EMAIL's limit of %d", r.AMPBytes, MaxAMPBytes)
	case r.AMPBytes > WarnAMPBytes:
		r.Warnings = append(r.Warnings, fmt.Sprintf("the AMP part is %d bytes, over the %d bytes Gmail once allowed", r.AMPBytes, WarnAMPBytes))
	}
	if r.CSSBytes > MaxCSSBytes {
		return r, fmt.Errorf("CSS is %d bytes, over AMP4EMAIL's limit of %d", r.CSSBytes, MaxCSSBytes)
	}
	if r.HTMLBytes > GmailClipBytes {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the HTML part is %d bytes: Gmail clips HTML over about %d", r.HTMLBytes, GmailClipBytes))
	}
	return r, nil
}

// espBreaker spaces out every sequence an ESP template language would read
// as its own syntax, so send-time data (product titles, the title a
// marketer typed) cannot become a template tag in any preset.
var espBreaker = strings.NewReplacer("{{", "{ {", "}}", "} }", "{%", "{ %", "%}", "% }", "%%", "% %", "*|", "* |", "|*", "| *", "${", "$ {", "{<", "{ <", ">}", "> }")

func espText(s string) string { return espBreaker.Replace(s) }

func htmlText(s string) string { return template.HTMLEscapeString(espText(s)) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
