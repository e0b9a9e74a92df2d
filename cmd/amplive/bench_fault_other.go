//go:build !unix

package main

import (
	"errors"
	"os"
)

// errNoStopSignal: scenario g needs SIGSTOP and SIGCONT (parseBenchArgs
// refuses it outside Linux; this keeps the command building elsewhere).
var errNoStopSignal = errors.New("bench: pausing a process needs SIGSTOP (Linux)")

func pauseProcess(*os.Process) error  { return errNoStopSignal }
func resumeProcess(*os.Process) error { return errNoStopSignal }
