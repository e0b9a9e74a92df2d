package amp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// t0 is the fixed issue time of test tokens.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// mustKeys parses spec or fails the test.
func mustKeys(tb testing.TB, spec string) *Keyring {
	tb.Helper()
	k, err := ParseKeys(spec)
	if err != nil {
		tb.Fatalf("ParseKeys: %v", err)
	}
	return k
}

// mustSign signs spec with k or fails the test.
func mustSign(tb testing.TB, k *Keyring, spec TokenSpec, issuer string) string {
	tb.Helper()
	s, err := k.Sign(spec, issuer)
	if err != nil {
		tb.Fatalf("Sign: %v", err)
	}
	return s
}

// seg base64url-encodes v as JSON, as a JWT segment.
func seg(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// craftHS256 builds an HS256 token by hand from header and claims, signed
// with secret, so tests can produce tokens Sign refuses to make.
func craftHS256(tb testing.TB, header, claims map[string]any, secret []byte) string {
	tb.Helper()
	input := seg(tb, header) + "." + seg(tb, claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// goodClaims returns the claims Sign would write for sub "p1" at t0.
func goodClaims() map[string]any {
	return map[string]any{
		"sub": "p1", "cmp": "spring", "aud": []string{Audience}, "iss": DefaultIssuer,
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	secA, secB := []byte(strings.Repeat("a", 32)), []byte(strings.Repeat("b", 32))
	ring := mustKeys(t, "ka:"+base64.StdEncoding.EncodeToString(secA)+",kb:"+base64.StdEncoding.EncodeToString(secB))
	hs := func(header map[string]any, claims map[string]any, secret []byte) string {
		return craftHS256(t, header, claims, secret)
	}
	hdr := func(kid string) map[string]any { return map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid} }
	with := func(f func(map[string]any)) map[string]any { c := goodClaims(); f(c); return c }

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	rs256 := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(goodClaims()))
	rs256.Header["kid"] = "ka"
	rsToken, err := rs256.SignedString(rsaKey)
	if err != nil {
		t.Fatal(err)
	}

	good := mustSign(t, ring, TokenSpec{Subject: "p1", Campaign: "spring", TTL: time.Hour, Now: t0}, "")
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + seg(t, with(func(c map[string]any) { c["sub"] = "p2" })) + "." + parts[2]

	wantGood := &Claims{
		Campaign: "spring",
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: DefaultIssuer, Subject: "p1", Audience: jwt.ClaimStrings{Audience},
			IssuedAt: jwt.NewNumericDate(t0), ExpiresAt: jwt.NewNumericDate(t0.Add(time.Hour)),
		},
	}
	cases := []struct {
		name     string
		raw      string
		now      time.Time // verifier clock; zero means t0
		issuer   string
		want     *Claims
		wantCode string
		wantJWT  error // optional jwt sentinel the error must also wrap
	}{
		{name: "round trip", raw: good, want: wantGood},
		{name: "round trip at issue minus leeway", raw: good, now: t0.Add(-29 * time.Second), want: wantGood},
		{name: "within leeway after exp", raw: good, now: t0.Add(time.Hour + 29*time.Second), want: wantGood},
		{name: "expired past leeway", raw: good, now: t0.Add(time.Hour + 31*time.Second), wantCode: CodeTokenExpired, wantJWT: jwt.ErrTokenExpired},
		{name: "empty", raw: "", wantCode: CodeTokenMissing},
		{name: "too long", raw: good + strings.Repeat("A", MaxTokenBytes), wantCode: CodeTokenInvalid},
		{name: "garbage", raw: "not-a-token", wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenMalformed},
		{name: "four segments", raw: good + ".x", wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenMalformed},
		{name: "unknown kid", raw: hs(hdr("nope"), goodClaims(), secA), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenUnverifiable},
		{name: "kid of another real key", raw: hs(hdr("kb"), goodClaims(), secA), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "missing kid", raw: hs(map[string]any{"alg": "HS256", "typ": "JWT"}, goodClaims(), secA), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenUnverifiable},
		{name: "numeric kid", raw: hs(map[string]any{"alg": "HS256", "kid": 7}, goodClaims(), secA), wantCode: CodeTokenInvalid},
		{name: "alg none", raw: seg(t, map[string]any{"alg": "none", "typ": "JWT", "kid": "ka"}) + "." + seg(t, goodClaims()) + ".", wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "alg None capitalised", raw: seg(t, map[string]any{"alg": "None", "kid": "ka"}) + "." + seg(t, goodClaims()) + ".", wantCode: CodeTokenInvalid},
		{name: "alg HS512", raw: hs(map[string]any{"alg": "HS512", "kid": "ka"}, goodClaims(), secA), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "RS256 signed", raw: rsToken, wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "HS256 keyed with RSA public key PEM", raw: hs(hdr("ka"), goodClaims(), pubPEM), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "tampered payload", raw: tampered, wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "signature stripped", raw: parts[0] + "." + parts[1] + ".", wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenSignatureInvalid},
		{name: "wrong audience", raw: hs(hdr("ka"), with(func(c map[string]any) { c["aud"] = "someone-else" }), secA), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenInvalidAudience},
		{name: "missing audience", raw: hs(hdr("ka"), with(func(c map[string]any) { delete(c, "aud") }), secA), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenRequiredClaimMissing},
		{name: "wrong issuer", raw: mustSign(t, ring, TokenSpec{Subject: "p1", Now: t0}, "elsewhere"), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenInvalidIssuer},
		{name: "configured issuer", raw: mustSign(t, ring, TokenSpec{Subject: "p1", Now: t0}, "shop"), issuer: "shop",
			want: &Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "shop", Subject: "p1", Audience: jwt.ClaimStrings{Audience},
				IssuedAt: jwt.NewNumericDate(t0), ExpiresAt: jwt.NewNumericDate(t0.Add(DefaultTTL))}}},
		{name: "missing exp", raw: hs(hdr("ka"), with(func(c map[string]any) { delete(c, "exp") }), secA), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenRequiredClaimMissing},
		{name: "not yet valid", raw: hs(hdr("ka"), with(func(c map[string]any) { c["nbf"] = t0.Add(time.Minute).Unix() }), secA), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenNotValidYet},
		{name: "issued in the future", raw: hs(hdr("ka"), with(func(c map[string]any) { c["iat"] = t0.Add(time.Minute).Unix() }), secA), wantCode: CodeTokenInvalid, wantJWT: jwt.ErrTokenUsedBeforeIssued},
		{name: "expired and wrong issuer is invalid", raw: mustSign(t, ring, TokenSpec{Subject: "p1", TTL: time.Hour, Now: t0}, "elsewhere"), now: t0.Add(2 * time.Hour), wantCode: CodeTokenInvalid},
		{name: "expired and bad signature is invalid", raw: tampered, now: t0.Add(2 * time.Hour), wantCode: CodeTokenInvalid},
		{name: "neither sub nor cmp", raw: hs(hdr("ka"), with(func(c map[string]any) { delete(c, "sub"); delete(c, "cmp") }), secA), wantCode: CodeTokenInvalid},
		{name: "exp as string", raw: hs(hdr("ka"), with(func(c map[string]any) { c["exp"] = "soon" }), secA), wantCode: CodeTokenInvalid},
		{name: "campaign-wide", raw: mustSign(t, ring, TokenSpec{Campaign: "spring", Now: t0}, ""),
			want: &Claims{Campaign: "spring", RegisteredClaims: jwt.RegisteredClaims{Issuer: DefaultIssuer, Audience: jwt.ClaimStrings{Audience},
				IssuedAt: jwt.NewNumericDate(t0), ExpiresAt: jwt.NewNumericDate(t0.Add(DefaultTTL))}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := tc.now
			if now.IsZero() {
				now = t0
			}
			v := NewVerifier(ring, tc.issuer, 0, func() time.Time { return now })
			got, err := v.Verify(tc.raw)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("claims (-want, +got):\n%s", diff)
				}
				return
			}
			if got != nil {
				t.Errorf("Verify returned claims %+v with error %v", got, err)
			}
			if got, want := TokenErrorCode(err), tc.wantCode; got != want {
				t.Errorf("code = %q, want %q (err %v)", got, want, err)
			}
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("error %T is not a *TokenError", err)
			}
			if got, want := te.Code(), tc.wantCode; got != want {
				t.Errorf("TokenError.Code = %q, want %q", got, want)
			}
			if tc.wantJWT != nil && !errors.Is(err, tc.wantJWT) {
				t.Errorf("error %v does not wrap %v", err, tc.wantJWT)
			}
			if tc.raw != "" && strings.Contains(err.Error(), tc.raw[:min(len(tc.raw), 16)]) {
				t.Errorf("error %q echoes the token", err)
			}
		})
	}
}

