package amp

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// b64 returns standard padded base64 of n copies of c: a test secret.
func b64(c byte, n int) string {
	return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(c), n)))
}

func TestParseKeys(t *testing.T) {
	t.Parallel()
	secA, secB := b64('a', 32), b64('b', 40)
	cases := []struct {
		name     string
		spec     string
		wantKIDs []string
		wantErr  string // substring; "" means success
	}{
		{name: "one key", spec: "k1:" + secA, wantKIDs: []string{"k1"}},
		{name: "two keys, first signs", spec: "new:" + secB + ",old:" + secA, wantKIDs: []string{"new", "old"}},
		{name: "whitespace around entries and halves", spec: "  k1 : " + secA + " ,\tk2:" + secB + "\n", wantKIDs: []string{"k1", "k2"}},
		{name: "unpadded base64", spec: "k1:" + strings.TrimRight(secB, "="), wantKIDs: []string{"k1"}},
		{name: "kid charset", spec: "a.B_c-9:" + secA, wantKIDs: []string{"a.B_c-9"}},
		{name: "empty", spec: "", wantErr: "empty spec"},
		{name: "only spaces", spec: "  \t ", wantErr: "empty spec"},
		{name: "empty entry", spec: "k1:" + secA + ",,k2:" + secB, wantErr: "entry 2 is empty"},
		{name: "trailing comma", spec: "k1:" + secA + ",", wantErr: "entry 2 is empty"},
		{name: "no colon", spec: secA, wantErr: "entry 1 has no ':'"},
		{name: "empty kid", spec: ":" + secA, wantErr: "entry 1 has an empty kid"},
		{name: "unsafe kid", spec: "k/1:" + secA, wantErr: "entry 1: kid must be"},
		{name: "kid too long", spec: strings.Repeat("k", 65) + ":" + secA, wantErr: "entry 1: kid must be"},
		{name: "duplicate kid", spec: "k1:" + secA + ",k1:" + secB, wantErr: `entry 2: duplicate kid "k1"`},
		{name: "bad base64", spec: "k1:" + secA[:10] + "!" + secA[11:], wantErr: `entry 1 (kid "k1"): secret is not valid standard base64`},
		{name: "url-safe alphabet", spec: "k1:" + strings.Repeat("_-", 22), wantErr: "not valid standard base64"},
		{name: "wrong padding", spec: "k1:" + strings.TrimRight(secB, "=") + "=", wantErr: "not valid standard base64"},
		{name: "short secret", spec: "k1:" + b64('a', 31), wantErr: `entry 1 (kid "k1"): secret decodes to 31 bytes, want at least 32`},
		{name: "empty secret", spec: "k1:", wantErr: "decodes to 0 bytes"},
		{name: "second entry bad", spec: "k1:" + secA + ",k2:" + b64('c', 8), wantErr: `entry 2 (kid "k2")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := ParseKeys(tc.spec)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseKeys(%q) = nil error, want %q", tc.spec, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %q, want it to contain %q", err, tc.wantErr)
				}
				for _, s := range []string{secA, secB, strings.TrimRight(secA, "=")} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error %q leaks a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeys: %v", err)
			}
			if diff := cmp.Diff(tc.wantKIDs, k.KIDs()); diff != "" {
				t.Errorf("KIDs (-want, +got):\n%s", diff)
			}
		})
	}
}

func TestDemoKeys(t *testing.T) {
	t.Parallel()
	k := DemoKeys()
	if diff := cmp.Diff([]string{"demo"}, k.KIDs()); diff != "" {
		t.Errorf("KIDs (-want, +got):\n%s", diff)
	}
	secret, ok := k.secret("demo")
	if !ok {
		t.Fatal("no demo secret")
	}
	if got, want := string(secret), "amplive demo signing key - PUBLIC - never use in production"; got != want {
		t.Errorf("demo secret = %q, want %q (keep the doc comment in step)", got, want)
	}
}

func TestZeroKeyring(t *testing.T) {
	t.Parallel()
	var k Keyring
	if _, err := k.Sign(TokenSpec{Subject: "p1"}, ""); err == nil {
		t.Error("Sign with an empty keyring succeeded")
	}
	if got := k.KIDs(); len(got) != 0 {
		t.Errorf("KIDs = %v, want none", got)
	}
}
