package amp

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	oldSecret := strings.Repeat("o", 32)
	newSecret := strings.Repeat("n", 32)
	rotating, err := ParseWebhookSecrets(" " + newSecret + " , " + oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	signerOld, _ := ParseWebhookSecrets(oldSecret)
	signerOther, _ := ParseWebhookSecrets(strings.Repeat("x", 32))
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"e1","type":"product_viewed"}`)
	good := rotating.Sign(body, now)
	cases := []struct {
		name   string
		header string
		body   []byte
		want   error
	}{
		{"valid", good, body, nil},
		{"signed with the older secret (rotation)", signerOld.Sign(body, now), body, nil},
		{"wrong secret", signerOther.Sign(body, now), body, ErrSignatureMismatch},
		{"body altered after signing", good, []byte(`{"id":"e1","type":"product_viewed" }`), ErrSignatureMismatch},
		{"missing", "", body, ErrSignatureMissing},
		{"4 minutes old", rotating.Sign(body, now.Add(-4*time.Minute)), body, nil},
		{"6 minutes old", rotating.Sign(body, now.Add(-6*time.Minute)), body, ErrSignatureStale},
		{"6 minutes ahead", rotating.Sign(body, now.Add(6*time.Minute)), body, ErrSignatureStale},
		{"t moved far, signature kept", strings.Replace(good, "t=", "t=1", 1), body, ErrSignatureStale},
		{"t moved a second, signature kept", strings.Replace(good, "t="+strconv.FormatInt(now.Unix(), 10), "t="+strconv.FormatInt(now.Unix()+1, 10), 1), body, ErrSignatureMismatch},
		{"no t", good[strings.Index(good, ",")+1:], body, ErrSignatureMalformed},
		{"no v1", good[:strings.Index(good, ",")], body, ErrSignatureMalformed},
		{"v1 not hex", "t=1795996800,v1=zz", body, ErrSignatureMalformed},
		{"v1 short", "t=1795996800,v1=abcd", body, ErrSignatureMalformed},
		{"two t", good + ",t=1795996800", body, ErrSignatureMalformed},
		{"garbage", "hello", body, ErrSignatureMalformed},
		{"several v1, one right", "v1=" + strings.Repeat("00", 32) + "," + good, body, nil},
		{"unknown scheme ignored", good + ",v0=abc", body, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := rotating.Verify(tc.header, tc.body, now)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseWebhookSecrets(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "short", strings.Repeat("a", 32) + ",", strings.Repeat("a", 31)} {
		if _, err := ParseWebhookSecrets(bad); err == nil {
			t.Errorf("ParseWebhookSecrets(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "aaaa") {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
}

// TestSignatureMatchesOpenSSL pins the byte layout that the README's
// `openssl dgst -sha256 -hmac` example relies on.
func TestSignatureMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	// printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
	got := signature([]byte(strings.Repeat("a", 32)), 1700000000, []byte(`{"a":1}`))
	const want = "c4e5471c67a638bc19838f9b93383a9c78e1a081b4a20c76f55362cbf52a9863"
	if got != want {
		t.Errorf("signature = %s, want %s (openssl)", got, want)
	}
}
