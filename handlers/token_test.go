package handlers_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/amplive/amplive/amp"
)

// b64Secret is a 32-byte test secret of one repeated byte, in base64.
func b64Secret(c byte) string {
	return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(c), 32)))
}

func secret(c byte) []byte { return []byte(strings.Repeat(string(c), 32)) }

// claims builds token claims relative to testNow; edit them per case.
func claims(sub string) jwt.MapClaims {
	return jwt.MapClaims{
		"sub": sub,
		"aud": []string{amp.Audience},
		"iss": testIssuer,
		"iat": testNow.Unix(),
		"exp": testNow.Add(time.Hour).Unix(),
	}
}

func hs256(t *testing.T, kid string, key []byte, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTokenAttacks sends forged and broken tokens through the real engine:
// each gets a 401 with a stable code and the AMP CORS header.
func TestTokenAttacks(t *testing.T) {
	t.Parallel()
	h := newHandler(t, shared)
	good := mint(t, "otto-3", "")

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsTok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims("otto-3"))
	rsTok.Header["kid"] = "k1"
	rs256, err := rsTok.SignedString(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	expired := claims("otto-3")
	expired["iat"] = testNow.Add(-48 * time.Hour).Unix()
	expired["exp"] = testNow.Add(-time.Hour).Unix()
	noExp := claims("otto-3")
	delete(noExp, "exp")
	wrongAud := claims("otto-3")
	wrongAud["aud"] = []string{"someone-else"}
	wrongIss := claims("otto-3")
	wrongIss["iss"] = "mallory"

	parts := strings.Split(good, ".")
	tamperedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"otto-4","aud":["amplive"],"iss":"` + testIssuer + `","iat":` +
		itoa(testNow.Unix()) + `,"exp":` + itoa(testNow.Add(time.Hour).Unix()) + `}`))
	tampered := parts[0] + "." + tamperedPayload + "." + parts[2]
	algNone := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"k1"}`)) + "." + parts[1] + "."

	cases := []struct {
		name, token, wantCode string
	}{
		{"missing", "", "token_missing"},
		{"garbage", "not-a-jwt", "token_invalid"},
		{"expired", hs256(t, "k1", secret('1'), expired), "token_expired"},
		{"wrong kid", hs256(t, "k9", secret('1'), claims("otto-3")), "token_invalid"},
		{"no kid", hs256(t, "", secret('1'), claims("otto-3")), "token_invalid"},
		{"right kid, wrong secret", hs256(t, "k1", secret('2'), claims("otto-3")), "token_invalid"},
		{"alg none", algNone, "token_invalid"},
		{"RS256 token", rs256, "token_invalid"},
		{"HS256 keyed with the RSA public key", hs256(t, "k1", pubPEM, claims("otto-3")), "token_invalid"},
		{"wrong audience", hs256(t, "k1", secret('1'), wrongAud), "token_invalid"},
		{"wrong issuer", hs256(t, "k1", secret('1'), wrongIss), "token_invalid"},
		{"missing exp", hs256(t, "k1", secret('1'), noExp), "token_invalid"},
		{"tampered payload", tampered, "token_invalid"},
		{"oversized", strings.Repeat("a", 10_000), "token_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := get(t, h, "/v1/recommendations", url.Values{"t": {tc.token}}, nil)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", w.Code, w.Body)
			}
			assertErrorCode(t, w.Body.Bytes(), tc.wantCode)
			if w.Header().Get("AMP-Email-Allow-Sender") != allowedSender {
				t.Error("401 without AMP-Email-Allow-Sender: the email could not read the error")
			}
			if strings.Contains(w.Body.String(), tc.token) && tc.token != "" {
				t.Error("the error echoes the token")
			}
		})
	}
	// The second key of the ring still verifies (rotation).
	w := get(t, h, "/v1/profile", url.Values{"t": {hs256(t, "k0", secret('0'), claims("otto-3"))}}, nil)
	if w.Code != http.StatusOK {
		t.Errorf("token of the older key k0: status %d, want 200", w.Code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
