package amp

import (
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/ristretto/v2"
	"github.com/golang-jwt/jwt/v5"
)

// Token defaults. Tokens are HS256 JWTs (RFC 7519) carried in the `t` query
// parameter of amp-list and amp-form URLs, because email proxies strip
// cookies (https://developers.google.com/gmail/ampemail/authenticating-requests).
const (
	// Audience is the aud claim of every amplive token.
	Audience = "amplive"
	// DefaultIssuer is the iss claim used when no issuer is configured.
	DefaultIssuer = "amplive"
	// DefaultTTL is a token's lifetime when TokenSpec.TTL is zero: 45 days.
	// Gmail shows the AMP part for 30 days after receipt, so a token minted
	// at send time outlives it, with room for scheduled sends.
	DefaultTTL = 1080 * time.Hour
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
	DefaultLeeway = 30 * time.Second
	// MaxTokenBytes is the longest raw token Verify will parse; longer input
	// is rejected as invalid before any decoding.
	MaxTokenBytes = 4096
)

// signingMethod is the only accepted algorithm, pinned on both sides.
var signingMethod = jwt.SigningMethodHS256

// Claims are the claims of an amplive token. Subject (sub) is the retailer's
// profile id and is empty for campaign-wide tokens; Campaign (cmp) is the
// campaign id. A valid token has at least one of them. End (end) is an
// evergreen, per-recipient countdown deadline in Unix seconds (UTC), 0 when
// the token has none: "48 hours after this recipient's cart was abandoned"
// is minted into the token instead of stored. RegisteredClaims also carries
// aud (Audience), iss, iat and exp; times are whole seconds.
type Claims struct {
	Campaign string `json:"cmp,omitempty"`
	End      int64  `json:"end,omitempty"`
	jwt.RegisteredClaims
}

// EndTime is the evergreen deadline as a UTC instant, and whether the token
// carries one.
func (c *Claims) EndTime() (time.Time, bool) {
	if c == nil || c.End <= 0 {
		return time.Time{}, false
	}
	return time.Unix(c.End, 0).UTC(), true
}

// Validate implements jwt.ClaimsValidator: it requires sub or cmp. The jwt
// parser calls it after the signature and the registered claims check out.
func (c *Claims) Validate() error {
	if c.Subject == "" && c.Campaign == "" {
		return errNoScope
	}
	return nil
}

// TokenSpec describes a token to sign. Subject is the profile id ("" for a
// campaign-wide token), Campaign the campaign id; at least one is required.
// TTL is the lifetime (zero means DefaultTTL; negative is an error). Now is
// the issue time (zero means time.Now()); it is truncated to whole seconds.
// End, when set, is the recipient's own countdown deadline (the end claim,
// whole seconds, UTC); it needs a Campaign, whose style the countdown uses.
type TokenSpec struct {
	Subject, Campaign string
	TTL               time.Duration
	Now               time.Time
	End               time.Time
}

// Sign mints an HS256 token for spec with the ring's first key, whose kid goes
// in the header. issuer is the iss claim ("" means DefaultIssuer). It fails
// when the ring is empty, spec has neither Subject nor Campaign, TTL < 0, or
// the token would be longer than MaxTokenBytes (Verify would refuse it).
// Sign is safe for concurrent use.
func (k *Keyring) Sign(spec TokenSpec, issuer string) (string, error) {
	key, ok := k.signer()
	if !ok {
		return "", errors.New("amp: sign token: keyring is empty")
	}
	if spec.Subject == "" && spec.Campaign == "" {
		return "", errors.New("amp: sign token: need a subject or a campaign")
	}
	if !spec.End.IsZero() && spec.Campaign == "" {
		return "", errors.New("amp: sign token: an evergreen end needs a campaign")
	}
	if spec.TTL < 0 {
		return "", fmt.Errorf("amp: sign token: negative TTL %s", spec.TTL)
	}
	if spec.TTL == 0 {
		spec.TTL = DefaultTTL
	}
	if issuer == "" {
		issuer = DefaultIssuer
	}
	now := spec.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.Truncate(time.Second)
	claims := &Claims{
		Campaign: spec.Campaign,
		End:      endClaim(spec.End),
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   spec.Subject,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(spec.TTL)),
		},
	}
	tok := jwt.NewWithClaims(signingMethod, claims)
	tok.Header["kid"] = key.kid
	s, err := tok.SignedString(key.secret)
	if err != nil {
		return "", fmt.Errorf("amp: sign token with kid %q: %w", key.kid, err)
	}
	if len(s) > MaxTokenBytes {
		return "", fmt.Errorf("amp: sign token: %d bytes is over the %d that Verify accepts; shorten the subject or campaign id", len(s), MaxTokenBytes)
	}
	return s, nil
}

