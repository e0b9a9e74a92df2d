package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunValidate: the validate command prints the official CLI's lines,
// JSON with --format json, reads stdin for "-", and exits 0 / 1 / 2.
func TestRunValidate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "testdata", "amp-validator")
	good, bad := filepath.Join(dir, "min_valid_amp4email.html"), filepath.Join(dir, "anchor.html")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"amplive", "validate", good}, noEnv, nil, &out, io.Discard); err != nil {
		t.Fatalf("a valid document: %v", err)
	}
	if out.String() != good+": PASS\n" {
		t.Errorf("output %q", out.String())
	}

	out.Reset()
	err := run(context.Background(), []string{"amplive", "validate", good, bad}, noEnv, nil, &out, io.Discard)
	var ue usageError
	if err == nil || errors.As(err, &ue) {
		t.Fatalf("a failing document: err = %v, want a plain error (exit 1)", err)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "anchor.out"))
	var wantLines []string
	for _, l := range strings.Split(string(want), "\n") {
		if strings.HasPrefix(l, "amp4email_feature_tests/") {
			wantLines = append(wantLines, strings.Replace(l, "amp4email_feature_tests/anchor.html", bad, 1))
		}
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if got[1] != bad+": FAIL" || strings.Join(got[2:], "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("output differs from the official lines:\n%s", out.String())
	}

	out.Reset()
	doc, _ := os.ReadFile(bad)
	_ = run(context.Background(), []string{"amplive", "validate", "--format", "json", "-"}, noEnv, bytes.NewReader(doc), &out, io.Discard)
	var verdicts []struct {
		File, Status string
		Errors       []struct{ Code, Message string }
	}
	if err := json.Unmarshal(out.Bytes(), &verdicts); err != nil || len(verdicts) != 1 || verdicts[0].Status != "FAIL" || len(verdicts[0].Errors) != len(wantLines) {
		t.Errorf("json: %v %s", err, out.String())
	}

	for _, args := range [][]string{{}, {"--format", "xml", good}, {"--nope", good}} {
		err := run(context.Background(), append([]string{"amplive", "validate"}, args...), noEnv, nil, io.Discard, io.Discard)
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error (exit 2)", args, err)
		}
	}
}

// TestReportsEscapeControlCharacters: text from a document (an ESC and a BEL
// in a tag name) reaches the terminal escaped from validate and lint.
func TestReportsEscapeControlCharacters(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "ctl.html")
	if err := os.WriteFile(file, []byte("<x\x1b]0;PWNED\x07>"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"validate", "lint"} {
		var out bytes.Buffer
		_ = run(context.Background(), []string{"amplive", cmd, file}, noEnv, nil, &out, io.Discard)
		if strings.ContainsAny(out.String(), "\x1b\x07") || !strings.Contains(out.String(), `\x1b`) {
			t.Errorf("%s printed %q", cmd, out.String())
		}
	}
}
