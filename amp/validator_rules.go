package amp

import (
	_ "embed"
	"encoding/json"
	"fmt"
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
	ErrorFormats []struct {
		Code   []string `json:"code"`
		Format []string `json:"format"`
	} `json:"error_formats"`
	ErrorSpecificity []struct {
		Code        []string `json:"code"`
		Specificity []string `json:"specificity"`
	} `json:"error_specificity"`
}

// rules is the rule data as the validator uses it.
type rules struct {
	errorFormats map[string]string
	specificity  map[string]int
}

// loadRules parses the embedded rule data once. The data is part of the
// binary and tested, so a parse failure is a build defect: it panics.
var loadRules = sync.OnceValue(func() *rules {
	var raw rawRules
	if err := json.Unmarshal(validatorRulesJSON, &raw); err != nil {
		panic("amp: embedded validator rules: " + err.Error())
	}
	r := &rules{errorFormats: map[string]string{}, specificity: map[string]int{}}
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
