package amp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/net/html"
)

// cssDocStyle is one place of an HTML document the CSS checks look at: a
// <style> element's text (desc is its tag's descriptive name) or a style
// attribute (tag is the element's name), with the position of the start tag.
type cssDocStyle struct {
	inline    bool
	desc, tag string
	text      string
	line, col int
}

// cssScanDocument finds the stylesheets and style attributes of doc with
// x/net/html's tokenizer, tracking each token's byte offset (z.Raw) to
// compute the 1-based line and 0-based column (in characters) of its start
// tag, and reports whether <html> carries data-css-strict.
func cssScanDocument(t *testing.T, doc []byte) (styles []cssDocStyle, strict bool) {
	t.Helper()
	pos := func(off int) (int, int) {
		before := doc[:off]
		nl := bytes.LastIndexByte(before, '\n')
		return bytes.Count(before, []byte{'\n'}) + 1, utf8.RuneCount(before[nl+1:])
	}
	z := html.NewTokenizer(bytes.NewReader(doc))
	off := 0
	var open *cssDocStyle // the <style> whose text comes next
	for {
		tt := z.Next()
		start := off
		off += len(z.Raw())
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				t.Fatal(z.Err())
			}
			return styles, strict
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			line, col := pos(start)
			open = nil
			has := func(key string) bool {
				return slices.ContainsFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == key })
			}
			if tok.Data == "html" && has("data-css-strict") {
				strict = true
			}
			for _, a := range tok.Attr {
				if a.Key == "style" {
					styles = append(styles, cssDocStyle{inline: true, tag: tok.Data, text: a.Val, line: line, col: col})
				}
			}
			if tok.Data == "style" && tt == html.StartTagToken {
				switch {
				case has("amp-custom"):
					open = &cssDocStyle{desc: "style amp-custom", line: line, col: col}
				case has("amp4email-boilerplate"):
					open = &cssDocStyle{desc: "head > style[amp4email-boilerplate]", line: line, col: col}
				}
			}
		case html.TextToken:
			if open != nil {
				open.text = tok.Data
				styles = append(styles, *open)
			}
			open = nil
		default:
			open = nil
		}
	}
}

// cssCheckDocument runs the CSS checks on every stylesheet and style
// attribute of doc, as the HTML driver would, and formats the results as
// the official outputs do ("LINE:COL message (see URL)"), with the
// document-level size check reported at endLine/endCol.
func cssCheckDocument(t *testing.T, doc []byte, endLine, endCol int) []string {
	t.Helper()
	styles, strict := cssScanDocument(t, doc)
	var errs []ValidationError
	var total cssBytes
	for _, s := range styles {
		if s.inline {
			errs = append(errs, cssCheckInlineStyle(s.text, s.tag, s.line, s.col, strict)...)
			total.Inline += cssInlineStyleBytes(s.text, strict)
			continue
		}
		errs = append(errs, cssCheckStylesheet(s.text, s.line, s.col, strict, s.desc)...)
		if s.desc == "style amp-custom" {
			total.Stylesheet += cssStylesheetBytes(s.text, strict)
		}
	}
	errs = append(errs, total.sizeErrors(endLine, endCol, strict)...)
	return cssStrings(errs)
}

// cssStrings formats errs as the official outputs do, without the file
// name: "LINE:COL message (see URL)".
func cssStrings(errs []ValidationError) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.String())
	}
	return out
}

// cssCodes are the codes the CSS checks emit; an official output line whose
// message has one of their formats is a CSS line.
var cssCodes = []string{
	"STYLESHEET_TOO_LONG", "STYLESHEET_AND_INLINE_STYLE_TOO_LONG", "INLINE_STYLE_TOO_LONG",
	"CDATA_VIOLATES_DENYLIST", "MANDATORY_CDATA_MISSING_OR_INCORRECT", "DISALLOWED_PROPERTY_IN_ATTR_VALUE",
	"CSS_SYNTAX_", "CSS_EXCESSIVELY_NESTED", // prefixes
}

