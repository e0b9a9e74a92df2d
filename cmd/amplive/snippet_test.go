package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunSnippet: the snippet command prints the block for the preset, takes
// the block before or after the flags, and refuses mistakes as usage errors.
func TestRunSnippet(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		args  []string
		usage bool
		want  []string
	}{
		{"block first", []string{"cart", "--esp", "iterable", "--base-url", "https://live.example.com"}, false,
			[]string{"https://live.example.com/v1/cart?t={{amp_token}}", `\{{title}}`, "amp-list-0.1.js"}},
		{"block last", []string{"--esp", "mailchimp", "--base-url", "https://live.example.com", "profile"}, false,
			[]string{"t=*|AMP_TOKEN|*", "single-item"}},
		{"field", []string{"offer", "--esp", "hubspot", "--base-url", "https://live.example.com", "--token-field", "amptok"}, false,
			[]string{"{{ contact.amptok }}", "{% raw %}"}},
		{"no block", []string{"--base-url", "https://live.example.com"}, true, nil},
		{"no base url", []string{"cart"}, true, nil},
		{"unknown block", []string{"banner", "--base-url", "https://live.example.com"}, true, nil},
		{"two blocks", []string{"cart", "--base-url", "https://live.example.com", "profile"}, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"amplive", "snippet"}, c.args...), noEnv, nil, &out, io.Discard)
			var ue usageError
			if c.usage != errors.As(err, &ue) || (!c.usage && err != nil) {
				t.Fatalf("err = %v, usage error wanted: %v", err, c.usage)
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestRunEmailESP: a whole email for an ESP goes to --out with the size
// report on stderr; --eml writes a MIME message; a missing campaign for the
// countdown block is a usage error naming the flag.
func TestRunEmailESP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "email.html")
	var stderr bytes.Buffer
	args := []string{"amplive", "email", "--blocks", "recommendations,countdown,cart", "--esp", "sendgrid",
		"--base-url", "https://live.example.com", "--campaign", "demo-sale", "--out", out}
	if err := run(context.Background(), args, noEnv, nil, io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(out)
	for _, w := range []string{"<html ⚡4email data-css-strict", "/v1/countdown/demo-sale?t={{amp_token}}", `\{{title}}`} {
		if !strings.Contains(string(doc), w) {
			t.Errorf("email lacks %q", w)
		}
	}
	if !strings.Contains(stderr.String(), "AMP part") || !strings.Contains(stderr.String(), "no product list") {
		t.Errorf("stderr: %s", stderr.String())
	}
	var eml bytes.Buffer
	if err := run(context.Background(), append(args[:len(args)-2], "--eml"), noEnv, nil, &eml, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Content-Type: multipart/alternative", "Content-Type: text/x-amp-html; charset=utf-8"} {
		if !strings.Contains(eml.String(), w) {
			t.Errorf(".eml lacks %q", w)
		}
	}
	err := run(context.Background(), []string{"amplive", "email", "--blocks", "countdown", "--base-url", "https://live.example.com"}, noEnv, nil, io.Discard, io.Discard)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--campaign") {
		t.Errorf("err = %v, want a usage error naming --campaign", err)
	}
}
