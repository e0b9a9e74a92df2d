package amp

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// validatorRulesJSON is the official AMP validator's rule data, embedded
// unchanged (rules/README.md gives its source commit and licence).
//
//go:embed rules/validator-all.json
var validatorRulesJSON []byte

// ValidationError is one finding of the AMP4EMAIL validator, in the
// official validator's terms.
type ValidationError struct {
	// Severity is "ERROR" (the document fails) or "WARNING".
	Severity string `json:"severity"`
	// Code is the official error code, e.g. "DISALLOWED_ATTR".
	Code string `json:"code"`
	// Line is 1-based; Col is 0-based, as the official validator counts.
	Line int `json:"line"`
	Col  int `json:"col"`
	// Params fill the official message format's %1, %2, … in order.
	Params []string `json:"params"`
	// SpecURL is the page that documents the rule ("" when none).
	SpecURL string `json:"spec_url,omitempty"`
}

// Message is the official English message of e: the rule data's format for
// e.Code with %1… replaced by e.Params, e.g. "The attribute 'srcset' may not
// appear in tag 'amp-img'.".
func (e ValidationError) Message() string {
	format, ok := loadRules().errorFormats[e.Code]
	if !ok {
		return e.Code + " " + strings.Join(e.Params, " ")
	}
	for i := len(e.Params); i >= 1; i-- { // %10 before %1
		format = strings.ReplaceAll(format, fmt.Sprintf("%%%d", i), e.Params[i-1])
	}
	return format
}

// MarshalJSON writes e with its message:
// {"severity","code","line","col","params","message","spec_url"}.
func (e ValidationError) MarshalJSON() ([]byte, error) {
	type plain ValidationError // without this method
	return json.Marshal(struct {
		plain
		Message string `json:"message"`
	}{plain(e), e.Message()})
}

// String is e as the official CLI prints it, without the file name:
// "LINE:COL message (see URL)".
func (e ValidationError) String() string {
	s := fmt.Sprintf("%d:%d %s", e.Line, e.Col, e.Message())
	if e.SpecURL != "" {
		s += " (see " + e.SpecURL + ")"
	}
	return s
}

// rawRules is the part of the rule data's shape amplive reads. The dump
// writes every scalar as a one-element array of strings.
type rawRules struct {
	cssRawRules // the document CSS specs, declaration lists and tags (validate_css.go)
	AttrLists   []struct {
		Name  []string  `json:"name"`
		Attrs []rawAttr `json:"attrs"`
	} `json:"attr_lists"`
	Doc []struct {
		HTMLFormat []string `json:"html_format"`
		MaxBytes   []string `json:"max_bytes"`
		SpecURL    []string `json:"max_bytes_spec_url"`
	} `json:"doc"`
	ErrorFormats []struct {
		Code   []string `json:"code"`
		Format []string `json:"format"`
	} `json:"error_formats"`
	ErrorSpecificity []struct {
		Code        []string `json:"code"`
		Specificity []string `json:"specificity"`
	} `json:"error_specificity"`
}

// rawTag is one tag spec as dumped.
type rawTag struct {
	HTMLFormat         []string  `json:"html_format"`
	TagName            []string  `json:"tag_name"`
	SpecName           []string  `json:"spec_name"`
	DescriptiveName    []string  `json:"descriptive_name"`
	Mandatory          []string  `json:"mandatory"`
	Unique             []string  `json:"unique"`
	MandatoryParent    []string  `json:"mandatory_parent"`
	MandatoryAncestor  []string  `json:"mandatory_ancestor"`
	DisallowedAncestor []string  `json:"disallowed_ancestor"`
	RequiresExtension  []string  `json:"requires_extension"`
	Attrs              []rawAttr `json:"attrs"`
	AttrLists          []string  `json:"attr_lists"`
	EnabledBy          []string  `json:"enabled_by"`
	DisabledBy         []string  `json:"disabled_by"`
	SpecURL            []string  `json:"spec_url"`
	ExplicitAttrsOnly  []string  `json:"explicit_attrs_only"`
	SatisfiesCondition []string  `json:"satisfies_condition"`
	RequiresCondition  []string  `json:"requires_condition"`
	Deprecation        []string  `json:"deprecation"`
	AMPLayout          []struct {
		SupportedLayouts []string `json:"supported_layouts"`
	} `json:"amp_layout"`
	ChildTags []struct {
		MandatoryNum    []string `json:"mandatory_num_child_tags"`
		ChildOneof      []string `json:"child_tag_name_oneof"`
		FirstChildOneof []string `json:"first_child_tag_name_oneof"`
	} `json:"child_tags"`
	Cdata         []cssRawCdata `json:"cdata"`
	ExtensionSpec []struct {
		Name              []string `json:"name"`
		Version           []string `json:"version"`
		DeprecatedVersion []string `json:"deprecated_version"`
		RequiresUsage     []string `json:"requires_usage"`
		ExtensionType     []string `json:"extension_type"`
	} `json:"extension_spec"`
}

