package amp

// CSS checks of the AMP4EMAIL validator: <style amp-custom>, the
// amp4email-boilerplate style, inline style="…" attributes and the CSS byte
// limits, driven by the official rule data (validatorRulesJSON) and ported
// from the official validator's C++ engine so that codes, parameters,
// positions and spec URLs match its output:
//
//   - tokenizer and parser: ampproject/amphtml validator/cpp/htmlparser/css/parse-css.cc,
//     an implementation of CSS Syntax Level 3 (https://www.w3.org/TR/css-syntax-3/);
//   - checks: validator/cpp/engine/validator-internal.cc (CdataMatcher::Match,
//     CdataMatcher::MatchCss, ValidateAttrCss, MaybeEmitCssLengthErrors).
//
// Two quirks of the official engine are reproduced on purpose:
//
//   - A stylesheet is tokenized as if its first character stood where the
//     <style> tag starts, not where its text starts (CdataMatcher's line_col is
//     the tag's). Stylesheets that begin with a newline, the usual layout, get
//     true positions; CSS on the tag's own line is reported shifted left by the
//     length of the start tag. So callers pass the tag's position.
//   - Inline style errors are reported at the start of the element's tag;
//     syntax errors inside the attribute are positioned as if the value started
//     there (validator-internal.cc, "The line/col we are passing in here is
//     not the actual starting point", amphtml#27507).

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// cssAttrName is the attribute whose value is an inline style.
const cssAttrName = "style"

// ---------------------------------------------------------------------------
// Rule data
// ---------------------------------------------------------------------------

// cssRawRules is the part of the rule data's shape the CSS checks read: the
// styles spec URL, the document CSS specs ("css"), the named declaration
// lists and the tag specs. Every scalar is a one-element array of strings.
type cssRawRules struct {
	StylesSpecURL   []string         `json:"styles_spec_url"`
	CSS             []cssRawDocSpec  `json:"css"`
	DeclarationList []cssRawDeclList `json:"declaration_list"`
	Tags            []rawTag         `json:"tags"`
}

// cssRawDocSpec is one DocCssSpec: the document-wide CSS rules of an
// html_format, possibly enabled or disabled by a type identifier such as
// data-css-strict.
type cssRawDocSpec struct {
	HTMLFormat                 []string        `json:"html_format"`
	EnabledBy                  []string        `json:"enabled_by"`
	DisabledBy                 []string        `json:"disabled_by"`
	SpecURL                    []string        `json:"spec_url"`
	MaxBytes                   []string        `json:"max_bytes"`
	MaxBytesIsWarning          []string        `json:"max_bytes_is_warning"`
	MaxBytesPerInlineStyle     []string        `json:"max_bytes_per_inline_style"`
	MaxBytesSpecURL            []string        `json:"max_bytes_spec_url"`
	URLBytesIncluded           []string        `json:"url_bytes_included"`
	AllowAllDeclarationInStyle []string        `json:"allow_all_declaration_in_style"`
	AllowImportant             []string        `json:"allow_important"`
	ExpandVendorPrefixes       []string        `json:"expand_vendor_prefixes"`
	ImageURLSpec               []cssRawURLSpec `json:"image_url_spec"`
	FontURLSpec                []cssRawURLSpec `json:"font_url_spec"`
	Declaration                []cssRawDecl    `json:"declaration"`
	DeclarationList            []string        `json:"declaration_list"`
}

// cssRawURLSpec is a UrlSpec (allow_relative defaults to true, allow_empty
// to false, as in validator.proto).
type cssRawURLSpec struct {
	Protocol      []string `json:"protocol"`
	AllowRelative []string `json:"allow_relative"`
	AllowEmpty    []string `json:"allow_empty"`
}

// cssRawDecl is a CssDeclaration: an allowed property and, optionally, the
// values its first identifier may take.
type cssRawDecl struct {
	Name            []string `json:"name"`
	ValueCasei      []string `json:"value_casei"`
	ValueRegexCasei []string `json:"value_regex_casei"`
}

// cssRawDeclList is a named DeclarationList.
type cssRawDeclList struct {
	Name        []string     `json:"name"`
	Declaration []cssRawDecl `json:"declaration"`
}

// cssRawCdata is a CdataSpec: what the text of an element must look like.
type cssRawCdata struct {
	MaxBytes             []string         `json:"max_bytes"`
	MaxBytesSpecURL      []string         `json:"max_bytes_spec_url"`
	DocCSSBytes          []string         `json:"doc_css_bytes"`
	MandatoryCdata       []string         `json:"mandatory_cdata"`
	CdataRegex           []string         `json:"cdata_regex"`
	WhitespaceOnly       []string         `json:"whitespace_only"`
	CSSSpec              []cssRawCSSSpec  `json:"css_spec"`
	DisallowedCdataRegex []cssRawDenyRule `json:"disallowed_cdata_regex"`
}

// cssRawDenyRule is a disallowed_cdata_regex with its message.
type cssRawDenyRule struct {
	Regex        []string `json:"regex"`
	ErrorMessage []string `json:"error_message"`
}

// cssRawCSSSpec is a CssSpec: the at-rules, selectors and properties a
// stylesheet element may use.
type cssRawCSSSpec struct {
	AtRuleSpec []struct {
		Name           []string `json:"name"`
		MediaQuerySpec []struct {
			IssuesAsError []string `json:"issues_as_error"`
			Type          []string `json:"type"`
			Feature       []string `json:"feature"`
		} `json:"media_query_spec"`
	} `json:"at_rule_spec"`
	SelectorSpec []struct {
		AttributeName []string `json:"attribute_name"`
		PseudoClass   []string `json:"pseudo_class"`
		PseudoElement []string `json:"pseudo_element"`
	} `json:"selector_spec"`
	Declaration    []string `json:"declaration"`
	AllowImportant []string `json:"allow_important"`
}

// cssRuleSet is the CSS part of the rule data for AMP4EMAIL, resolved.
type cssRuleSet struct {
	stylesSpecURL string        // rules.styles_spec_url
	docSpecs      []*cssDocSpec // the "css" entries for AMP4EMAIL, in order
	tags          []*cssTagSpec // the AMP4EMAIL tag specs
}

// cssDocSpec is a resolved DocCssSpec. Integers are -1 when unset.
type cssDocSpec struct {
	enabledBy, disabledBy []string
	specURL               string
	maxBytes              int
	maxBytesIsWarning     bool
	maxBytesPerInline     int
	maxBytesSpecURL       string
	urlBytesIncluded      bool
	allowAll              bool // allow_all_declaration_in_style
	allowImportant        bool
	expandVendorPrefixes  bool
	imageURL, fontURL     *cssURLSpec // nil when unset
	decls                 map[string]*cssDeclSpec
}

// cssDeclSpec restricts the value of one allowed property; both fields empty
// means any value.
type cssDeclSpec struct {
	valueCasei []string
	valueRegex *regexp.Regexp // whole-value, case-insensitive
}

// cssURLSpec is a resolved UrlSpec.
type cssURLSpec struct {
	protocols     []string
	allowRelative bool
	allowEmpty    bool
}

// cssTagSpec is the part of a tag spec the CSS checks need. maxBytes is -1
// when the cdata sets none.
type cssTagSpec struct {
	upper, specName, desc string
	enabledBy, disabledBy []string
	specURL               string // TagSpecUrl: spec_url, else the extension's page
	hasCdata              bool
	maxBytes              int
	maxBytesSpecURL       string
	docCSSBytes           bool
	mandatoryCdata        *string
	cdataRegex            *regexp.Regexp // whole-text match
	whitespaceOnly        bool
	sheet                 *cssSheetSpec // nil unless the text is CSS
	denylist              []cssDenyRule
}

// cssSheetSpec is a resolved CssSpec.
type cssSheetSpec struct {
	atRules        []string // allowed at-rule names
	media          *cssMediaSpec
	selector       *cssSelectorSpec
	declarations   []string // if non-empty, the only allowed properties
	allowImportant bool
}

// cssMediaSpec lists the allowed media types and features of @media.
type cssMediaSpec struct {
	issuesAsError bool
	types         []string
	features      []string
}

// cssSelectorSpec lists the allowed attribute selectors and pseudo classes
// and elements ("*" allows all).
type cssSelectorSpec struct {
	attrNames, pseudoClasses, pseudoElements []string
}

// cssDenyRule is one disallowed_cdata_regex (a case-insensitive partial
// match).
type cssDenyRule struct {
	re      *regexp.Regexp
	message string
}

// cssLoadRules is the CSS part of the embedded rule data, built by
// loadRules with the rest from one decoding of the data.
func cssLoadRules() *cssRuleSet { return loadRules().css }

// cssNewRuleSet resolves raw for AMP4EMAIL: it keeps the doc CSS specs and
// tag specs whose html_format includes AMP4EMAIL (or is empty, meaning all
// formats) and merges each doc spec's declaration lists into one map.
func cssNewRuleSet(raw cssRawRules) *cssRuleSet {
	rs := &cssRuleSet{stylesSpecURL: first(raw.StylesSpecURL)}
	lists := map[string][]cssRawDecl{}
	for _, l := range raw.DeclarationList {
		lists[first(l.Name)] = append(lists[first(l.Name)], l.Declaration...)
	}
	for _, c := range raw.CSS {
		if cssForEmail(c.HTMLFormat) {
			rs.docSpecs = append(rs.docSpecs, cssNewDocSpec(c, lists))
		}
	}
	for _, t := range raw.Tags {
		if cssForEmail(t.HTMLFormat) {
			rs.tags = append(rs.tags, cssNewTagSpec(t))
		}
	}
	return rs
}

// cssForEmail reports whether an html_format list covers AMP4EMAIL.
func cssForEmail(formats []string) bool {
	return len(formats) == 0 || slices.Contains(formats, "AMP4EMAIL")
}

