package amp

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Address limits from RFC 5321 §4.5.3.1 (local part 64 octets, path 256
// octets including the angle brackets, so 254 for the address itself).
const (
	maxLocalBytes   = 64
	maxAddressBytes = 254
)

// ParseList splits a comma-separated configuration value such as
// AMPLIVE_ALLOWED_SENDERS into entries, trimming white space around each and
// dropping empty ones. ParseList("a, ,b,") is ["a" "b"]; ParseList("") is nil.
func ParseList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// splitAddress splits an email address at its last '@' and checks its shape:
// a non-empty local part of printable characters (no space, control or '@';
// UTF-8 allowed, RFC 6531) and a domain that passes validDomain. The domain
// is returned lower-cased. Quoted local parts containing '@' are not supported.
func splitAddress(addr string) (local, domain string, err error) {
	if len(addr) > maxAddressBytes {
		return "", "", fmt.Errorf("longer than %d bytes", maxAddressBytes)
	}
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return "", "", fmt.Errorf("no '@'")
	}
	local, domain = addr[:i], addr[i+1:]
	if local == "" {
		return "", "", fmt.Errorf("empty local part")
	}
	if len(local) > maxLocalBytes {
		return "", "", fmt.Errorf("local part longer than %d bytes", maxLocalBytes)
	}
	if !utf8.ValidString(local) {
		return "", "", fmt.Errorf("local part is not UTF-8")
	}
	for i := 0; i < len(local); i++ {
		if c := local[i]; c <= ' ' || c == 0x7f || c == '@' {
			return "", "", fmt.Errorf("local part contains a space, a control character or '@'")
		}
	}
	if domain == "" {
		return "", "", fmt.Errorf("empty domain")
	}
	if !validDomain(domain) {
		return "", "", fmt.Errorf("domain must be dot-separated labels of [A-Za-z0-9-] (IDNs in punycode)")
	}
	return local, lowerASCII(domain), nil
}

// validDomain reports whether d is one or more non-empty dot-separated labels
// of ASCII letters, digits and hyphens, each at most 63 bytes.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-':
			default:
				return false
			}
		}
	}
	return true
}

// parseClientOrigin checks that s is a bare web origin, scheme://host[:port]
// with scheme http or https and nothing after the authority, and returns it
// lower-cased for comparison.
func parseClientOrigin(s string) (string, error) {
	if strings.ContainsAny(s, " \t\r\n") {
		return "", fmt.Errorf("contains white space")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("not a URL")
	}
	scheme := lowerASCII(u.Scheme)
	switch {
	case scheme != "https" && scheme != "http":
		return "", fmt.Errorf("scheme must be https or http")
	case u.Host == "" || u.Opaque != "":
		return "", fmt.Errorf("no host")
	case u.User != nil:
		return "", fmt.Errorf("must not contain user info")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
		return "", fmt.Errorf("must be scheme://host[:port] with no path, query or fragment")
	}
	return lowerASCII(s), nil
}

// lowerASCII lower-cases ASCII letters only, leaving other bytes alone, so
// comparisons do not depend on Unicode case folding.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
