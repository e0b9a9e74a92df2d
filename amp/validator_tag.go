package amp

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// open validates a start tag: its place among its siblings, then the best
// matching tag spec, whose errors it reports.
func (v *validation) open(el *vElem) {
	parent := v.parent()
	if parent != nil {
		v.childRules(parent, el)
		parent.children++
	}
	if el.upper == "HTML" {
		v.htmlTag(el)
	}
	candidates := v.candidates(el, parent)
	if len(candidates) == 0 {
		if el.upper == "SCRIPT" {
			v.report(el.line, el.col, "DISALLOWED_SCRIPT_TAG", "https://amp.dev/documentation/guides-and-tutorials/learn/validation-workflow/validation_errors/#custom-javascript-is-not-allowed")
			return
		}
		v.report(el.line, el.col, "DISALLOWED_TAG", "", el.lower)
		return
	}
	var best []ValidationError
	var bestSpec *tagSpec
	for _, ts := range candidates {
		errs := v.against(ts, el, parent)
		if !hasErrorSeverity(errs) {
			best, bestSpec = errs, ts
			break
		}
		switch {
		case bestSpec == nil, betterAttempt(errs, best, v.rules.specificity):
			best, bestSpec = errs, ts
		case !betterAttempt(best, errs, v.rules.specificity) && mandatoryPresent(ts, el, v.conds) > mandatoryPresent(bestSpec, el, v.conds):
			best, bestSpec = errs, ts
		}
	}
	el.spec = bestSpec
	v.css.Inline += el.inlineBytes // once, whichever specs were tried
	v.attempted[bestSpec] = true   // present, if faulty: not also "missing"
	v.errs = append(v.errs, best...)
	for _, ext := range bestSpec.requiresExtension {
		if !v.extLoaded[ext] {
			v.report(el.line, el.col, "MISSING_REQUIRED_EXTENSION", specURL(bestSpec), bestSpec.name(), ext)
		}
		v.extUsed[ext] = true // used by the tag meant, even a faulty one, as the official validator counts
	}
	if e := bestSpec.extension; e != nil { // loaded even with a bad src, as the official validator does
		v.extLoaded[e.name] = true
		v.extSpecs[e.name] = bestSpec
	}
	if hasErrorSeverity(best) {
		return
	}
	el.passed = true
	v.matched(bestSpec, el)
}

// betterAttempt reports whether a failed attempt's errors point at the
// intended spec more surely than best's: a more specific worst error, then
// fewer errors (the official validator's ranking of tag spec attempts).
func betterAttempt(errs, best []ValidationError, specificity map[string]int) bool {
	a, b := maxSpecificity(errs, specificity), maxSpecificity(best, specificity)
	if a != b {
		return a > b
	}
	return len(errs) < len(best)
}

// mandatoryPresent counts the mandatory attributes of ts that el carries:
// among equally failing specs, the one whose own attributes el has is the
// one the author meant.
func mandatoryPresent(ts *tagSpec, el *vElem, conds map[string]bool) int {
	n := 0
	for _, a := range ts.attrs {
		if a.mandatory && enabled(a.enabledBy, a.disabledBy, conds) && hasAttrKey(el.attrs, a.name) {
			n++
		}
	}
	return n
}

func maxSpecificity(errs []ValidationError, specificity map[string]int) int {
	m := 0
	for _, e := range errs {
		m = max(m, specificity[e.Code])
	}
	return m
}

func hasErrorSeverity(errs []ValidationError) bool {
	for _, e := range errs {
		if e.Severity == "ERROR" {
			return true
		}
	}
	return false
}

