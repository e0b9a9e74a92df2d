package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/amplive/amplive/amp"
)

// lintSynopsis is the usage line of `amplive lint`.
const lintSynopsis = "lint FILE…|- [--fetch] [--sender s] [--budget 50000]"

// runLint runs `amplive lint`: for each AMP email (a FILE, or stdin for
// "-") it prints "FILE: N warnings" and then one line per warning,
// "FILE:LINE:COL warning: message [code]" (amp.Lint: what goes wrong in
// Gmail although the validator passes). It returns nil (exit 0) when no
// file has a warning, a plain error (exit 1) when one has or a file cannot
// be read, and a usageError (exit 2) for a bad command line.
func runLint(ctx context.Context, args []string, e env) error {
	f := newFlags("lint", lintSynopsis, e)
	fetch := f.fs.Bool("fetch", false, "also GET each amp-list src as Gmail's proxy does and check the answer's size (sends the email's tokens to its endpoints)")
	sender := f.fs.String("sender", amp.DefaultLintSender, "with --fetch: the AMP-Email-Sender to send, the address the email is sent from")
	budget := f.fs.Int("budget", amp.DefaultLintResponseBudget, "with --fetch: the largest amp-list answer, in bytes, without a warning")
	files, err := parseArgs(f, args)
	if err != nil {
		return err
	}
	stdin := 0
	for _, name := range files {
		if name == "-" {
			stdin++
		}
	}
	switch {
	case len(files) == 0:
		f.fs.Usage()
		return usageError{"lint needs AMP emails: FILEs, or - for stdin"}
	case stdin > 1:
		return usageError{"- (stdin) can be given once"}
	case *budget <= 0:
		return usageError{"--budget must be a positive number of bytes"}
	case *sender == "":
		return usageError{"--sender must not be empty"}
	}
	opt := amp.LintOptions{Fetch: *fetch, Sender: *sender, ResponseBudget: *budget}
	var warned, unread int
	for _, name := range files {
		n, err := lintFile(ctx, name, opt, e)
		if err := ctx.Err(); err != nil {
			return err
		}
		if err != nil {
			if pe := (*fs.PathError)(nil); !errors.As(err, &pe) {
				err = fmt.Errorf("%s: %w", name, err)
			}
			fmt.Fprintln(e.stderr, err)
			unread++
			continue
		}
		if n > 0 {
			warned++
		}
	}
	switch {
	case unread > 0:
		return fmt.Errorf("lint: %d of %d files could not be linted", unread, len(files))
	case warned > 0:
		return fmt.Errorf("lint: %d of %d files have warnings", warned, len(files))
	}
	return nil
}

// lintFile lints one document and prints its report to e.stdout; it
// returns the number of warnings.
func lintFile(ctx context.Context, name string, opt amp.LintOptions, e env) (int, error) {
	doc, err := readAll(name, e)
	if err != nil {
		return 0, err
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return 0, errors.New("the document is empty")
	}
	// The validator first: lint warnings come on top of its verdict.
	r := amp.Validate(doc)
	ws := amp.Lint(ctx, doc, opt)
	noun := "warnings"
	if len(ws) == 1 {
		noun = "warning"
	}
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(e.stdout, "%s: %s, %d %s\n", name, verdict, len(ws), noun)
	for _, ve := range r.Errors {
		fmt.Fprintf(e.stdout, "%s:%s\n", name, terminalSafe(ve.String()))
	}
	for _, w := range ws {
		fmt.Fprintf(e.stdout, "%s:%s\n", name, terminalSafe(w.String()))
	}
	if !r.Pass {
		return len(ws) + 1, nil // a failing document counts as a finding (exit 1)
	}
	return len(ws), nil
}
