package amp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Header and query names of AMP for Email CORS,
// https://amp.dev/documentation/guides-and-tutorials/email/learn/cors-in-email.
// Header names are in the spec's spelling; net/http canonicalizes them
// ("Amp-Email-Sender"), which is the same header.
const (
	// HeaderEmailSender is the v2 request header carrying the sender address.
	HeaderEmailSender = "AMP-Email-Sender"
	// HeaderEmailAllowSender is the v2 response header echoing that address.
	HeaderEmailAllowSender = "AMP-Email-Allow-Sender"
	// HeaderAllowSourceOrigin is the v1 response header echoing __amp_source_origin.
	HeaderAllowSourceOrigin = "AMP-Access-Control-Allow-Source-Origin"
	// HeaderExposeHeaders is the standard CORS header that must list
	// HeaderAllowSourceOrigin on v1 responses.
	HeaderExposeHeaders = "Access-Control-Expose-Headers"
	// QuerySourceOrigin is the v1 query parameter carrying the sender address.
	QuerySourceOrigin = "__amp_source_origin"
)

// Canonical forms of the header names, precomputed so the per-request path
// does not canonicalize again.
var (
	canonEmailSender      = http.CanonicalHeaderKey(HeaderEmailSender)
	canonEmailAllowSender = http.CanonicalHeaderKey(HeaderEmailAllowSender)
	canonAllowSourceOrig  = http.CanonicalHeaderKey(HeaderAllowSourceOrigin)
)

// Stable error codes of a refused CORSDecision, for the JSON error body.
const (
	CodeSenderMissing       = "sender_missing"        // neither AMP-Email-Sender nor Origin (HTTP 403)
	CodeSenderNotAllowed    = "sender_not_allowed"    // sender or source origin not in the allow-list (403)
	CodeSourceOriginMissing = "source_origin_missing" // v1: Origin without __amp_source_origin (403)
)

// CORSPolicy decides which AMP email XHRs may read amplive's responses,
// following https://amp.dev/documentation/guides-and-tutorials/email/learn/cors-in-email.
//
// Version 2: a request with an AMP-Email-Sender header is v2, whatever else it
// carries (Origin and __amp_source_origin are then ignored). It is allowed iff
// the sender matches the allow-list, and the answer is AMP-Email-Allow-Sender
// set to the request's value byte for byte (never "*").
//
// Version 1: otherwise a request with an Origin header is v1 and must carry
// __amp_source_origin. When that is an allowed sender address the request is
// allowed, whatever the Origin (including "null"; but not "*" or more than one
// Origin line, which no client sends); the answer echoes it in
// AMP-Access-Control-Allow-Source-Origin (never "*"), and Browser adds
// Access-Control-Allow-Origin (the Origin), -Allow-Credentials and
// -Expose-Headers.
//
// Web-mail clients whose v1 source origin is their own web origin rather than
// a sender address (Yahoo Mail sends Origin: null with
// __amp_source_origin=https://mail.yahoo.com) are allowed only when that
// origin is in the clientOrigins list (ASCII case-insensitive, exact
// otherwise) and the Origin header is either "null" or that same origin; the
// answer echoes Origin ("null") and the source origin. Every other
// Origin: null request is refused.
//
// Sender entries are exact addresses ("news@amplive.example") or "*@domain"
// for any local part at exactly that domain (not its subdomains). The local
// part is compared byte for byte, because RFC 5321 §2.4 lets it be
// case-sensitive, so "News@" does not match an entry "news@"; the domain is
// compared ASCII case-insensitively. Internationalized domains must be given
// and sent in punycode.
//
// The allow-list is not authentication: any HTTP client can forge these
// headers. It only keeps browsers from reading answers on behalf of senders
// we do not serve. The token in the URL is what authenticates a request.
//
// A CORSPolicy is immutable and safe for concurrent use.
type CORSPolicy struct {
	exact   map[address]struct{} // domain lower-cased
	domains map[string]struct{}  // lower-cased domains of "*@domain" entries
	clients map[string]struct{}  // lower-cased client web origins
}

// NewCORSPolicy builds a policy from sender entries and web-mail client
// origins (see CORSPolicy). Entries are trimmed and empty ones dropped, as
// from ParseList. It fails if no sender remains, or naming the entry, if a
// sender has white space inside, no '@', an empty local part or domain, a
// '*' anywhere but as the whole local part, or a malformed domain; or if a
// client origin is not a bare http(s)://host[:port].
func NewCORSPolicy(senders []string, clientOrigins []string) (*CORSPolicy, error) {
	p := &CORSPolicy{
		exact:   make(map[address]struct{}),
		domains: make(map[string]struct{}),
		clients: make(map[string]struct{}),
	}
	for i, s := range senders {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if err := p.addSender(s); err != nil {
			return nil, fmt.Errorf("allowed sender %d %q: %w", i+1, s, err)
		}
	}
	if len(p.exact) == 0 && len(p.domains) == 0 {
		return nil, errors.New("allowed senders: none given, want addresses or *@domain entries")
	}
	for i, o := range clientOrigins {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		norm, err := parseClientOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("client origin %d %q: %w", i+1, o, err)
		}
		p.clients[norm] = struct{}{}
	}
	return p, nil
}