// cssLineMatchers are regular expressions for the messages of cssCodes,
// built from the rule data's error formats.
func cssLineMatchers(t *testing.T) []*regexp.Regexp {
	t.Helper()
	var res []*regexp.Regexp
	for code, format := range loadRules().errorFormats {
		if !slices.ContainsFunc(cssCodes, func(c string) bool { return c == code || strings.HasSuffix(c, "_") && strings.HasPrefix(code, c) }) {
			continue
		}
		re := regexp.QuoteMeta(format)
		re = regexp.MustCompile(`%\d+`).ReplaceAllString(re, `.*`)
		res = append(res, regexp.MustCompile(`^\d+:\d+ `+re+`( \(see .*\))?$`))
	}
	if len(res) == 0 {
		t.Fatal("no error formats for the CSS codes")
	}
	return res
}

// cssOfficialCase is an official test case's document and the CSS lines of
// its expected output, without the "amp4email_feature_tests/NAME.html:"
// prefix.
type cssOfficialCase struct {
	name string
	doc  []byte
	want []string
}

func cssOfficialCases(t *testing.T) []cssOfficialCase {
	t.Helper()
	dir := filepath.Join("..", "testdata", "amp-validator")
	outs, err := filepath.Glob(filepath.Join(dir, "*.out"))
	if err != nil || len(outs) == 0 {
		t.Fatalf("no official cases in %s: %v", dir, err)
	}
	matchers := cssLineMatchers(t)
	var cases []cssOfficialCase
	for _, out := range outs {
		name := strings.TrimSuffix(filepath.Base(out), ".out")
		doc, err := os.ReadFile(filepath.Join(dir, name+".html"))
		if err != nil {
			t.Fatal(err)
		}
		expected, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		c := cssOfficialCase{name: name, doc: doc, want: []string{}}
		prefix := "amp4email_feature_tests/" + name + ".html:"
		for _, line := range strings.Split(string(expected), "\n") {
			rest, ok := strings.CutPrefix(line, prefix)
			if ok && slices.ContainsFunc(matchers, func(re *regexp.Regexp) bool { return re.MatchString(rest) }) {
				c.want = append(c.want, rest)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// TestCSSOfficialCases compares, for every official AMP4EMAIL case, the CSS
// checks' output on the document's stylesheets and style attributes with
// every CSS line of the official output (go test ./amp -run CSSOfficial -v
// logs the agreement per case).
func TestCSSOfficialCases(t *testing.T) {
	for _, c := range cssOfficialCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got := cssCheckDocument(t, c.doc, 0, 0)
			slices.Sort(got)
			want := append([]string{}, c.want...)
			slices.Sort(want)
			same := 0
			rest := slices.Clone(got)
			for _, w := range want {
				if i := slices.Index(rest, w); i >= 0 {
					same++
					rest = slices.Delete(rest, i, i+1)
				}
			}
			t.Logf("%s: %d of %d official CSS lines reproduced exactly, %d extra", c.name, same, len(want), len(rest))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("CSS lines (-official, +ours):\n%s", diff)
			}
		})
	}
}

// TestCSSRuleData checks that the rule data resolves as the checks expect.
func TestCSSRuleData(t *testing.T) {
	rs := cssLoadRules()
	loose, strict := rs.docSpec(false), rs.docSpec(true)
	if loose == nil || strict == nil || loose == strict {
		t.Fatalf("doc CSS specs: loose %v, strict %v", loose, strict)
	}
	if !loose.allowAll || strict.allowAll || !loose.expandVendorPrefixes || strict.expandVendorPrefixes {
		t.Errorf("allow_all/expand_vendor_prefixes: loose %v/%v, strict %v/%v", loose.allowAll, loose.expandVendorPrefixes, strict.allowAll, strict.expandVendorPrefixes)
	}
	if got, want := len(strict.decls), 222; got != want {
		t.Errorf("strict declarations = %d, want %d (EMAIL_SPECIFIC_DECLARATIONS)", got, want)
	}
	var raw cssRawRules
	if err := json.Unmarshal(validatorRulesJSON, &raw); err != nil {
		t.Fatal(err)
	}
	for _, l := range raw.DeclarationList {
		for _, d := range l.Declaration {
			if re := first(d.ValueRegexCasei); re != "" && ruleRegexp("(?i)^(?:"+re+")$") == nil {
				t.Errorf("%s %s: value_regex_casei does not compile: %s", first(l.Name), first(d.Name), re)
			}
		}
	}
	for _, desc := range []string{"style amp-custom", "head > style[amp4email-boilerplate]"} {
		for _, s := range []bool{false, true} {
			tag := rs.styleTag(desc, s)
			if tag == nil {
				t.Errorf("no tag spec %q (strict %v)", desc, s)
				continue
			}
			for _, d := range tag.denylist {
				if d.re == nil {
					t.Errorf("%q: a disallowed_cdata_regex does not compile", desc)
				}
			}
		}
	}
	if rs.styleTag("style amp-custom", true).sheet.selector == nil || rs.styleTag("style amp-custom", false).sheet.selector != nil {
		t.Error("only the strict style amp-custom spec restricts selectors")
	}
}

