//go:build unix

package main

import (
	"os"
	"syscall"
)

// pauseProcess stops p (SIGSTOP): it keeps its sockets and memory but runs
// no instruction until resumeProcess, as a store that hangs.
func pauseProcess(p *os.Process) error { return p.Signal(syscall.SIGSTOP) }

// resumeProcess continues a process paused with pauseProcess (SIGCONT).
func resumeProcess(p *os.Process) error { return p.Signal(syscall.SIGCONT) }
