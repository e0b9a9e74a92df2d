package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	neturl "net/url"
	"os"
	"strings"
	"time"

	"github.com/amplive/amplive/amp"
)

const emailSynopsis = `email --blocks LIST --esp NAME --base-url URL [--sub ID | --token T] [--eml] [--out FILE]

Writes a complete AMP email: the AMP4EMAIL document, or with --eml a
multipart/alternative message with text/plain, text/x-amp-html and text/html.
Without --sub/--token the URLs carry the ESP's merge tag for each recipient's
token; the HTML part lists recommendations read from amplive at send time
(the recipient's with --sub/--token, else bestsellers when --campaign and a
signing key allow a campaign token).`

func runEmail(ctx context.Context, args []string, e env) error {
	f := newFlags("email", emailSynopsis, e)
	sf := newSnippetFlags(f)
	blocks := f.fs.String("blocks", "profile,countdown,recommendations,cart", "blocks in order: "+strings.Join(amp.BlockNames(), ", "))
	sub := f.fs.String("sub", "", "write one recipient's email: mint their token (needs a signing key or --demo)")
	token := f.fs.String("token", "", "write one recipient's email with this token")
	demo := f.fs.Bool("demo", false, "sign with the public demo key")
	eml := f.fs.Bool("eml", false, "write a MIME message (.eml) instead of the AMP document")
	out := f.fs.String("out", "-", "file to write ('-' for stdout)")
	title := f.fs.String("title", "", "the email's heading (default \"Just for you\")")
	footer := f.fs.String("footer", "", "small print under the blocks")
	lang := f.fs.String("lang", "en", "document language")
	from := f.fs.String("from", "Shop <news@amplive.example>", "--eml: From")
	to := f.fs.String("to", "recipient@example.com", "--eml: To")
	subject := f.fs.String("subject", "Just for you", "--eml: Subject")
	sender := f.fs.String("sender", "news@amplive.example", "AMP-Email-Sender used to read the send-time recommendations")
	keyFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if *sub != "" && *token != "" {
		return usageError{"use either --sub or --token"}
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	literal := *token
	if *sub != "" {
		keys, err := keyring(f, *demo, log)
		if err != nil {
			return err
		}
		if literal, err = keys.Sign(amp.TokenSpec{Subject: *sub}, *f.values["token-issuer"]); err != nil {
			return err
		}
	}
	opt, err := sf.build(literal)
	if err != nil {
		return err
	}
	msg := amp.Message{From: *from, To: *to, Subject: *subject, Date: time.Now()}
	if *eml {
		if err := msg.Check(); err != nil {
			return usageError{err.Error()}
		}
	}
	eo := amp.EmailOptions{SnippetOptions: opt, Blocks: amp.ParseList(*blocks), Title: *title, Footer: *footer, Lang: *lang}
	if _, err := amp.RenderEmail(eo); err != nil { // the options, before reading anything
		return usageError{err.Error()}
	}
	eo.Items = sendTimeItems(ctx, f, sf, literal, *demo, *sender, log, e)
	em, err := amp.RenderEmail(eo)
	if err != nil {
		return err
	}
	r := em.Report
	fmt.Fprintf(e.stderr, "AMP part %d bytes (limit %d), CSS %d bytes (limit %d), HTML part %d bytes, text part %d bytes; %d send-time items\n",
		r.AMPBytes, amp.MaxAMPBytes, r.CSSBytes, amp.MaxCSSBytes, r.HTMLBytes, r.TextBytes, len(eo.Items))
	for _, w := range r.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	if strings.HasPrefix(opt.BaseURL, "http:") {
		fmt.Fprintln(e.stderr, "warning: an http base URL is for local previews only; email clients require https")
	}
	var buf bytes.Buffer
	if *eml {
		if err := amp.WriteEML(&buf, msg, em); err != nil {
			return err
		}
	} else {
		buf.WriteString(em.AMP)
	}
	if *out == "-" {
		_, err = e.stdout.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(*out, buf.Bytes(), 0o644) // only a whole email reaches the file
}

// sendTimeItems reads the recommendations the HTML and text parts list:
// the recipient's (literal token), else bestsellers through a campaign-wide
// token when a signing key is at hand. Any failure leaves the list empty
// and says why on stderr: the AMP part does not depend on it.
func sendTimeItems(ctx context.Context, f *flags, sf *snippetFlags, token string, demo bool, sender string, log *slog.Logger, e env) []amp.FallbackItem {
	if token == "" && *sf.campaign != "" && (demo || *f.values["signing-keys"] != "") {
		if keys, err := keyring(f, demo, log); err == nil {
			token, _ = keys.Sign(amp.TokenSpec{Campaign: *sf.campaign}, *f.values["token-issuer"])
		}
	}
	if token == "" {
		fmt.Fprintln(e.stderr, "note: the HTML part has no product list (give --sub, --token, or --campaign with a signing key)")
		return nil
	}
	limit := 4 // the recommendations block's default max-items
	if *sf.maxItems > 0 {
		limit = *sf.maxItems
	}
	items, err := fetchItems(ctx, fmt.Sprintf("%s/v1/recommendations?limit=%d&t=%s", strings.TrimSuffix(*sf.baseURL, "/"), limit, token), sender)
	if err != nil {
		fmt.Fprintln(e.stderr, "note: the HTML part has no product list:", err)
	}
	return items
}

func fetchItems(ctx context.Context, url, sender string) ([]amp.FallbackItem, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("AMP-Email-Sender", sender)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL: it holds the token
		}
		return nil, fmt.Errorf("amplive unreachable: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /v1/recommendations answered %s", res.Status)
	}
	var body struct {
		Items []struct {
			Title, URL, Image string
			PriceText         string `json:"price_text"`
		} `json:"items"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("GET /v1/recommendations: %w", err)
	}
	items := make([]amp.FallbackItem, 0, len(body.Items))
	for _, it := range body.Items {
		items = append(items, amp.FallbackItem{Title: it.Title, URL: it.URL, Image: it.Image, PriceText: it.PriceText})
	}
	return items, nil
}