// rawAttr is one attribute spec as dumped.
type rawAttr struct {
	Name                 []string `json:"name"`
	AlternativeNames     []string `json:"alternative_names"`
	Mandatory            []string `json:"mandatory"`
	MandatoryOneof       []string `json:"mandatory_oneof"`
	Value                []string `json:"value"`
	ValueCasei           []string `json:"value_casei"`
	ValueRegex           []string `json:"value_regex"`
	ValueRegexCasei      []string `json:"value_regex_casei"`
	DisallowedValueRegex []string `json:"disallowed_value_regex"`
	ValueURL             []struct {
		Protocol      []string `json:"protocol"`
		AllowRelative []string `json:"allow_relative"`
		AllowEmpty    []string `json:"allow_empty"`
	} `json:"value_url"`
	DispatchKey       []string `json:"dispatch_key"`
	EnabledBy         []string `json:"enabled_by"`
	DisabledBy        []string `json:"disabled_by"`
	RequiresExtension []string `json:"requires_extension"`
	ValueDocCSS       []string `json:"value_doc_css"`
	Implicit          []string `json:"implicit"`
	Trigger           []struct {
		IfValueRegex     []string `json:"if_value_regex"`
		AlsoRequiresAttr []string `json:"also_requires_attr"`
	} `json:"trigger"`
}

// rules is the rule data as the validator uses it: AMP4EMAIL only.
type rules struct {
	errorFormats map[string]string
	specificity  map[string]int
	tags         map[string][]*tagSpec // by upper-case tag name, in rule order
	css          *cssRuleSet           // what validate_css.go reads
	allTags      []*tagSpec
	maxDocBytes  int
	docSpecURL   string
}

// loadRules parses the embedded rule data once. The data is part of the
// binary and tested, so a parse failure is a build defect: it panics.
var loadRules = sync.OnceValue(func() *rules {
	var raw rawRules
	if err := json.Unmarshal(validatorRulesJSON, &raw); err != nil {
		panic("amp: embedded validator rules: " + err.Error())
	}
	r := &rules{errorFormats: map[string]string{}, specificity: map[string]int{}, tags: map[string][]*tagSpec{},
		css: cssNewRuleSet(raw.cssRawRules)}
	lists := map[string][]rawAttr{}
	for _, l := range raw.AttrLists {
		lists[first(l.Name)] = l.Attrs
	}
	for _, t := range raw.Tags {
		if !slices.Contains(t.HTMLFormat, "AMP4EMAIL") {
			continue
		}
		ts := newTagSpec(t, lists)
		r.tags[ts.upper] = append(r.tags[ts.upper], ts)
		r.allTags = append(r.allTags, ts)
	}
	for _, d := range raw.Doc {
		if slices.Contains(d.HTMLFormat, "AMP4EMAIL") {
			fmt.Sscan(first(d.MaxBytes), &r.maxDocBytes)
			r.docSpecURL = first(d.SpecURL)
		}
	}
	for _, f := range raw.ErrorFormats {
		r.errorFormats[first(f.Code)] = first(f.Format)
	}
	for _, s := range raw.ErrorSpecificity {
		var n int
		fmt.Sscan(first(s.Specificity), &n)
		r.specificity[first(s.Code)] = n
	}
	return r
})

// first is the single value of a dumped scalar ("" when absent).
func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
