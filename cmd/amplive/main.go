// Command amplive serves live data to AMP emails at the moment they are
// opened. Subcommands:
//
//	amplive serve [--demo]   run the HTTP server
//	amplive seed --demo      load the demo data set into the store
//	amplive token …          mint signed URL tokens, one or a CSV of them
//	amplive events …         sign, import or replay events (the webhook write path)
//	amplive snippet BLOCK …  an AMP block for an ESP, ready to paste
//	amplive email …          a whole AMP email (or .eml) with fallbacks
//	amplive preview FILE     fetch an AMP email's amp-lists as a client would; write a static page
//	amplive validate FILE…   validate AMP4EMAIL documents offline (the official rules)
//	amplive selftest URL …   check an AMP email endpoint's CORS as email clients call it
//	amplive lint FILE…       the validator, then the warnings an AMP email gets in Gmail
//	amplive bench …          a reproducible load test of a local server (vegeta), scenarios a–f
//	amplive store            run the embedded development store alone (MongoDB wire protocol)
//
// Run `amplive <command> --help` for each command's flags; every flag has an
// AMPLIVE_* environment variable of the same name.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // IANA zones even in a scratch image
)

func main() {
	err := run(context.Background(), os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "amplive:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "amplive:", err)
		os.Exit(1)
	}
}

// usageError marks a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// env is the process environment, injected for tests.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const topUsage = `amplive serves live data to AMP emails when they are opened.

Usage:
  amplive serve [--demo] [flags]   run the HTTP server (embedded store unless AMPLIVE_MONGODB_URI is set)
  amplive seed --demo [flags]      load the demo data set into the store
  amplive token [flags]            mint a signed token, or a CSV column of them
  amplive events sign|import|replay   sign, send or replay profile events (webhooks)
  amplive snippet BLOCK --esp NAME --base-url URL   an AMP block for an ESP, ready to paste
  amplive email --blocks LIST --esp NAME --base-url URL [--eml]   a whole AMP email with fallbacks
  amplive preview FILE|- [--sender S] [--out preview.html]   open an AMP email as a client would; write a static page
  amplive validate FILE…|- [--format json]   validate AMP4EMAIL documents offline (exit 1 when any fails)
  amplive selftest URL --sender ADDRESS [--timeout 5s]   replay email clients' CORS requests against an endpoint; exit 1 on a failure
  amplive lint FILE…|- [--fetch] [--sender S] [--budget 50000]   the validator, then the warnings an AMP email gets in Gmail
  amplive bench [--scenario a|b|c|d|e|f|all] [--duration 10s] [--rate N/s] [--url URL]   a reproducible load test on loopback
  amplive store [--addr 127.0.0.1:27017] [--data-dir DIR]   run the embedded store alone (prints its MongoDB URI)

Run "amplive <command> --help" for the flags of a command.
`

// run is the whole program: it parses args (args[0] is the program name)
// and runs one subcommand until it ends or ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) < 2 {
		fmt.Fprint(stderr, topUsage)
		return usageError{"no command given"}
	}
	switch cmd, rest := args[1], args[2:]; cmd {
	case "serve":
		return runServe(ctx, rest, e)
	case "seed":
		return runSeed(ctx, rest, e)
	case "token":
		return runToken(ctx, rest, e)
	case "events":
		return runEvents(ctx, rest, e)
	case "snippet":
		return runSnippet(ctx, rest, e)
	case "email":
		return runEmail(ctx, rest, e)
	case "preview":
		return runPreview(ctx, rest, e)
	case "validate":
		return runValidate(ctx, rest, e)
	case "selftest":
		return runSelftest(ctx, rest, e)
	case "lint":
		return runLint(ctx, rest, e)
	case "bench":
		return runBench(ctx, rest, e)
	case "store":
		return runStore(ctx, rest, e)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, topUsage)
		return nil
	default:
		fmt.Fprint(stderr, topUsage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}