// TestCSSSizeLimits reproduces the size cases of the official validator's
// TestCssLengthAmpEmail and TestCssLengthAmpEmailStrict
// (validator/cpp/engine/validator_test.cc): the same stylesheets and inline
// styles, the same expected lines.
func TestCSSSizeLimits(t *testing.T) {
	const (
		blob     = "h1 {color: hotpink}\n" // 20 bytes
		sizeURL  = " (see https://amp.dev/documentation/guides-and-tutorials/email/learn/spec/amphtml#maximum-size)"
		tooLong  = "13:2 The author stylesheet specified in tag 'style amp-custom' is too long - document contains 75001 bytes whereas the limit is 75000 bytes." + sizeURL
		inline1k = "17:2 The inline style specified in tag 'div' is too long - it contains 1001 bytes whereas the limit is 1000 bytes." + sizeURL
	)
	combined := func(n string) string {
		return "The author stylesheet specified in tag 'style amp-custom' and the combined inline styles is too large - document contains " + n + " bytes whereas the limit is 75000 bytes." + sizeURL
	}
	cases := []struct {
		name       string
		stylesheet string
		inline     []string
		wantLines  []string
		wantSev    string // severity of every wanted line, per strictness below
		strict     bool
	}{
		{"MaxBytes", strings.Repeat(blob, 3750), nil, nil, "", true},
		{"MaxBytes", strings.Repeat(blob, 3750), nil, nil, "", false},
		{"OffByOne", strings.Repeat(blob, 3750) + " ", nil, []string{tooLong}, "ERROR", true},
		{"OffByOne", strings.Repeat(blob, 3750) + " ", nil, []string{tooLong}, "ERROR", false},
		{"MaxBytesInline", "", slices.Repeat([]string{"width:1px;"}, 7500), nil, "", true},
		{"OffByOneInline", "", slices.Repeat([]string{"width:1px;"}, 7501), []string{"19:6 " + combined("75010")}, "ERROR", true},
		{"OffByOneInline", "", slices.Repeat([]string{"width:1px;"}, 7501), []string{"19:6 " + combined("75010")}, "WARNING", false},
		{"CombinedMaxBytes", strings.Repeat(blob, 3750), []string{"display:block;"}, []string{"19:6 " + combined("75014")}, "ERROR", true},
		{"CombinedMaxBytes", strings.Repeat(blob, 3750), []string{"display:block;"}, []string{"19:6 " + combined("75014")}, "WARNING", false},
		{"AllowedInline", "", []string{strings.Repeat("width:1px;", 100)}, nil, "", true},
		{"AllowedInline2", "", []string{strings.Repeat("width:1px;", 100) + " "}, []string{inline1k}, "ERROR", true},
		{"AllowedInline2", "", []string{strings.Repeat("width:1px;", 100) + " "}, []string{inline1k}, "WARNING", false},
	}
	for _, tc := range cases {
		name := tc.name
		if tc.strict {
			name += "Strict"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var errs []ValidationError
			var total cssBytes
			errs = append(errs, cssCheckStylesheet(tc.stylesheet, 13, 2, tc.strict, "style amp-custom")...)
			total.Stylesheet = cssStylesheetBytes(tc.stylesheet, tc.strict)
			for _, s := range tc.inline {
				tag := "b"
				if len(s) > 1000 {
					tag = "div"
				}
				errs = append(errs, cssCheckInlineStyle(s, tag, 17, 2, tc.strict)...)
				total.Inline += cssInlineStyleBytes(s, tc.strict)
			}
			errs = append(errs, total.sizeErrors(19, 6, tc.strict)...)
			if diff := cmp.Diff(tc.wantLines, cssStrings(errs), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want, +got):\n%s", diff)
			}
			for _, e := range errs {
				if e.Severity != tc.wantSev {
					t.Errorf("%s: severity %s, want %s", e.Code, e.Severity, tc.wantSev)
				}
			}
		})
	}
}