// cssNewDocSpec resolves one DocCssSpec; declarations named later override
// earlier ones, as in the official ParsedDocCssSpec.
func cssNewDocSpec(c cssRawDocSpec, lists map[string][]cssRawDecl) *cssDocSpec {
	d := &cssDocSpec{
		enabledBy: c.EnabledBy, disabledBy: c.DisabledBy,
		specURL:              first(c.SpecURL),
		maxBytes:             cssInt(c.MaxBytes, -1),
		maxBytesIsWarning:    first(c.MaxBytesIsWarning) == "true",
		maxBytesPerInline:    cssInt(c.MaxBytesPerInlineStyle, -1),
		maxBytesSpecURL:      first(c.MaxBytesSpecURL),
		urlBytesIncluded:     first(c.URLBytesIncluded) == "true",
		allowAll:             first(c.AllowAllDeclarationInStyle) == "true",
		allowImportant:       first(c.AllowImportant) == "true",
		expandVendorPrefixes: first(c.ExpandVendorPrefixes) == "true",
		imageURL:             cssNewURLSpec(c.ImageURLSpec),
		fontURL:              cssNewURLSpec(c.FontURLSpec),
		decls:                map[string]*cssDeclSpec{},
	}
	add := func(decls []cssRawDecl) {
		for _, x := range decls {
			if name := first(x.Name); name != "" {
				ds := &cssDeclSpec{valueCasei: x.ValueCasei}
				if re := first(x.ValueRegexCasei); re != "" {
					ds.valueRegex = ruleRegexp("(?i)^(?:" + re + ")$")
				}
				d.decls[name] = ds
			}
		}
	}
	add(c.Declaration)
	for _, name := range c.DeclarationList {
		add(lists[name])
	}
	return d
}

// cssNewURLSpec resolves an optional UrlSpec (nil when absent).
func cssNewURLSpec(specs []cssRawURLSpec) *cssURLSpec {
	if len(specs) == 0 {
		return nil
	}
	s := specs[0]
	return &cssURLSpec{
		protocols:     s.Protocol,
		allowRelative: first(s.AllowRelative) != "false",
		allowEmpty:    first(s.AllowEmpty) == "true",
	}
}

// cssNewTagSpec resolves the parts of a tag spec the CSS checks read.
func cssNewTagSpec(t rawTag) *cssTagSpec {
	ts := &cssTagSpec{
		upper: first(t.TagName), specName: first(t.SpecName), desc: first(t.DescriptiveName),
		enabledBy: t.EnabledBy, disabledBy: t.DisabledBy, maxBytes: -1,
	}
	if ts.desc == "" {
		ts.desc = strings.ToLower(ts.upper)
	}
	switch {
	case len(t.SpecURL) > 0:
		ts.specURL = first(t.SpecURL)
	case len(t.ExtensionSpec) > 0 && first(t.ExtensionSpec[0].Name) != "":
		ts.specURL = "https://amp.dev/documentation/components/" + first(t.ExtensionSpec[0].Name)
	case len(t.RequiresExtension) > 0:
		ts.specURL = "https://amp.dev/documentation/components/" + t.RequiresExtension[0]
	}
	if len(t.Cdata) == 0 {
		return ts
	}
	c := t.Cdata[0]
	ts.hasCdata = true
	ts.maxBytes = cssInt(c.MaxBytes, -1)
	ts.maxBytesSpecURL = first(c.MaxBytesSpecURL)
	ts.docCSSBytes = first(c.DocCSSBytes) == "true"
	if len(c.MandatoryCdata) > 0 {
		m := c.MandatoryCdata[0]
		ts.mandatoryCdata = &m
	}
	if re := first(c.CdataRegex); re != "" {
		ts.cdataRegex = ruleRegexp("^(?:" + re + ")$")
	}
	ts.whitespaceOnly = first(c.WhitespaceOnly) == "true"
	for _, d := range c.DisallowedCdataRegex {
		if re := ruleRegexp("(?i)" + first(d.Regex)); re != nil {
			ts.denylist = append(ts.denylist, cssDenyRule{re: re, message: first(d.ErrorMessage)})
		}
	}
	if len(c.CSSSpec) > 0 {
		ts.sheet = cssNewSheetSpec(c.CSSSpec[0])
	}
	return ts
}

// cssNewSheetSpec resolves a CssSpec; only the first at-rule spec with a
// media_query_spec counts, as in the official MatchCss.
func cssNewSheetSpec(c cssRawCSSSpec) *cssSheetSpec {
	s := &cssSheetSpec{declarations: c.Declaration, allowImportant: first(c.AllowImportant) == "true"}
	for _, a := range c.AtRuleSpec {
		s.atRules = append(s.atRules, first(a.Name))
		if s.media == nil && len(a.MediaQuerySpec) > 0 {
			m := a.MediaQuerySpec[0]
			s.media = &cssMediaSpec{issuesAsError: first(m.IssuesAsError) == "true", types: m.Type, features: m.Feature}
		}
	}
	if len(c.SelectorSpec) > 0 {
		x := c.SelectorSpec[0]
		s.selector = &cssSelectorSpec{attrNames: x.AttributeName, pseudoClasses: x.PseudoClass, pseudoElements: x.PseudoElement}
	}
	return s
}

// cssInt is a dumped integer, or def when absent or malformed.
func cssInt(v []string, def int) int {
	if len(v) == 0 {
		return def
	}
	n, err := strconv.Atoi(v[0])
	if err != nil {
		return def
	}
	return n
}

// cssUsed reports whether a spec with these enabled_by/disabled_by lists
// applies to an AMP4EMAIL document whose type identifiers are amp4email
// and, when strict, data-css-strict (IsUsedForTypeIdentifiers).
func cssUsed(enabledBy, disabledBy []string, strict bool) bool {
	has := func(id string) bool { return id == "amp4email" || (strict && id == "data-css-strict") }
	switch {
	case len(enabledBy) > 0:
		return slices.ContainsFunc(enabledBy, has)
	case len(disabledBy) > 0:
		return !slices.ContainsFunc(disabledBy, has)
	}
	return true
}

// docSpec is the document CSS spec in force (MatchingDocCssSpec), or nil.
func (rs *cssRuleSet) docSpec(strict bool) *cssDocSpec {
	for _, d := range rs.docSpecs {
		if cssUsed(d.enabledBy, d.disabledBy, strict) {
			return d
		}
	}
	return nil
}

// styleTag is the STYLE tag spec in force whose descriptive name or spec
// name is desc and which has a cdata spec, or nil.
func (rs *cssRuleSet) styleTag(desc string, strict bool) *cssTagSpec {
	for _, t := range rs.tags {
		if t.upper == "STYLE" && t.hasCdata && (t.desc == desc || t.specName == desc) && cssUsed(t.enabledBy, t.disabledBy, strict) {
			return t
		}
	}
	return nil
}

// tagSpecURL is TagSpecUrl of the first tag spec in force for the lower-case
// tag name, the URL inline-style URL errors cite ("" for most HTML tags). The
// official validator uses the spec that matched the element; for tags with
// several specs this is an approximation.
func (rs *cssRuleSet) tagSpecURL(tagName string, strict bool) string {
	upper := strings.ToUpper(tagName)
	for _, t := range rs.tags {
		if t.upper == upper && cssUsed(t.enabledBy, t.disabledBy, strict) {
			return t.specURL
		}
	}
	return ""
}

// lookup returns the declaration rule for a property name, or nil when the
// property is not allowed (CssDeclarationByName: lower-cased, vendor prefix
// stripped only if expand_vendor_prefixes).
func (d *cssDocSpec) lookup(name string) *cssDeclSpec {
	key := strings.ToLower(name)
	if d.expandVendorPrefixes {
		key = cssStripVendorPrefix(key)
	}
	return d.decls[key]
}

// ---------------------------------------------------------------------------
// Tokenizer (CSS Syntax Level 3 §4, as parse-css.cc implements it)
// ---------------------------------------------------------------------------

// cssTokKind is a token type of CSS Syntax Level 3 §4
// (https://www.w3.org/TR/css-syntax-3/#tokenization).
type cssTokKind uint8

const (
	cssTokEOF cssTokKind = iota
	cssTokWhitespace
	cssTokIdent
	cssTokFunction
	cssTokAtKeyword
	cssTokHash
	cssTokString
	cssTokURL
	cssTokDelim
	cssTokNumber
	cssTokPercentage
	cssTokDimension
	cssTokCDO
	cssTokCDC
	cssTokColon
	cssTokSemicolon
	cssTokComma
	cssTokOpenSquare
	cssTokCloseSquare
	cssTokOpenParen
	cssTokCloseParen
	cssTokOpenCurly
	cssTokCloseCurly
	cssTokIncludeMatch
	cssTokDashMatch
	cssTokPrefixMatch
	cssTokSuffixMatch
	cssTokSubstringMatch
	cssTokColumn
	cssTokError // a tokenizer error; val is the official code
)

// cssTok is one token. val is the name of an ident, function, at-keyword or
// hash, the text of a string or url, a delim's character, or a number's
// representation as written ("-10", "+1", "1.5e3"); unit is a dimension's
// unit. line (1-based) and col (0-based, in characters) are positions in the
// document; pos is the index of the token's first character in the input.
type cssTok struct {
	kind      cssTokKind
	val, unit string
	line, col int
	pos       int
}

// cssIssue is an error the tokenizer, parser or a stylesheet rule finds: an
// official code, its parameters (the first is replaced by the tag's name
// when reported) and its position.
type cssIssue struct {
	code      string
	params    []string
	line, col int
}

// cssMark is the position a token starts at.
type cssMark struct{ line, col, pos int }

// tok makes a token of kind at m.
func (m cssMark) tok(kind cssTokKind, val string) cssTok {
	return cssTok{kind: kind, val: val, line: m.line, col: m.col, pos: m.pos}
}

// place moves t to m.
func (m cssMark) place(t cssTok) cssTok {
	t.line, t.col, t.pos = m.line, m.col, m.pos
	return t
}

// cssTokenizer holds the state of one tokenization: the preprocessed code
// points, the current code point and index, and each index's position.
// Like the official one, it keeps the last code point as "current" after
// running off the end (a quirk some error paths depend on).
type cssTokenizer struct {
	s             []rune
	code          rune
	pos           int
	eof           bool
	lineAt, colAt []int
	startLine     int
	startCol      int
	issues        []cssIssue
}

