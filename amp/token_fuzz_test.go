package amp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// fuzzTokenNow is the fixed clock of FuzzVerifyToken: the seed tokens are
// minted as of it, so they stay valid however long the fuzzer runs.
var fuzzTokenNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fuzzDemoSecret is the secret of DemoSigningKeys, decoded independently of
// ParseKeys, for the fuzz target's own signature check.
func fuzzDemoSecret(tb testing.TB) []byte {
	tb.Helper()
	_, enc, _ := strings.Cut(DemoSigningKeys, ":")
	secret, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// fuzzHS256 signs header.claims by hand with secret, so seeds can hold
// tokens Sign refuses to make (no exp, wrong aud, foreign alg …).
func fuzzHS256(tb testing.TB, header, claims map[string]any, secret []byte) string {
	tb.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// fuzzTokenSeeds are valid demo tokens and the classic ways to break one.
func fuzzTokenSeeds(tb testing.TB) []string {
	tb.Helper()
	keys := DemoKeys()
	sign := func(spec TokenSpec) string {
		tb.Helper()
		s, err := keys.Sign(spec, "")
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	valid := sign(TokenSpec{Subject: "otto-3", Campaign: "demo-sale", Now: fuzzTokenNow})
	secret := fuzzDemoSecret(tb)
	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{"sub": "otto-3", "aud": []string{Audience}, "iss": DefaultIssuer,
			"iat": fuzzTokenNow.Unix(), "exp": fuzzTokenNow.Add(time.Hour).Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	hs := map[string]any{"alg": "HS256", "typ": "JWT", "kid": "demo"}
	head, payload, _ := strings.Cut(valid, ".")
	payload, sig, _ := strings.Cut(payload, ".")
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"demo"}`))
	return []string{
		valid,
		sign(TokenSpec{Subject: "otto-0", Now: fuzzTokenNow}),
		sign(TokenSpec{Campaign: "demo-sale", Now: fuzzTokenNow}),
		sign(TokenSpec{Subject: "otto-7", Campaign: "demo-sale", End: fuzzTokenNow.Add(48 * time.Hour), Now: fuzzTokenNow}),
		// Unknown claims are ignored.
		fuzzHS256(tb, hs, claims(func(c map[string]any) { c["extra"] = map[string]any{"deep": []any{1, "x", nil}} }), secret),
		sign(TokenSpec{Subject: "otto-3", TTL: time.Hour, Now: fuzzTokenNow.Add(-2 * time.Hour)}), // expired
		sign(TokenSpec{Subject: "otto-3", Now: fuzzTokenNow.Add(time.Hour)}),                      // issued in the future
		"",
		valid[:len(valid)/2],
		valid[:len(valid)-1],
		head + "." + payload,
		head + "." + payload + ".",
		noneHeader + "." + payload + ".",
		noneHeader + "." + payload + "." + sig,
		fuzzHS256(tb, map[string]any{"alg": "HS512", "typ": "JWT", "kid": "demo"}, claims(nil), secret),
		fuzzHS256(tb, map[string]any{"alg": "RS256", "typ": "JWT", "kid": "demo"}, claims(nil), secret),
		fuzzHS256(tb, map[string]any{"alg": "HS256", "typ": "JWT"}, claims(nil), secret),                  // no kid
		fuzzHS256(tb, map[string]any{"alg": "HS256", "typ": "JWT", "kid": "k9"}, claims(nil), secret),     // unknown kid
		fuzzHS256(tb, map[string]any{"alg": "HS256", "typ": "JWT", "kid": []int{1}}, claims(nil), secret), // kid not a string
		fuzzHS256(tb, hs, claims(func(c map[string]any) { delete(c, "exp") }), secret),
		fuzzHS256(tb, hs, claims(func(c map[string]any) { c["aud"] = "someone-else" }), secret),
		fuzzHS256(tb, hs, claims(func(c map[string]any) { c["iss"] = "mallory" }), secret),
		fuzzHS256(tb, hs, claims(func(c map[string]any) { delete(c, "sub") }), secret),
		fuzzHS256(tb, hs, claims(func(c map[string]any) { c["exp"] = "tomorrow" }), secret),
		fuzzHS256(tb, hs, claims(func(c map[string]any) { c["exp"] = 1e300 }), secret),
		fuzzHS256(tb, hs, claims(func(c map[string]any) { c["nbf"] = fuzzTokenNow.Add(time.Hour).Unix() }), secret),
		fuzzHS256(tb, hs, claims(nil), []byte(strings.Repeat("x", 32))), // wrong secret
		valid + "=",
		strings.Replace(valid, ".", "..", 1),
		" " + valid,
		strings.Repeat("a", MaxTokenBytes+1),
		valid + "." + strings.Repeat("A", MaxTokenBytes),
		"\xff\xfe\xfd." + payload + "." + sig,
		head + ".\xc3\x28." + sig,
		"eyJ.eyJ.eyJ",
		"a.b.c",
		"...",
	}
}

// FuzzVerifyToken feeds arbitrary strings to (*Verifier).Verify with the
// demo keyring and a fixed clock. It must never panic; every failure is a
// *TokenError whose code is one of the three stable codes and whose text
// never repeats the token; every success is an HS256 token signed with the
// demo key whose claims have aud, exp, iss and a scope as required. Verify
// gives the same answer twice (the second may come from its cache).
//
//	go test ./amp -run '^$' -fuzz '^FuzzVerifyToken$' -fuzztime 60s
func FuzzVerifyToken(f *testing.F) {
	for _, s := range fuzzTokenSeeds(f) {
		f.Add(s)
	}
	v := NewVerifier(DemoKeys(), "", 0, func() time.Time { return fuzzTokenNow })
	secret := fuzzDemoSecret(f)
	codes := []string{CodeTokenMissing, CodeTokenExpired, CodeTokenInvalid}
	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := v.Verify(raw)
		again, err2 := v.Verify(raw)
		if (err == nil) != (err2 == nil) || TokenErrorCode(err) != TokenErrorCode(err2) {
			t.Fatalf("Verify twice: %v, then %v", err, err2)
		}
		if err != nil {
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("error %T %v is not a *TokenError", err, err)
			}
			code := TokenErrorCode(err)
			if !slices.Contains(codes, code) || te.Code() != code {
				t.Fatalf("code %q (Code() %q) is not a stable token code", code, te.Code())
			}
			if (raw == "") != (code == CodeTokenMissing) {
				t.Fatalf("raw %q gave code %q", raw, code)
			}
			if te.Error() == "" || (len(raw) >= 16 && strings.Contains(te.Error(), raw)) {
				t.Fatalf("error text %q is empty or repeats the token", te.Error())
			}
			if claims != nil || again != nil {
				t.Fatalf("claims %+v returned with error %v", claims, err)
			}
			return
		}
		if claims == nil || again == nil {
			t.Fatal("nil claims without an error")
		}
		if len(raw) > MaxTokenBytes {
			t.Fatalf("a %d-byte token verified", len(raw))
		}
		// The token is what Sign writes: three base64url segments, alg
		// HS256, kid demo, and a signature that checks with the demo secret.
		parts := strings.Split(raw, ".")
		if len(parts) != 3 {
			t.Fatalf("verified token has %d segments", len(parts))
		}
		var header struct {
			Alg string `json:"alg"`
			Kid string `json:"kid"`
		}
		hb, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
		if err != nil || json.Unmarshal(hb, &header) != nil || header.Alg != "HS256" || header.Kid != "demo" {
			t.Fatalf("verified token's header %q: %+v, %v", hb, header, err)
		}
		sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(parts[0] + "." + parts[1]))
		if err != nil || !hmac.Equal(sig, m.Sum(nil)) {
			t.Fatalf("verified token's signature does not check with the demo secret: %v", err)
		}
		if !slices.Contains(claims.Audience, Audience) {
			t.Errorf("aud %q lacks %q", claims.Audience, Audience)
		}
		if claims.Issuer != DefaultIssuer {
			t.Errorf("iss %q, want %q", claims.Issuer, DefaultIssuer)
		}
		if claims.ExpiresAt == nil {
			t.Fatal("verified token has no exp")
		}
		if fuzzTokenNow.After(claims.ExpiresAt.Add(DefaultLeeway)) {
			t.Errorf("exp %v is past (now %v)", claims.ExpiresAt.Time, fuzzTokenNow)
		}
		if claims.NotBefore != nil && claims.NotBefore.After(fuzzTokenNow.Add(DefaultLeeway)) {
			t.Errorf("nbf %v is in the future", claims.NotBefore.Time)
		}
		if claims.IssuedAt != nil && claims.IssuedAt.After(fuzzTokenNow.Add(DefaultLeeway)) {
			t.Errorf("iat %v is in the future", claims.IssuedAt.Time)
		}
		if claims.Subject == "" && claims.Campaign == "" {
			t.Error("verified token has neither sub nor cmp")
		}
	})
}

// TestFuzzVerifyTokenSeeds keeps the seeds meaningful: the first five verify,
// so the fuzzer starts from the success path, the sixth is expired, and
// none of the others verifies.
func TestFuzzVerifyTokenSeeds(t *testing.T) {
	t.Parallel()
	v := NewVerifier(DemoKeys(), "", 0, func() time.Time { return fuzzTokenNow })
	seeds := fuzzTokenSeeds(t)
	for i, s := range seeds[:5] {
		if _, err := v.Verify(s); err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
	if _, err := v.Verify(seeds[5]); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("expired seed: %v, want ErrTokenExpired", err)
	}
	for i, s := range seeds[6:] {
		if _, err := v.Verify(s); err == nil {
			t.Errorf("seed %d verified: %q", i+6, s)
		}
	}
}
