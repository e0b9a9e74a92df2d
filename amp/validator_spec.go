package amp

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// tagSpec is one AMP4EMAIL tag spec of the official rules, resolved: its
// attribute lists and the global and layout attributes merged in.
type tagSpec struct {
	upper, lower          string // tag name: "AMP-IMG", "amp-img"
	specName, descriptive string
	mandatory, unique     bool
	mandatoryParent       string
	mandatoryAncestor     string
	disallowedAncestor    []string
	requiresExtension     []string
	enabledBy, disabledBy []string
	specURL               string
	satisfies, requires   []string
	deprecation           string
	attrs                 []*attrSpec // own attributes first, then the lists'
	supportedLayouts      []string    // upper case; nil without amp_layout
	childOneof            []string
	firstChildOneof       []string
	mandatoryNumChildren  int // -1 when unconstrained
	cdataRegex            *regexp.Regexp
	disallowedCdata       []cdataDenial
	hasCSS                bool // the cdata is a stylesheet (css_spec)
	extension             *extensionRule
}

// cdataDenial is one disallowed_cdata_regex with its message.
type cdataDenial struct {
	re      *regexp.Regexp
	message string
}

// extensionRule is an extension script spec (custom-element or
// custom-template), whose dispatch attribute and src the official
// validator derives from the extension's name.
type extensionRule struct {
	name, attr         string // "amp-list", "custom-element"
	versions           []string
	deprecatedVersions []string
	requiresUsage      string // "", "EXEMPTED", "NONE"
}

// attrSpec is one attribute spec.
type attrSpec struct {
	name                  string
	altNames              []string
	mandatory             bool
	mandatoryOneof        string
	values, valuesCasei   []string
	valueRegex            *regexp.Regexp // whole-value match
	disallowedRegex       *regexp.Regexp // partial match
	url                   *urlRule
	dispatch              string // NAME_DISPATCH, NAME_VALUE_DISPATCH, NAME_VALUE_PARENT_DISPATCH
	enabledBy, disabledBy []string
	requiresExtension     []string
	css                   bool // the style attribute
	implicit              bool // the browser supplies it (role, tabindex on a, button)
	alsoRequires          []string
	triggerIf             *regexp.Regexp // alsoRequires applies when the value matches (nil: always)
}

// urlRule is a value_url spec.
type urlRule struct {
	protocols     []string
	allowRelative bool
	allowEmpty    bool
}

func newTagSpec(t rawTag, lists map[string][]rawAttr) *tagSpec {
	ts := &tagSpec{
		upper:                first(t.TagName),
		specName:             first(t.SpecName),
		descriptive:          first(t.DescriptiveName),
		mandatory:            first(t.Mandatory) == "true",
		unique:               first(t.Unique) == "true",
		mandatoryParent:      first(t.MandatoryParent),
		mandatoryAncestor:    first(t.MandatoryAncestor),
		disallowedAncestor:   t.DisallowedAncestor,
		requiresExtension:    t.RequiresExtension,
		enabledBy:            t.EnabledBy,
		disabledBy:           t.DisabledBy,
		specURL:              first(t.SpecURL),
		satisfies:            t.SatisfiesCondition,
		requires:             t.RequiresCondition,
		deprecation:          first(t.Deprecation),
		mandatoryNumChildren: -1,
	}
	ts.lower = strings.ToLower(ts.upper)
	for _, l := range t.AMPLayout {
		ts.supportedLayouts = append(ts.supportedLayouts, l.SupportedLayouts...)
	}
	for _, c := range t.ChildTags {
		ts.childOneof = append(ts.childOneof, c.ChildOneof...)
		ts.firstChildOneof = append(ts.firstChildOneof, c.FirstChildOneof...)
		if n := first(c.MandatoryNum); n != "" {
			fmt.Sscan(n, &ts.mandatoryNumChildren)
		}
	}
	for _, c := range t.Cdata {
		if re := first(c.CdataRegex); re != "" {
			ts.cdataRegex = ruleRegexp(`^(?:` + re + `)$`)
		}
		for _, d := range c.DisallowedCdataRegex {
			ts.disallowedCdata = append(ts.disallowedCdata, cdataDenial{ruleRegexp(first(d.Regex)), first(d.ErrorMessage)})
		}
		ts.hasCSS = ts.hasCSS || len(c.CSSSpec) > 0
	}
	raws := slices.Clone(t.Attrs)
	if len(t.ExtensionSpec) > 0 {
		e := t.ExtensionSpec[0]
		ts.extension = &extensionRule{name: first(e.Name), attr: "custom-element", versions: e.Version,
			deprecatedVersions: e.DeprecatedVersion, requiresUsage: first(e.RequiresUsage)}
		if first(e.ExtensionType) == "CUSTOM_TEMPLATE" {
			ts.extension.attr = "custom-template"
		}
		// The dispatch attribute and src the official generator adds.
		raws = append(raws,
			rawAttr{Name: []string{ts.extension.attr}, Mandatory: []string{"true"}, Value: []string{ts.extension.name}, DispatchKey: []string{"NAME_VALUE_DISPATCH"}},
			rawAttr{Name: []string{"src"}, Mandatory: []string{"true"}})
	}
	for _, l := range t.AttrLists {
		raws = append(raws, lists[l]...)
	}
	if len(ts.supportedLayouts) > 0 {
		raws = append(raws, lists["$AMP_LAYOUT_ATTRS"]...)
	}
	if first(t.ExplicitAttrsOnly) != "true" {
		raws = append(raws, lists["$GLOBAL_ATTRS"]...)
	}
	for _, a := range raws {
		ts.attrs = append(ts.attrs, newAttrSpec(a))
	}
	return ts
}

