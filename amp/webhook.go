package amp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the webhook signature:
//
//	Amplive-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// where the HMAC is keyed with a webhook secret and computed over the bytes
// "<t>.<raw request body>". Several v1 entries may be sent (one per secret
// during a rotation); one matching is enough. The scheme follows Stripe's
// (https://docs.stripe.com/webhooks#verify-manually).
const SignatureHeader = "Amplive-Signature"

// SignatureTolerance is how far the signature's t may be from the server
// clock, either way, before it is refused as stale (replay protection).
const SignatureTolerance = 5 * time.Minute

// MinWebhookSecretBytes is the shortest webhook secret accepted.
const MinWebhookSecretBytes = 32

// Webhook signature errors; Verify wraps exactly one of them.
var (
	ErrSignatureMissing   = errors.New("the Amplive-Signature header is missing")
	ErrSignatureMalformed = errors.New("the Amplive-Signature header is not t=<unix seconds>,v1=<hex>")
	ErrSignatureStale     = errors.New("the signature timestamp is outside the 5-minute window")
	ErrSignatureMismatch  = errors.New("no v1 signature matches the body with any webhook secret")
)

// WebhookSecrets holds the secrets that verify event webhooks; the first
// also signs (for `amplive events sign` and tests). It is immutable and safe
// for concurrent use.
type WebhookSecrets struct {
	secrets [][]byte
}

// ParseWebhookSecrets reads AMPLIVE_WEBHOOK_SECRETS: comma-separated
// secrets, each used as raw bytes (so `openssl dgst -hmac "$SECRET"`
// reproduces the signature), entries trimmed, each at least
// MinWebhookSecretBytes long. Errors name the entry's position, never the
// secret.
func ParseWebhookSecrets(spec string) (*WebhookSecrets, error) {
	w := &WebhookSecrets{}
	for i, s := range strings.Split(spec, ",") {
		s = strings.TrimSpace(s)
		if len(s) < MinWebhookSecretBytes {
			return nil, fmt.Errorf("webhook secret %d is %d bytes; at least %d are needed", i+1, len(s), MinWebhookSecretBytes)
		}
		w.secrets = append(w.secrets, []byte(s))
	}
	return w, nil
}

// signature is the hex HMAC-SHA256 of "<t>.<body>" under secret.
func signature(secret []byte, t int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(strconv.AppendInt(nil, t, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns the Amplive-Signature header value for body at instant t,
// with the first secret: "t=<unix seconds>,v1=<hex>".
func (w *WebhookSecrets) Sign(body []byte, t time.Time) string {
	ts := t.Unix()
	return "t=" + strconv.FormatInt(ts, 10) + ",v1=" + signature(w.secrets[0], ts, body)
}

// Verify checks header (the Amplive-Signature value) against the raw body
// at server instant now. It returns nil when t is within
// SignatureTolerance of now and some v1 entry equals the HMAC under some
// secret (compared in constant time); otherwise an error wrapping
// ErrSignatureMissing, ErrSignatureMalformed, ErrSignatureStale or
// ErrSignatureMismatch.
func (w *WebhookSecrets) Verify(header string, body []byte, now time.Time) error {
	if strings.TrimSpace(header) == "" {
		return ErrSignatureMissing
	}
	var ts int64 = -1
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrSignatureMalformed
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ts != -1 || n < 0 {
				return ErrSignatureMalformed
			}
			ts = n
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return ErrSignatureMalformed
			}
			sigs = append(sigs, b)
		default:
			// Other schemes (v0, future versions) are ignored, as Stripe does.
		}
	}
	if ts < 0 || len(sigs) == 0 || len(sigs) > 8 {
		return ErrSignatureMalformed
	}
	if d := now.Sub(time.Unix(ts, 0)); d > SignatureTolerance || d < -SignatureTolerance {
		return ErrSignatureStale
	}
	for _, secret := range w.secrets {
		want, _ := hex.DecodeString(signature(secret, ts, body))
		for _, got := range sigs {
			// hmac.Equal is constant time; bytes.Equal or == on the hex
			// would let answer timing reveal a valid signature byte by byte.
			if hmac.Equal(want, got) {
				return nil
			}
		}
	}
	return ErrSignatureMismatch
}

// DemoWebhookSecret is the public webhook secret of `amplive serve --demo`
// and `amplive events … --demo`. Anyone can sign events with it: never
// use it in production.
const DemoWebhookSecret = "amplive-demo-webhook-secret-PUBLIC-never-in-production"

// DemoWebhookSecrets returns the WebhookSecrets of DemoWebhookSecret.
func DemoWebhookSecrets() *WebhookSecrets {
	return &WebhookSecrets{secrets: [][]byte{[]byte(DemoWebhookSecret)}}
}