// TestCSSChecks covers rules the official cases do not exercise: url()
// protocols, the boilerplate text, tokenization quirks kept for fidelity.
func TestCSSChecks(t *testing.T) {
	const (
		emailCSS = " (see https://amp.dev/documentation/guides-and-tutorials/email/learn/email-spec/amp-email-css)"
		styles   = " (see https://amp.dev/documentation/guides-and-tutorials/develop/style_and_layout/style_pages/)"
	)
	cases := []struct {
		name   string
		check  func() []ValidationError
		want   []string
		strict bool
	}{
		{
			name: "image URLs must be https",
			check: func() []ValidationError {
				css := "\n.a { background: url(http://x.test/a.png) }\n.b { background: url('data:image/png;base64,AA') }\n.c { background: url(https://x.test/c.png) }\n"
				return cssCheckStylesheet(css, 5, 2, true, "style amp-custom")
			},
			want: []string{
				"6:17 CSS syntax error in tag 'style amp-custom' - invalid url protocol 'http:'." + emailCSS,
				"7:17 CSS syntax error in tag 'style amp-custom' - invalid url protocol 'data:'." + emailCSS,
			},
		},
		{
			name: "inline image URL at the tag",
			check: func() []ValidationError {
				return cssCheckInlineStyle("background-image: url('http://x.test/a.png')", "b", 3, 4, false)
			},
			want: []string{"3:4 CSS syntax error in tag 'b' - invalid url protocol 'http:'."},
		},
		{
			name: "malformed url() drops every URL of the stylesheet",
			check: func() []ValidationError {
				return cssCheckStylesheet("\na { background: url('x' y) }\nb { background: url(http://x.test/) }", 1, 0, false, "style amp-custom")
			},
			want: []string{"2:16 CSS syntax error in tag 'style amp-custom' - bad url."},
		},
		{
			name: "!important inline",
			check: func() []ValidationError {
				return cssCheckInlineStyle("color: red !important", "p", 8, 0, true)
			},
			want: []string{"8:0 Usage of the !important CSS qualifier is not allowed." + styles},
		},
		{
			name: "CSS on the tag's line is positioned from the tag (official quirk)",
			check: func() []ValidationError {
				return cssCheckStylesheet("a{color:red !important}", 10, 2, true, "style amp-custom")
			},
			want: []string{"10:14 Usage of the !important CSS qualifier is not allowed." + styles},
		},
		{
			name: "vendor prefixes are expanded only without data-css-strict",
			check: func() []ValidationError {
				css := "\n.a { -webkit-transition: opacity 1s; -webkit-cursor: pointer }"
				return append(cssCheckStylesheet(css, 1, 0, true, "style amp-custom"), cssCheckStylesheet(css, 1, 0, false, "style amp-custom")...)
			},
			want: []string{
				"2:5 CSS syntax error in tag 'style amp-custom' - invalid property '-webkit-transition'." + emailCSS,
				"2:37 CSS syntax error in tag 'style amp-custom' - invalid property '-webkit-cursor'." + emailCSS,
			},
		},
		{
			name: "values: first identifier or number, case-insensitive",
			check: func() []ValidationError {
				return cssCheckInlineStyle("cursor: POINTER; z-index: 101; visibility: hidden; transition: foo 1s", "span", 2, 2, true)
			},
			want: []string{
				"2:2 CSS syntax error in tag 'span' - the property 'z-index' is set to the disallowed value '101'." + styles,
				"2:2 CSS syntax error in tag 'span' - the property 'transition' is set to the disallowed value 'foo'." + styles,
			},
		},
		{
			name: "inline syntax errors are positioned from the tag",
			check: func() []ValidationError {
				return cssCheckInlineStyle("color red; {x}", "div", 4, 2, true)
			},
			want: []string{
				"4:2 CSS syntax error in tag 'div' - incomplete declaration.",
				"4:13 CSS syntax error in tag 'div' - invalid declaration.",
			},
		},
		{
			name: "media queries",
			check: func() []ValidationError {
				return cssCheckStylesheet("\n@media print, screen and (max-width: 10px) and (-webkit-min-resolution: 2dppx) {}\n@media (color {}\n", 1, 0, false, "style amp-custom")
			},
			// The unclosed "(" swallows the block, so the at-rule has none; the
			// feature seen before the parse failed is still judged.
			want: []string{
				"2:7 CSS syntax error in tag 'style amp-custom' - disallowed media type 'print'.",
				"3:0 CSS syntax error in tag 'style amp-custom' - malformed media query.",
				"3:8 CSS syntax error in tag 'style amp-custom' - disallowed media feature 'color'.",
			},
		},
		{
			name: "html comments and i-amphtml- are disallowed text",
			check: func() []ValidationError {
				return cssCheckStylesheet("\n<!-- .i-amphtml-x {} -->\n", 7, 2, false, "style amp-custom")
			},
			want: []string{
				"7:2 The text inside tag 'style amp-custom' contains 'html comments', which is disallowed." + emailCSS,
				"7:2 The text inside tag 'style amp-custom' contains 'CSS i-amphtml- name prefix', which is disallowed." + emailCSS,
			},
		},
		{
			name: "unterminated comment and string",
			check: func() []ValidationError {
				return cssCheckStylesheet("\na { content: 'x\n}\n/* end", 1, 0, false, "style amp-custom")
			},
			// The official tokenizer reports an unterminated comment at the
			// character before it, then reads an empty name from the comment's
			// last character: a rule cut short at 4:5.
			want: []string{
				"2:13 CSS syntax error in tag 'style amp-custom' - unterminated string.",
				"3:1 CSS syntax error in tag 'style amp-custom' - unterminated comment.",
				"4:5 CSS syntax error in tag 'style amp-custom' - end of stylesheet encountered in prelude of a qualified rule.",
			},
		},
		{
			name: "the boilerplate text",
			check: func() []ValidationError {
				return append(cssCheckStylesheet("body{visibility:hidden}", 4, 2, true, "head > style[amp4email-boilerplate]"),
					cssCheckStylesheet("body { visibility: visible }", 4, 2, true, "head > style[amp4email-boilerplate]")...)
			},
			want: []string{"4:2 The mandatory text inside tag 'head > style[amp4email-boilerplate]' is missing or incorrect. (see https://amp.dev/documentation/guides-and-tutorials/learn/email-spec/amp-email-format/?format=email#required-markup)"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := cssStrings(tc.check())
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want, +got):\n%s", diff)
			}
		})
	}
}

