package main

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/amplive/amplive/handlers"
)

// defaultMaxHeaderBytes bounds a request's line and headers (Go's own
// default is 1 MiB). An email proxy sends a few hundred bytes of headers and
// a URL with a token of at most 4 KiB (amp.MaxTokenBytes); larger requests
// get Go's 431 Request Header Fields Too Large.
const defaultMaxHeaderBytes = 64 << 10

// minMaxHeaderBytes is the smallest --max-header-bytes accepted: a request
// line with the longest token still fits.
const minMaxHeaderBytes = 8 << 10

// limitFlags registers the settings that bound slow or oversized clients
// and concurrent work: the http.Server timeouts, the header size and the
// in-flight budget of the load shedder (handlers.Deps.MaxInflight).
func limitFlags(f *flags) {
	f.str(setting{name: "read-header-timeout", def: readHeaderTimeout.String(), usage: "how long a client may take to send the request line and headers"})
	f.str(setting{name: "read-timeout", def: readTimeout.String(), usage: "how long a client may take to send a whole request, body included"})
	f.str(setting{name: "write-timeout", def: writeTimeout.String(), usage: "how long the server may take to answer, from the end of the headers (an event batch may need 13s: 5s queue, 8s store write)"})
	f.str(setting{name: "idle-timeout", def: idleTimeout.String(), usage: "how long a keep-alive connection may stay idle"})
	f.str(setting{name: "max-header-bytes", def: strconv.Itoa(defaultMaxHeaderBytes), usage: "largest request line plus headers, bytes (431 above)"})
	f.str(setting{name: "max-inflight", def: strconv.Itoa(handlers.DefaultMaxInflight), usage: "requests handled at once; past their share admin and events are shed first (503 overloaded), live email reads last"})
	f.str(setting{name: "memory-limit-mb", def: strconv.Itoa(defaultMemoryLimitMB), usage: "soft memory limit of the Go runtime, MiB: the garbage collector works harder near it (0: none; GOMEMLIMIT, when set, wins)"})
}

// defaultMemoryLimitMB is the default soft memory limit: the caches (64 MiB
// of profiles, 32 MiB of answers) and the embedded store's working set fit
// well below it, and without it the heap may grow to twice its live size
// before the collector runs (GOGC=100).
const defaultMemoryLimitMB = 192

// serverLimits are the values of limitFlags.
type serverLimits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
	maxInflight                   int
	memoryLimitMB                 int64
}

// readLimits reads the settings of limitFlags; a bad value is a usageError.
func readLimits(f *flags) (serverLimits, error) {
	var l serverLimits
	var err error
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{"read-header-timeout", &l.readHeader}, {"read-timeout", &l.read}, {"write-timeout", &l.write}, {"idle-timeout", &l.idle}} {
		if *d.to, err = f.duration(d.name); err != nil {
			return l, err
		}
	}
	n, err := f.integer("max-header-bytes")
	if err != nil {
		return l, err
	}
	if n < minMaxHeaderBytes || n > 1<<30 {
		return l, usageError{fmt.Sprintf("--max-header-bytes (%s): %d is out of range; use %d to %d", envName("max-header-bytes"), n, minMaxHeaderBytes, 1<<30)}
	}
	l.maxHeaderBytes = int(n)
	if n, err = f.integer("max-inflight"); err != nil {
		return l, err
	}
	if n > 1<<20 {
		return l, usageError{fmt.Sprintf("--max-inflight (%s): %d is more than %d", envName("max-inflight"), n, 1<<20)}
	}
	l.maxInflight = int(n)
	mb, err := strconv.ParseInt(*f.values["memory-limit-mb"], 10, 64)
	if err != nil || mb < 0 || mb > 1<<20 {
		return l, usageError{fmt.Sprintf("--memory-limit-mb (%s): %q is not a whole number of MiB from 0 to %d", envName("memory-limit-mb"), *f.values["memory-limit-mb"], 1<<20)}
	}
	l.memoryLimitMB = mb
	return l, nil
}

// applyMemoryLimit sets the runtime's soft memory limit to mb MiB, unless mb
// is 0 or GOMEMLIMIT is set (the runtime has read that already). It returns
// the limit in effect, bytes (math.MaxInt64: none).
func applyMemoryLimit(mb int64, getenv func(string) string) int64 {
	if mb > 0 && getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(mb << 20)
	}
	return debug.SetMemoryLimit(-1)
}
