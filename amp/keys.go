package amp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MinSecretBytes is the shortest HMAC secret ParseKeys accepts, in bytes after
// base64 decoding. 32 bytes matches the HS256 output size (RFC 7518 §3.2).
const MinSecretBytes = 32

// DemoSigningKeys is the development signing key in the AMPLIVE_SIGNING_KEYS
// form "kid:base64secret", kid "demo". The secret is the ASCII sentence
// "amplive demo signing key - PUBLIC - never use in production" (59 bytes).
//
// It is public: anyone can mint tokens with it. Use it only with
// `amplive serve --demo` and in tests, never in production.
const DemoSigningKeys = "demo:YW1wbGl2ZSBkZW1vIHNpZ25pbmcga2V5IC0gUFVCTElDIC0gbmV2ZXIgdXNlIGluIHByb2R1Y3Rpb24="

// Keyring holds the HMAC secrets used to sign and verify tokens, each named
// by a key id ("kid") that travels in the token header. The first key signs;
// every key verifies, so rotation is: prepend the new key, keep the old one
// until its tokens have expired (DefaultTTL), then drop it.
//
// A Keyring is immutable after ParseKeys and safe for concurrent use. The zero
// value holds no keys: Sign fails and every token is rejected.
type Keyring struct {
	keys []hmacKey         // in spec order; keys[0] signs
	byID map[string][]byte // kid → secret
}

type hmacKey struct {
	kid    string
	secret []byte
}

// ParseKeys parses a signing-key spec of the form "kid:secret,kid2:secret2",
// the format of AMPLIVE_SIGNING_KEYS.
//
// Entries and both halves of each entry are trimmed of surrounding white
// space. Each kid must be non-empty, unique, and use only [A-Za-z0-9._-]
// (at most 64 bytes). Each secret is standard base64 (RFC 4648 §4, "+/"
// alphabet), with or without "=" padding, and must decode to at least
// MinSecretBytes bytes.
//
// The error names the bad entry by 1-based position (and by kid once the kid
// is known to be well-formed); it never contains the secret.
func ParseKeys(spec string) (*Keyring, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("signing keys: empty spec, want kid:base64secret[,kid:base64secret...]")
	}
	k := &Keyring{byID: make(map[string][]byte)}
	for i, entry := range strings.Split(spec, ",") {
		pos := i + 1
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("signing keys: entry %d is empty", pos)
		}
		kid, enc, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("signing keys: entry %d has no ':', want kid:base64secret", pos)
		}
		kid, enc = strings.TrimSpace(kid), strings.TrimSpace(enc)
		if kid == "" {
			return nil, fmt.Errorf("signing keys: entry %d has an empty kid", pos)
		}
		if !validKID(kid) {
			// The kid is not echoed: a malformed entry may hold the secret here.
			return nil, fmt.Errorf("signing keys: entry %d: kid must be 1-64 characters of [A-Za-z0-9._-]", pos)
		}
		if _, dup := k.byID[kid]; dup {
			return nil, fmt.Errorf("signing keys: entry %d: duplicate kid %q", pos, kid)
		}
		secret, err := decodeSecret(enc)
		if err != nil {
			return nil, fmt.Errorf("signing keys: entry %d (kid %q): secret is not valid standard base64", pos, kid)
		}
		if len(secret) < MinSecretBytes {
			return nil, fmt.Errorf("signing keys: entry %d (kid %q): secret decodes to %d bytes, want at least %d",
				pos, kid, len(secret), MinSecretBytes)
		}
		k.keys = append(k.keys, hmacKey{kid: kid, secret: secret})
		k.byID[kid] = secret
	}
	return k, nil
}

// DemoKeys returns the keyring of DemoSigningKeys: one public development key
// with kid "demo". Never use it in production; anyone can forge its tokens.
func DemoKeys() *Keyring {
	k, err := ParseKeys(DemoSigningKeys)
	if err != nil {
		panic("amp: DemoSigningKeys does not parse: " + err.Error()) // a constant; covered by tests
	}
	return k
}

// KIDs returns the key ids in ring order; the first one signs. Safe to log.
func (k *Keyring) KIDs() []string {
	if k == nil {
		return nil
	}
	ids := make([]string, len(k.keys))
	for i, key := range k.keys {
		ids[i] = key.kid
	}
	return ids
}

// secret returns the verification secret for kid, or false if kid is unknown.
func (k *Keyring) secret(kid string) ([]byte, bool) {
	if k == nil {
		return nil, false
	}
	s, ok := k.byID[kid]
	return s, ok
}

// signer returns the signing key, or false if the ring is empty.
func (k *Keyring) signer() (hmacKey, bool) {
	if k == nil || len(k.keys) == 0 {
		return hmacKey{}, false
	}
	return k.keys[0], true
}

// decodeSecret decodes standard base64 with or without padding. Padding, when
// present, must be correct for the length.
func decodeSecret(s string) ([]byte, error) {
	if strings.HasSuffix(s, "=") {
		return base64.StdEncoding.Strict().DecodeString(s)
	}
	return base64.RawStdEncoding.Strict().DecodeString(s)
}

// validKID reports whether kid is 1-64 bytes of [A-Za-z0-9._-].
func validKID(kid string) bool {
	if kid == "" || len(kid) > 64 {
		return false
	}
	for i := 0; i < len(kid); i++ {
		c := kid[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
