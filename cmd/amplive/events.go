package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/amplive/amplive"
	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/content"
	"github.com/amplive/amplive/store"
)

const eventsUsage = `Usage:
  amplive events sign [--demo] [FILE|-]              print the Amplive-Signature header for a body
  amplive events import FILE|- [--url URL] [flags]    send NDJSON events (one per line), or CSV with --csv
                                                      (one event per row; --map field=column,… renames)
  amplive events replay otto [--url URL] [flags]      replay the 20 real OTTO sessions in time order

import and replay POST signed batches to URL/v1/events when --url is given, else apply them to the
store directly (AMPLIVE_MONGODB_URI, or the embedded store in --data-dir) through the same validation.
`

func runEvents(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, eventsUsage)
		return usageError{"events needs a command: sign, import or replay"}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, eventsUsage)
		return nil
	case "sign":
		return runEventsSign(args[1:], e)
	case "import":
		return runEventsSend(ctx, "import", args[1:], e)
	case "replay":
		return runEventsSend(ctx, "replay", args[1:], e)
	default:
		fmt.Fprint(e.stderr, eventsUsage)
		return usageError{fmt.Sprintf("unknown events command %q", args[0])}
	}
}

// webhookFlags registers the webhook secret settings.
func webhookFlags(f *flags) {
	f.str(setting{name: "webhook-secrets", usage: "event webhook secrets, comma-separated, ≥ 32 bytes each (the first signs)", secret: true})
}

// webhookSecrets returns the configured secrets, or the public demo one.
func webhookSecrets(f *flags, demo bool) (*amp.WebhookSecrets, error) {
	spec := *f.values["webhook-secrets"]
	if demo && spec == "" { // configured secrets win over the demo one
		return amp.DemoWebhookSecrets(), nil
	}
	if spec == "" {
		return nil, nil
	}
	w, err := amp.ParseWebhookSecrets(spec)
	if err != nil {
		return nil, usageError{"--webhook-secrets: " + err.Error()}
	}
	return w, nil
}

func runEventsSign(args []string, e env) error {
	f := newFlags("events sign", "events sign [--demo] [FILE|-]", e)
	demo := f.fs.Bool("demo", false, "sign with the public demo webhook secret")
	webhookFlags(f)
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 1 {
		return usageError{"events sign takes one FILE (or - for stdin)"}
	}
	secrets, err := webhookSecrets(f, *demo)
	if err != nil {
		return err
	}
	if secrets == nil {
		return usageError{"AMPLIVE_WEBHOOK_SECRETS (or --webhook-secrets) is required; use --demo for the demo secret"}
	}
	in, _, closeIn, err := openInput(orDash(f.fs.Arg(0)), e)
	if err != nil {
		return err
	}
	defer closeIn()
	body, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, secrets.Sign(body, time.Now()))
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// sender delivers batches of wire-form events, to a server or a store.
type sender interface {
	send(ctx context.Context, batch [][]byte, where []string) (applied, dups int, err error)
}

func runEventsSend(ctx context.Context, cmd string, args []string, e env) error {
	f := newFlags("events "+cmd, "events "+cmd+" SOURCE [--url URL] [flags]", e)
	demo := f.fs.Bool("demo", false, "use the public demo webhook secret")
	url := f.fs.String("url", "", "server base URL, e.g. http://localhost:8080; empty applies to the store directly")
	batchSize := f.fs.Int("batch", 200, "events per batch (1–500)")
	asCSV := f.fs.Bool("csv", false, "import: the source is CSV, one event per row (flat event types only)")
	mapSpec := f.fs.String("map", "", "import --csv: field=column,… for columns not named like the event field (e.g. profile_id=customer_id,at=timestamp,loyalty.points=pts)")
	webhookFlags(f)
	storeFlags(f)
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		f.fs.Usage()
		return usageError{"events " + cmd + " needs a source first"}
	}
	source, rest := args[0], args[1:]
	if err := f.parse(rest); err != nil {
		return err
	}
	if *batchSize < 1 || *batchSize > content.MaxBatchEvents {
		return usageError{"--batch must be from 1 to 500"}
	}
	var lines [][]byte
	var where []string // where each event came from, for error messages
	var err error
	switch {
	case cmd == "replay" && source == "otto":
		lines, err = ottoLines()
		where = numbered("event", len(lines))
	case cmd == "replay":
		return usageError{fmt.Sprintf("unknown replay %q: the one replay is otto", source)}
	case *asCSV:
		lines, where, err = csvSource(source, *mapSpec, e)
	default:
		if *mapSpec != "" {
			return usageError{"--map needs --csv"}
		}
		lines, where, err = ndjsonLines(source, e)
	}
	if err != nil {
		return err
	}
	var snd sender
	if *url != "" {
		secrets, err := webhookSecrets(f, *demo)
		if err != nil {
			return err
		}
		if secrets == nil {
			return usageError{"sending to --url needs AMPLIVE_WEBHOOK_SECRETS (or --webhook-secrets), or --demo"}
		}
		snd = &httpSender{base: strings.TrimRight(*url, "/"), secrets: secrets, client: &http.Client{Timeout: 30 * time.Second}}
	} else {
		log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		st, closeStore, err := openStore(ctx, storeConfig(f, log), log)
		if err != nil {
			return err
		}
		defer closeStore()
		snd = &storeSender{st: st}
	}
	return sendAll(ctx, snd, lines, where, *batchSize, e)
}

