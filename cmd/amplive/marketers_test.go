package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"mime/quotedprintable"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEmailPreviewEndToEnd is the marketer's path against the real demo
// server: write otto-3's whole email (AMP part and .eml), preview it as an
// email client would, and find that profile's recommendation titles and the
// campaign's countdown in the rendered page, and the titles in the .eml's
// send-time HTML fallback.
func TestEmailPreviewEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	base, done, _ := startDemoServer(t, ctx, filepath.Join(dir, "data"))
	defer func() { cancel(); <-done }()

	emailArgs := []string{"amplive", "email", "--demo", "--sub", "otto-3", "--campaign", "demo-sale", "--base-url", base,
		"--blocks", "profile,countdown,recommendations,cart"}
	doc := filepath.Join(dir, "otto-3.html")
	var report bytes.Buffer
	if err := run(ctx, append(emailArgs, "--out", doc), noEnv, nil, io.Discard, &report); err != nil {
		t.Fatal(err)
	}
	var eml bytes.Buffer
	if err := run(ctx, append(emailArgs, "--eml"), noEnv, nil, &eml, io.Discard); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "preview.html")
	var out bytes.Buffer
	if err := run(ctx, []string{"amplive", "preview", doc, "--out", page, "--sender", "news@amplive.example"}, noEnv, nil, &out, io.Discard); err != nil {
		t.Fatalf("preview: %v\n%s", err, out.String())
	}
	rendered, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	text := html.UnescapeString(string(rendered))

	var tok bytes.Buffer
	if err := run(ctx, []string{"amplive", "token", "--demo", "--sub", "otto-3"}, noEnv, nil, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	var recs struct{ Items []struct{ Title string } }
	getJSON(t, base+"/v1/recommendations?limit=4&t="+strings.TrimSpace(tok.String()), &recs) // the block's list
	var cd struct {
		Items struct {
			Days       int    `json:"days"`
			EndsAtText string `json:"ends_at_text"`
		}
	}
	getJSON(t, base+"/v1/countdown/demo-sale?t="+strings.TrimSpace(tok.String()), &cd)
	if len(recs.Items) != 4 || cd.Items.EndsAtText == "" {
		t.Fatalf("the demo server answered %d recommendations, countdown %+v", len(recs.Items), cd.Items)
	}
	for _, it := range recs.Items {
		if !strings.Contains(text, it.Title) {
			t.Errorf("the preview lacks recommendation %q", it.Title)
		}
	}
	if !strings.Contains(out.String(), "amplive-recommendations") || !strings.Contains(out.String(), "200, 4 items") {
		t.Errorf("preview report:\n%s", out.String())
	}
	for _, want := range []string{cd.Items.EndsAtText, ">" + strconv.Itoa(cd.Items.Days) + "<", "Hello Sam!"} {
		if !strings.Contains(text, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if strings.Contains(text, "{{") {
		t.Error("the preview still has mustache tags")
	}
	if !strings.Contains(report.String(), "4 send-time items") {
		t.Errorf("email report: %s", report.String())
	}
	decoded, err := io.ReadAll(quotedprintable.NewReader(&eml)) // the parts are quoted-printable
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.UnescapeString(string(decoded)), recs.Items[0].Title) {
		t.Errorf("the .eml's send-time fallback lacks %q", recs.Items[0].Title)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("AMP-Email-Sender", "news@amplive.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