// TestCSSTokenize checks token kinds, values and positions, including the
// official engine's ways: CR LF and FF count as one line break, columns
// count characters, url(…) without quotes is one token but url("…") a
// function, numbers keep their representation.
func TestCSSTokenize(t *testing.T) {
	type tok struct {
		Kind      cssTokKind
		Val       string
		Line, Col int
	}
	cases := []struct {
		name string
		in   string
		want []tok
	}{
		{"declaration", "a:-1000", []tok{{cssTokIdent, "a", 3, 5}, {cssTokColon, "", 3, 6}, {cssTokNumber, "-1000", 3, 7}, {cssTokEOF, "", 3, 12}}},
		{"line breaks", "a\r\nb\fc", []tok{{cssTokIdent, "a", 3, 5}, {cssTokWhitespace, "", 3, 6}, {cssTokIdent, "b", 4, 0}, {cssTokWhitespace, "", 4, 1}, {cssTokIdent, "c", 5, 0}, {cssTokEOF, "", 5, 1}}},
		{"non-ASCII names", "\u00a0 é", []tok{{cssTokIdent, "\u00a0", 3, 5}, {cssTokWhitespace, "", 3, 6}, {cssTokIdent, "é", 3, 7}, {cssTokEOF, "", 3, 8}}},
		{"urls", "url(a.png) URL( 'b')", []tok{{cssTokURL, "a.png", 3, 5}, {cssTokWhitespace, "", 3, 15}, {cssTokFunction, "URL", 3, 16}, {cssTokWhitespace, "", 3, 20}, {cssTokString, "b", 3, 21}, {cssTokCloseParen, "", 3, 24}, {cssTokEOF, "", 3, 25}}},
		{"custom property and escape", `--x:\31 a`, []tok{{cssTokIdent, "--x", 3, 5}, {cssTokColon, "", 3, 8}, {cssTokIdent, "1a", 3, 9}, {cssTokEOF, "", 3, 14}}},
		{"comment", "/* c */#id", []tok{{cssTokHash, "id", 3, 12}, {cssTokEOF, "", 3, 15}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			toks, issues := cssTokenize(tc.in, 3, 5)
			if len(issues) > 0 {
				t.Fatalf("issues: %v", issues)
			}
			var got []tok
			for _, x := range toks {
				got = append(got, tok{x.kind, x.val, x.line, x.col})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want, +got):\n%s", diff)
			}
		})
	}
}

