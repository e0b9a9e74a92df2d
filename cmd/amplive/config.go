package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// setting is one configuration value: a flag --name and its environment
// variable AMPLIVE_NAME (upper case, '-' as '_'). A flag given on the command
// line wins over the variable, which wins over the default.
type setting struct {
	name, def, usage string
	secret           bool // never printed
}

// envName is the AMPLIVE_* variable of a flag name.
func envName(flagName string) string {
	return "AMPLIVE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flags builds a FlagSet whose string settings default to their variables.
type flags struct {
	fs     *flag.FlagSet
	e      env
	values map[string]*string
	errs   []error // bad environment values, reported by parse
}

func newFlags(name, synopsis string, e env) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	f := &flags{fs: fs, e: e, values: map[string]*string{}}
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: amplive %s\n\nFlags (a flag that names an AMPLIVE_* variable also reads it; the flag wins):\n", synopsis)
		fs.PrintDefaults()
	}
	return f
}

// str registers a string setting.
func (f *flags) str(s setting) *string {
	v := s.def
	if ev := f.e.getenv(envName(s.name)); ev != "" {
		v = ev
	}
	usage := fmt.Sprintf("%s (env %s)", s.usage, envName(s.name))
	p := f.fs.String(s.name, v, usage)
	if s.secret {
		// Keep the secret out of --help, which shows DefValue (here the
		// value taken from the environment).
		f.fs.Lookup(s.name).DefValue = ""
	}
	f.values[s.name] = p
	return p
}

// boolean registers a boolean setting (variable values "1", "true", …).
func (f *flags) boolean(s setting) *bool {
	var v bool
	if ev := f.e.getenv(envName(s.name)); ev != "" {
		var err error
		if v, err = strconv.ParseBool(ev); err != nil {
			f.errs = append(f.errs, usageError{fmt.Sprintf("%s=%q is not a boolean (use 1, true, 0 or false)", envName(s.name), ev)})
		}
	}
	return f.fs.Bool(s.name, v, fmt.Sprintf("%s (env %s)", s.usage, envName(s.name)))
}

// parse parses args, for commands that take no positional argument: one
// is a usage error.
func (f *flags) parse(args []string) error {
	pos, err := parseArgs(f, args)
	if err == nil && len(pos) > 0 {
		err = usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	return err
}

// duration reads a parsed setting as a time.Duration ("250ms", "10s").
func (f *flags) duration(name string) (time.Duration, error) {
	d, err := time.ParseDuration(*f.values[name])
	if err != nil || d <= 0 {
		return 0, usageError{fmt.Sprintf("--%s (%s): %q is not a positive duration such as 250ms or 10s", name, envName(name), *f.values[name])}
	}
	return d, nil
}

// integer reads a parsed setting as a positive int64.
func (f *flags) integer(name string) (int64, error) {
	n, err := strconv.ParseInt(*f.values[name], 10, 64)
	if err != nil || n <= 0 {
		return 0, usageError{fmt.Sprintf("--%s (%s): %q is not a positive whole number", name, envName(name), *f.values[name])}
	}
	return n, nil
}

// parseArgs parses args, where flags may come before, between or after the
// positional arguments, and returns those arguments ("--" ends the flags).
// A bad flag is a usageError; --help is flag.ErrHelp.
func parseArgs(f *flags, args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...) // everything after "--" is an argument
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(f.errs) > 0 {
		return nil, f.errs[0]
	}
	return pos, nil
}

// parseOneArg is parseArgs for commands that take at most one argument:
// it returns it ("" when there is none); a second one is a usageError.
func parseOneArg(f *flags, args []string) (string, error) {
	pos, err := parseArgs(f, args)
	switch {
	case err != nil:
		return "", err
	case len(pos) > 1:
		return "", usageError{fmt.Sprintf("unexpected argument %q", pos[1])}
	case len(pos) == 1:
		return pos[0], nil
	}
	return "", nil
}
