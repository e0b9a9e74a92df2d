package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
)

// TestTokenCSV mints a token column for a recipient CSV and checks each
// token verifies for its row's id, with quoting and empty ids kept intact.
func TestTokenCSV(t *testing.T) {
	t.Parallel()
	in := "email,customer_id,name\n" +
		"a@example.com,otto-1,\"Doe, Jane\"\n" +
		"b@example.com,,No Id\n" +
		"c@example.com,otto-2,\"Multi\nLine\"\n"
	path := filepath.Join(t.TempDir(), "recipients.csv")
	if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"amplive", "token", "--demo", "--csv", path, "--id-column", "customer_id", "--campaign", "demo-sale"},
		noEnv, nil, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != "email,customer_id,name,amp_token" {
		t.Fatalf("rows = %q", rows)
	}
	if rows[1][2] != "Doe, Jane" || rows[3][2] != "Multi\nLine" {
		t.Errorf("fields changed: %q", rows)
	}
	if rows[2][3] != "" {
		t.Errorf("a row without id got token %q", rows[2][3])
	}
	v := amp.NewVerifier(amp.DemoKeys(), amp.DefaultIssuer, 0, time.Now)
	for _, i := range []int{1, 3} {
		c, err := v.Verify(rows[i][3])
		if err != nil || c.Subject != rows[i][1] || c.Campaign != "demo-sale" {
			t.Errorf("row %d: claims %+v, err %v", i, c, err)
		}
	}
	if !strings.Contains(errOut.String(), "minted 2 token(s)") {
		t.Errorf("stderr = %q", errOut.String())
	}
}

func TestTokenCSVErrors(t *testing.T) {
	t.Parallel()
	mint := func(string) (string, error) { return "tok", nil }
	cases := []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"no such column", "email,customer\nx,1\n", "not in the CSV header"},
		{"already has tokens", "id,amp_token\n1,x\n", "already has"},
		{"bad quoting", "id,name\n1,\"open\n", "CSV"},
		{"row wider than the header", "email,id,name\na@x,1,Ann,\n", "wrong number of fields"},
		{"row narrower than the header", "email,id,name\nb@x,2\n", "wrong number of fields"},
		{"two id columns", "id,id\n1,2\n", "two"},
	}
	for _, tc := range cases {
		_, err := tokenCSV(context.Background(), strings.NewReader(tc.in), io.Discard, "id", mint)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestTokenCSVHeaderForms: Excel's byte-order mark and spaces around header
// names do not hide the id column.
func TestTokenCSVHeaderForms(t *testing.T) {
	t.Parallel()
	mint := func(id string) (string, error) { return "tok-" + id, nil }
	for _, in := range []string{"\ufeffid,email\n7,a@x\n", "email, id \na@x,7\n"} {
		var out bytes.Buffer
		n, err := tokenCSV(context.Background(), strings.NewReader(in), &out, "id", mint)
		if err != nil || n != 1 || !strings.Contains(out.String(), ",tok-7\n") {
			t.Errorf("%q: n=%d err=%v out=%q", in, n, err, out.String())
		}
	}
}

// TestTokenCSVErrorKeepsWholeRows: after a bad row, the output holds every
// row before it, complete, and the error names the physical line.
func TestTokenCSVErrorKeepsWholeRows(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	in.WriteString("id,note\n")
	for i := 0; i < 3000; i++ {
		in.WriteString("p" + strings.Repeat("x", 20) + ",\"multi\nline\"\n")
	}
	in.WriteString("bad,row,extra\n")
	var out bytes.Buffer
	mint := func(id string) (string, error) { return strings.Repeat("t", 200), nil }
	_, err := tokenCSV(context.Background(), strings.NewReader(in.String()), &out, "id", mint)
	if err == nil || !strings.Contains(err.Error(), "line 6002") {
		t.Fatalf("err = %v, want one naming line 6002", err)
	}
	rows, rerr := csv.NewReader(&out).ReadAll()
	if rerr != nil || len(rows) != 3001 {
		t.Fatalf("output: %d rows, err %v; want the header and 3000 whole rows", len(rows), rerr)
	}
	failing := func(id string) (string, error) {
		if id == "late" {
			return "", io.ErrUnexpectedEOF
		}
		return "tok", nil
	}
	_, err = tokenCSV(context.Background(), strings.NewReader("id,note\nok,\"a\nb\"\nlate,x\n"), io.Discard, "id", failing)
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("mint error = %v, want it on line 4", err)
	}
}

// TestTokenSingle: one token on stdout that verifies with the demo key.
func TestTokenSingle(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"amplive", "token", "--demo", "--sub", "otto-3", "--ttl", "2h"}, noEnv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	c, err := amp.NewVerifier(amp.DemoKeys(), amp.DefaultIssuer, 0, time.Now).Verify(strings.TrimSpace(out.String()))
	if err != nil || c.Subject != "otto-3" {
		t.Fatalf("claims %+v, err %v", c, err)
	}
	if ttl := c.ExpiresAt.Sub(c.IssuedAt.Time); ttl != 2*time.Hour {
		t.Errorf("ttl = %v, want 2h", ttl)
	}
}

// TestConfiguredKeysWinOverDemo: --demo fills in keys only where none are
// configured; configured ones are used and checked as without --demo.
func TestConfiguredKeysWinOverDemo(t *testing.T) {
	t.Parallel()
	secret := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	getenv := func(k string) string {
		if k == "AMPLIVE_SIGNING_KEYS" {
			return "k9:" + secret
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"amplive", "token", "--demo", "--sub", "otto-3"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(strings.TrimSpace(out.String()), ".")
	raw, _ := base64.RawURLEncoding.DecodeString(header)
	if !strings.Contains(string(raw), `"kid":"k9"`) {
		t.Errorf("token header %s: want the configured kid k9, not the demo key", raw)
	}
	short := func(k string) string {
		if k == "AMPLIVE_ADMIN_KEYS" {
			return "short"
		}
		return ""
	}
	err := run(context.Background(), []string{"amplive", "serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, short, nil, io.Discard, io.Discard)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "16 characters") {
		t.Errorf("a 5-character admin key under --demo: %v, want a usage error", err)
	}
}