// Verifier checks tokens against a Keyring. It is safe for concurrent use;
// build one at start-up and share it.
type Verifier struct {
	keys     *Keyring
	parser   *jwt.Parser
	now      func() time.Time
	leeway   time.Duration
	verified *ristretto.Cache[string, *Claims] // tokens that verified, until exp + leeway
}

// verifiedCacheBytes bounds the cache of verified tokens (token bytes plus
// claims, ≈ 1 KB each: some 16,000 tokens).
const verifiedCacheBytes = 16 << 20

// NewVerifier returns a Verifier that accepts HS256 tokens signed by any key
// in k, with aud = Audience and iss = issuer ("" means DefaultIssuer), and
// exp required. leeway is the allowed clock skew on exp, nbf and iat: zero
// means DefaultLeeway, negative means none. now is the clock (nil means
// time.Now). NewVerifier panics if k is nil, a wiring bug.
func NewVerifier(k *Keyring, issuer string, leeway time.Duration, now func() time.Time) *Verifier {
	if k == nil {
		panic("amp: NewVerifier with nil keyring")
	}
	if issuer == "" {
		issuer = DefaultIssuer
	}
	switch {
	case leeway == 0:
		leeway = DefaultLeeway
	case leeway < 0:
		leeway = 0
	}
	if now == nil {
		now = time.Now
	}
	verified, err := ristretto.NewCache(&ristretto.Config[string, *Claims]{
		NumCounters: 10 * verifiedCacheBytes / 1024, MaxCost: verifiedCacheBytes, BufferItems: 64,
	})
	if err != nil {
		panic("amp: token cache: " + err.Error()) // only for an invalid config, a bug
	}
	return &Verifier{
		keys: k, now: now, leeway: leeway, verified: verified,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{signingMethod.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithAudience(Audience),
			jwt.WithIssuer(issuer),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(now),
			jwt.WithStrictDecoding(),
		),
	}
}

// Verify parses and checks raw, the value of the `t` query parameter, and
// returns its claims. On failure it returns a *TokenError wrapping
// ErrTokenMissing (raw is empty), ErrTokenExpired (the token is genuine and
// its only fault is being past exp + leeway) or ErrTokenInvalid (anything
// else, including raw longer than MaxTokenBytes). The error text is safe to
// show to clients.
//
// A token that verified is remembered until its exp (plus leeway): every
// open of one email repeats the same token, and its signature, claims and
// keys cannot have changed since (the keyring is fixed for the Verifier's
// life, so a retired key takes a restart). The returned Claims are shared
// between callers and must not be modified.
func (v *Verifier) Verify(raw string) (*Claims, error) {
	if raw == "" {
		return nil, &TokenError{kind: ErrTokenMissing, reason: "token is missing"}
	}
	if len(raw) > MaxTokenBytes {
		return nil, invalid("token is too long", nil)
	}
	if c, ok := v.verified.Get(raw); ok && !v.now().After(c.ExpiresAt.Add(v.leeway)) {
		return c, nil
	}
	claims := new(Claims)
	tok, err := v.parser.ParseWithClaims(raw, claims, v.keyfunc)
	if err != nil {
		return nil, classify(err)
	}
	if !tok.Valid {
		return nil, invalid("token is invalid", nil) // not reached with jwt v5; kept as a guard
	}
	if ttl := claims.ExpiresAt.Add(v.leeway).Sub(v.now()); ttl > 0 {
		v.verified.SetWithTTL(raw, claims, int64(len(raw))+512, ttl)
	}
	return claims, nil
}

// keyfunc picks the secret by the header's kid. It runs after the parser has
// checked alg against WithValidMethods, and checks the method type again so
// the returned []byte can never serve as a non-HMAC key.
func (v *Verifier) keyfunc(t *jwt.Token) (any, error) {
	if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
		return nil, errMethodNotHMAC
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, errKIDMissing
	}
	secret, ok := v.keys.secret(kid)
	if !ok {
		return nil, errKIDUnknown
	}
	return secret, nil
}

// endClaim is the end claim of t: Unix seconds, 0 for the zero time.
func endClaim(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
