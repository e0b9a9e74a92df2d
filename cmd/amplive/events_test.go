package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/store"
)

// TestEventsSign: the printed header verifies for the body.
func TestEventsSign(t *testing.T) {
	t.Parallel()
	body := `{"id":"e1","type":"product_viewed","profile_id":"p","at":"2026-11-29T10:00:00Z","sku":"A"}`
	var out bytes.Buffer
	if err := run(context.Background(), []string{"amplive", "events", "sign", "--demo", "-"}, noEnv, strings.NewReader(body), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := amp.DemoWebhookSecrets().Verify(strings.TrimSpace(out.String()), []byte(body), time.Now()); err != nil {
		t.Errorf("signature %q does not verify: %v", out.String(), err)
	}
	err := run(context.Background(), []string{"amplive", "events", "sign", "-"}, noEnv, strings.NewReader(body), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "AMPLIVE_WEBHOOK_SECRETS") {
		t.Errorf("without a secret: %v", err)
	}
}

// TestEventsReplayAndImport replays the OTTO sessions into an embedded
// store (twice: the second time all duplicates), then imports NDJSON with a
// bad line (after a blank one), which is refused naming its file line and
// field, and writes nothing.
func TestEventsReplayAndImport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	ctx := context.Background()
	for i, want := range []string{" applied, 0 duplicates", " 0 applied, "} {
		var out bytes.Buffer
		if err := run(ctx, []string{"amplive", "events", "replay", "otto", "--data-dir", data}, noEnv, nil, &out, io.Discard); err != nil {
			t.Fatalf("replay %d: %v", i+1, err)
		}
		if !strings.Contains(out.String(), want) || strings.Contains(out.String(), " 0 events") {
			t.Errorf("replay %d: %q, want it to contain %q", i+1, out.String(), want)
		}
	}
	// The replay reached the profiles: otto-0's views and orders are there.
	st, err := store.Open(ctx, store.Config{DataDir: data, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	p, found, err := st.LookupProfile(ctx, "otto-0")
	_ = st.Close(ctx)
	if err != nil || !found || len(p.RecentViews) == 0 || len(p.Purchases) == 0 || p.FieldTimes["cart"].IsZero() {
		t.Fatalf("otto-0 after the replay: found %v, %d views, %d purchases, cart time %v, err %v",
			found, len(p.RecentViews), len(p.Purchases), p.FieldTimes["cart"], err)
	}

	at := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	good := fmt.Sprintf(`{"id":"imp-1","type":"product_viewed","profile_id":"imp-p","at":%q,"sku":"GGOEGAEJ163316"}`, at)
	bad := fmt.Sprintf(`{"id":"imp-2","type":"product_viewed","profile_id":"imp-p","at":%q,"sku":"GGOEGAEJ163316","color":"red"}`, at)
	file := filepath.Join(dir, "events.ndjson")
	if err := os.WriteFile(file, []byte(good+"\n\n"+bad+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"amplive", "events", "import", file, "--data-dir", data}, noEnv, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "line 3 /color") || !strings.Contains(err.Error(), "nothing in this batch was written") {
		t.Errorf("import with a bad line: %v", err)
	}
	if err := os.WriteFile(file, []byte(good+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"amplive", "events", "import", file, "--data-dir", data}, noEnv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "1 events: 1 applied, 0 duplicates") {
		t.Errorf("import: %q (the refused batch must not have written imp-1)", out.String())
	}
}

// TestCSVLines: one event per row, columns renamed by --map, dotted fields
// nested, numbers typed, empty cells left out.
func TestCSVLines(t *testing.T) {
	t.Parallel()
	in := "\ufeffevent_id,kind,customer,ts,first_name,loyalty.points,loyalty.tier\n" +
		"e1,profile_updated,p1,2026-11-29T10:00:00Z,Ada,120,gold\n" +
		"e2,profile_updated,p2,2026-11-29T10:00:00Z,,x7,\n"
	fieldOf, err := parseCSVMap("id=event_id, type=kind,profile_id=customer,at=ts")
	if err != nil {
		t.Fatal(err)
	}
	lines, where, err := csvLines(strings.NewReader(in), fieldOf)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"at":"2026-11-29T10:00:00Z","first_name":"Ada","id":"e1","loyalty":{"points":120,"tier":"gold"},"profile_id":"p1","type":"profile_updated"}`,
		`{"at":"2026-11-29T10:00:00Z","id":"e2","loyalty":{"points":"x7"},"profile_id":"p2","type":"profile_updated"}`,
	}
	if strings.Join(where, ",") != "line 2,line 3" {
		t.Errorf("where = %q", where)
	}
	for i := range want {
		if string(lines[i]) != want[i] {
			t.Errorf("row %d:\n got %s\nwant %s", i+1, lines[i], want[i])
		}
	}
	if _, _, err := csvLines(strings.NewReader(in), map[string]string{"id": "nope"}); err == nil {
		t.Error("a --map column missing from the header was accepted")
	}
	if _, _, err := csvLines(strings.NewReader("id,type\n1,2,3\n"), nil); err == nil {
		t.Error("a ragged row was accepted")
	}
	if _, err := parseCSVMap("id"); err == nil {
		t.Error("--map without = accepted")
	}
}
