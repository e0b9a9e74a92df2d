package amp

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// ValidationResult is the verdict of Validate on one document.
type ValidationResult struct {
	// Pass is true when no error of severity ERROR was found (warnings
	// allowed), the official validator's PASS.
	Pass bool `json:"pass"`
	// Errors are the findings sorted by line and column, warnings included.
	Errors []ValidationError `json:"errors"`
}

// Validate checks doc as an AMP4EMAIL document against the official AMP
// validator's rules (amp/rules; https://amp.dev/documentation/guides-and-tutorials/email/learn/email-spec/amp-email-format):
// the document skeleton, tag and attribute specs (mandatory, unique, values,
// URL protocols, ancestors, parents, children), extension scripts (versions,
// used but missing, included but unused), mustache in attributes, layout,
// CSS and sizes. Errors carry the official codes, messages, positions (line
// 1-based, column 0-based) and spec URLs. Validate never fails: any byte
// string gets a verdict.
func Validate(doc []byte) ValidationResult {
	v := newValidation(doc)
	v.run()
	v.finish()
	slices.SortStableFunc(v.errs, func(a, b ValidationError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	res := ValidationResult{Pass: true, Errors: v.errs}
	for _, e := range v.errs {
		if e.Severity == "ERROR" {
			res.Pass = false
		}
	}
	if res.Errors == nil {
		res.Errors = []ValidationError{}
	}
	return res
}

// vElem is an open (or just validated) tag of the document.
type vElem struct {
	lower, upper string
	attrs        []html.Attribute
	line, col    int
	spec         *tagSpec // the spec it was validated against (best match)
	passed       bool     // … and passed
	dups         []string // attribute names written more than once
	inlineBytes  int      // what its style attribute adds to the CSS total
	children     int
	text         strings.Builder // cdata of script and style
}

// validation is the state of one Validate run.
type validation struct {
	doc         []byte
	rules       *rules
	lines       *lineIndex
	conds       map[string]bool // attributes of <html>: "amp4email", "data-css-strict", …
	stack       []*vElem
	openCount   map[string]int // open elements by tag name and by matched spec name
	templates   int            // open template elements
	errs        []ValidationError
	seenDoctype bool
	seenSpecs   map[*tagSpec]bool // specs matched at least once
	attempted   map[*tagSpec]bool // specs that were some tag's best match
	satisfied   map[string]bool   // conditions satisfied by matched specs
	extLoaded   map[string]bool
	extUsed     map[string]bool
	extSpecs    map[string]*tagSpec
	endLine     int
	endCol      int
	css         cssState
}

// cssState is the CSS size accounting and mode of the document.
type cssState struct {
	cssBytes      // stylesheet and inline style bytes, as the limits count them
	strict   bool // <html data-css-strict>
}

func newValidation(doc []byte) *validation {
	v := &validation{
		doc: doc, rules: loadRules(), conds: map[string]bool{}, openCount: map[string]int{},
		seenSpecs: map[*tagSpec]bool{}, attempted: map[*tagSpec]bool{}, satisfied: map[string]bool{},
		extLoaded: map[string]bool{}, extUsed: map[string]bool{}, extSpecs: map[string]*tagSpec{},
	}
	v.lines = newLineIndex(doc)
	return v
}

func (v *validation) pos(offset int) (int, int) { return v.lines.pos(offset) }

// lineIndex turns byte offsets of a document into the positions the
// validator and the linter report: 1-based lines, 0-based columns in
// characters.
type lineIndex struct {
	doc    []byte
	starts []int    // offset of each line's first byte
	last   position // the last answer, to count on from
}

// position is a memo of lineIndex.pos.
type position struct{ offset, line, col int }

func newLineIndex(doc []byte) *lineIndex {
	l := &lineIndex{doc: doc, starts: []int{0}}
	for i, b := range doc {
		if b == '\n' {
			l.starts = append(l.starts, i+1)
		}
	}
	return l
}

// pos is the line and column of offset. Offsets mostly grow as a tokenizer
// advances, so the column counts on from the last position asked for on the
// same line: linear in the document, not quadratic on long lines.
func (l *lineIndex) pos(offset int) (int, int) {
	i, found := slices.BinarySearch(l.starts, offset)
	if !found {
		i--
	}
	from, col := l.starts[i], 0
	if p := l.last; p.line == i+1 && p.offset <= offset {
		from, col = p.offset, p.col
	}
	col += utf8.RuneCount(l.doc[from:offset])
	l.last = position{offset: offset, line: i + 1, col: col}
	return i + 1, col
}

// report records an error of code at line/col; severity follows the code.
func (v *validation) report(line, col int, code, specURL string, params ...string) {
	v.errs = append(v.errs, newError(line, col, code, specURL, params...))
}

func newError(line, col int, code, specURL string, params ...string) ValidationError {
	if params == nil {
		params = []string{} // JSON [] rather than null
	}
	sev := "ERROR"
	if isWarningCode(code) {
		sev = "WARNING"
	}
	return ValidationError{Severity: sev, Code: code, Line: line, Col: col, Params: params, SpecURL: specURL}
}

// isWarningCode reports the codes the official validator reports as
// warnings: they do not fail a document.
func isWarningCode(code string) bool {
	switch code {
	case "AMP_EMAIL_MISSING_STRICT_CSS_ATTR", "DEPRECATED_TAG", "DEPRECATED_ATTR", "DUPLICATE_UNIQUE_TAG_WARNING":
		return true
	}
	return strings.HasPrefix(code, "WARNING_")
}

// voidElements have no end tag (HTML Living Standard §13.1.2).
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true}

// run tokenizes the document and validates each tag as it opens and closes.
func (v *validation) run() {
	z := html.NewTokenizer(bytes.NewReader(v.doc))
	offset := 0
	for {
		tt := z.Next()
		raw := z.Raw()
		start := offset
		offset += len(raw)
		switch tt {
		case html.ErrorToken: // the end of the document (io.EOF); the tokenizer reads from memory
			return
		case html.DoctypeToken:
			v.doctype(z.Token(), start)
		case html.StartTagToken, html.SelfClosingTagToken:
			name, attrs := readStartTag(z)
			line, col := v.pos(start)
			el := &vElem{lower: name, upper: strings.ToUpper(name), attrs: attrs, line: line, col: col, dups: duplicateAttrNames(raw)}
			v.open(el)
			if voidElements[el.lower] {
				v.close(el)
			} else {
				v.push(el)
			}
		case html.EndTagToken:
			name := z.Token().Data
			v.endLine, v.endCol = v.pos(offset - 1)
			for i := len(v.stack) - 1; i >= 0; i-- {
				if v.stack[i].lower == name {
					for len(v.stack) > i {
						v.close(v.pop())
					}
					break
				}
			}
		case html.TextToken:
			if n := len(v.stack); n > 0 {
				v.stack[n-1].text.Write(raw)
			}
		}
		if tt != html.TextToken && len(raw) > 0 {
			v.endLine, v.endCol = v.pos(offset - 1)
		}
	}
}

// readStartTag reads the current start tag's name and all its attributes,
// duplicates included (html.Tokenizer.Token drops them, and the validator
// reports them).
func readStartTag(z *html.Tokenizer) (string, []html.Attribute) {
	name, more := z.TagName()
	var attrs []html.Attribute
	for more {
		var k, val []byte
		k, val, more = z.TagAttr()
		attrs = append(attrs, html.Attribute{Key: string(k), Val: string(val)})
	}
	return string(name), attrs
}

// duplicateAttrNames returns the attribute names a raw start tag repeats,
// scanning it as HTML's tokenizer does (§13.2.5.32–.40): the tokenizer keeps
// only the first of each, and the validator reports the others.
func duplicateAttrNames(raw []byte) []string {
	space := func(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }
	i := 1
	for i < len(raw) && !space(raw[i]) && raw[i] != '/' && raw[i] != '>' {
		i++
	}
	seen := map[string]bool{}
	var dups []string
	for i < len(raw) {
		for i < len(raw) && (space(raw[i]) || raw[i] == '/') {
			i++
		}
		if i >= len(raw) || raw[i] == '>' {
			break
		}
		start := i
		i++ // a name may start with '='
		for i < len(raw) && !space(raw[i]) && raw[i] != '/' && raw[i] != '>' && raw[i] != '=' {
			i++
		}
		name := strings.ToLower(string(raw[start:i]))
		j := i
		for j < len(raw) && space(raw[j]) {
			j++
		}
		if j < len(raw) && raw[j] == '=' {
			i = j + 1
			for i < len(raw) && space(raw[i]) {
				i++
			}
			if i < len(raw) && (raw[i] == '"' || raw[i] == '\'') {
				q := raw[i]
				i++
				for i < len(raw) && raw[i] != q {
					i++
				}
				i++
			} else {
				for i < len(raw) && !space(raw[i]) && raw[i] != '>' {
					i++
				}
			}
		}
		if seen[name] {
			dups = append(dups, name)
		}
		seen[name] = true
	}
	return dups
}

// doctype validates <!doctype html> as the official validator does: as a
// tag "!doctype" whose words are attributes.
func (v *validation) doctype(t html.Token, start int) {
	line, col := v.pos(start)
	var attrs []html.Attribute
	for _, w := range strings.Fields(strings.ToLower(t.Data)) {
		attrs = append(attrs, html.Attribute{Key: w})
	}
	el := &vElem{lower: "!doctype", upper: "!DOCTYPE", attrs: attrs, line: line, col: col}
	v.seenDoctype = true
	v.open(el)
}

// parent is the innermost open element, or nil at the root.
func (v *validation) parent() *vElem {
	if len(v.stack) == 0 {
		return nil
	}
	return v.stack[len(v.stack)-1]
}

// inTemplate reports whether the next tag sits inside an amp-mustache
// template (a <template> or a <script type=text/plain template=…>).
func (v *validation) inTemplate() bool { return v.templates > 0 }

// push opens el, keeping the counts that make ancestor questions O(1)
// however deep the document nests.
func (v *validation) push(el *vElem) {
	v.stack = append(v.stack, el)
	v.openCount[el.upper]++
	if el.spec != nil && el.spec.specName != "" {
		v.openCount[el.spec.specName]++
	}
	if isTemplate(el) {
		v.templates++
	}
}

// pop closes the innermost open element and returns it.
func (v *validation) pop() *vElem {
	el := v.stack[len(v.stack)-1]
	v.stack = v.stack[:len(v.stack)-1]
	v.openCount[el.upper]--
	if el.spec != nil && el.spec.specName != "" {
		v.openCount[el.spec.specName]--
	}
	if isTemplate(el) {
		v.templates--
	}
	return el
}

func isTemplate(el *vElem) bool {
	return el.upper == "TEMPLATE" || (el.upper == "SCRIPT" && attrValue(el.attrs, "template") != "")
}

func attrValue(attrs []html.Attribute, name string) string {
	v, _ := attrOf(attrs, name)
	return v
}

func hasAttrKey(attrs []html.Attribute, name string) bool {
	_, ok := attrOf(attrs, name)
	return ok
}
