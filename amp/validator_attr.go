package amp

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// attributes validates el's attributes against ts: each one known and its
// value allowed (the official order: values first, then the denylist), then
// the mandatory ones present.
func (v *validation) attributes(ts *tagSpec, el *vElem) []ValidationError {
	var errs []ValidationError
	tag := ts.name()
	url := specURL(ts)
	add := func(code string, params ...string) {
		errs = append(errs, newError(el.line, el.col, code, url, params...))
	}
	inTemplate := v.inTemplate()
	for _, d := range el.dups {
		add("DUPLICATE_ATTRIBUTE", tag, d)
	}
	seen := map[string]bool{}
	for _, a := range el.attrs {
		seen[a.Key] = true
		as := ts.attr(a.Key, v.conds)
		if as == nil {
			if strings.HasPrefix(a.Key, "data-") && !strings.HasPrefix(a.Key, "data-amp-bind-") {
				continue // data-* attributes are the author's
			}
			if inTemplate && strings.Contains(a.Key, "{{") {
				add("TEMPLATE_IN_ATTR_NAME", a.Key, tag)
				continue
			}
			add("DISALLOWED_ATTR", a.Key, tag)
			continue
		}
		if as.css {
			cssErrs, n := cssMatchInlineStyle(a.Val, tag, el.line, el.col, v.css.strict)
			el.inlineBytes = n // counted once by open(), not per spec tried
			errs = append(errs, cssErrs...)
		}
		if inTemplate && templateSyntax.MatchString(a.Val) {
			if strings.Contains(a.Val, "{{>") {
				add("TEMPLATE_PARTIAL_IN_ATTR_VALUE", a.Key, tag, a.Val)
				continue
			}
			if strings.Contains(a.Val, "{{{") {
				add("UNESCAPED_TEMPLATE_IN_ATTR_VALUE", a.Key, tag, a.Val)
				continue
			}
		} else if ts.extension != nil && a.Key == "src" {
			if e := v.extensionSrc(ts, a.Val); e != nil {
				e.Line, e.Col = el.line, el.col
				errs = append(errs, *e)
				if e.Severity == "ERROR" {
					continue
				}
			}
		} else if code, params := valueProblem(as, a.Key, tag, a.Val); code != "" {
			add(code, params...)
			continue
		}
		if as.disallowedRegex != nil && as.disallowedRegex.MatchString(a.Val) {
			add("INVALID_ATTR_VALUE", a.Key, tag, a.Val)
			continue
		}
		for _, ext := range as.requiresExtension {
			if !v.extLoaded[ext] {
				add("ATTR_MISSING_REQUIRED_EXTENSION", a.Key, tag, ext)
			}
			v.extUsed[ext] = true
		}
	}
	if len(errs) > 0 {
		return errs // as the official validator: no mandatory checks after a bad attribute
	}
	has := func(as *attrSpec) bool {
		if seen[as.name] {
			return true
		}
		return slices.ContainsFunc(as.altNames, func(n string) bool { return seen[n] })
	}
	oneofs := map[string]bool{}
	for _, as := range ts.attrs {
		if !enabled(as.enabledBy, as.disabledBy, v.conds) {
			continue
		}
		if as.mandatory && !has(as) {
			add("MANDATORY_ATTR_MISSING", as.name, tag)
		}
		if as.mandatoryOneof != "" && !oneofs[as.mandatoryOneof] {
			oneofs[as.mandatoryOneof] = true
			if !slices.ContainsFunc(ts.attrs, func(o *attrSpec) bool { return o.mandatoryOneof == as.mandatoryOneof && has(o) }) {
				add("MANDATORY_ONEOF_ATTR_MISSING", tag, as.mandatoryOneof)
			}
		}
		if len(as.alsoRequires) == 0 || !has(as) || (as.triggerIf != nil && !as.triggerIf.MatchString(attrValue(el.attrs, as.name))) {
			continue
		}
		for _, req := range as.alsoRequires {
			if r := ts.attr(req, v.conds); !seen[req] && (r == nil || !r.implicit) {
				add("ATTR_REQUIRED_BUT_MISSING", req, tag, as.name)
			}
		}
	}
	return errs
}

// templateSyntax is a mustache tag in an attribute value inside a
// template: the value is filled in at render time, so only the denylist
// applies to it.
var templateSyntax = regexp.MustCompile(`\{\{[\s\S]*\}\}`)