// cssCheckStylesheet is cssMatchStylesheet without the byte count (tests). It checks the text of <style amp-custom> (tagDesc "style
// amp-custom") or of the boilerplate style (tagDesc "head >
// style[amp4email-boilerplate]") in a document with (strict) or without
// data-css-strict, and returns the official errors and warnings with their
// positions in the document. line (1-based) and col (0-based, in
// characters) are where the <style> start tag begins: the official
// validator counts the stylesheet's positions from there and reports
// whole-stylesheet errors (the text contains …, too long, mandatory text)
// at that position. An empty css returns nil: the official validator only
// checks an element that has text. Checks, in the official order: CSS
// syntax, media queries and (strict) selectors, !important, url()
// protocols (https only for email images), at-rules, the property and
// value allow-list (strict), the per-stylesheet byte limit, and the
// disallowed text patterns (<!--, i-amphtml-). Source:
// validator-internal.cc CdataMatcher::Match and MatchCss;
// https://amp.dev/documentation/guides-and-tutorials/email/learn/email-spec/amp-email-css
func cssCheckStylesheet(css string, line, col int, strict bool, tagDesc string) []ValidationError {
	errs, _ := cssMatchStylesheet(css, line, col, strict, tagDesc)
	return errs
}

// cssCheckInlineStyle is cssMatchInlineStyle without the byte count (tests). It checks one style="…" attribute value (unescaped) of
// an element named tagName (lower case, the name messages use) whose start
// tag begins at line (1-based) and col (0-based, in characters), in a
// document with (strict) or without data-css-strict. Every error is
// reported at the tag's position (syntax errors at the tag's position
// shifted by their offset in the value, as the official validator does).
// Checks: CSS syntax (stopping there if it fails), the 1,000-byte
// per-style limit (a warning without data-css-strict), the property and
// value allow-list (strict), i-amphtml- property names, !important, and
// url() protocols. Source: validator-internal.cc ValidateAttrCss;
// https://amp.dev/documentation/guides-and-tutorials/develop/style_and_layout/style_pages/
func cssCheckInlineStyle(style, tagName string, line, col int, strict bool) []ValidationError {
	errs, _ := cssMatchInlineStyle(style, tagName, line, col, strict)
	return errs
}

// cssStylesheetBytes is what the text of <style amp-custom> adds to
// cssBytes.Stylesheet: its length in bytes (URLs included for AMP4EMAIL),
// or 0 when it exceeds its own 75,000-byte limit (the official validator
// stops counting it then) or is empty.
func cssStylesheetBytes(css string, strict bool) int {
	_, n := cssMatchStylesheet(css, 1, 0, strict, "style amp-custom")
	return n
}

// cssInlineStyleBytes is what one style attribute value adds to
// cssBytes.Inline: its length in bytes (URLs included for AMP4EMAIL).
func cssInlineStyleBytes(style string, strict bool) int {
	_, n := cssMatchInlineStyle(style, "", 1, 0, strict)
	return n
}