// cssTokenize splits text into tokens, the last of which is EOF, and
// returns the tokenizer's errors (unterminated comments and strings, bad
// urls, stray backslashes). The first character of text is taken to be at
// line (1-based) and col (0-based); columns count code points after
// preprocessing. Shape: tokens []cssTok ending in cssTokEOF; issues with
// params ["style"]. Source: parse-css.cc Tokenizer; CSS Syntax Level 3 §3.3
// (preprocessing) and §4.3 (consume a token).
func cssTokenize(text string, line, col int) ([]cssTok, []cssIssue) {
	z := &cssTokenizer{s: cssPreprocess([]rune(text)), pos: -1, startLine: line, startCol: col}
	z.lineAt = make([]int, len(z.s))
	z.colAt = make([]int, len(z.s))
	curLine, curCol := line, col
	for i, r := range z.s {
		z.lineAt[i], z.colAt[i] = curLine, curCol
		if r == '\n' {
			curLine++
			curCol = 0
		} else {
			curCol++
		}
	}
	var toks []cssTok
	for n := 0; !z.eofNext(1); n++ {
		if n > 2*len(z.s)+2 { // the official engine aborts here ("infinite-looping")
			break
		}
		t := z.consumeAToken()
		if t.kind == cssTokError {
			z.issues = append(z.issues, cssIssue{code: t.val, params: []string{"style"}, line: t.line, col: t.col})
			continue
		}
		toks = append(toks, t)
	}
	toks = append(toks, cssTok{kind: cssTokEOF, line: curLine, col: curCol, pos: len(z.s)})
	return toks, z.issues
}

// cssPreprocess replaces CR, CR LF and FF by LF (CSS Syntax Level 3 §3.3).
func cssPreprocess(in []rune) []rune {
	out := in[:0]
	lastCR := false
	for _, r := range in {
		switch r {
		case '\r':
			out = append(out, '\n')
			lastCR = true
			continue
		case '\f':
			out = append(out, '\n')
		case '\n':
			if !lastCR {
				out = append(out, '\n')
			}
		default:
			out = append(out, r)
		}
		lastCR = false
	}
	return out
}

// line and col are the position of the current code point (the official
// engine answers 1 and 0 before the first one).
func (z *cssTokenizer) line() int {
	switch {
	case z.pos < 0:
		return 1
	case len(z.s) == 0:
		return z.startLine
	case z.pos >= len(z.s):
		return z.lineAt[len(z.s)-1]
	}
	return z.lineAt[z.pos]
}

// col is the column of the current code point (see line).
func (z *cssTokenizer) col() int {
	switch {
	case z.pos < 0:
		return 0
	case len(z.s) == 0:
		return z.startCol
	case z.pos >= len(z.s):
		return z.colAt[len(z.s)-1]
	}
	return z.colAt[z.pos]
}

// mark is the position of the current code point.
func (z *cssTokenizer) mark() cssMark { return cssMark{z.line(), z.col(), z.pos} }

// at is the code point at index n, or 0 outside the input.
func (z *cssTokenizer) at(n int) rune {
	if n < 0 || n >= len(z.s) {
		return 0
	}
	return z.s[n]
}

// next looks ahead n (1–3) code points.
func (z *cssTokenizer) next(n int) rune { return z.at(z.pos + n) }

// consume advances n code points; false once past the end.
func (z *cssTokenizer) consume(n int) bool {
	z.pos += n
	if z.pos >= len(z.s) {
		z.eof = true
	} else {
		z.code = z.s[z.pos]
	}
	return !z.eof
}

// reconsume steps back one code point, so the next consume reads it again.
func (z *cssTokenizer) reconsume() { z.pos--; z.eof = false }

// eofNext reports whether fewer than n code points remain.
func (z *cssTokenizer) eofNext(n int) bool { return z.pos+n >= len(z.s) }

// consumeAToken is CSS Syntax Level 3 §4.3.1.
func (z *cssTokenizer) consumeAToken() cssTok {
	z.consumeComments()
	z.consume(1)
	m := z.mark()
	c := z.code
	delim := func() cssTok { return m.tok(cssTokDelim, string(c)) }
	// followedBy returns kind, consuming the next code point, if it is want.
	followedBy := func(want rune, kind cssTokKind) cssTok {
		if z.next(1) == want {
			z.consume(1)
			return m.tok(kind, "")
		}
		return delim()
	}
	switch {
	case cssIsWhitespace(c):
		for cssIsWhitespace(z.next(1)) {
			z.consume(1)
		}
		return m.tok(cssTokWhitespace, "")
	case c == '"' || c == '\'':
		return m.place(z.consumeAStringToken())
	case c == '#':
		if cssIsNameChar(z.next(1)) || cssValidEscape(z.next(1), z.next(2)) {
			return m.tok(cssTokHash, z.consumeAName())
		}
		return delim()
	case c == '$':
		return followedBy('=', cssTokSuffixMatch)
	case c == '(':
		return m.tok(cssTokOpenParen, "")
	case c == ')':
		return m.tok(cssTokCloseParen, "")
	case c == '*':
		return followedBy('=', cssTokSubstringMatch)
	case c == '+':
		if z.startsWithANumber() {
			z.reconsume()
			return m.place(z.consumeANumericToken())
		}
		return delim()
	case c == ',':
		return m.tok(cssTokComma, "")
	case c == '-':
		switch {
		case z.startsWithANumber():
			z.reconsume()
			return m.place(z.consumeANumericToken())
		case z.next(1) == '-' && z.next(2) == '>':
			z.consume(2)
			return m.tok(cssTokCDC, "")
		case z.startsWithAnIdentifier():
			z.reconsume()
			return m.place(z.consumeAnIdentlikeToken())
		}
		return delim()
	case c == '.':
		if z.startsWithANumber() {
			z.reconsume()
			return m.place(z.consumeANumericToken())
		}
		return delim()
	case c == ':':
		return m.tok(cssTokColon, "")
	case c == ';':
		return m.tok(cssTokSemicolon, "")
	case c == '<':
		if z.next(1) == '!' && z.next(2) == '-' && z.next(3) == '-' {
			z.consume(3)
			return m.tok(cssTokCDO, "")
		}
		return delim()
	case c == '@':
		if cssWouldStartAnIdentifier(z.next(1), z.next(2), z.next(3)) {
			return m.tok(cssTokAtKeyword, z.consumeAName())
		}
		return delim()
	case c == '[':
		return m.tok(cssTokOpenSquare, "")
	case c == '\\':
		if z.startsWithAValidEscape() {
			z.reconsume()
			return m.place(z.consumeAnIdentlikeToken())
		}
		return m.tok(cssTokError, "CSS_SYNTAX_STRAY_TRAILING_BACKSLASH")
	case c == ']':
		return m.tok(cssTokCloseSquare, "")
	case c == '^':
		return followedBy('=', cssTokPrefixMatch)
	case c == '{':
		return m.tok(cssTokOpenCurly, "")
	case c == '|':
		switch z.next(1) {
		case '=':
			z.consume(1)
			return m.tok(cssTokDashMatch, "")
		case '|':
			z.consume(1)
			return m.tok(cssTokColumn, "")
		}
		return delim()
	case c == '}':
		return m.tok(cssTokCloseCurly, "")
	case c == '~':
		return followedBy('=', cssTokIncludeMatch)
	case cssIsDigit(c):
		z.reconsume()
		return m.place(z.consumeANumericToken())
	case cssIsNameStart(c):
		z.reconsume()
		return m.place(z.consumeAnIdentlikeToken())
	case z.eof:
		return m.tok(cssTokEOF, "")
	}
	return delim()
}

// consumeComments skips /* … */ comments (§4.3.2); an unterminated one is
// reported at the code point before it, as the official engine does.
func (z *cssTokenizer) consumeComments() {
	m := z.mark()
	for z.next(1) == '/' && z.next(2) == '*' {
		z.consume(2)
		for {
			z.consume(1)
			if z.code == '*' && z.next(1) == '/' {
				z.consume(1)
				break
			}
			if z.eof {
				z.issues = append(z.issues, cssIssue{code: "CSS_SYNTAX_UNTERMINATED_COMMENT", params: []string{"style"}, line: m.line, col: m.col})
				return
			}
		}
	}
}

// consumeANumericToken is §4.3.3.
func (z *cssTokenizer) consumeANumericToken() cssTok {
	repr := z.consumeANumber()
	if cssWouldStartAnIdentifier(z.next(1), z.next(2), z.next(3)) {
		return cssTok{kind: cssTokDimension, val: repr, unit: z.consumeAName()}
	}
	if z.next(1) == '%' {
		z.consume(1)
		return cssTok{kind: cssTokPercentage, val: repr}
	}
	return cssTok{kind: cssTokNumber, val: repr}
}

// consumeAnIdentlikeToken is §4.3.4: an ident, a function, or a url token.
func (z *cssTokenizer) consumeAnIdentlikeToken() cssTok {
	name := z.consumeAName()
	if strings.EqualFold(name, "url") && z.next(1) == '(' {
		z.consume(1)
		for cssIsWhitespace(z.next(1)) && cssIsWhitespace(z.next(2)) {
			z.consume(1)
		}
		quote := func(r rune) bool { return r == '"' || r == '\'' }
		if quote(z.next(1)) || (cssIsWhitespace(z.next(1)) && quote(z.next(2))) {
			return cssTok{kind: cssTokFunction, val: name}
		}
		return z.consumeAURLToken()
	}
	if z.next(1) == '(' {
		z.consume(1)
		return cssTok{kind: cssTokFunction, val: name}
	}
	return cssTok{kind: cssTokIdent, val: name}
}

// consumeAStringToken is §4.3.5; the current code point is the quote.
func (z *cssTokenizer) consumeAStringToken() cssTok {
	end := z.code
	var b strings.Builder
	for {
		z.consume(1)
		switch {
		case z.code == end || z.eof:
			return cssTok{kind: cssTokString, val: b.String()}
		case z.code == '\n':
			z.reconsume()
			return cssTok{kind: cssTokError, val: "CSS_SYNTAX_UNTERMINATED_STRING"}
		case z.code == '\\':
			if z.eofNext(1) {
				// nothing
			} else if z.next(1) == '\n' {
				z.consume(1)
			} else {
				b.WriteRune(z.consumeEscape())
			}
		default:
			b.WriteRune(z.code)
		}
	}
}

// consumeAURLToken is §4.3.6 (unquoted url(…)).
func (z *cssTokenizer) consumeAURLToken() cssTok {
	var b strings.Builder
	bad := func() cssTok {
		z.consumeTheRemnantsOfABadURL()
		return cssTok{kind: cssTokError, val: "CSS_SYNTAX_BAD_URL"}
	}
	for cssIsWhitespace(z.next(1)) {
		z.consume(1)
	}
	if z.eofNext(1) {
		return cssTok{kind: cssTokURL, val: b.String()}
	}
	for {
		z.consume(1)
		switch {
		case z.code == ')' || z.eof:
			return cssTok{kind: cssTokURL, val: b.String()}
		case cssIsWhitespace(z.code):
			for cssIsWhitespace(z.next(1)) {
				z.consume(1)
			}
			if z.next(1) == ')' || z.eofNext(1) {
				z.consume(1)
				return cssTok{kind: cssTokURL, val: b.String()}
			}
			return bad()
		case z.code == '"' || z.code == '\'' || z.code == '(' || cssIsNonPrintable(z.code):
			return bad()
		case z.code == '\\':
			if !z.startsWithAValidEscape() {
				return bad()
			}
			b.WriteRune(z.consumeEscape())
		default:
			b.WriteRune(z.code)
		}
	}
}