func TestVerifyErrorsIs(t *testing.T) {
	t.Parallel()
	ring := DemoKeys()
	raw := mustSign(t, ring, TokenSpec{Subject: "p1", TTL: time.Minute, Now: t0}, "")
	v := NewVerifier(ring, "", -1, func() time.Time { return t0.Add(time.Minute) })
	_, err := v.Verify(raw)
	if !errors.Is(err, ErrTokenExpired) || errors.Is(err, ErrTokenInvalid) {
		t.Errorf("zero leeway at exp: err = %v, want only ErrTokenExpired", err)
	}
	if _, err := v.Verify(""); !errors.Is(err, ErrTokenMissing) {
		t.Errorf("empty: err = %v, want ErrTokenMissing", err)
	}
	if _, err := v.Verify("x.y.z"); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("garbage: err = %v, want ErrTokenInvalid", err)
	}
	cases := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{ErrTokenMissing, CodeTokenMissing},
		{ErrTokenExpired, CodeTokenExpired},
		{ErrTokenInvalid, CodeTokenInvalid},
		{errors.New("anything else"), CodeTokenInvalid},
	}
	for _, tc := range cases {
		if got := TokenErrorCode(tc.err); got != tc.want {
			t.Errorf("TokenErrorCode(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	oldSpec, newSpec := "old:"+b64('o', 32), "new:"+b64('n', 32)
	before := mustKeys(t, oldSpec)
	during := mustKeys(t, newSpec+","+oldSpec)
	after := mustKeys(t, newSpec)
	oldTok := mustSign(t, before, TokenSpec{Subject: "p1", Now: t0}, "")
	newTok := mustSign(t, during, TokenSpec{Subject: "p1", Now: t0}, "")
	clock := func() time.Time { return t0 }

	cases := []struct {
		name string
		ring *Keyring
		raw  string
		want string // code; "" means valid
	}{
		{"old token, old ring", before, oldTok, ""},
		{"old token, old key second", during, oldTok, ""},
		{"new token, rotated ring", during, newTok, ""},
		{"old token, old key removed", after, oldTok, CodeTokenInvalid},
		{"new token, ring without new key", before, newTok, CodeTokenInvalid},
		{"new token, final ring", after, newTok, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewVerifier(tc.ring, "", 0, clock).Verify(tc.raw)
			if got := TokenErrorCode(err); got != tc.want {
				t.Errorf("code = %q, want %q (err %v)", got, tc.want, err)
			}
		})
	}
	if got, want := kidOf(t, newTok), "new"; got != want {
		t.Errorf("rotated ring signs with kid %q, want %q", got, want)
	}
}

// kidOf returns the kid header of raw without verifying it.
func kidOf(tb testing.TB, raw string) string {
	tb.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(raw, &Claims{})
	if err != nil {
		tb.Fatal(err)
	}
	kid, _ := tok.Header["kid"].(string)
	return kid
}

func TestSign(t *testing.T) {
	t.Parallel()
	ring := DemoKeys()
	cases := []struct {
		name    string
		spec    TokenSpec
		wantErr bool
		wantExp time.Time
	}{
		{name: "default TTL", spec: TokenSpec{Subject: "p1", Now: t0}, wantExp: t0.Add(DefaultTTL)},
		{name: "explicit TTL", spec: TokenSpec{Subject: "p1", TTL: 2 * time.Hour, Now: t0}, wantExp: t0.Add(2 * time.Hour)},
		{name: "sub-second now truncated", spec: TokenSpec{Campaign: "c", TTL: time.Hour, Now: t0.Add(900 * time.Millisecond)}, wantExp: t0.Add(time.Hour)},
		{name: "no scope", spec: TokenSpec{Now: t0}, wantErr: true},
		{name: "negative TTL", spec: TokenSpec{Subject: "p1", TTL: -time.Second, Now: t0}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := ring.Sign(tc.spec, "")
			if tc.wantErr {
				if err == nil {
					t.Fatal("Sign succeeded, want error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if got, want := kidOf(t, raw), "demo"; got != want {
				t.Errorf("kid = %q, want %q", got, want)
			}
			c, err := NewVerifier(ring, "", 0, func() time.Time { return t0 }).Verify(raw)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := c.ExpiresAt.Time; !got.Equal(tc.wantExp) {
				t.Errorf("exp = %v, want %v", got, tc.wantExp)
			}
		})
	}
	if DefaultTTL != 45*24*time.Hour {
		t.Errorf("DefaultTTL = %v, want 45 days", DefaultTTL)
	}
}

// BenchmarkVerify is a token seen before: every open of one email after the
// first (the Verifier remembers verified tokens until exp).
func BenchmarkVerify(b *testing.B) {
	ring := DemoKeys()
	raw := mustSign(b, ring, TokenSpec{Subject: "profile-000123", Campaign: "spring-sale", Now: t0}, "")
	v := NewVerifier(ring, "", 0, func() time.Time { return t0 })
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSignRefusesOversized: Sign never mints a token that Verify would refuse.
func TestSignRefusesOversized(t *testing.T) {
	t.Parallel()
	k := DemoKeys()
	if _, err := k.Sign(TokenSpec{Subject: strings.Repeat("x", 3000)}, ""); err == nil || !strings.Contains(err.Error(), "over the") {
		t.Errorf("3000-char subject: err = %v, want a size error", err)
	}
	tok, err := k.Sign(TokenSpec{Subject: strings.Repeat("x", 2000)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewVerifier(k, "", 0, time.Now).Verify(tok); err != nil {
		t.Errorf("a token Sign accepted fails Verify: %v", err)
	}
}

// TestEvergreenEnd: a token can carry its recipient's own deadline.
func TestEvergreenEnd(t *testing.T) {
	t.Parallel()
	k := DemoKeys()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	end := now.Add(48 * time.Hour)
	tok, err := k.Sign(TokenSpec{Subject: "p", Campaign: "cart-reminder", End: end, Now: now}, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewVerifier(k, "", 0, func() time.Time { return now }).Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := c.EndTime(); !ok || !got.Equal(end) {
		t.Errorf("EndTime = %v, %v; want %v", got, ok, end)
	}
	if _, ok := (&Claims{}).EndTime(); ok {
		t.Error("a token without end reports one")
	}
	if _, err := k.Sign(TokenSpec{Subject: "p", End: end, Now: now}, ""); err == nil {
		t.Error("an evergreen end without a campaign was signed")
	}
}

// TestVerifyRemembersUntilExp: a verified token is answered from memory
// only until exp + leeway; after that it is expired as before, and a token
// that differs by one byte is never taken for the remembered one.
func TestVerifyRemembersUntilExp(t *testing.T) {
	t.Parallel()
	ring := DemoKeys()
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	now := t0
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	v := NewVerifier(ring, "", time.Minute, clock)
	raw := mustSign(t, ring, TokenSpec{Subject: "otto-3", TTL: time.Hour, Now: t0}, "")
	for i := 0; i < 3; i++ {
		if _, err := v.Verify(raw); err != nil {
			t.Fatalf("verify %d: %v", i, err)
		}
		v.verified.Wait() // let the cache take the entry
	}
	if _, err := v.Verify(raw[:len(raw)-1] + "A"); err == nil {
		t.Error("a token with another signature verified")
	}
	set(t0.Add(time.Hour + 30*time.Second)) // within the leeway
	if _, err := v.Verify(raw); err != nil {
		t.Errorf("within the leeway: %v", err)
	}
	set(t0.Add(time.Hour + 2*time.Minute))
	if _, err := v.Verify(raw); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("past exp + leeway: %v, want expired", err)
	}
}

// BenchmarkVerifyFirst is a token seen for the first time: the HS256 check
// and the claims (each iteration verifies a token not verified before).
func BenchmarkVerifyFirst(b *testing.B) {
	ring := DemoKeys()
	v := NewVerifier(ring, "", 0, func() time.Time { return t0 })
	toks := make([]string, 4096)
	for i := range toks {
		toks[i] = mustSign(b, ring, TokenSpec{Subject: fmt.Sprintf("profile-%06d", i), Now: t0}, "")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(toks) { // all remembered now: start over with a fresh Verifier
			b.StopTimer()
			v, i = NewVerifier(ring, "", 0, func() time.Time { return t0 }), 0
			b.StartTimer()
		}
		if _, err := v.Verify(toks[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
