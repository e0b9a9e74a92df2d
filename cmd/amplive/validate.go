package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/amplive/amplive/amp"
)

const validateSynopsis = `validate FILE… | - [--format text|json]

Validates AMP4EMAIL documents offline against the official AMP validator's
rules. Prints "FILE: PASS|FAIL", then "FILE:LINE:COL message (see URL)" for
each error and warning. Exit 0 when all pass, 1 when any fails.`

// fileVerdict is one file's result in --format json.
type fileVerdict struct {
	File   string                `json:"file"`
	Status string                `json:"status"` // PASS, FAIL or UNREADABLE
	Errors []amp.ValidationError `json:"errors"`
}

func runValidate(_ context.Context, args []string, e env) error {
	f := newFlags("validate", validateSynopsis, e)
	format := f.fs.String("format", "text", "output: text (as the official CLI) or json")
	files, err := parseArgs(f, args)
	if err != nil {
		return err
	}
	switch {
	case len(files) == 0:
		f.fs.Usage()
		return usageError{"validate needs at least one FILE, or - for stdin"}
	case *format != "text" && *format != "json":
		return usageError{fmt.Sprintf("--format %q: text or json", *format)}
	}
	var verdicts []fileVerdict
	failed, unread := 0, 0
	for _, name := range files {
		doc, err := readAll(name, e)
		if err != nil { // reported, and the other files still validated
			fmt.Fprintf(e.stderr, "amplive: validate: %s: %v\n", name, err)
			verdicts = append(verdicts, fileVerdict{File: name, Status: "UNREADABLE", Errors: []amp.ValidationError{}})
			unread++
			continue
		}
		r := amp.Validate(doc)
		v := fileVerdict{File: name, Status: "PASS", Errors: r.Errors}
		if !r.Pass {
			v.Status = "FAIL"
			failed++
		}
		verdicts = append(verdicts, v)
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(verdicts); err != nil {
			return err
		}
	} else {
		var b strings.Builder
		for _, v := range verdicts {
			fmt.Fprintf(&b, "%s: %s\n", v.File, v.Status)
			for _, ve := range v.Errors {
				fmt.Fprintf(&b, "%s:%s\n", v.File, terminalSafe(ve.String()))
			}
		}
		if _, err := io.WriteString(e.stdout, b.String()); err != nil {
			return err
		}
	}
	switch {
	case unread > 0:
		return fmt.Errorf("validate: %d of %d files could not be read", unread, len(files))
	case failed > 0:
		return fmt.Errorf("validate: %d of %d documents fail", failed, len(files))
	}
	return nil
}

// readAll reads a whole input: a file, or stdin for "-".
func readAll(name string, e env) ([]byte, error) {
	in, _, closeIn, err := openInput(name, e)
	if err != nil {
		return nil, err
	}
	defer closeIn()
	return io.ReadAll(in)
}

// terminalSafe writes the control characters a document's text may bring
// into a message (ESC, BEL, …) as \x escapes, so that printing a report
// cannot drive the terminal.
func terminalSafe(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