// consumeEscape is §4.3.7; the current code point is the backslash.
func (z *cssTokenizer) consumeEscape() rune {
	z.consume(1)
	if cssIsHexDigit(z.code) {
		digits := []rune{z.code}
		for i := 0; i < 5 && cssIsHexDigit(z.next(1)); i++ {
			z.consume(1)
			digits = append(digits, z.code)
		}
		if cssIsWhitespace(z.next(1)) {
			z.consume(1)
		}
		v, err := strconv.ParseUint(string(digits), 16, 32)
		if err != nil || v > 0x10ffff {
			return 0xfffd
		}
		return rune(v)
	}
	if z.eof {
		return 0xfffd
	}
	return z.code
}

// startsWithAValidEscape is §4.3.8 at the current code point.
func (z *cssTokenizer) startsWithAValidEscape() bool { return cssValidEscape(z.code, z.next(1)) }

// startsWithAnIdentifier is §4.3.9 at the current code point.
func (z *cssTokenizer) startsWithAnIdentifier() bool {
	return cssWouldStartAnIdentifier(z.code, z.next(1), z.next(2))
}

// startsWithANumber is §4.3.10 at the current code point.
func (z *cssTokenizer) startsWithANumber() bool {
	return cssWouldStartANumber(z.code, z.next(1), z.next(2))
}

// consumeAName is §4.3.11. (The official engine truncates non-ASCII code
// points of names to one byte; names here keep them.)
func (z *cssTokenizer) consumeAName() string {
	var b strings.Builder
	for z.consume(1) {
		switch {
		case cssIsNameChar(z.code):
			b.WriteRune(z.code)
		case z.startsWithAValidEscape():
			b.WriteRune(z.consumeEscape())
		default:
			z.reconsume()
			return b.String()
		}
	}
	return b.String()
}

// consumeANumber is §4.3.12; it returns the number's representation.
func (z *cssTokenizer) consumeANumber() string {
	var b strings.Builder
	take := func() { z.consume(1); b.WriteRune(z.code) }
	digits := func() {
		for cssIsDigit(z.next(1)) {
			take()
		}
	}
	if z.next(1) == '+' || z.next(1) == '-' {
		take()
	}
	digits()
	if z.next(1) == '.' && cssIsDigit(z.next(2)) {
		take()
		take()
		digits()
	}
	c1, c2, c3 := z.next(1), z.next(2), z.next(3)
	switch {
	case (c1 == 'E' || c1 == 'e') && cssIsDigit(c2):
		take()
		take()
		digits()
	case (c1 == 'E' || c1 == 'e') && (c2 == '+' || c2 == '-') && cssIsDigit(c3):
		take()
		take()
		take()
		digits()
	}
	return b.String()
}

// consumeTheRemnantsOfABadURL is §4.3.14, with the official engine's stop
// character: it stops at '-' (the specification says ')').
func (z *cssTokenizer) consumeTheRemnantsOfABadURL() {
	for z.consume(1) {
		if z.code == '-' || z.eof {
			return
		}
		if z.startsWithAValidEscape() {
			z.consumeEscape()
		}
	}
}

// Code point classes of CSS Syntax Level 3 §4.2 (whitespace after
// preprocessing: LF, tab, space).
func cssIsDigit(c rune) bool { return c >= '0' && c <= '9' }
func cssIsHexDigit(c rune) bool {
	return cssIsDigit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')
}
func cssIsLetter(c rune) bool     { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }
func cssIsNameStart(c rune) bool  { return cssIsLetter(c) || c >= 0x80 || c == '_' }
func cssIsNameChar(c rune) bool   { return cssIsNameStart(c) || cssIsDigit(c) || c == '-' }
func cssIsWhitespace(c rune) bool { return c == '\n' || c == '\t' || c == ' ' }
func cssIsNonPrintable(c rune) bool {
	return (c >= 0 && c <= 8) || c == 0xb || (c >= 0xe && c <= 0x1f) || c == 0x7f
}

// cssValidEscape is §4.3.8 for two code points.
func cssValidEscape(c1, c2 rune) bool { return c1 == '\\' && c2 != '\n' }

// cssWouldStartAnIdentifier is §4.3.9 for three code points.
func cssWouldStartAnIdentifier(c1, c2, c3 rune) bool {
	switch {
	case c1 == '-':
		return cssIsNameStart(c2) || c2 == '-' || cssValidEscape(c2, c3)
	case cssIsNameStart(c1):
		return true
	case c1 == '\\':
		return cssValidEscape(c1, c2)
	}
	return false
}

// cssWouldStartANumber is §4.3.10 for three code points.
func cssWouldStartANumber(c1, c2, c3 rune) bool {
	switch {
	case c1 == '+' || c1 == '-':
		return cssIsDigit(c2) || (c2 == '.' && cssIsDigit(c3))
	case c1 == '.':
		return cssIsDigit(c2)
	}
	return cssIsDigit(c1)
}

// cssStripVendorPrefix removes one leading -o-, -moz-, -ms- or -webkit-.
func cssStripVendorPrefix(s string) string {
	for _, p := range []string{"-o-", "-moz-", "-ms-", "-webkit-"} {
		if strings.HasPrefix(s, p) {
			return s[len(p):]
		}
	}
	return s
}

// cssStripMinMaxPrefix removes a leading min- or max- (media features).
func cssStripMinMaxPrefix(s string) string {
	if t, ok := strings.CutPrefix(s, "min-"); ok {
		return t
	}
	t, _ := strings.CutPrefix(s, "max-")
	return t
}

// ---------------------------------------------------------------------------
// Parser (CSS Syntax Level 3 §5, as parse-css.cc's Canonicalizer does it)
// ---------------------------------------------------------------------------

// cssStream walks a token list that ends with EOF; reading past the end
// yields that EOF's copy (TokenStream).
type cssStream struct {
	toks []cssTok
	pos  int
	eof  cssTok
}

// newCSSStream starts a stream before toks' first token (call consume).
func newCSSStream(toks []cssTok) *cssStream {
	s := &cssStream{toks: toks, pos: -1}
	if n := len(toks); n > 0 {
		s.eof = cssEOFAt(toks[n-1])
	} else {
		s.eof = cssTok{kind: cssTokEOF, line: 1}
	}
	return s
}

// at is token n, or the EOF copy outside the list.
func (s *cssStream) at(n int) cssTok {
	if n >= 0 && n < len(s.toks) {
		return s.toks[n]
	}
	return s.eof
}

// consume advances to the next token; reconsume steps back; current is the
// token at the position and next the one after it.
func (s *cssStream) consume()        { s.pos++ }
func (s *cssStream) reconsume()      { s.pos-- }
func (s *cssStream) current() cssTok { return s.at(s.pos) }
func (s *cssStream) next() cssTok    { return s.at(s.pos + 1) }

// cssEOFAt is an EOF token at t's position.
func cssEOFAt(t cssTok) cssTok { return cssTok{kind: cssTokEOF, line: t.line, col: t.col, pos: t.pos} }

// cssRuleNode is an at-rule (at set; name without '@') or a qualified rule
// (a selector prelude and a declaration block). prelude ends with EOF.
type cssRuleNode struct {
	at        bool
	name      string
	line, col int
	prelude   []cssTok
	rules     []*cssRuleNode // at-rules whose block holds rules
	decls     []*cssDecl
}

// cssDecl is one declaration; value ends with EOF and excludes !important,
// whose '!' position is impLine/impCol.
type cssDecl struct {
	name            string
	line, col       int
	value           []cssTok
	important       bool
	impLine, impCol int
}

// cssBlockType says how an at-rule's block is parsed.
type cssBlockType uint8

const (
	cssBlockIgnore cssBlockType = iota
	cssBlockRules
	cssBlockDecls
)

// cssStylesheetBlocks is the official GenCssParsingConfig: the block types of
// the at-rules the validator knows (others are parsed but their blocks
// ignored).
var cssStylesheetBlocks = map[string]cssBlockType{
	"font-face": cssBlockDecls, "keyframes": cssBlockRules, "media": cssBlockRules,
	"page": cssBlockDecls, "supports": cssBlockRules,
}

// cssMaxNesting is kMaximumCssRecursion.
const cssMaxNesting = 100

// cssParser parses tokens into rules and declarations, collecting errors.
type cssParser struct {
	blocks map[string]cssBlockType
	dflt   cssBlockType
	issues *[]cssIssue
}

// issue records an error of code at line/col.
func (p *cssParser) issue(code string, line, col int, params ...string) {
	*p.issues = append(*p.issues, cssIssue{code: code, params: params, line: line, col: col})
}

// nested reports CSS_EXCESSIVELY_NESTED, which the official engine emits
// without a position (line 1, column 0).
func (p *cssParser) nested() { p.issue("CSS_EXCESSIVELY_NESTED", 1, 0, "style") }

// cssParseStylesheet parses a stylesheet's tokens (§5.3.3) with the
// official at-rule block types. Shape: the top-level rules, in order.
func cssParseStylesheet(toks []cssTok, issues *[]cssIssue) []*cssRuleNode {
	p := &cssParser{blocks: cssStylesheetBlocks, dflt: cssBlockIgnore, issues: issues}
	return p.parseAListOfRules(toks, true)
}

// cssParseInlineStyle parses a style attribute's tokens as a declaration
// list (§5.3.8; ParseInlineStyle).
func cssParseInlineStyle(toks []cssTok, issues *[]cssIssue) []*cssDecl {
	p := &cssParser{dflt: cssBlockDecls, issues: issues}
	return p.parseAListOfDeclarations(toks)
}

// blockType is how the block of at-rule r is parsed (vendor prefix
// stripped, names case-sensitive).
func (p *cssParser) blockType(r *cssRuleNode) cssBlockType {
	if t, ok := p.blocks[cssStripVendorPrefix(r.name)]; ok {
		return t
	}
	return p.dflt
}

