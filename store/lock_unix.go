//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFileName is the file in an embedded data directory that one amplive
// process holds an exclusive lock on while it runs the store there.
const lockFileName = "amplive.lock"

// ErrDataDirInUse is wrapped by StartEmbedded when another process already
// runs the embedded store in that directory. FerretDB does not make
// filtered updates atomic, so two writing processes would lose updates.
var ErrDataDirInUse = errors.New("the embedded store's data directory is in use by another amplive process")

// lockDir takes the exclusive, non-blocking lock of dir; release drops it.
// The lock is released by the kernel if the process dies.
func lockDir(dir string) (release func(), err error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("embedded store: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s): stop it, or send events to it with --url", ErrDataDirInUse, dir)
		}
		return nil, fmt.Errorf("embedded store: lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
