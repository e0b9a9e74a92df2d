package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/amplive/amplive/amp"
)

// tokenColumn is the column that `token --csv` appends, the ESP custom
// field that snippets reference.
const tokenColumn = amp.DefaultTokenField

func runToken(ctx context.Context, args []string, e env) error {
	f := newFlags("token", "token (--sub ID | --csv FILE --id-column NAME) [--campaign ID] [--ttl 1080h] [--demo]", e)
	sub := f.fs.String("sub", "", "profile id (sub claim); omit for a campaign-wide token")
	campaign := f.fs.String("campaign", "", "campaign id (cmp claim)")
	ttl := f.fs.Duration("ttl", amp.DefaultTTL, "token lifetime (Gmail shows the AMP part for 30 days)")
	demo := f.fs.Bool("demo", false, "sign with the public demo key")
	endsIn := f.fs.Duration("ends-in", 0, "evergreen countdown: the recipient's own deadline, this long after minting (e.g. 48h); needs --campaign")
	csvIn := f.fs.String("csv", "", "recipient CSV to read ('-' for stdin); writes it to stdout with an amp_token column")
	idCol := f.fs.String("id-column", "", "with --csv: the column holding the profile id")
	keyFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if *ttl <= 0 {
		return usageError{"--ttl must be positive"}
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	keys, err := keyring(f, *demo, log)
	if err != nil {
		return err
	}
	if *endsIn < 0 || (*endsIn > 0 && *campaign == "") {
		return usageError{"--ends-in must be positive and needs --campaign"}
	}
	mint := func(subject string) (string, error) {
		now := time.Now()
		spec := amp.TokenSpec{Subject: subject, Campaign: *campaign, TTL: *ttl, Now: now}
		if *endsIn > 0 {
			spec.End = now.Add(*endsIn)
		}
		return keys.Sign(spec, *f.values["token-issuer"])
	}
	if *csvIn == "" {
		if *idCol != "" {
			return usageError{"--id-column needs --csv"}
		}
		if *sub == "" && *campaign == "" {
			return usageError{"give --sub (a profile id), --campaign, or --csv"}
		}
		tok, err := mint(*sub)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(e.stdout, tok)
		return err
	}
	if *sub != "" {
		return usageError{"use either --sub or --csv"}
	}
	if *idCol == "" {
		return usageError{"--csv needs --id-column"}
	}
	in, size, closeIn, err := openInput(*csvIn, e)
	if err != nil {
		return err
	}
	defer closeIn()
	var bar *progressbar.ProgressBar
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.DefaultBytes(size, "minting tokens")
		in = io.TeeReader(in, bar)
	}
	n, err := tokenCSV(ctx, in, e.stdout, *idCol, mint)
	if err != nil {
		return err
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(e.stderr)
	}
	fmt.Fprintf(e.stderr, "minted %d token(s); rows with an empty id get an empty amp_token\n", n)
	return nil
}

// openInput opens a file, or stdin for "-". size is -1 when unknown.
func openInput(name string, e env) (io.Reader, int64, func(), error) {
	if name == "-" {
		return e.stdin, -1, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, nil, err
	}
	size := int64(-1)
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return f, size, func() { f.Close() }, nil
}

// tokenCSV copies a CSV from in to out, one row at a time (any size),
// appending a token column minted from idCol. Header names are matched with
// surrounding spaces and a leading UTF-8 byte-order mark (Excel's "CSV
// UTF-8") ignored; ids are used exactly as written. Every row must have as
// many fields as the header, so that a token can never land under the wrong
// column. A row with an empty id gets an empty token. A header without
// idCol, or already with amp_token, is an error. It returns how many tokens
// it minted.
func tokenCSV(ctx context.Context, in io.Reader, out io.Writer, idCol string, mint func(string) (string, error)) (int, error) {
	r := csv.NewReader(in)
	r.ReuseRecord = true
	r.FieldsPerRecord = 0 // every row as wide as the header
	w := csv.NewWriter(out)
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return 0, errors.New("the CSV is empty: a header row is needed")
	}
	if err != nil {
		return 0, fmt.Errorf("CSV header: %w", err)
	}
	col := -1
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.TrimSpace(h)
		if h == tokenColumn {
			return 0, fmt.Errorf("the CSV already has an %s column", tokenColumn)
		}
		if h == strings.TrimSpace(idCol) {
			if col >= 0 {
				return 0, fmt.Errorf("the CSV header has two %q columns", idCol)
			}
			col = i
		}
	}
	if col < 0 {
		return 0, usageError{fmt.Sprintf("--id-column %q is not in the CSV header", idCol)}
	}
	if err := w.Write(append(header, tokenColumn)); err != nil {
		return 0, err
	}
	// Flush on every exit: after an error the output holds whole rows up to
	// the bad one, never half a row.
	defer w.Flush()
	n := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("CSV (the rows before it were written): %w", err)
		}
		if n%1024 == 0 && ctx.Err() != nil {
			return n, ctx.Err()
		}
		tok := ""
		if rec[col] != "" {
			if tok, err = mint(rec[col]); err != nil {
				line, _ := r.FieldPos(col)
				return n, fmt.Errorf("CSV line %d (the rows before it were written): %w", line, err)
			}
			n++
		}
		if err := w.Write(append(rec, tok)); err != nil {
			return n, err
		}
	}
	w.Flush()
	return n, w.Error()
}
