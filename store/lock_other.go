//go:build !unix

package store

import "errors"

// ErrDataDirInUse is wrapped by StartEmbedded when another process already
// runs the embedded store in that directory (checked on Unix only).
var ErrDataDirInUse = errors.New("the embedded store's data directory is in use by another amplive process")

// lockDir is a no-op where flock is not available: run one amplive process
// per embedded data directory.
func lockDir(string) (func(), error) { return func() {}, nil }