// valueProblem checks value against the value rules of as: fixed values,
// a pattern, a URL. It returns the official code and params, or "".
func valueProblem(as *attrSpec, attr, tag, value string) (string, []string) {
	switch {
	case len(as.values) > 0:
		if !slices.Contains(as.values, value) {
			return "INVALID_ATTR_VALUE", []string{attr, tag, value}
		}
	case len(as.valuesCasei) > 0:
		if !slices.ContainsFunc(as.valuesCasei, func(s string) bool { return strings.EqualFold(s, value) }) {
			return "INVALID_ATTR_VALUE", []string{attr, tag, value}
		}
	case as.valueRegex != nil:
		if !as.valueRegex.MatchString(value) {
			return "INVALID_ATTR_VALUE", []string{attr, tag, value}
		}
	case as.url != nil:
		return urlProblem(as.url, attr, tag, value)
	}
	return "", nil
}

// urlScheme is a URL's scheme, as RFC 3986 §3.1 spells it.
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// urlProblem checks one URL attribute value (each of a srcset's URLs would
// be checked the same way) against a value_url rule.
func urlProblem(u *urlRule, attr, tag, value string) (string, []string) {
	trimmed := strings.TrimSpace(value)
	if trimmed == "" {
		if u.allowEmpty {
			return "", nil
		}
		return "MISSING_URL", []string{attr, tag}
	}
	if m := urlScheme.FindStringSubmatch(trimmed); m != nil {
		scheme := strings.ToLower(m[1])
		if !slices.Contains(u.protocols, scheme) {
			return "INVALID_URL_PROTOCOL", []string{attr, tag, scheme}
		}
		return "", nil
	}
	if !u.allowRelative {
		return "DISALLOWED_RELATIVE_URL", []string{attr, tag, value}
	}
	return "", nil
}

// extensionSrc checks an extension script's src: the extension's own URL at
// one of its versions (INVALID_ATTR_VALUE, INVALID_EXTENSION_VERSION), and
// warns about a deprecated version. nil when fine.
func (v *validation) extensionSrc(ts *tagSpec, src string) *ValidationError {
	e := ts.extension
	m := extensionSrc.FindStringSubmatch(src)
	if m == nil || m[1] != e.name {
		err := newError(0, 0, "INVALID_ATTR_VALUE", specURL(ts), "src", ts.name(), src)
		return &err
	}
	switch version := m[2]; {
	case !slices.Contains(e.versions, version):
		err := newError(0, 0, "INVALID_EXTENSION_VERSION", specURL(ts), e.name, version)
		return &err
	case slices.Contains(e.deprecatedVersions, version):
		err := newError(0, 0, "WARNING_EXTENSION_DEPRECATED_VERSION", specURL(ts), e.name, version)
		return &err
	}
	return nil
}

// finish runs the document-wide checks at the end of the document: the
// mandatory tags, conditions, unused extensions and sizes.
func (v *validation) finish() {
	line, col := v.endLine, v.endCol
	if line == 0 {
		line = 1
	}
	for _, ts := range v.rules.allTags {
		if ts.mandatory && enabled(ts.enabledBy, ts.disabledBy, v.conds) && !v.attempted[ts] && !v.mandatoryCovered(ts) {
			v.report(line, col, "MANDATORY_TAG_MISSING", specURL(ts), ts.name())
		}
	}
	for ts := range v.seenSpecs {
		for _, c := range ts.requires {
			if !v.satisfied[c] {
				v.report(line, col, "TAG_REQUIRED_BY_MISSING", specURL(ts), c, ts.name())
			}
		}
	}
	var unused []string
	for name := range v.extLoaded {
		ts := v.extSpecs[name]
		if !v.extUsed[name] && ts.extension.requiresUsage != "EXEMPTED" && ts.extension.requiresUsage != "NONE" {
			unused = append(unused, name)
		}
	}
	slices.Sort(unused)
	for _, name := range unused {
		v.report(line, col, "EXTENSION_UNUSED", "", name) // the official output cites no page
	}
	v.errs = append(v.errs, v.css.sizeErrors(line, col, v.css.strict)...)
	if max := v.rules.maxDocBytes; max > 0 && len(v.doc) > max {
		v.report(line, col, "DOCUMENT_SIZE_LIMIT_EXCEEDED", v.rules.docSpecURL, fmt.Sprint(max), fmt.Sprint(len(v.doc)))
	}
}

// mandatoryCovered reports whether another spec of the same tag name and
// spec name (one per CSS mode, say) was matched instead.
func (v *validation) mandatoryCovered(ts *tagSpec) bool {
	for seen := range v.attempted {
		if seen.upper == ts.upper && seen.name() == ts.name() {
			return true
		}
	}
	return false
}
