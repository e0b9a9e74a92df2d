package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/amplive/amplive/amp"
)

// selftestSynopsis is the usage line of `amplive selftest`.
const selftestSynopsis = "selftest URL --sender ADDRESS [--timeout 5s]"

// runSelftest runs `amplive selftest`: it checks the AMP for Email CORS
// behaviour of the endpoint at URL (any server's, an amp-list URL with its
// token) by sending what email clients send (amp.Selftest), and prints a
// table with one row per check, then the problems and warnings of each
// check. It returns nil when every check passes (warnings allowed), a plain
// error (exit 1) when one fails, and a usageError (exit 2) for a bad
// command line or an unusable URL.
func runSelftest(ctx context.Context, args []string, e env) error {
	f := newFlags("selftest", selftestSynopsis, e)
	sender := f.fs.String("sender", "", "the address the AMP emails are sent from: sent as AMP-Email-Sender and __amp_source_origin (required)")
	timeout := f.fs.Duration("timeout", amp.DefaultSelftestTimeout, "time limit of each request")
	raw, err := parseOneArg(f, args)
	if err != nil {
		return err
	}
	switch {
	case raw == "":
		f.fs.Usage()
		return usageError{"selftest needs the endpoint URL, e.g. https://live.example.com/v1/recommendations?t=TOKEN"}
	case *sender == "":
		return usageError{"--sender is required: the address your AMP emails are sent from"}
	case !strings.Contains(*sender, "@"):
		return usageError{fmt.Sprintf("--sender %q is not an email address", *sender)}
	case *timeout <= 0:
		return usageError{"--timeout must be a positive duration such as 5s or 800ms"}
	}
	checks, err := amp.Selftest(ctx, raw, amp.SelftestOptions{Sender: *sender, Timeout: *timeout})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return usageError{err.Error()}
	}
	return printSelftest(e.stdout, checks, *sender)
}

// printSelftest writes the report of checks made as sender: a heading, a
// table (check, method, status, PASS/FAIL/WARN, first problem or warning),
// the findings of each check below it, and a summary line. Its error tells
// how many checks fail, nil when none does.
func printSelftest(w io.Writer, checks []amp.SelftestCheck, sender string) error {
	var out bytes.Buffer
	if len(checks) > 0 {
		fmt.Fprintf(&out, "AMP for Email CORS self-test of %s as %s\n\n", checks[0].URL, sender)
	}
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tMETHOD\tSTATUS\tRESULT\tFIRST PROBLEM")
	failed, warned := 0, 0
	for _, c := range checks {
		result, first := "PASS", ""
		switch {
		case !c.OK:
			result, first = "FAIL", c.Problems[0]
			failed++
		case len(c.Warnings) > 0:
			result, first = "WARN", c.Warnings[0]
			warned++
		}
		status := "-"
		if c.Status != 0 {
			status = strconv.Itoa(c.Status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Name, c.Method, status, result, selftestCut(first, 72))
	}
	tw.Flush()
	for _, c := range checks {
		if len(c.Problems) == 0 && len(c.Warnings) == 0 {
			continue
		}
		fmt.Fprintf(&out, "\n%s: %s %s\n", c.Name, c.Method, c.URL)
		for _, p := range c.Problems {
			fmt.Fprintln(&out, "    FAIL "+p)
		}
		for _, p := range c.Warnings {
			fmt.Fprintln(&out, "    WARN "+p)
		}
	}
	summary := fmt.Sprintf("\n%d checks: %d pass, %d fail", len(checks), len(checks)-failed, failed)
	if warned > 0 {
		summary += fmt.Sprintf(" (%d passing with warnings)", warned)
	}
	fmt.Fprintln(&out, summary)
	// tabwriter pads the empty last cell of passing rows: drop trailing blanks.
	lines := strings.Split(out.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	if _, err := io.WriteString(w, strings.Join(lines, "\n")); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("selftest: %d of %d checks fail", failed, len(checks))
	}
	return nil
}

// selftestCut shortens s to at most n runes, ending in "…" when cut.
func selftestCut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
