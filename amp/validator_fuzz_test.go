package amp

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// Bounds of FuzzValidate: larger inputs are skipped (the email size limit
// is 200,000 bytes, but the fuzzer learns nothing more from long inputs and
// each would slow it down); an input that takes longer than validateSlow
// fails, one that takes longer than validateHung crashes the worker so the
// fuzzer keeps it even if Validate never returns.
const (
	validateFuzzMax = 64 << 10
	validateSlow    = 2 * time.Second
	validateHung    = 20 * time.Second
)

// placeholder matches the %1, %2 … of an official message format.
var placeholder = regexp.MustCompile(`%([0-9]+)`)

// FuzzValidate feeds arbitrary documents to Validate. It must never panic
// and must finish quickly; every finding has Line ≥ 1, Col ≥ 0, a severity
// of ERROR or WARNING, params (never nil), a code the rule data has a
// message format for (so Message never falls back to the raw code) and
// enough params for the format's placeholders; findings are sorted by
// position; and Pass is true exactly when no finding is an ERROR. Seeds:
// the official AMP4EMAIL cases and the golden emails.
//
//	go test ./amp -run '^$' -fuzz '^FuzzValidate$' -fuzztime 60s
func FuzzValidate(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"amp-validator/*.html", "emails/*.amp.html"} {
		files, err := filepath.Glob(filepath.Join("..", "testdata", filepath.FromSlash(pattern)))
		if err != nil || len(files) == 0 {
			f.Fatalf("no seeds for %s: %v", pattern, err)
		}
		seeds = append(seeds, files...)
	}
	for _, file := range seeds {
		doc, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	f.Add([]byte(""))
	f.Add([]byte("<!doctype html><html ⚡4email data-css-strict><head><meta charset=utf-8>" +
		"<script async src=https://cdn.ampproject.org/v0.js></script>" +
		"<style amp4email-boilerplate>body{visibility:hidden}</style></head><body>\xff\xfe</body></html>"))
	f.Add([]byte("<html amp4email><body><template type=amp-mustache><a href={{x}}>\n</template><style amp-custom>@media{a{b:c}}</style>"))

	formats := loadRules().errorFormats
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > validateFuzzMax {
			t.Skip("over the fuzz size bound")
		}
		hung := time.AfterFunc(validateHung, func() {
			panic("Validate has run for " + validateHung.String() + " on one input")
		})
		start := time.Now()
		r := Validate(doc)
		took := time.Since(start)
		hung.Stop()
		if took > validateSlow {
			t.Errorf("Validate took %v on %d bytes", took, len(doc))
		}

		errorFound := false
		for i, e := range r.Errors {
			if e.Line < 1 || e.Col < 0 {
				t.Errorf("finding %d %s at line %d col %d", i, e.Code, e.Line, e.Col)
			}
			format, ok := formats[e.Code]
			if !ok {
				t.Errorf("finding %d: code %q has no message format (Message() gives %q)", i, e.Code, e.Message())
				continue
			}
			// The CSS checks choose a code's severity by mode (an inline
			// style too long is a WARNING without data-css-strict), so the
			// severity is checked for its form only.
			if e.Severity != "ERROR" && e.Severity != "WARNING" {
				t.Errorf("finding %d %s: severity %q", i, e.Code, e.Severity)
			}
			errorFound = errorFound || e.Severity == "ERROR"
			for _, m := range placeholder.FindAllStringSubmatch(format, -1) {
				if n, _ := strconv.Atoi(m[1]); n > len(e.Params) {
					t.Errorf("finding %d %s: format %q needs %%%d, params are %q", i, e.Code, format, n, e.Params)
				}
			}
			if e.Params == nil {
				t.Errorf("finding %d %s: params are nil, want []", i, e.Code)
			}
			if i > 0 {
				p := r.Errors[i-1]
				if p.Line > e.Line || (p.Line == e.Line && p.Col > e.Col) {
					t.Errorf("findings %d and %d out of order: %d:%d then %d:%d", i-1, i, p.Line, p.Col, e.Line, e.Col)
				}
			}
		}
		if r.Pass == errorFound {
			t.Errorf("Pass is %v, but an ERROR finding present is %v", r.Pass, errorFound)
		}
		if r.Errors == nil {
			t.Error("Errors is nil, want []")
		}
	})
}
