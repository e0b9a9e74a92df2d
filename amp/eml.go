package amp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Message is the envelope of an .eml file around an Email.
type Message struct {
	// From and To are RFC 5322 addresses ("Shop <news@shop.example>").
	From, To string
	// Subject is UTF-8; it is Q-encoded when not ASCII.
	Subject string
	// Date is the Date header (any zone; written as RFC 1123Z).
	Date time.Time
}

// Check reports an unparsable From or To (RFC 5322) as an error naming the
// flag.
func (m Message) Check() error {
	_, _, err := m.addresses()
	return err
}

// addresses parses From and To; the error names the flag.
func (m Message) addresses() (from, to *mail.Address, err error) {
	if from, err = mail.ParseAddress(m.From); err != nil {
		return nil, nil, fmt.Errorf("--from %q: %w", m.From, err)
	}
	if to, err = mail.ParseAddress(m.To); err != nil {
		return nil, nil, fmt.Errorf("--to %q: %w", m.To, err)
	}
	return from, to, nil
}

// WriteEML writes m and e as one RFC 5322 message: multipart/alternative
// with the text/plain, text/x-amp-html and text/html parts in that order —
// the AMP part before the HTML part, as Gmail's delivery requirements ask
// (AMP-EMAIL.md §6; multipart/alternative per
// https://amp.dev/documentation/guides-and-tutorials/email/learn/email-spec/amp-email-format),
// and HTML last, the richest non-AMP part. Bodies are quoted-printable UTF-8.
// The boundary and Message-ID derive from the content, so the same input
// gives the same bytes. Errors: an unparsable From or To, or a write error.
func WriteEML(w io.Writer, m Message, e Email) error {
	from, to, err := m.addresses()
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(m.From + "\x00" + m.To + "\x00" + m.Subject + "\x00" + e.Text + e.AMP + e.HTML))
	id := hex.EncodeToString(sum[:12])
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.SetBoundary("amplive-" + id); err != nil {
		return err
	}
	for _, part := range []struct{ ctype, text string }{
		{"text/plain", e.Text}, {"text/x-amp-html", e.AMP}, {"text/html", e.HTML},
	} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", part.ctype+"; charset=utf-8")
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := io.WriteString(qp, part.text); err != nil {
			return err
		}
		if err := qp.Close(); err != nil {
			return err
		}
	}
	if err := mw.Close(); err != nil {
		return err
	}
	domain := from.Address[strings.LastIndex(from.Address, "@")+1:]
	var head strings.Builder
	fmt.Fprintf(&head, "From: %s\r\n", from.String())
	fmt.Fprintf(&head, "To: %s\r\n", to.String())
	fmt.Fprintf(&head, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&head, "Date: %s\r\n", m.Date.Format(time.RFC1123Z))
	fmt.Fprintf(&head, "Message-ID: <%s@%s>\r\n", id, domain)
	head.WriteString("MIME-Version: 1.0\r\n")
	fmt.Fprintf(&head, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", mw.Boundary())
	if _, err := io.WriteString(w, head.String()); err != nil {
		return err
	}
	_, err = w.Write(body.Bytes())
	return err
}
