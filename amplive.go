// Package amplive holds the demo data set that the amplive binary carries:
// the public catalog and sessions under testdata/demo (see
// testdata/README.md for their licences), embedded so that
// `amplive seed --demo` works from the binary alone. The server itself lives
// in cmd/amplive and the packages beside it.
package amplive

import (
	"embed"
	"io/fs"
)

//go:embed testdata/demo/*.jsonl testdata/demo/*.csv testdata/demo/LICENSE-*
var demoFiles embed.FS

// DemoData returns the demo files as a read-only file system rooted at
// testdata/demo: google_merch_products.jsonl, otto_events.csv,
// otto_sku_map.csv and profiles.csv.
func DemoData() fs.FS {
	sub, err := fs.Sub(demoFiles, "testdata/demo")
	if err != nil { // unreachable: the directory is embedded at build time
		panic(err)
	}
	return sub
}
