package amp

import (
	"net/http"
	"strings"
)

// CORSDecision is the outcome of CORSPolicy.Evaluate for one request.
//
// Version is 2 (AMP-Email-Sender present), 1 (Origin present, no
// AMP-Email-Sender) or 0 (neither). Allowed reports whether the response may
// be read; when it is false, Code is one of CodeSenderMissing,
// CodeSenderNotAllowed or CodeSourceOriginMissing and Message a client-safe
// sentence for the JSON error body (answer with HTTP 403). When Allowed, Code
// and Message are "".
//
// Header holds the AMP headers to add, with canonical keys: for an allowed v2
// request AMP-Email-Allow-Sender, for an allowed v1 request
// AMP-Access-Control-Allow-Source-Origin, each set to the request's value
// byte for byte. It is empty when refused. The standard CORS headers are not
// in it; Browser writes those.
type CORSDecision struct {
	Version int
	Allowed bool
	Code    string
	Message string
	Header  http.Header
}

// allow builds an allowed decision; canonName must already be canonical.
func allow(version int, canonName, value string) CORSDecision {
	return CORSDecision{Version: version, Allowed: true, Header: http.Header{canonName: {value}}}
}

func refuse(version int, code, msg string) CORSDecision {
	return CORSDecision{Version: version, Code: code, Message: msg}
}

// Apply writes d's headers into h, replacing any earlier values of the same
// names, so calling it twice is harmless. For an allowed v1 decision it also
// merges AMP-Access-Control-Allow-Source-Origin into
// Access-Control-Expose-Headers (see MergeExposeHeaders), so the v1 answer is
// complete even if the rs/cors handler from Browser did not run. Call it
// before the response's WriteHeader, on error responses too.
func (d CORSDecision) Apply(h http.Header) {
	for name, values := range d.Header {
		h[name] = append([]string(nil), values...)
	}
	if d.Version == 1 && d.Allowed {
		MergeExposeHeaders(h, HeaderAllowSourceOrigin)
	}
}

// MergeExposeHeaders adds names to h's Access-Control-Expose-Headers and
// leaves a single comma-separated field line. Names already present (from
// any number of existing lines) are kept in their order and spelling;
// duplicates are dropped comparing case-insensitively; empty names are
// ignored. It never mutates the existing value slice in place, which matters
// because rs/cors stores a slice shared by all responses there. When the
// result is empty, h is left unchanged.
func MergeExposeHeaders(h http.Header, names ...string) {
	var out []string
	add := func(n string) {
		n = strings.TrimSpace(n)
		if n == "" {
			return
		}
		for _, have := range out {
			if strings.EqualFold(have, n) {
				return
			}
		}
		out = append(out, n)
	}
	for _, line := range h.Values(HeaderExposeHeaders) {
		for _, n := range strings.Split(line, ",") {
			add(n)
		}
	}
	for _, n := range names {
		add(n)
	}
	if len(out) == 0 {
		return
	}
	h.Set(HeaderExposeHeaders, strings.Join(out, ", "))
}
