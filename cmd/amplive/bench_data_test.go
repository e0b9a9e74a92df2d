package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/amplive/amplive"
	"github.com/amplive/amplive/content"
	"github.com/amplive/amplive/store"
)

var benchUCI = flag.String("bench-uci", "", "UCI Online Retail transactions.csv: rewrite testdata/bench/uci_*.csv from it")

const benchDir = "../../testdata/bench"

// TestBenchUCIFiles keeps the committed UCI subset and its SKU map equal to
// the rule that made them (rewrite them with
// go test ./cmd/amplive -run TestBenchUCIFiles -bench-uci PATH/transactions.csv),
// and checks the map's rule without the full data set: ranks 0…N-1, and
// rank r on catalog rank ⌊r·C/N⌋ of the demo's catalog order.
func TestBenchUCIFiles(t *testing.T) {
	catalogRank := benchCatalogRank(t)
	if *benchUCI != "" {
		invoices, skuMap, err := buildUCIBenchFiles(*benchUCI, catalogRank)
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{benchInvoicesFile: invoices, benchSKUMapFile: skuMap} {
			if err := os.WriteFile(filepath.Join(benchDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	fsys := os.DirFS(benchDir)
	rows, err := readBenchCSV(fsys, benchSKUMapFile, benchSKUMapHeader)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if got, want := r[0], strconv.Itoa(i); got != want {
			t.Fatalf("%s line %d: rank %s, want %s", benchSKUMapFile, i+2, got, want)
		}
		if got, want := r[3], catalogRank[i*len(catalogRank)/len(rows)]; got != want {
			t.Errorf("%s line %d: rank %d maps to %s, want %s", benchSKUMapFile, i+2, i, got, want)
		}
	}
	invoices, err := readBenchCSV(fsys, benchInvoicesFile, benchInvoicesHeader)
	if err != nil {
		t.Fatal(err)
	}
	perCustomer := map[string]int{}
	for _, r := range invoices {
		perCustomer[r[0]] += len(strings.Fields(r[4]))
	}
	for c, n := range perCustomer {
		if n > benchMaxLines {
			t.Errorf("customer %s has %d lines, more than %d", c, n, benchMaxLines)
		}
	}
	if got, want := len(perCustomer), 872; got != want {
		t.Errorf("%d customers, want %d (every UCI customer with a purchase)", got, want)
	}
}

// benchCatalogRank is the demo catalog in rank order (sellable with an
// image first, then file order), as the demo's SKU map ranks it.
func benchCatalogRank(t *testing.T) []string {
	t.Helper()
	rows, err := store.BuildDemoSKUMap(amplive.DemoData())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.SKU
	}
	return out
}

// buildUCIBenchFiles derives the bench files from the UCI transactions:
// purchase lines (not a cancellation, quantity ≥ 1, a product: the stock
// code starts with a digit, which leaves out POST, M, C2 and BANK CHARGES);
// stock codes ranked by their number of purchase lines (ties: earlier first
// sale, then code) and mapped rank r → catalog rank ⌊r·C/N⌋; per customer
// the newest 50 lines (by invoice time, then file order) with the country of
// the newest line.
func buildUCIBenchFiles(path string, catalogRank []string) (invoices, skuMap []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, nil, err
	}
	const want = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country,IsCancellation"
	if strings.Join(header, ",") != want {
		return nil, nil, fmt.Errorf("%s: header %q, want %q", path, strings.Join(header, ","), want)
	}
	type line struct {
		invoice, code, at, customer, country string
		qty                                  int64
		seq                                  int
	}
	type code struct {
		code, first string
		lines       int
	}
	codes := map[string]*code{}
	byCustomer := map[string][]line{}
	for seq := 0; ; seq++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		qty, err := strconv.ParseInt(rec[3], 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: quantity %q: %w", path, rec[3], err)
		}
		if rec[8] == "TRUE" || qty < 1 || rec[1] == "" || rec[1][0] < '0' || rec[1][0] > '9' {
			continue
		}
		l := line{invoice: rec[0], code: rec[1], at: rec[4], customer: rec[6], country: rec[7], qty: qty, seq: seq}
		byCustomer[l.customer] = append(byCustomer[l.customer], l)
		c := codes[l.code]
		if c == nil {
			c = &code{code: l.code, first: l.at}
			codes[l.code] = c
		}
		c.lines++
		c.first = min(c.first, l.at)
	}
	ranked := make([]*code, 0, len(codes))
	for _, c := range codes {
		ranked = append(ranked, c)
	}
	slices.SortFunc(ranked, func(a, b *code) int {
		return cmp.Or(cmp.Compare(b.lines, a.lines), cmp.Compare(a.first, b.first), cmp.Compare(a.code, b.code))
	})
	var m bytes.Buffer
	mw := csv.NewWriter(&m)
	mw.Write(strings.Split(benchSKUMapHeader, ","))
	for i, c := range ranked {
		mw.Write([]string{strconv.Itoa(i), c.code, strconv.Itoa(c.lines), catalogRank[i*len(catalogRank)/len(ranked)]})
	}
	mw.Flush()

	customers := make([]string, 0, len(byCustomer))
	for c := range byCustomer {
		customers = append(customers, c)
	}
	slices.SortFunc(customers, func(a, b string) int {
		ai, _ := strconv.Atoi(a)
		bi, _ := strconv.Atoi(b)
		return cmp.Compare(ai, bi)
	})
	var p bytes.Buffer
	pw := csv.NewWriter(&p)
	pw.Write(strings.Split(benchInvoicesHeader, ","))
	for _, c := range customers {
		lines := byCustomer[c]
		slices.SortStableFunc(lines, func(a, b line) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) })
		country := lines[len(lines)-1].country
		lines = lines[max(0, len(lines)-benchMaxLines):]
		for len(lines) > 0 {
			n := 1
			for n < len(lines) && lines[n].invoice == lines[0].invoice {
				n++
			}
			items := make([]string, n)
			for i, l := range lines[:n] {
				items[i] = l.code + ":" + strconv.FormatInt(l.qty, 10)
			}
			pw.Write([]string{c, country, lines[0].invoice, lines[0].at, strings.Join(items, " ")})
			lines = lines[n:]
		}
	}
	pw.Flush()
	return p.Bytes(), m.Bytes(), firstErr(mw.Error(), pw.Error())
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// testBenchSources loads the embedded demo and bench data.
func testBenchSources(t *testing.T, now time.Time) *benchSources {
	t.Helper()
	src, err := loadBenchSources(amplive.DemoData(), amplive.BenchData(), now)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestBenchResample: the resampling is deterministic for a seed, makes the
// requested count, puts every SKU on the catalog, keeps each recipient the
// same whatever the count, and draws from many sessions and customers.
func TestBenchResample(t *testing.T) {
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	src := testBenchSources(t, now)
	if got, want := len(src.sessions), 19; got != want { // one of the 20 has no mapped article
		t.Errorf("%d OTTO sessions, want %d", got, want)
	}
	if got, want := len(src.customers), 872; got != want {
		t.Errorf("%d UCI customers, want %d", got, want)
	}
	a, err := src.resample(7, 0, 500, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.resample(7, 0, 500, now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different recipients (-first, +second):\n%s", diff)
	}
	if got, want := len(a), 500; got != want {
		t.Fatalf("%d recipients, want %d", got, want)
	}
	small, err := src.resample(7, 0, 10, now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(a[:10], small); diff != "" {
		t.Errorf("recipient i depends on the count (-of 500, +of 10):\n%s", diff)
	}
	other, err := src.resample(8, 0, 500, now)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a, other) {
		t.Error("seeds 7 and 8 give the same recipients")
	}

	sessions, customers, ids := map[int]bool{}, map[int]bool{}, map[string]bool{}
	for i, rc := range a {
		if got, want := rc.ID, benchProfileID(i); got != want {
			t.Errorf("recipient %d is %q, want %q", i, got, want)
		}
		sessions[rc.Session], customers[rc.Customer] = true, true
		p := rc.profile()
		if p.ID != rc.ID || p.FirstName == "" || p.Locale == "" || p.TimeZone == "" {
			t.Errorf("%s: profile %q, name %q, locale %q, zone %q", rc.ID, p.ID, p.FirstName, p.Locale, p.TimeZone)
		}
		if len(p.Purchases) == 0 || len(p.RecentViews)+len(p.Cart) == 0 {
			t.Errorf("%s: %d purchases, %d views, %d cart lines", rc.ID, len(p.Purchases), len(p.RecentViews), len(p.Cart))
		}
		for _, ev := range rc.Events {
			if ids[ev.ID] {
				t.Errorf("event id %s twice", ev.ID)
			}
			ids[ev.ID] = true
			if ev.At.After(now) || ev.At.Before(now.Add(-benchCustomerWindow-400*24*time.Hour)) {
				t.Errorf("%s: event %s at %v, outside the windows", rc.ID, ev.ID, ev.At)
			}
			skus := []string{ev.SKU}
			for _, it := range ev.Items {
				skus = append(skus, it.SKU)
			}
			for _, s := range skus {
				if _, ok := src.catalog[s]; s != "" && !ok {
					t.Errorf("%s: event %s names %q, not in the catalog", rc.ID, ev.ID, s)
				}
			}
		}
		for _, v := range p.RecentViews {
			if _, ok := src.catalog[v.SKU]; !ok {
				t.Errorf("%s: view of %q, not in the catalog", rc.ID, v.SKU)
			}
		}
		for _, c := range p.Cart {
			if _, ok := src.catalog[c.SKU]; !ok {
				t.Errorf("%s: cart line %q, not in the catalog", rc.ID, c.SKU)
			}
		}
		for _, pu := range p.Purchases {
			if _, ok := src.catalog[pu.SKU]; !ok {
				t.Errorf("%s: purchase of %q, not in the catalog", rc.ID, pu.SKU)
			}
		}
	}
	if len(sessions) != 19 || len(customers) < 300 {
		t.Errorf("500 recipients drew %d of 19 sessions and %d of 872 customers", len(sessions), len(customers))
	}
}

// TestBenchResampleIngest: every resampled event passes the server's event
// validation, in batches as the bench sends them, and applying the parsed
// events gives the profile that the seed path writes.
func TestBenchResampleIngest(t *testing.T) {
	now := time.Now().UTC()
	src := testBenchSources(t, now)
	rcs, err := src.resample(1, 0, 50, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range rcs {
		var lines [][]byte
		for _, ev := range rc.Events {
			b, err := content.MarshalEvent(ev)
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, b)
		}
		parsed, problems := content.ParseEvents(joinBatch(lines), now)
		if len(problems) > 0 {
			t.Fatalf("%s: refused: %+v", rc.ID, problems)
		}
		var got content.Profile
		for _, ev := range parsed {
			content.ApplyProfileEvent(&got, ev)
		}
		if diff := gocmp.Diff(rc.profile(), got); diff != "" {
			t.Errorf("%s: seed and ingest differ (-seed, +ingest):\n%s", rc.ID, diff)
		}
	}
	// The live stream's events validate too.
	r := newBenchRand(3, 0)
	var lines [][]byte
	for i := range 300 {
		b, err := content.MarshalEvent(src.streamEvent(r, "s-", i, rcs[i%len(rcs)].ID, now))
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b)
	}
	if _, problems := content.ParseEvents(joinBatch(lines), now); len(problems) > 0 {
		t.Fatalf("stream events refused: %+v", problems)
	}
}