// parseAListOfRules is §5.4.1 (CDO/CDC are skipped at the top level only).
func (p *cssParser) parseAListOfRules(toks []cssTok, topLevel bool) []*cssRuleNode {
	s := newCSSStream(toks)
	var rules []*cssRuleNode
	for {
		s.consume()
		switch t := s.current(); t.kind {
		case cssTokWhitespace:
		case cssTokEOF:
			return rules
		case cssTokCDO, cssTokCDC:
			if !topLevel {
				p.parseAQualifiedRule(s, &rules)
			}
		case cssTokAtKeyword:
			rules = append(rules, p.parseAnAtRule(s))
		default:
			p.parseAQualifiedRule(s, &rules)
		}
	}
}

// parseAnAtRule is §5.4.2; the current token is the at-keyword.
func (p *cssParser) parseAnAtRule(s *cssStream) *cssRuleNode {
	start := s.current()
	r := &cssRuleNode{at: true, name: start.val, line: start.line, col: start.col}
	for {
		s.consume()
		t := s.current()
		switch t.kind {
		case cssTokSemicolon:
			r.prelude = append(r.prelude, cssEOFAt(t))
			return r
		case cssTokEOF:
			r.prelude = append(r.prelude, t)
			return r
		case cssTokOpenCurly:
			r.prelude = append(r.prelude, cssEOFAt(t))
			contents := p.extractASimpleBlock(s)
			switch p.blockType(r) {
			case cssBlockRules:
				r.rules = p.parseAListOfRules(contents, false)
			case cssBlockDecls:
				r.decls = p.parseAListOfDeclarations(contents)
			}
			return r
		}
		if !cssConsumeAComponentValue(s, &r.prelude, 0) {
			p.nested()
		}
	}
}

// parseAQualifiedRule is §5.4.3; a rule cut short by the end of input is
// reported at its first token.
func (p *cssParser) parseAQualifiedRule(s *cssStream, rules *[]*cssRuleNode) {
	start := s.current()
	r := &cssRuleNode{line: start.line, col: start.col}
	s.reconsume()
	for {
		s.consume()
		t := s.current()
		switch t.kind {
		case cssTokEOF:
			p.issue("CSS_SYNTAX_EOF_IN_PRELUDE_OF_QUALIFIED_RULE", r.line, r.col, "style")
			return
		case cssTokOpenCurly:
			r.prelude = append(r.prelude, cssEOFAt(t))
			r.decls = p.parseAListOfDeclarations(p.extractASimpleBlock(s))
			*rules = append(*rules, r)
			return
		}
		if !cssConsumeAComponentValue(s, &r.prelude, 0) {
			p.nested()
		}
	}
}

// parseAListOfDeclarations is §5.4.5; at-rules in a declaration list are
// parsed and reported as invalid.
func (p *cssParser) parseAListOfDeclarations(toks []cssTok) []*cssDecl {
	s := newCSSStream(toks)
	var decls []*cssDecl
	for {
		s.consume()
		t := s.current()
		switch t.kind {
		case cssTokWhitespace, cssTokSemicolon:
		case cssTokEOF:
			return decls
		case cssTokAtKeyword:
			r := p.parseAnAtRule(s)
			p.issue("CSS_SYNTAX_INVALID_AT_RULE", r.line, r.col, "style", r.name)
		case cssTokIdent:
			p.parseADeclaration(s, &decls)
		default:
			p.issue("CSS_SYNTAX_INVALID_DECLARATION", t.line, t.col, "style")
			s.reconsume()
			for k := s.next().kind; k != cssTokSemicolon && k != cssTokEOF; k = s.next().kind {
				s.consume()
				var dummy []cssTok
				if !cssConsumeAComponentValue(s, &dummy, 0) {
					p.nested()
				}
			}
		}
	}
}

// parseADeclaration is §5.4.6; it also finds a trailing "!important".
func (p *cssParser) parseADeclaration(s *cssStream, decls *[]*cssDecl) {
	start := s.current()
	d := &cssDecl{name: start.val, line: start.line, col: start.col}
	for s.next().kind == cssTokWhitespace {
		s.consume()
	}
	s.consume()
	untilEnd := func(each func()) {
		for k := s.next().kind; k != cssTokSemicolon && k != cssTokEOF; k = s.next().kind {
			s.consume()
			each()
		}
	}
	if s.current().kind != cssTokColon {
		p.issue("CSS_SYNTAX_INCOMPLETE_DECLARATION", d.line, d.col, "style")
		s.reconsume()
		untilEnd(func() {})
		return
	}
	untilEnd(func() {
		if !cssConsumeAComponentValue(s, &d.value, 0) {
			p.nested()
		}
	})
	d.value = append(d.value, cssEOFAt(s.next()))
	found := false
	for i := len(d.value) - 2; i >= 0; i-- {
		t := d.value[i]
		if t.kind == cssTokWhitespace {
			continue
		}
		if t.kind == cssTokIdent && strings.EqualFold(t.val, "important") {
			found = true
			continue
		}
		if found && t.kind == cssTokDelim && t.val == "!" {
			d.important, d.impLine, d.impCol = true, t.line, t.col
			d.value = append(d.value[:i], d.value[len(d.value)-1])
		}
		break
	}
	*decls = append(*decls, d)
}

// cssConsumeAComponentValue is §5.4.7: it appends the current token, or the
// whole block or function it opens, to out; false when nested too deeply.
func cssConsumeAComponentValue(s *cssStream, out *[]cssTok, depth int) bool {
	if depth > cssMaxNesting {
		return false
	}
	switch s.current().kind {
	case cssTokOpenCurly, cssTokOpenSquare, cssTokOpenParen:
		return cssConsumeASimpleBlock(s, out, depth+1)
	case cssTokFunction:
		return cssConsumeAFunction(s, out, depth+1)
	}
	*out = append(*out, s.current())
	return true
}

// cssMirror is the closing token kind of an opening one.
func cssMirror(k cssTokKind) cssTokKind {
	switch k {
	case cssTokOpenCurly:
		return cssTokCloseCurly
	case cssTokOpenSquare:
		return cssTokCloseSquare
	}
	return cssTokCloseParen
}

// cssConsumeASimpleBlock is §5.4.8: it appends the block, brackets
// included, to out.
func cssConsumeASimpleBlock(s *cssStream, out *[]cssTok, depth int) bool {
	if depth > cssMaxNesting {
		return false
	}
	closing := cssMirror(s.current().kind)
	*out = append(*out, s.current())
	for {
		s.consume()
		t := s.current()
		if t.kind == cssTokEOF || t.kind == closing {
			*out = append(*out, t)
			return true
		}
		if !cssConsumeAComponentValue(s, out, depth+1) {
			return false
		}
	}
}

// extractASimpleBlock returns a block's contents without its brackets, the
// closing one replaced by EOF.
func (p *cssParser) extractASimpleBlock(s *cssStream) []cssTok {
	var block []cssTok
	if !cssConsumeASimpleBlock(s, &block, 0) {
		p.nested()
	}
	if len(block) < 2 {
		return []cssTok{cssEOFAt(s.current())}
	}
	block = block[1:]
	block[len(block)-1] = cssEOFAt(block[len(block)-1])
	return block
}

// cssConsumeAFunction is §5.4.9: it appends the function token, its
// arguments and the closing parenthesis (or EOF) to out.
func cssConsumeAFunction(s *cssStream, out *[]cssTok, depth int) bool {
	if depth > cssMaxNesting {
		return false
	}
	*out = append(*out, s.current())
	for {
		s.consume()
		t := s.current()
		if t.kind == cssTokEOF || t.kind == cssTokCloseParen {
			*out = append(*out, t)
			return true
		}
		if !cssConsumeAComponentValue(s, out, depth+1) {
			return false
		}
	}
}

// cssFirstIdent is Declaration::FirstIdent: the first (or, after
// whitespace, the second) value token if it is an identifier or a number
// (a number as written), else "". Value restrictions test this string.
func cssFirstIdent(value []cssTok) string {
	pick := func(t cssTok) (string, bool) {
		if t.kind == cssTokIdent || t.kind == cssTokNumber {
			return t.val, true
		}
		return "", false
	}
	if len(value) == 0 {
		return ""
	}
	if v, ok := pick(value[0]); ok {
		return v
	}
	if len(value) >= 2 && value[0].kind == cssTokWhitespace {
		v, _ := pick(value[1])
		return v
	}
	return ""
}

// cssVisitor walks rules in document order like the official RuleVisitor:
// an at-rule, its nested rules, its declarations, then leaving it; a
// qualified rule, then its declarations. Nil hooks are skipped.
type cssVisitor struct {
	enterAt, leaveAt func(*cssRuleNode)
	qualified        func(*cssRuleNode)
	decl             func(*cssDecl)
}

// walk visits rules and everything in them.
func (v cssVisitor) walk(rules []*cssRuleNode) {
	for _, r := range rules {
		switch {
		case r.at && v.enterAt != nil:
			v.enterAt(r)
		case !r.at && v.qualified != nil:
			v.qualified(r)
		}
		if r.at {
			v.walk(r.rules)
		}
		if v.decl != nil {
			for _, d := range r.decls {
				v.decl(d)
			}
		}
		if r.at && v.leaveAt != nil {
			v.leaveAt(r)
		}
	}
}

// ---------------------------------------------------------------------------
// Selectors (Selectors Level 3 grammar, https://www.w3.org/TR/selectors-3/#grammar)
// ---------------------------------------------------------------------------

// cssSelKind is a node type of a parsed selector.
type cssSelKind uint8

const (
	cssSelGroup cssSelKind = iota
	cssSelCombinator
	cssSelSequence
	cssSelType
	cssSelID
	cssSelClass
	cssSelAttr
	cssSelPseudo
)

// cssSel is a selector node: a group's selectors, a combinator's left and
// right, or a sequence's type selector and other simple selectors are its
// kids. name is an attribute selector's attribute or a pseudo selector's
// name; pseudoClass distinguishes ":x" from "::x".
type cssSel struct {
	kind        cssSelKind
	kids        []*cssSel
	name        string
	pseudoClass bool
	line, col   int
}

// cssSelAt is a selector node of kind at t's position.
func cssSelAt(kind cssSelKind, t cssTok) *cssSel {
	return &cssSel{kind: kind, line: t.line, col: t.col}
}

// cssIsDelim reports whether t is the delim d.
func cssIsDelim(t cssTok, d string) bool { return t.kind == cssTokDelim && t.val == d }

