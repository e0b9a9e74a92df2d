package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// previewEmail is an AMP email with a good block (/good) and, when bad is
// true, a block whose endpoint forgets AMP-Email-Allow-Sender (/bad).
func previewEmail(server string, bad bool) string {
	doc := `<!doctype html><html ⚡4email data-css-strict><head><meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-list" src="https://cdn.ampproject.org/v0/amp-list-0.1.js"></script>
<style amp4email-boilerplate>body{visibility:hidden}</style>
</head><body>
<amp-list id="recs" src="` + server + `/v1/good?t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvdHRvLTMifQ.c2ln">
<template type="amp-mustache"><p>{{title}}</p></template><div fallback>RECS FALLBACK</div></amp-list>`
	if bad {
		doc += `<amp-list src="` + server + `/v1/bad?t=eyJhbGciOiJIUzI1NiJ9.x.y" items="." single-item>
<template type="amp-mustache"><p>{{points}} points</p></template><div fallback>POINTS FALLBACK</div></amp-list>`
	}
	return doc + `</body></html>`
}

// newPreviewEndpoints serves /v1/good correctly and /v1/bad without
// AMP-Email-Allow-Sender; senders collects the AMP-Email-Sender received.
func newPreviewEndpoints(t *testing.T) (srv *httptest.Server, senders func() []string) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("AMP-Email-Sender"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/good" {
			w.Header().Set("AMP-Email-Allow-Sender", r.Header.Get("AMP-Email-Sender"))
			fmt.Fprint(w, `{"items":[{"title":"Bike"},{"title":"Mug"}]}`)
			return
		}
		fmt.Fprint(w, `{"points":120}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// exitClass is the exit status main gives err.
func exitClass(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// runPreviewCLI runs `amplive preview args…` through run.
func runPreviewCLI(t *testing.T, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"amplive", "preview"}, args...), noEnv, stdin, &out, &errOut)
	var ue usageError
	if errors.As(err, &ue) && strings.Contains(err.Error(), `unknown command "preview"`) {
		t.Fatal(`run does not know "preview": add case "preview": return runPreview(ctx, rest, e) to its switch in main.go`)
	}
	return out.String(), errOut.String(), err
}

// TestPreviewCommand previews an email whose blocks all work, and one
// with a broken block: the report on stdout, the page and the exit class.
func TestPreviewCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		bad      bool
		wantOut  []string // lines of stdout, in order; SERVER is the server URL
		wantExit int
		inPage   []string
	}{
		{
			name: "all fine",
			wantOut: []string{
				"block 1 recs SERVER/v1/good?t=eyJhbGci…: 200, 2 items",
				"1 block, fine; wrote OUT",
			},
			inPage: []string{"<p>Bike</p><p>Mug</p>", "data-amplive-report"},
		},
		{
			name: "a block without AMP-Email-Allow-Sender",
			bad:  true,
			wantOut: []string{
				"block 1 recs SERVER/v1/good?t=eyJhbGci…: 200, 2 items",
				"block 2 SERVER/v1/bad?t=eyJhbGci…: 200, shows its fallback",
				"    missing AMP-Email-Allow-Sender",
				"2 blocks, 1 with problems; wrote OUT",
			},
			wantExit: 1,
			inPage:   []string{"<p>Bike</p><p>Mug</p>", "POINTS FALLBACK", "missing AMP-Email-Allow-Sender"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, senders := newPreviewEndpoints(t)
			dir := t.TempDir()
			in, out := filepath.Join(dir, "email.html"), filepath.Join(dir, "preview.html")
			if err := os.WriteFile(in, []byte(previewEmail(srv.URL, tc.bad)), 0o600); err != nil {
				t.Fatal(err)
			}
			stdout, _, err := runPreviewCLI(t, nil, in, "--out", out)
			if got := exitClass(err); got != tc.wantExit {
				t.Errorf("exit class %d (err %v), want %d", got, err, tc.wantExit)
			}
			want := strings.NewReplacer("SERVER", srv.URL, "OUT", out).Replace(strings.Join(tc.wantOut, "\n") + "\n")
			if stdout != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
			}
			page, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.inPage {
				if !bytes.Contains(page, []byte(w)) {
					t.Errorf("page lacks %q:\n%s", w, page)
				}
			}
			if bytes.Contains(page, []byte("cdn.ampproject.org")) || bytes.Contains(page, []byte("amp4email-boilerplate")) {
				t.Errorf("page keeps AMP scripts or the boilerplate:\n%s", page)
			}
			for _, s := range senders() {
				if s != "news@amplive.example" {
					t.Errorf("AMP-Email-Sender = %q, want the default news@amplive.example", s)
				}
			}
		})
	}
}

// TestPreviewCommandStdin reads the email from stdin, flags first, with
// another sender.
func TestPreviewCommandStdin(t *testing.T) {
	t.Parallel()
	srv, senders := newPreviewEndpoints(t)
	out := filepath.Join(t.TempDir(), "p.html")
	stdout, _, err := runPreviewCLI(t, strings.NewReader(previewEmail(srv.URL, false)), "--sender", "deals@shop.example", "--out", out, "--timeout", "2s", "-", "--slow", "1m")
	if err != nil {
		t.Fatalf("err = %v, stdout:\n%s", err, stdout)
	}
	if got := strings.Join(senders(), ","); got != "deals@shop.example" {
		t.Errorf("AMP-Email-Sender = %q", got)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}

// TestPreviewCommandUsage checks command-line mistakes exit 2 and --help 0.
func TestPreviewCommandUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		args     []string
		wantExit int
		want     string // in the error
	}{
		{"no file", nil, 2, "needs the AMP email"},
		{"two files", []string{"a.html", "b.html"}, 2, `unexpected argument "b.html"`},
		{"unknown flag", []string{"a.html", "--fast"}, 2, "-fast"},
		{"bad timeout", []string{"a.html", "--timeout", "0s"}, 2, "--timeout"},
		{"help", []string{"--help"}, 0, ""},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.html")}, 1, "nope.html"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, err := runPreviewCLI(t, nil, tc.args...)
			if got := exitClass(err); got != tc.wantExit {
				t.Errorf("exit class %d (err %v), want %d", got, err, tc.wantExit)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
			if tc.name == "help" && !strings.Contains(stderr, "Usage: amplive preview FILE|-") {
				t.Errorf("--help printed %q", stderr)
			}
		})
	}
}