func newAttrSpec(a rawAttr) *attrSpec {
	as := &attrSpec{
		name:              first(a.Name),
		altNames:          a.AlternativeNames,
		mandatory:         first(a.Mandatory) == "true",
		mandatoryOneof:    first(a.MandatoryOneof),
		values:            a.Value,
		valuesCasei:       a.ValueCasei,
		dispatch:          first(a.DispatchKey),
		enabledBy:         a.EnabledBy,
		disabledBy:        a.DisabledBy,
		requiresExtension: a.RequiresExtension,
		css:               first(a.ValueDocCSS) == "true",
	}
	if re := first(a.ValueRegex); re != "" {
		as.valueRegex = ruleRegexp(`^(?:` + re + `)$`)
	}
	if re := first(a.ValueRegexCasei); re != "" {
		as.valueRegex = ruleRegexp(`(?i)^(?:` + re + `)$`)
	}
	if re := first(a.DisallowedValueRegex); re != "" {
		as.disallowedRegex = ruleRegexp(re)
	}
	if len(a.ValueURL) > 0 {
		u := a.ValueURL[0]
		as.url = &urlRule{protocols: u.Protocol, allowRelative: first(u.AllowRelative) != "false", allowEmpty: first(u.AllowEmpty) == "true"}
	}
	as.implicit = first(a.Implicit) == "true"
	for _, t := range a.Trigger {
		as.alsoRequires = append(as.alsoRequires, t.AlsoRequiresAttr...)
		if re := first(t.IfValueRegex); re != "" {
			as.triggerIf = ruleRegexp(`^(?:` + re + `)$`)
		}
	}
	return as
}

// name is how messages name the tag a spec describes: its descriptive name,
// the spec name of an extension script, else the lower-case tag name.
func (ts *tagSpec) name() string {
	switch {
	case ts.descriptive != "":
		return ts.descriptive
	case ts.extension != nil && ts.specName != "":
		return ts.specName
	}
	return ts.lower
}

// enabled reports whether the spec applies to a document whose <html>
// carries the conditions in conds (e.g. "amp4email", "data-css-strict").
func enabled(enabledBy, disabledBy []string, conds map[string]bool) bool {
	for _, c := range enabledBy {
		if !conds[c] {
			return false
		}
	}
	for _, c := range disabledBy {
		if conds[c] {
			return false
		}
	}
	return true
}

// attr returns the spec of attribute name (lower case) that applies under
// conds, or nil.
func (ts *tagSpec) attr(name string, conds map[string]bool) *attrSpec {
	for _, a := range ts.attrs {
		if (a.name == name || slices.Contains(a.altNames, name)) && enabled(a.enabledBy, a.disabledBy, conds) {
			return a
		}
	}
	return nil
}

// ruleRegexp compiles a regular expression of the rule data. The rules are
// written for JavaScript; the few Go's RE2 cannot compile (back-references,
// look-arounds) are skipped, which makes the validator more lenient there.
// The rule data repeats its patterns (every tag carries the global
// attributes): each distinct one is compiled once.
func ruleRegexp(re string) *regexp.Regexp {
	compiledMu.Lock()
	defer compiledMu.Unlock()
	if r, ok := compiledRules[re]; ok {
		return r
	}
	r, err := regexp.Compile(re)
	if err != nil {
		r = nil
	}
	compiledRules[re] = r
	return r
}

var (
	compiledMu    sync.Mutex
	compiledRules = map[string]*regexp.Regexp{}
)