// cssIsSequenceStart reports whether t can start a simple selector sequence.
func cssIsSequenceStart(t cssTok) bool {
	return cssIsDelim(t, "*") || cssIsDelim(t, "|") || cssIsDelim(t, ".") ||
		t.kind == cssTokIdent || t.kind == cssTokHash || t.kind == cssTokOpenSquare || t.kind == cssTokColon
}

// cssSkipNamespace consumes a namespace prefix ("|", "*|", "ns|").
func cssSkipNamespace(s *cssStream) {
	switch {
	case cssIsDelim(s.current(), "|"):
		s.consume()
	case (cssIsDelim(s.current(), "*") || s.current().kind == cssTokIdent) && cssIsDelim(s.next(), "|"):
		s.consume()
		s.consume()
	}
}

// cssParseTypeSelector parses [namespace|](element|*).
func cssParseTypeSelector(s *cssStream) *cssSel {
	start := s.current()
	cssSkipNamespace(s)
	if cssIsDelim(s.current(), "*") || s.current().kind == cssTokIdent {
		s.consume()
	}
	return cssSelAt(cssSelType, start)
}

// cssParseAttrSelector parses "[ns|name op value]"; the current token is '['.
func cssParseAttrSelector(s *cssStream) (*cssSel, *cssIssue) {
	start := s.current()
	invalid := &cssIssue{code: "CSS_SYNTAX_INVALID_ATTR_SELECTOR", params: []string{"style"}, line: start.line, col: start.col}
	skipWS := func() {
		if s.current().kind == cssTokWhitespace {
			s.consume()
		}
	}
	s.consume()
	skipWS()
	cssSkipNamespace(s)
	if s.current().kind != cssTokIdent {
		return nil, invalid
	}
	sel := cssSelAt(cssSelAttr, start)
	sel.name = s.current().val
	s.consume()
	skipWS()
	op := false
	switch k := s.current().kind; {
	case cssIsDelim(s.current(), "="), k == cssTokIncludeMatch, k == cssTokDashMatch,
		k == cssTokPrefixMatch, k == cssTokSuffixMatch, k == cssTokSubstringMatch:
		op = true
		s.consume()
	}
	skipWS()
	if op {
		if k := s.current().kind; k != cssTokIdent && k != cssTokString {
			return nil, invalid
		}
		s.consume()
	}
	skipWS()
	if s.current().kind != cssTokCloseSquare {
		return nil, invalid
	}
	s.consume()
	return sel, nil
}

// cssParsePseudoSelector parses ":name", "::name" or ":name(…)"; the
// current token is the first ':'.
func cssParsePseudoSelector(s *cssStream) (*cssSel, *cssIssue) {
	colon := s.current()
	sel := cssSelAt(cssSelPseudo, colon)
	sel.pseudoClass = true
	s.consume()
	if s.current().kind == cssTokColon {
		sel.pseudoClass = false
		s.consume()
	}
	switch t := s.current(); t.kind {
	case cssTokIdent:
		sel.name = t.val
		s.consume()
	case cssTokFunction:
		sel.name = t.val
		var fn []cssTok
		if !cssConsumeAFunction(s, &fn, 0) {
			return nil, &cssIssue{code: "CSS_EXCESSIVELY_NESTED", params: []string{"style"}, line: 1}
		}
		s.consume()
	default:
		return nil, &cssIssue{code: "CSS_SYNTAX_ERROR_IN_PSEUDO_SELECTOR", params: []string{"style"}, line: colon.line, col: colon.col}
	}
	return sel, nil
}

// cssParseSequence parses a simple selector sequence; an implied universal
// selector stands in for a missing type selector.
func cssParseSequence(s *cssStream) (*cssSel, *cssIssue) {
	start := s.current()
	var typeSel *cssSel
	if cssIsDelim(start, "*") || cssIsDelim(start, "|") || start.kind == cssTokIdent {
		typeSel = cssParseTypeSelector(s)
	}
	var others []*cssSel
	for {
		t := s.current()
		var sel *cssSel
		var iss *cssIssue
		switch {
		case t.kind == cssTokHash:
			s.consume()
			sel = cssSelAt(cssSelID, t)
		case cssIsDelim(t, ".") && s.next().kind == cssTokIdent:
			s.consume()
			s.consume()
			sel = cssSelAt(cssSelClass, t)
		case t.kind == cssTokOpenSquare:
			sel, iss = cssParseAttrSelector(s)
		case t.kind == cssTokColon:
			sel, iss = cssParsePseudoSelector(s)
		default:
			if typeSel == nil {
				if len(others) == 0 {
					return nil, &cssIssue{code: "CSS_SYNTAX_MISSING_SELECTOR", params: []string{"style"}, line: start.line, col: start.col}
				}
				typeSel = cssSelAt(cssSelType, start)
			}
			seq := cssSelAt(cssSelSequence, start)
			seq.kids = append([]*cssSel{typeSel}, others...)
			return seq, nil
		}
		if iss != nil {
			return nil, iss
		}
		others = append(others, sel)
	}
}

// cssParseSelector parses sequences joined by combinators (whitespace, >,
// +, ~).
func cssParseSelector(s *cssStream) (*cssSel, *cssIssue) {
	if t := s.current(); !cssIsSequenceStart(t) {
		return nil, &cssIssue{code: "CSS_SYNTAX_NOT_A_SELECTOR_START", params: []string{"style"}, line: t.line, col: t.col}
	}
	left, iss := cssParseSequence(s)
	if iss != nil {
		return nil, iss
	}
	for {
		if s.current().kind == cssTokWhitespace && !cssIsSequenceStart(s.next()) {
			s.consume()
		}
		c := s.current()
		if !((c.kind == cssTokWhitespace && cssIsSequenceStart(s.next())) ||
			cssIsDelim(c, "+") || cssIsDelim(c, ">") || cssIsDelim(c, "~")) {
			return left, nil
		}
		s.consume()
		if s.current().kind == cssTokWhitespace {
			s.consume()
		}
		right, iss := cssParseSequence(s)
		if iss != nil {
			return nil, iss
		}
		comb := cssSelAt(cssSelCombinator, c)
		comb.kids = []*cssSel{left, right}
		left = comb
	}
}

// cssParseSelectorsGroup parses a comma-separated selector list that must
// use up the whole prelude.
func cssParseSelectorsGroup(s *cssStream) (*cssSel, *cssIssue) {
	start := s.current()
	if !cssIsSequenceStart(start) {
		return nil, &cssIssue{code: "CSS_SYNTAX_NOT_A_SELECTOR_START", params: []string{"style"}, line: start.line, col: start.col}
	}
	sel, iss := cssParseSelector(s)
	if iss != nil {
		return nil, iss
	}
	elems := []*cssSel{sel}
	for {
		if s.current().kind == cssTokWhitespace {
			s.consume()
		}
		if s.current().kind == cssTokComma {
			s.consume()
			if s.current().kind == cssTokWhitespace {
				s.consume()
			}
			if sel, iss = cssParseSelector(s); iss != nil {
				return nil, iss
			}
			elems = append(elems, sel)
			continue
		}
		if t := s.current(); t.kind != cssTokEOF {
			return nil, &cssIssue{code: "CSS_SYNTAX_UNPARSED_INPUT_REMAINS_IN_SELECTOR", params: []string{"style"}, line: t.line, col: t.col}
		}
		if len(elems) == 1 {
			return elems[0], nil
		}
		g := cssSelAt(cssSelGroup, start)
		g.kids = elems
		return g, nil
	}
}

// cssMatchSelectors parses every qualified rule's prelude as selectors and
// reports syntax errors and attribute selectors, pseudo classes and pseudo
// elements the selector spec does not list (SelectorSpecVisitor; the nodes
// are visited breadth first).
func cssMatchSelectors(rules []*cssRuleNode, spec *cssSelectorSpec, issues *[]cssIssue) {
	allowed := func(list []string, name string) bool {
		return slices.Contains(list, "*") || slices.Contains(list, name)
	}
	cssVisitor{qualified: func(r *cssRuleNode) {
		s := newCSSStream(r.prelude)
		s.consume()
		sel, iss := cssParseSelectorsGroup(s)
		if iss != nil {
			*issues = append(*issues, *iss)
			return
		}
		for queue := []*cssSel{sel}; len(queue) > 0; queue = queue[1:] {
			n := queue[0]
			switch {
			case n.kind == cssSelAttr && !allowed(spec.attrNames, n.name):
				*issues = append(*issues, cssIssue{code: "CSS_SYNTAX_DISALLOWED_ATTR_SELECTOR", params: []string{"", n.name}, line: n.line, col: n.col})
			case n.kind == cssSelPseudo && n.pseudoClass && !allowed(spec.pseudoClasses, n.name):
				*issues = append(*issues, cssIssue{code: "CSS_SYNTAX_DISALLOWED_PSEUDO_CLASS", params: []string{"", n.name}, line: n.line, col: n.col})
			case n.kind == cssSelPseudo && !n.pseudoClass && !allowed(spec.pseudoElements, n.name):
				*issues = append(*issues, cssIssue{code: "CSS_SYNTAX_DISALLOWED_PSEUDO_ELEMENT", params: []string{"", n.name}, line: n.line, col: n.col})
			}
			queue = append(queue, n.kids...)
		}
	}}.walk(rules)
}

// ---------------------------------------------------------------------------
// Media queries (https://www.w3.org/TR/css3-mediaqueries/#syntax)
// ---------------------------------------------------------------------------

// cssMatchMediaQueries parses the prelude of every @media rule, reports a
// malformed one at the rule, and reports media types and features (vendor
// prefix and min-/max- stripped, lower case) the spec does not list, at
// their tokens (MediaQueryVisitor, CdataMatcher::MatchMediaQuery).
func cssMatchMediaQueries(rules []*cssRuleNode, spec *cssMediaSpec, buf *[]cssIssue) {
	var types, features []cssTok
	cssVisitor{enterAt: func(r *cssRuleNode) {
		if !strings.EqualFold(r.name, "media") {
			return
		}
		s := newCSSStream(r.prelude)
		s.consume()
		if !cssParseMediaQueryList(s, &types, &features) {
			*buf = append(*buf, cssIssue{code: "CSS_SYNTAX_MALFORMED_MEDIA_QUERY", params: []string{"style"}, line: r.line, col: r.col})
		}
	}}.walk(rules)
	for _, t := range types {
		if !slices.Contains(spec.types, cssStripVendorPrefix(strings.ToLower(t.val))) {
			*buf = append(*buf, cssIssue{code: "CSS_SYNTAX_DISALLOWED_MEDIA_TYPE", params: []string{"", t.val}, line: t.line, col: t.col})
		}
	}
	for _, t := range features {
		if !slices.Contains(spec.features, cssStripMinMaxPrefix(cssStripVendorPrefix(strings.ToLower(t.val)))) {
			*buf = append(*buf, cssIssue{code: "CSS_SYNTAX_DISALLOWED_MEDIA_FEATURE", params: []string{"", t.val}, line: t.line, col: t.col})
		}
	}
}

