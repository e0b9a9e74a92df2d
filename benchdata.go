package amplive

import (
	"embed"
	"io/fs"
)

//go:embed testdata/bench/*.csv
var benchFiles embed.FS

// BenchData returns the data that `amplive bench` resamples its recipients
// from, as a read-only file system rooted at testdata/bench:
// uci_invoices.csv and uci_sku_map.csv (a subset of the UCI Online Retail
// data set and its popularity-rank map onto the demo catalog; see
// testdata/bench/README.md for the licence and how they are made). It is
// embedded for the same reason as DemoData: so that the binary alone can run
// the bench.
func BenchData() fs.FS {
	sub, err := fs.Sub(benchFiles, "testdata/bench")
	if err != nil { // unreachable: the directory is embedded at build time
		panic(err)
	}
	return sub
}
