package amp

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"path/filepath"
	"testing"
	"time"
)

// TestWriteEML: the message parses back with the standard library into
// three parts in Gmail's order whose decoded bodies are the email's.
func TestWriteEML(t *testing.T) {
	t.Parallel()
	opt := sampleOptions("generic")
	opt.Token = sampleToken
	e, err := RenderEmail(EmailOptions{SnippetOptions: opt, Blocks: []string{"profile", "countdown", "recommendations"},
		Items: []FallbackItem{{Title: "Google Sherpa Zip Hoodie Charcoal", URL: "https://shop.example.com/p/1", Image: "https://shop.example.com/i/1.jpg", PriceText: "$39.00"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := Message{From: "Shop <news@shop.example>", To: "sam@example.com", Subject: "Your picks — live",
		Date: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	if err := WriteEML(&buf, m, e); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("..", "testdata", "emails", "generic.eml"), buf.Bytes())

	msg, err := mail.ReadMessage(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); subj != m.Subject {
		t.Errorf("subject %q", subj)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", mt, err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	want := []struct{ ctype, body string }{{"text/plain", e.Text}, {"text/x-amp-html", e.AMP}, {"text/html", e.HTML}}
	for i := 0; ; i++ {
		p, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			if i != len(want) {
				t.Fatalf("%d parts, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(want) {
			t.Fatal("too many parts")
		}
		body, _ := io.ReadAll(p)
		body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")) // quoted-printable writes CRLF line ends
		if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct != want[i].ctype || string(body) != want[i].body {
			t.Errorf("part %d: %s, body equal %v; want %s", i, ct, string(body) == want[i].body, want[i].ctype)
		}
	}
	for _, bad := range []Message{{From: "nobody", To: "a@b.example"}, {From: "a@b.example", To: "<>"}} {
		if err := WriteEML(io.Discard, bad, e); err == nil {
			t.Errorf("%+v: want an address error", bad)
		}
	}
}
