package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/amplive/amplive/amp"
)

// previewSynopsis is the usage line of `amplive preview`.
const previewSynopsis = "preview FILE|- [--sender s] [--out preview.html] [--timeout 5s] [--slow 1s]"

// runPreview runs `amplive preview`: it opens an AMP email (FILE, or stdin
// for "-") as an email client would, fetching every amp-list, writes the
// result as a static page to --out, and prints one line per block with its
// problems indented below it, then a summary. It returns a plain error
// (exit 1) when any block has a problem and a usageError (exit 2) for a bad
// command line.
func runPreview(ctx context.Context, args []string, e env) error {
	f := newFlags("preview", previewSynopsis, e)
	sender := f.fs.String("sender", amp.DefaultPreviewSender, "AMP-Email-Sender to send: the address the email is sent from")
	out := f.fs.String("out", "preview.html", "file the static page is written to")
	timeout := f.fs.Duration("timeout", amp.DefaultPreviewTimeout, "time limit of each amp-list fetch")
	slow := f.fs.Duration("slow", amp.DefaultPreviewSlow, "answers slower than this are reported as problems")
	file, err := parseOneArg(f, args)
	if err != nil {
		return err
	}
	switch {
	case file == "":
		f.fs.Usage()
		return usageError{"preview needs the AMP email: a FILE, or - for stdin"}
	case *timeout <= 0 || *slow <= 0:
		return usageError{"--timeout and --slow must be positive durations such as 5s or 800ms"}
	case *sender == "" || *out == "":
		return usageError{"--sender and --out must not be empty"}
	}
	doc, err := readAll(file, e)
	if err != nil {
		return err
	}
	p, err := amp.RenderPreview(ctx, doc, amp.PreviewOptions{Sender: *sender, Timeout: *timeout, Slow: *slow})
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, p.HTML, 0o644); err != nil {
		return err
	}
	return printPreview(e.stdout, p, *out)
}

// printPreview writes the report of p: a line per block, its problems
// indented, and a summary naming the page written to out. Its error tells
// how many blocks have problems, nil when none has.
func printPreview(w io.Writer, p amp.Preview, out string) error {
	for _, pr := range p.Problems {
		fmt.Fprintln(w, "document: "+pr)
	}
	bad := 0
	for _, b := range p.Blocks {
		fmt.Fprintln(w, terminalSafe(b.String()))
		for _, pr := range b.Problems {
			fmt.Fprintln(w, "    "+terminalSafe(pr))
		}
		if len(b.Problems) > 0 {
			bad++
		}
	}
	if _, err := fmt.Fprintf(w, "%s; wrote %s\n", p.Summary(), out); err != nil {
		return err
	}
	if len(p.Problems) > 0 {
		return fmt.Errorf("preview: %s", p.Problems[0])
	}
	if bad > 0 {
		return fmt.Errorf("preview: %d of %d blocks have problems", bad, len(p.Blocks))
	}
	return nil
}