// address is an exact allow-list entry; domain is lower-cased.
type address struct{ local, domain string }

func (p *CORSPolicy) addSender(s string) error {
	if strings.ContainsAny(s, " \t\r\n\v\f") {
		return errors.New("contains white space")
	}
	if domain, ok := strings.CutPrefix(s, "*@"); ok {
		if domain == "" {
			return errors.New("empty domain")
		}
		if !validDomain(domain) {
			return errors.New("domain must be dot-separated labels of [A-Za-z0-9-] (IDNs in punycode)")
		}
		p.domains[lowerASCII(domain)] = struct{}{}
		return nil
	}
	if strings.Contains(s, "*") {
		return errors.New("'*' is only allowed as the whole local part, as in *@example.com")
	}
	local, domain, err := splitAddress(s)
	if err != nil {
		return err
	}
	p.exact[address{local, domain}] = struct{}{}
	return nil
}

// senderAllowed reports whether addr is a well-formed address that matches
// an exact entry or a "*@domain" entry.
func (p *CORSPolicy) senderAllowed(addr string) bool {
	local, domain, err := splitAddress(addr)
	if err != nil {
		return false
	}
	if _, ok := p.domains[domain]; ok {
		return true
	}
	_, ok := p.exact[address{local, domain}]
	return ok
}

// Evaluate classifies r as AMP email CORS v2, v1 or neither and decides
// whether it is allowed, per the rules on CORSPolicy. It is pure: it reads
// the request's headers and query and writes nothing. Apply the returned
// decision's headers to the response before writing anything, including an
// error body.
func (p *CORSPolicy) Evaluate(r *http.Request) CORSDecision {
	if senders := r.Header[canonEmailSender]; len(senders) > 0 {
		return p.evaluateV2(senders)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return refuse(0, CodeSenderMissing,
			"request has neither an AMP-Email-Sender nor an Origin header (AMP for Email CORS)")
	}
	// Browser (rs/cors) echoes every Origin line verbatim: "Origin: *", or
	// two Origin lines, would become an Access-Control-Allow-Origin of "*"
	// or of two values. No browser sends either; refuse them.
	if origin == "*" || len(r.Header["Origin"]) > 1 {
		return refuse(1, CodeSenderNotAllowed, "request's Origin header must be a single web origin or null")
	}
	var sources []string
	if r.URL != nil {
		sources = r.URL.Query()[QuerySourceOrigin]
	}
	return p.evaluateV1(origin, sources)
}

func (p *CORSPolicy) evaluateV2(senders []string) CORSDecision {
	switch {
	case len(senders) > 1:
		return refuse(2, CodeSenderNotAllowed, "request has more than one AMP-Email-Sender header")
	case senders[0] == "":
		return refuse(2, CodeSenderMissing, "AMP-Email-Sender header is empty")
	case !p.senderAllowed(senders[0]):
		return refuse(2, CodeSenderNotAllowed, "email sender is not allowed to call this endpoint")
	}
	return allow(2, canonEmailAllowSender, senders[0])
}

func (p *CORSPolicy) evaluateV1(origin string, sources []string) CORSDecision {
	switch {
	case len(sources) == 0 || sources[0] == "":
		return refuse(1, CodeSourceOriginMissing,
			"request has an Origin header but no __amp_source_origin query parameter")
	case len(sources) > 1:
		return refuse(1, CodeSenderNotAllowed, "request has more than one __amp_source_origin parameter")
	}
	src := sources[0]
	if strings.Contains(src, "@") {
		if p.senderAllowed(src) {
			return allow(1, canonAllowSourceOrig, src)
		}
		return refuse(1, CodeSenderNotAllowed, "email sender is not allowed to call this endpoint")
	}
	// A web-mail client's own origin (Yahoo Mail).
	norm := lowerASCII(src)
	if _, ok := p.clients[norm]; ok && (origin == "null" || lowerASCII(origin) == norm) {
		return allow(1, canonAllowSourceOrig, src)
	}
	return refuse(1, CodeSenderNotAllowed, "source origin is not an allowed sender or email client")
}