// cssSkipWhitespace consumes one whitespace token, if current.
func cssSkipWhitespace(s *cssStream) {
	if s.current().kind == cssTokWhitespace {
		s.consume()
	}
}

// cssParseMediaQueryList is "S* [media_query [',' S* media_query]*]?",
// collecting media type and feature tokens.
func cssParseMediaQueryList(s *cssStream, types, features *[]cssTok) bool {
	cssSkipWhitespace(s)
	if s.current().kind != cssTokEOF {
		if !cssParseMediaQuery(s, types, features) {
			return false
		}
		for s.current().kind == cssTokComma {
			s.consume()
			cssSkipWhitespace(s)
			if !cssParseMediaQuery(s, types, features) {
				return false
			}
		}
	}
	return s.current().kind == cssTokEOF
}

// cssParseMediaQuery is "(expression | [ONLY|NOT]? S* media_type S*)
// [AND S* expression]*".
func cssParseMediaQuery(s *cssStream, types, features *[]cssTok) bool {
	if s.current().kind == cssTokOpenParen {
		if !cssParseMediaExpression(s, features) {
			return false
		}
	} else {
		if t := s.current(); t.kind == cssTokIdent && (strings.EqualFold(t.val, "only") || strings.EqualFold(t.val, "not")) {
			s.consume()
		}
		cssSkipWhitespace(s)
		if s.current().kind != cssTokIdent {
			return false
		}
		*types = append(*types, s.current())
		s.consume()
		cssSkipWhitespace(s)
	}
	for t := s.current(); t.kind == cssTokIdent && strings.EqualFold(t.val, "and"); t = s.current() {
		s.consume()
		cssSkipWhitespace(s)
		if !cssParseMediaExpression(s, features) {
			return false
		}
	}
	return true
}

// cssParseMediaExpression is "'(' S* media_feature S* [':' S* expr]? ')' S*".
func cssParseMediaExpression(s *cssStream, features *[]cssTok) bool {
	if s.current().kind != cssTokOpenParen {
		return false
	}
	s.consume()
	cssSkipWhitespace(s)
	if s.current().kind != cssTokIdent {
		return false
	}
	*features = append(*features, s.current())
	s.consume()
	cssSkipWhitespace(s)
	if s.current().kind == cssTokColon {
		s.consume()
		cssSkipWhitespace(s)
		for k := s.current().kind; k != cssTokEOF && k != cssTokCloseParen; k = s.current().kind {
			s.consume()
		}
	}
	if s.current().kind != cssTokCloseParen {
		return false
	}
	s.consume()
	cssSkipWhitespace(s)
	return true
}

// ---------------------------------------------------------------------------
// URLs in CSS
// ---------------------------------------------------------------------------

// cssURLRef is a url(…) found in a declaration: the URL, the position of
// its token, and the at-rule it is in ("font-face" selects the font URL
// spec).
type cssURLRef struct {
	url       string
	line, col int
	scope     string
}

// cssDeclURLs appends the URLs of d's value: url tokens and url("…")
// functions. A url( function not of the form url(S* string S*) is a
// CSS_SYNTAX_BAD_URL, which ends the scan of d (UrlFunctionVisitor).
func cssDeclURLs(d *cssDecl, scope string, urls *[]cssURLRef, issues *[]cssIssue) {
	v := d.value
	for i := 0; i < len(v)-1; {
		t := v[i]
		switch {
		case t.kind == cssTokURL:
			*urls = append(*urls, cssURLRef{url: t.val, line: t.line, col: t.col, scope: scope})
			i++
		case t.kind == cssTokFunction && t.val == "url":
			j := i + 1
			for v[j].kind == cssTokWhitespace {
				j++
			}
			ok := v[j].kind == cssTokString
			u := v[j].val
			if ok {
				j++
				for v[j].kind == cssTokWhitespace {
					j++
				}
				ok = v[j].kind == cssTokCloseParen
			}
			if !ok {
				*issues = append(*issues, cssIssue{code: "CSS_SYNTAX_BAD_URL", params: []string{"style"}, line: t.line, col: t.col})
				return
			}
			*urls = append(*urls, cssURLRef{url: u, line: t.line, col: t.col, scope: scope})
			i = j + 1
		default:
			i++
		}
	}
}

// cssSheetURLs is ExtractUrls for a stylesheet: every declaration's URLs
// with their at-rule scope; if any url( is malformed, no URL is returned.
func cssSheetURLs(rules []*cssRuleNode, issues *[]cssIssue) []cssURLRef {
	var urls []cssURLRef
	before := len(*issues)
	scope := ""
	cssVisitor{
		enterAt: func(r *cssRuleNode) { scope = r.name },
		leaveAt: func(*cssRuleNode) { scope = "" },
		decl:    func(d *cssDecl) { cssDeclURLs(d, scope, &urls, issues) },
	}.walk(rules)
	if len(*issues) != before {
		return nil
	}
	return urls
}

// cssURLProtocolRE is the official protocol extraction (goog.uri.utils'
// split regex, more aggressive than URL parsing).
var cssURLProtocolRE = regexp.MustCompile(`^([^:/?#.]+):.*$`)

// cssURLProtocol is UrlProtocol: the lower-cased scheme, leading ASCII
// whitespace removed, or the parsed URL's scheme.
func cssURLProtocol(raw string, parsed *url.URL) string {
	if m := cssURLProtocolRE.FindStringSubmatch(raw); m != nil {
		return strings.TrimLeft(strings.ToLower(m[1]), " \t\n\v\f\r")
	}
	return strings.ToLower(parsed.Scheme)
}