// sendAll sends lines in batches with a progress bar on a terminal, and
// prints a summary. It stops at the first refused batch.
func sendAll(ctx context.Context, snd sender, lines [][]byte, where []string, batch int, e env) error {
	var bar *progressbar.ProgressBar
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.Default(int64(len(lines)), "sending events")
	}
	start := time.Now()
	var applied, dups int
	for i := 0; i < len(lines); i += batch {
		end := min(i+batch, len(lines))
		b := lines[i:end]
		a, d, err := snd.send(ctx, b, where[i:end])
		applied += a
		dups += d
		if err != nil {
			return fmt.Errorf("batch %s … %s (%d applied and %d duplicates before it): %w", where[i], where[end-1], applied, dups, err)
		}
		if bar != nil {
			_ = bar.Add(len(b))
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(e.stderr)
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(e.stdout, "%d events: %d applied, %d duplicates in %.2f s (%.0f events/s)\n",
		len(lines), applied, dups, secs, float64(len(lines))/max(secs, 1e-9))
	return nil
}

// ndjsonLines reads one JSON event per non-empty line, with each event's
// "line N".
func ndjsonLines(name string, e env) ([][]byte, []string, error) {
	in, _, closeIn, err := openInput(name, e)
	if err != nil {
		return nil, nil, err
	}
	defer closeIn()
	var out [][]byte
	var where []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), content.MaxBatchBytes)
	n := 0
	for sc.Scan() {
		n++
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			out = append(out, append([]byte(nil), line...))
			where = append(where, "line "+strconv.Itoa(n))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s line %d: %w", name, n+1, err)
	}
	return out, where, nil
}

// numbered labels n items "<what> 1" … "<what> n".
func numbered(what string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = what + " " + strconv.Itoa(i+1)
	}
	return out
}

// csvSource reads a CSV file (or stdin) into wire events.
func csvSource(name, mapSpec string, e env) ([][]byte, []string, error) {
	fieldOf, err := parseCSVMap(mapSpec)
	if err != nil {
		return nil, nil, err
	}
	in, _, closeIn, err := openInput(name, e)
	if err != nil {
		return nil, nil, err
	}
	defer closeIn()
	return csvLines(in, fieldOf)
}

// ottoLines is the OTTO replay in wire form, newest event now.
func ottoLines() ([][]byte, error) {
	evs, err := store.DemoEvents(amplive.DemoData(), time.Now())
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(evs))
	for i, ev := range evs {
		if out[i], err = content.MarshalEvent(ev); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// joinBatch makes a JSON array of wire events.
func joinBatch(lines [][]byte) []byte {
	return append(append([]byte{'['}, bytes.Join(lines, []byte{','})...), ']')
}

// batchError reports refused events by where they came from.
func batchError(problems []content.EventError, where []string) error {
	var b strings.Builder
	for i, p := range problems {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … and %d more", len(problems)-10)
			break
		}
		if p.Index < 0 {
			fmt.Fprintf(&b, "\n  batch: %s", p.Message)
			continue
		}
		label := "event " + strconv.Itoa(p.Index+1)
		if p.Index < len(where) {
			label = where[p.Index]
		}
		fmt.Fprintf(&b, "\n  %s %s: %s", label, p.Pointer, p.Message)
	}
	return errors.New("refused, nothing in this batch was written:" + b.String())
}

// storeSender applies batches to the store through content.ParseEvents.
type storeSender struct{ st *store.Store }

func (s *storeSender) send(ctx context.Context, lines [][]byte, where []string) (int, int, error) {
	evs, problems := content.ParseEvents(joinBatch(lines), time.Now())
	if len(problems) > 0 {
		return 0, 0, batchError(problems, where)
	}
	return s.st.ApplyEvents(ctx, evs)
}

// httpSender POSTs signed batches to a server's /v1/events, retrying
// 5xx answers and network errors up to three times.
type httpSender struct {
	base    string
	secrets *amp.WebhookSecrets
	client  *http.Client
}

func (h *httpSender) send(ctx context.Context, lines [][]byte, where []string) (int, int, error) {
	body := joinBatch(lines)
	var last error
	for try := 0; try < 4; try++ {
		if try > 0 {
			time.Sleep(time.Duration(try*try) * 200 * time.Millisecond)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/v1/events", bytes.NewReader(body))
		if err != nil {
			return 0, 0, err
		}
		req.Header = eventsHeader(h.secrets, body, time.Now())
		res, err := h.client.Do(req)
		if err != nil {
			last = err
			continue
		}
		var ans struct {
			Applied    int `json:"applied"`
			Duplicates int `json:"duplicates"`
			Error      struct {
				Code    string               `json:"code"`
				Message string               `json:"message"`
				Events  []content.EventError `json:"events"`
			} `json:"error"`
		}
		err = json.NewDecoder(io.LimitReader(res.Body, 4<<20)).Decode(&ans)
		res.Body.Close()
		switch {
		case res.StatusCode == http.StatusOK && err == nil:
			return ans.Applied, ans.Duplicates, nil
		case res.StatusCode == http.StatusUnprocessableEntity && len(ans.Error.Events) > 0:
			return 0, 0, batchError(ans.Error.Events, where)
		case res.StatusCode >= 500:
			last = fmt.Errorf("server answered %d %s", res.StatusCode, ans.Error.Code)
			continue
		default:
			return 0, 0, fmt.Errorf("server answered %d %s: %s", res.StatusCode, ans.Error.Code, ans.Error.Message)
		}
	}
	return 0, 0, last
}

// eventsHeader is the header of a POST /v1/events: a JSON body signed with
// secrets at instant at (Amplive-Signature).
func eventsHeader(secrets *amp.WebhookSecrets, body []byte, at time.Time) http.Header {
	return http.Header{"Content-Type": {"application/json"}, amp.SignatureHeader: {secrets.Sign(body, at)}}
}
