package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
)

// mustLintDoc is the AMP part of a generated email (profile and cart
// blocks, base URL base) carrying a demo-key token that expires in ttl.
func mustLintDoc(tb testing.TB, base string, ttl time.Duration) string {
	tb.Helper()
	tok, err := amp.DemoKeys().Sign(amp.TokenSpec{Subject: "otto-3", TTL: ttl}, "")
	if err != nil {
		tb.Fatal(err)
	}
	e, err := amp.RenderEmail(amp.EmailOptions{
		SnippetOptions: amp.SnippetOptions{BaseURL: base, Token: tok, ShopURL: "https://shop.example.com/"},
		Blocks:         []string{"profile", "cart"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return e.AMP
}

// runLintCLI runs `amplive lint args…` through run.
func runLintCLI(t *testing.T, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"amplive", "lint"}, args...), noEnv, stdin, &out, &errOut)
	var ue usageError
	if errors.As(err, &ue) && strings.Contains(err.Error(), `unknown command "lint"`) {
		t.Fatal(`run does not know "lint": add case "lint": return runLint(ctx, rest, e) to its switch in main.go`)
	}
	return out.String(), errOut.String(), err
}

// lineOf is the 1-based line of the first marker in doc.
func lineOf(t *testing.T, doc, marker string) int {
	t.Helper()
	i := strings.Index(doc, marker)
	if i < 0 {
		t.Fatalf("%q is not in the document", marker)
	}
	return strings.Count(doc[:i], "\n") + 1
}

// TestLintCommand lints files written to a temporary directory: the
// report on stdout and the exit class.
func TestLintCommand(t *testing.T) {
	t.Parallel()
	clean := mustLintDoc(t, "https://live.example.com", amp.DefaultTTL)
	heights := strings.Replace(clean, `<amp-list id="amplive-cart"`, `<amp-list id="amplive-cart" heights="80%"`, 1)
	expiring := mustLintDoc(t, "https://live.example.com", 10*24*time.Hour)
	cartLine := lineOf(t, heights, `<amp-list id="amplive-cart"`)
	profileLine := lineOf(t, expiring, `<amp-list id="amplive-profile"`)
	cases := []struct {
		name     string
		files    map[string]string // written to the directory
		args     []string          // DIR/ is the directory
		stdin    string
		wantOut  []string // lines of stdout, in order; a line ending in "…" is a prefix
		wantErr  string   // in the error
		wantExit int
	}{
		{
			name:    "clean",
			files:   map[string]string{"clean.html": clean},
			args:    []string{"DIR/clean.html"},
			wantOut: []string{"DIR/clean.html: PASS, 0 warnings"},
		},
		{
			name:  "heights",
			files: map[string]string{"bad.html": heights},
			args:  []string{"DIR/bad.html"},
			wantOut: []string{
				"DIR/bad.html: FAIL, 1 warning", // the validator refuses heights on a fixed-height list too
				fmt.Sprintf(`DIR/bad.html:%d:0 The attribute 'heights' in tag 'amp-list' is disallowed by specified layout 'fixed-height'.…`, cartLine),
				fmt.Sprintf(`DIR/bad.html:%d:0 warning: amp-list has heights="80%%": Gmail ignores heights…`, cartLine),
			},
			wantErr:  "1 of 1 files have warnings",
			wantExit: 1,
		},
		{
			name:  "two files, flags between",
			files: map[string]string{"clean.html": clean, "soon.html": expiring},
			args:  []string{"DIR/clean.html", "--sender", "ops@shop.example", "DIR/soon.html"},
			wantOut: []string{
				"DIR/clean.html: PASS, 0 warnings",
				"DIR/soon.html: PASS, 1 warning",
				fmt.Sprintf("DIR/soon.html:%d:0 warning: the token in the t parameter of amp-list src expires on …", profileLine),
			},
			wantErr:  "1 of 2 files have warnings",
			wantExit: 1,
		},
		{
			name:  "stdin",
			args:  []string{"-"},
			stdin: heights,
			wantOut: []string{
				"-: FAIL, 1 warning",
				fmt.Sprintf("-:%d:0 The attribute 'heights'…", cartLine),
				fmt.Sprintf("-:%d:0 warning: amp-list has heights…", cartLine),
			},
			wantExit: 1,
		},
		{
			name:     "a missing file, the other still linted",
			files:    map[string]string{"clean.html": clean},
			args:     []string{"DIR/nope.html", "DIR/clean.html"},
			wantOut:  []string{"DIR/clean.html: PASS, 0 warnings"},
			wantErr:  "1 of 2 files could not be linted",
			wantExit: 1,
		},
		{
			name:     "an empty file",
			files:    map[string]string{"empty.html": "\n"},
			args:     []string{"DIR/empty.html"},
			wantErr:  "could not be linted",
			wantExit: 1,
		},
		{name: "no file", wantErr: "needs AMP emails", wantExit: 2},
		{name: "stdin twice", args: []string{"-", "-"}, wantErr: "once", wantExit: 2},
		{name: "zero budget", args: []string{"x.html", "--budget", "0"}, wantErr: "--budget", wantExit: 2},
		{name: "bad budget", args: []string{"x.html", "--budget", "50KB"}, wantErr: "-budget", wantExit: 2},
		{name: "empty sender", args: []string{"x.html", "--sender="}, wantErr: "--sender", wantExit: 2},
		{name: "unknown flag", args: []string{"x.html", "--strict"}, wantErr: "-strict", wantExit: 2},
		{name: "help", args: []string{"--help"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, body := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "DIR/", dir+string(filepath.Separator))
			}
			stdout, stderr, err := runLintCLI(t, strings.NewReader(tc.stdin), args...)
			if got := exitClass(err); got != tc.wantExit {
				t.Errorf("exit class %d (err %v), want %d; stderr:\n%s", got, err, tc.wantExit, stderr)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want it to mention %q", err, tc.wantErr)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if stdout == "" {
				lines = nil
			}
			if len(lines) != len(tc.wantOut) {
				t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(tc.wantOut), stdout)
			}
			for i, w := range tc.wantOut {
				w = strings.ReplaceAll(w, "DIR/", dir+string(filepath.Separator))
				if p, ok := strings.CutSuffix(w, "…"); ok && strings.HasPrefix(lines[i], p) || lines[i] == w {
					continue
				}
				t.Errorf("stdout line %d:\n%s\nwant:\n%s", i+1, lines[i], w)
			}
			if tc.name == "help" && !strings.Contains(stderr, "Usage: amplive lint FILE…|-") {
				t.Errorf("--help printed:\n%s", stderr)
			}
		})
	}
}

