package main

import (
	"log/slog"
	"strings"
)

// newLogger returns a JSON slog logger on stderr at the named level.
func newLogger(level string, e env) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, usageError{"--log-level: " + level + " is not debug, info, warn or error"}
	}
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: l})), nil
}
