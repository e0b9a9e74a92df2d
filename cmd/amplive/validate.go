package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/amplive/amplive/amp"
)

const validateSynopsis = `validate FILE… | - [--format text|json]

Validates AMP4EMAIL documents offline against the official AMP validator's
rules. Prints "FILE: PASS|FAIL", then "FILE:LINE:COL message (see URL)" for
each error and warning. Exit 0 when all pass, 1 when any fails.`

// fileVerdict is one file's result in --format json.
type fileVerdict struct {
	File   string                `json:"file"`
	Status string                `json:"status"` // PASS or FAIL
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
	failed := 0
	for _, name := range files {
		in, _, closeIn, err := openInput(name, e)
		if err != nil {
			return err
		}
		doc, err := io.ReadAll(in)
		closeIn()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
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
				fmt.Fprintf(&b, "%s:%s\n", v.File, ve)
			}
		}
		if _, err := io.WriteString(e.stdout, b.String()); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("validate: %d of %d documents fail", failed, len(files))
	}
	return nil
}
