package amp

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under ../testdata")

// golden compares got with the file at path (relative to the package), or
// rewrites the file when the test runs with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./amp -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the output (go test ./amp -update rewrites it; review the diff)\n--- got ---\n%s", path, got)
	}
}