// candidates are the specs to try for el: those its dispatch attribute
// selects, else those without a dispatch attribute, else all of them.
// Scripts that dispatch to no spec get none (custom JavaScript).
func (v *validation) candidates(el *vElem, parent *vElem) []*tagSpec {
	var all, dispatched, plain []*tagSpec
	for _, ts := range v.rules.tags[el.upper] {
		if !enabled(ts.enabledBy, ts.disabledBy, v.conds) {
			continue
		}
		all = append(all, ts)
		d := dispatchAttr(ts, v.conds)
		switch {
		case d == nil:
			plain = append(plain, ts)
		case dispatches(d, ts, el, parent):
			dispatched = append(dispatched, ts)
		}
	}
	switch {
	case len(dispatched) > 0:
		return dispatched
	case el.upper == "SCRIPT":
		return plain
	case len(plain) > 0:
		return plain
	}
	return all
}

func dispatchAttr(ts *tagSpec, conds map[string]bool) *attrSpec {
	for _, a := range ts.attrs {
		if a.dispatch != "" && enabled(a.enabledBy, a.disabledBy, conds) {
			return a
		}
	}
	return nil
}

// dispatches reports whether el carries d the way d's dispatch key asks.
func dispatches(d *attrSpec, ts *tagSpec, el, parent *vElem) bool {
	if !hasAttrKey(el.attrs, d.name) {
		return false
	}
	if d.dispatch == "NAME_DISPATCH" {
		return true
	}
	val := attrValue(el.attrs, d.name)
	if !slices.Contains(d.values, val) && !slices.ContainsFunc(d.valuesCasei, func(s string) bool { return strings.EqualFold(s, val) }) {
		return false
	}
	if d.dispatch == "NAME_VALUE_PARENT_DISPATCH" {
		return parent != nil && parent.upper == ts.mandatoryParent
	}
	return true
}

// against validates el against one spec and returns the errors (reported
// only if this spec is the best match).
func (v *validation) against(ts *tagSpec, el, parent *vElem) []ValidationError {
	var errs []ValidationError
	add := func(code, url string, params ...string) {
		errs = append(errs, newError(el.line, el.col, code, url, params...))
	}
	url := specURL(ts)
	switch p := ts.mandatoryParent; {
	case p == "" || p == "!DOCTYPE":
	case p == "$ROOT":
		if parent != nil {
			add("WRONG_PARENT_TAG", url, el.lower, parent.lower, "$root")
		}
	case parent == nil || (parent.upper != p && (parent.spec == nil || parent.spec.specName != p)):
		pname := "$root"
		if parent != nil {
			pname = parent.lower
		}
		add("WRONG_PARENT_TAG", url, ts.name(), pname, strings.ToLower(p))
	}
	for _, d := range ts.disallowedAncestor {
		if v.hasAncestor(d) {
			add("DISALLOWED_TAG_ANCESTOR", url, el.lower, strings.ToLower(d))
			return errs // as the official validator: one ancestor error, nothing more
		}
	}
	if a := ts.mandatoryAncestor; a != "" && !v.hasAncestor(a) {
		add("MANDATORY_TAG_ANCESTOR", url, el.lower, strings.ToLower(a))
		return errs
	}
	if len(ts.supportedLayouts) > 0 {
		errs = append(errs, v.layout(ts, el)...)
	}
	if el.upper != "HTML" {
		errs = append(errs, v.attributes(ts, el)...)
	}
	if ts.deprecation != "" {
		add("DEPRECATED_TAG", ts.specURL, ts.name(), ts.deprecation)
	}
	return errs
}

// hasAncestor reports whether an open element is name: a tag name
// ("AMP-LIST") or the spec name it matched ("TEMPLATE (AMP4EMAIL)").
func (v *validation) hasAncestor(name string) bool { return v.openCount[name] > 0 }

// specURL is the page the official validator cites for a spec's errors:
// its spec_url, else the page of the extension it needs or defines.
func specURL(ts *tagSpec) string {
	switch {
	case ts.specURL != "":
		return ts.specURL
	case len(ts.requiresExtension) > 0:
		return "https://amp.dev/documentation/components/" + ts.requiresExtension[0]
	case ts.extension != nil:
		return "https://amp.dev/documentation/components/" + ts.extension.name
	}
	return ""
}

