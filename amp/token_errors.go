package amp

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

// Stable error codes for token failures, as written in the JSON error body
// {"error":{"code":...}}. TokenErrorCode maps an error to one of them.
const (
	CodeTokenMissing = "token_missing"
	CodeTokenExpired = "token_expired"
	CodeTokenInvalid = "token_invalid"
)

// The three kinds of token failure. Verify returns a *TokenError that wraps
// exactly one of them, so test with errors.Is(err, amp.ErrTokenExpired).
var (
	// ErrTokenMissing means the request carried no token (empty string).
	ErrTokenMissing = errors.New("token missing")
	// ErrTokenExpired means the token verified but its exp (plus leeway) has passed.
	ErrTokenExpired = errors.New("token expired")
	// ErrTokenInvalid covers every other failure: too long, malformed, bad
	// signature, unknown or missing kid, a method other than HS256 (including
	// "none" and RS256), wrong aud or iss, missing exp, not yet valid (nbf or
	// iat in the future beyond leeway), or neither sub nor cmp.
	ErrTokenInvalid = errors.New("token invalid")
)

// TokenError is the error Verify returns. Its Error text is a short sentence
// that is safe to show to clients: it never contains the token, a secret or a
// claim value. Unwrap yields the kind (ErrTokenMissing, ErrTokenExpired or
// ErrTokenInvalid) and, when there is one, the underlying jwt error, so
// errors.Is(err, jwt.ErrTokenInvalidAudience) works for logs and tests.
type TokenError struct {
	kind   error
	reason string
	cause  error
}

// Error returns the client-safe reason, e.g. "token signature is invalid".
func (e *TokenError) Error() string { return e.reason }

// Code returns the stable code: "token_missing", "token_expired" or "token_invalid".
func (e *TokenError) Code() string { return TokenErrorCode(e) }

// Unwrap returns the kind sentinel and the underlying cause, if any.
func (e *TokenError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// TokenErrorCode maps err to its stable code: "" for nil, "token_missing",
// "token_expired", and "token_invalid" for any other non-nil error, so a
// failure never gets an empty code.
func TokenErrorCode(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrTokenMissing):
		return CodeTokenMissing
	case errors.Is(err, ErrTokenExpired):
		return CodeTokenExpired
	default:
		return CodeTokenInvalid
	}
}

// Keyfunc failures; they reach classify wrapped in jwt.ErrTokenUnverifiable.
var (
	errKIDMissing    = errors.New("token header has no kid")
	errKIDUnknown    = errors.New("token kid is not in the keyring")
	errMethodNotHMAC = errors.New("token method is not HMAC")
	errNoScope       = errors.New("token has neither sub nor cmp")
)

// invalid builds an ErrTokenInvalid error with a client-safe reason.
func invalid(reason string, cause error) *TokenError {
	return &TokenError{kind: ErrTokenInvalid, reason: reason, cause: cause}
}

// classify turns a jwt parse error into a *TokenError. A token counts as
// expired only when expiry is its sole problem; any other failed check makes
// it invalid, so "expired" is never reported for a forged or foreign token.
// The jwt parser verifies the signature before it looks at any claim.
func classify(err error) *TokenError {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalid("token is malformed", err)
	case errors.Is(err, errKIDMissing):
		return invalid("token has no key id", err)
	case errors.Is(err, errKIDUnknown):
		return invalid("token key id is unknown", err)
	case errors.Is(err, errMethodNotHMAC), errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalid("token algorithm is not accepted", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// Also returned when the alg is outside WithValidMethods.
		return invalid("token signature is invalid or its algorithm is not accepted", err)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return invalid("token audience is wrong", err)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return invalid("token issuer is wrong", err)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalid("token lacks a required claim", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalid("token is not valid yet", err)
	case errors.Is(err, errNoScope):
		return invalid("token has neither subject nor campaign", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return &TokenError{kind: ErrTokenExpired, reason: "token has expired", cause: err}
	default:
		return invalid("token is invalid", err)
	}
}