// TestLintCommandFetch lints with --fetch against a test server whose
// cart answer is 60 KB: a warning with the default budget, none with a
// larger one; the fetches carry --sender.
func TestLintCommandFetch(t *testing.T) {
	t.Parallel()
	big := `{"items":[` + strings.Repeat(`{"title":"Google Sherpa Zip Hoodie","qty":1,"price_text":"$39.00"},`, 900) + `{}]}`
	var mu sync.Mutex
	var senders []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		senders = append(senders, r.Header.Get("AMP-Email-Sender"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("AMP-Email-Allow-Sender", r.Header.Get("AMP-Email-Sender"))
		if r.URL.Path == "/v1/cart" {
			fmt.Fprint(w, big)
			return
		}
		fmt.Fprint(w, `{"items":[{"known":false}]}`)
	}))
	t.Cleanup(srv.Close)
	doc := mustLintDoc(t, srv.URL, amp.DefaultTTL)
	file := filepath.Join(t.TempDir(), "email.html")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := runLintCLI(t, nil, "--fetch", file, "--sender", "ops@shop.example")
	if exitClass(err) != 1 {
		t.Fatalf("err = %v, want exit 1; stdout:\n%s", err, stdout)
	}
	want := []string{
		fmt.Sprintf("%s: FAIL, 1 warning\n", file), // a loopback http email is no valid AMP
		"Invalid URL protocol 'http:' for attribute 'src' in tag 'amp-list'.",
		fmt.Sprintf("%s:%d:0 warning: the answer of %s/v1/cart?t=eyJhbGci… is ", file, lineOf(t, doc, `<amp-list id="amplive-cart"`), srv.URL),
		" bytes, over the budget of 50,000: ",
		"[amp_list_answer_size]\n",
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	if stdout, _, _ := runLintCLI(t, nil, "--fetch", "--budget", "100000", file, "--sender", "ops@shop.example"); strings.Contains(stdout, "[amp_list_answer_size]") {
		t.Errorf("a size warning with --budget 100000; stdout:\n%s", stdout)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range senders {
		if s != "ops@shop.example" {
			t.Errorf("AMP-Email-Sender = %q, want ops@shop.example", s)
		}
	}
	if len(senders) != 4 {
		t.Errorf("%d fetches, want 4 (two lists, twice)", len(senders))
	}
}