// matched records what a passing tag means for the whole document.
func (v *validation) matched(ts *tagSpec, el *vElem) {
	if ts.unique && v.seenSpecs[ts] {
		v.report(el.line, el.col, "DUPLICATE_UNIQUE_TAG", specURL(ts), ts.name())
	}
	v.seenSpecs[ts] = true
	for _, c := range ts.satisfies {
		v.satisfied[c] = true
	}
}

// childRules checks el as the next child of parent against parent's
// child_tags rules.
func (v *validation) childRules(parent, el *vElem) {
	ps := parent.spec
	if ps == nil || !parent.passed {
		return
	}
	if len(ps.childOneof) > 0 && !slices.Contains(ps.childOneof, el.upper) {
		v.report(el.line, el.col, "DISALLOWED_CHILD_TAG_NAME", specURL(ps), el.lower, ps.name(), quoteList(ps.childOneof))
	}
	if parent.children == 0 && len(ps.firstChildOneof) > 0 && !slices.Contains(ps.firstChildOneof, el.upper) {
		v.report(el.line, el.col, "DISALLOWED_FIRST_CHILD_TAG_NAME", specURL(ps), el.lower, ps.name(), quoteList(ps.firstChildOneof))
	}
}

// quoteList writes names as the official messages do: ['h1', 'h2'].
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + strings.ToLower(n) + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// close runs the checks that need a tag's content: child counts, cdata.
func (v *validation) close(el *vElem) {
	ts := el.spec
	if ts == nil {
		return
	}
	if ts.mandatoryNumChildren >= 0 && el.children != ts.mandatoryNumChildren {
		v.report(el.line, el.col, "INCORRECT_NUM_CHILD_TAGS", specURL(ts), ts.name(), fmt.Sprint(ts.mandatoryNumChildren), fmt.Sprint(el.children))
	}
	text := el.text.String()
	if el.upper == "STYLE" {
		// Stylesheets, the boilerplate included, are validate_css.go's: their
		// text, denylist, CSS and sizes, at the style tag's position.
		if text != "" {
			errs, n := cssMatchStylesheet(text, el.line, el.col, v.css.strict, ts.name())
			v.css.Stylesheet += n // by the tag's own spec: the boilerplate counts nothing
			v.errs = append(v.errs, errs...)
		}
		return
	}
	if ts.cdataRegex != nil && !ts.cdataRegex.MatchString(text) {
		v.report(el.line, el.col, "MANDATORY_CDATA_MISSING_OR_INCORRECT", specURL(ts), ts.name())
	}
	for _, d := range ts.disallowedCdata {
		if d.re != nil && d.re.MatchString(text) {
			v.report(el.line, el.col, "CDATA_VIOLATES_DENYLIST", specURL(ts), ts.name(), d.message)
		}
	}
}

// htmlTag checks <html>: the AMP4EMAIL format attribute, and the strict CSS
// attribute the official validator asks for with a warning.
func (v *validation) htmlTag(el *vElem) {
	for _, a := range el.attrs {
		switch a.Key {
		case "⚡4email", "amp4email":
			v.conds["amp4email"] = true
		default:
			v.conds[a.Key] = true
		}
	}
	if !v.conds["amp4email"] {
		v.report(el.line, el.col, "MANDATORY_ATTR_MISSING", "https://amp.dev/documentation/guides-and-tutorials/learn/spec/amphtml/#required-markup", "⚡4email", "html")
		return
	}
	if !v.conds["data-css-strict"] {
		v.report(el.line, el.col, "AMP_EMAIL_MISSING_STRICT_CSS_ATTR", "https://github.com/ampproject/amphtml/issues/32587")
	}
	v.css.strict = v.conds["data-css-strict"]
}

// extensionSrc is an AMP extension script URL: name and version.
var extensionSrc = regexp.MustCompile(`^https://cdn\.ampproject\.org/v0/(amp-[a-z0-9-]+)-([0-9]+\.[0-9]+|latest)\.js$`)