// cssParseURL parses a URL as the official engine's URL class would,
// approximately: leading and trailing controls and spaces are ignored and
// Go's url.Parse decides validity.
func cssParseURL(raw string) (*url.URL, error) {
	return url.Parse(strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' }))
}

// cssIsDataURL reports whether raw is a data: URL (never counted as URL
// bytes).
func cssIsDataURL(raw string) bool {
	u, err := cssParseURL(raw)
	return err == nil && cssURLProtocol(raw, u) == "data"
}

// check is ValidateUrlAndProtocol: "" if raw is allowed, else the code and
// the parameters after the tag name: CSS_SYNTAX_MISSING_URL (),
// CSS_SYNTAX_INVALID_URL (url), CSS_SYNTAX_INVALID_URL_PROTOCOL (protocol),
// CSS_SYNTAX_DISALLOWED_RELATIVE_URL (url). A nil spec allows nothing but
// relative URLs, like the default UrlSpec.
func (u *cssURLSpec) check(raw string) (string, []string) {
	spec := cssURLSpec{allowRelative: true}
	if u != nil {
		spec = *u
	}
	if strings.Trim(raw, "\t\n\f\r \u00a0") == "" && !spec.allowEmpty {
		return "CSS_SYNTAX_MISSING_URL", nil
	}
	parsed, err := cssParseURL(raw)
	if err != nil {
		return "CSS_SYNTAX_INVALID_URL", []string{raw}
	}
	if p := cssURLProtocol(raw, parsed); p != "" && !slices.Contains(spec.protocols, p) {
		return "CSS_SYNTAX_INVALID_URL_PROTOCOL", []string{p}
	}
	if !spec.allowRelative && parsed.Scheme == "" {
		return "CSS_SYNTAX_DISALLOWED_RELATIVE_URL", []string{raw}
	}
	return "", nil
}

// ---------------------------------------------------------------------------
// Property and value rules
// ---------------------------------------------------------------------------

// cssVerdict is how a declaration fares against the document CSS spec.
type cssVerdict uint8

const (
	cssDeclAllowed  cssVerdict = iota
	cssDeclUnknown             // the property is not in the declaration list
	cssDeclBadValue            // the first identifier is not an allowed value
)

// judge checks a declaration against the declaration list of d: unknown
// properties, and value_casei / value_regex_casei restrictions on its
// first identifier (InvalidDeclVisitor, ValidateAttrCss). It returns the
// verdict and that first identifier.
func (d *cssDocSpec) judge(decl *cssDecl) (cssVerdict, string) {
	rule := d.lookup(decl.name)
	if rule == nil {
		return cssDeclUnknown, ""
	}
	ident := cssFirstIdent(decl.value)
	switch {
	case len(rule.valueCasei) > 0:
		if !slices.ContainsFunc(rule.valueCasei, func(v string) bool { return strings.EqualFold(v, ident) }) {
			return cssDeclBadValue, ident
		}
	case rule.valueRegex != nil:
		if !rule.valueRegex.MatchString(ident) {
			return cssDeclBadValue, ident
		}
	}
	return cssDeclAllowed, ident
}

// cssNewError is a ValidationError of severity sev ("ERROR" or "WARNING").
func cssNewError(sev, code string, line, col int, specURL string, params ...string) ValidationError {
	if params == nil {
		params = []string{} // JSON [] rather than null, as newError
	}
	return ValidationError{Severity: sev, Code: code, Line: line, Col: col, Params: params, SpecURL: specURL}
}

// cssReport turns issues into errors of severity sev at their positions,
// naming the tag in the first parameter and citing specURL.
func cssReport(issues []cssIssue, sev, tagName, specURL string) []ValidationError {
	var out []ValidationError
	for _, is := range issues {
		params := slices.Clone(is.params)
		if len(params) > 0 {
			params[0] = tagName
		}
		out = append(out, cssNewError(sev, is.code, is.line, is.col, specURL, params...))
	}
	return out
}

// ---------------------------------------------------------------------------
// Stylesheets
// ---------------------------------------------------------------------------

// cssMatchStylesheet checks the text of <style amp-custom> (tagDesc "style
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
//
// It also returns the bytes the
// stylesheet adds to the document's CSS total: its length (less non-data
// URL bytes if the doc spec excludes them) when the tag counts toward the
// total (doc_css_bytes) and is within its own limit, else 0.
func cssMatchStylesheet(css string, line, col int, strict bool, tagDesc string) ([]ValidationError, int) {
	if css == "" {
		return nil, 0
	}
	rs := cssLoadRules()
	tag := rs.styleTag(tagDesc, strict)
	if tag == nil {
		return nil, 0
	}
	doc := rs.docSpec(strict)
	var out []ValidationError
	urlBytes := 0
	switch {
	case tag.mandatoryCdata != nil:
		if css != *tag.mandatoryCdata {
			out = append(out, cssNewError("ERROR", "MANDATORY_CDATA_MISSING_OR_INCORRECT", line, col, tag.specURL, tag.desc))
		}
		return out, 0
	case tag.cdataRegex != nil:
		if !tag.cdataRegex.MatchString(css) {
			return append(out, cssNewError("ERROR", "MANDATORY_CDATA_MISSING_OR_INCORRECT", line, col, tag.specURL, tag.desc)), 0
		}
	case tag.sheet != nil:
		var errs []ValidationError
		errs, urlBytes = cssMatchSheet(css, line, col, tag, doc, rs)
		out = append(out, errs...)
	case tag.whitespaceOnly:
		if strings.Trim(css, " \t\n\v\f\r") != "" {
			out = append(out, cssNewError("ERROR", "NON_WHITESPACE_CDATA_ENCOUNTERED", line, col, tag.specURL, tag.desc))
		}
	}
	adjusted := len(css)
	if doc != nil && !doc.urlBytesIncluded {
		adjusted -= urlBytes
	}
	if tag.maxBytes != -1 && adjusted > tag.maxBytes {
		out = append(out, cssNewError("ERROR", "STYLESHEET_TOO_LONG", line, col, tag.maxBytesSpecURL,
			tag.desc, strconv.Itoa(len(css)), strconv.Itoa(tag.maxBytes)))
		return out, 0
	}
	counted := 0
	if tag.docCSSBytes {
		counted = adjusted
	}
	for _, d := range tag.denylist {
		if d.re.MatchString(css) {
			out = append(out, cssNewError("ERROR", "CDATA_VIOLATES_DENYLIST", line, col, tag.specURL, tag.desc, d.message))
		}
	}
	return out, counted
}

// cssMatchSheet runs the CSS checks of a stylesheet element (MatchCss) and
// returns the errors and the bytes of its non-data URLs.
func cssMatchSheet(css string, line, col int, tag *cssTagSpec, doc *cssDocSpec, rs *cssRuleSet) ([]ValidationError, int) {
	toks, issues := cssTokenize(css, line, col)
	rules := cssParseStylesheet(toks, &issues)
	urls := cssSheetURLs(rules, &issues)
	var warnings []cssIssue
	if m := tag.sheet.media; m != nil {
		buf := &warnings
		if m.issuesAsError {
			buf = &issues
		}
		cssMatchMediaQueries(rules, m, buf)
	}
	if tag.sheet.selector != nil {
		cssMatchSelectors(rules, tag.sheet.selector, &issues)
	}
	out := cssReport(issues, "ERROR", tag.desc, "")
	out = append(out, cssReport(warnings, "WARNING", tag.desc, "")...)
	if !tag.sheet.allowImportant {
		cssVisitor{decl: func(d *cssDecl) {
			if d.important {
				out = append(out, cssNewError("ERROR", "CSS_SYNTAX_DISALLOWED_IMPORTANT", d.impLine, d.impCol, rs.stylesSpecURL))
			}
		}}.walk(rules)
	}
	urlBytes := 0
	for _, u := range urls {
		if !cssIsDataURL(u.url) {
			urlBytes += len(u.url)
		}
		if doc == nil {
			continue
		}
		spec := doc.imageURL
		if u.scope == "font-face" {
			spec = doc.fontURL
		}
		if code, params := spec.check(u.url); code != "" {
			out = append(out, cssNewError("ERROR", code, u.line, u.col, tag.specURL, append([]string{tag.desc}, params...)...))
		}
	}
	out = append(out, cssCheckRulesAndProperties(rules, tag, doc)...)
	return out, urlBytes
}

// cssCheckRulesAndProperties reports at-rules the tag's CSS spec does not
// allow and properties outside its own declaration list
// (InvalidRuleVisitor), then, unless the document spec allows every
// declaration, properties and values outside the document's declaration
// list (InvalidDeclVisitor, citing the document spec's URL).
func cssCheckRulesAndProperties(rules []*cssRuleNode, tag *cssTagSpec, doc *cssDocSpec) []ValidationError {
	var out []ValidationError
	sheet := tag.sheet
	cssVisitor{
		enterAt: func(r *cssRuleNode) {
			if !slices.Contains(sheet.atRules, cssStripVendorPrefix(r.name)) {
				out = append(out, cssNewError("ERROR", "CSS_SYNTAX_INVALID_AT_RULE", r.line, r.col, "", tag.desc, r.name))
			}
		},
		decl: func(d *cssDecl) {
			if len(sheet.declarations) == 0 || slices.Contains(sheet.declarations, cssStripVendorPrefix(d.name)) {
				return
			}
			if len(sheet.declarations) > 5 {
				out = append(out, cssNewError("ERROR", "CSS_SYNTAX_INVALID_PROPERTY_NOLIST", d.line, d.col, "", tag.desc, d.name))
				return
			}
			list := "['" + strings.Join(sheet.declarations, "', '") + "']"
			out = append(out, cssNewError("ERROR", "CSS_SYNTAX_INVALID_PROPERTY", d.line, d.col, "", tag.desc, d.name, list))
		},
	}.walk(rules)
	if doc == nil || doc.allowAll {
		return out
	}
	cssVisitor{decl: func(d *cssDecl) {
		switch verdict, ident := doc.judge(d); verdict {
		case cssDeclUnknown:
			out = append(out, cssNewError("ERROR", "CSS_SYNTAX_INVALID_PROPERTY_NOLIST", d.line, d.col, doc.specURL, tag.desc, d.name))
		case cssDeclBadValue:
			out = append(out, cssNewError("ERROR", "CSS_SYNTAX_DISALLOWED_PROPERTY_VALUE", d.line, d.col, doc.specURL, tag.desc, d.name, ident))
		}
	}}.walk(rules)
	return out
}

// ---------------------------------------------------------------------------
// Inline styles
// ---------------------------------------------------------------------------

// cssMatchInlineStyle checks one style="…" attribute value (unescaped) of
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
//
// It also returns the bytes
// the style adds to the document's CSS total: its length, less non-data
// URL bytes if the doc spec excludes them.
func cssMatchInlineStyle(style, tagName string, line, col int, strict bool) ([]ValidationError, int) {
	rs := cssLoadRules()
	counted := len(style)
	toks, issues := cssTokenize(style, line, col)
	decls := cssParseInlineStyle(toks, &issues)
	if len(issues) > 0 {
		return cssReport(issues, "ERROR", tagName, ""), counted
	}
	doc := rs.docSpec(strict)
	if doc == nil {
		return nil, counted
	}
	var out []ValidationError
	add := func(code, specURL string, params ...string) {
		out = append(out, cssNewError("ERROR", code, line, col, specURL, params...))
	}
	if doc.maxBytesPerInline >= 0 && len(style) > doc.maxBytesPerInline {
		sev := "ERROR"
		if doc.maxBytesIsWarning {
			sev = "WARNING"
		}
		out = append(out, cssNewError(sev, "INLINE_STYLE_TOO_LONG", line, col, doc.maxBytesSpecURL,
			tagName, strconv.Itoa(len(style)), strconv.Itoa(doc.maxBytesPerInline)))
	}
	for _, d := range decls {
		if !doc.allowAll {
			verdict, ident := doc.judge(d)
			if verdict == cssDeclUnknown {
				add("DISALLOWED_PROPERTY_IN_ATTR_VALUE", rs.stylesSpecURL, d.name, cssAttrName, tagName)
				continue
			}
			if verdict == cssDeclBadValue {
				add("CSS_SYNTAX_DISALLOWED_PROPERTY_VALUE", rs.stylesSpecURL, tagName, d.name, ident)
			}
		}
		if strings.Contains(d.name, "i-amphtml-") {
			add("DISALLOWED_PROPERTY_IN_ATTR_VALUE", rs.stylesSpecURL, d.name, cssAttrName, tagName)
			continue
		}
		if !doc.allowImportant && d.important {
			add("CSS_SYNTAX_DISALLOWED_IMPORTANT", rs.stylesSpecURL)
		}
		var urls []cssURLRef
		var urlIssues []cssIssue
		cssDeclURLs(d, "", &urls, &urlIssues)
		for _, is := range urlIssues {
			add(is.code, "", append([]string{tagName}, is.params[1:]...)...)
		}
		if len(urlIssues) > 0 {
			continue
		}
		for _, u := range urls {
			if doc.imageURL != nil {
				if code, params := doc.imageURL.check(u.url); code != "" {
					add(code, rs.tagSpecURL(tagName, strict), append([]string{tagName}, params...)...)
				}
			}
			if !doc.urlBytesIncluded && !cssIsDataURL(u.url) {
				counted -= len(u.url)
			}
		}
	}
	return out, counted
}

// ---------------------------------------------------------------------------
// Size accounting
// ---------------------------------------------------------------------------

// cssBytes is a document's CSS byte tally for the combined limit
// (max_bytes of the document CSS spec, 75,000 for AMP4EMAIL): the bytes of
// <style amp-custom> plus those of every style attribute (the counts
// cssMatchStylesheet and cssMatchInlineStyle return), as the official
// Context adds them up. The per-stylesheet and per-inline-style limits are
// reported by those two.
type cssBytes struct {
	Stylesheet int // bytes of <style amp-custom>
	Inline     int // sum over the document's style attributes
}

// sizeErrors returns STYLESHEET_AND_INLINE_STYLE_TOO_LONG if the total
// exceeds the document CSS limit: an error with data-css-strict, a warning
// without (max_bytes_is_warning). line/col is where the official validator
// reports it, the end of the document. Source: validator-internal.cc
// MaybeEmitCssLengthErrors.
func (b cssBytes) sizeErrors(line, col int, strict bool) []ValidationError {
	doc := cssLoadRules().docSpec(strict)
	total := b.Stylesheet + b.Inline
	if doc == nil || doc.maxBytes == -1 || total <= doc.maxBytes {
		return nil
	}
	sev := "ERROR"
	if doc.maxBytesIsWarning {
		sev = "WARNING"
	}
	return []ValidationError{cssNewError(sev, "STYLESHEET_AND_INLINE_STYLE_TOO_LONG", line, col, doc.maxBytesSpecURL,
		strconv.Itoa(total), strconv.Itoa(doc.maxBytes))}
}
