package store

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestFerretLogHandler(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	log := slog.New(ferretLogHandler{next: slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})}).
		With("component", "ferretdb")
	cases := []struct {
		level slog.Level
		msg   string
		mark  string // a substring found only in this record
		kept  bool
	}{
		{slog.LevelInfo, "Listening on TCP 127.0.0.1:1234...", "Listening", false},
		{slog.LevelWarn, "Response header: length: 100, id: 7, response_to: 3, opcode: OP_MSG", "response_to: 3", false},
		{slog.LevelWarn, "Response message:\n{\"ok\": 0.0, \"errmsg\": \"no such command: 'endSessions'\", \"code\": 59}\n", "endSessions", false},
		{slog.LevelWarn, "Response message:\n{\"ok\": 0.0, \"errmsg\": \"no such command: 'fancyNewThing'\"}\n", "fancyNewThing", true},
		{slog.LevelWarn, "Failed to set deadline: set tcp 127.0.0.1:41721: use of closed network connection", "41721", false},
		{slog.LevelWarn, "Failed to set deadline: permission denied", "permission denied", true},
		{slog.LevelError, "Connection stopped", "Connection stopped", true},
	}
	for _, tc := range cases {
		log.Log(context.Background(), tc.level, tc.msg)
	}
	out := buf.String()
	for _, tc := range cases {
		if got := strings.Contains(out, tc.mark); got != tc.kept {
			t.Errorf("%q kept = %v, want %v", tc.msg, got, tc.kept)
		}
	}
	if !strings.Contains(out, "component=ferretdb") {
		t.Errorf("records lost their attributes:\n%s", out)
	}
}

func TestEmbeddedStartStop(t *testing.T) {
	t.Parallel()
	t.Logf("shared embedded store started in %v", testEmbStartup)
	start := time.Now()
	e, err := StartEmbedded(context.Background(), t.TempDir(), testLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("StartEmbedded took %v; URI %s", time.Since(start), e.URI())
	if !strings.HasPrefix(e.URI(), "mongodb://127.0.0.1:") {
		t.Errorf("URI = %q", e.URI())
	}
	if err := e.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if err := e.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if _, err := StartEmbedded(context.Background(), "/tmp/what?#", testLogger(nil)); err == nil {
		t.Error("StartEmbedded accepted a directory with URI syntax in it")
	}
}

// TestEmbeddedDirLock: a second embedded store in the same directory is
// refused while the first runs, and allowed once it has stopped.
func TestEmbeddedDirLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	first, err := StartEmbedded(ctx, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StartEmbedded(ctx, dir, slog.New(slog.DiscardHandler)); !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("second start = %v, want ErrDataDirInUse", err)
	}
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	again, err := StartEmbedded(ctx, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start after stop: %v", err)
	}
	_ = again.Stop()
}
