package main

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/amplive/amplive/content"
	"github.com/amplive/amplive/store"
)

// The bench's recipients are resampled from real behaviour (a bootstrap):
//
//   - Browsing: the 20 real OTTO sessions of the demo (clicks, add-to-carts
//     and orders in time order), as store.DemoEvents turns them into events,
//     their articles already mapped onto the Google catalog by the demo's
//     popularity-rank map (testdata/demo/otto_sku_map.csv).
//   - Buying: the 872 real UCI Online Retail customers who bought something
//     (testdata/bench/uci_invoices.csv: each one's newest 50 purchase lines,
//     in invoices, and the country), their stock codes mapped onto the catalog
//     by popularity rank (testdata/bench/uci_sku_map.csv: UCI rank r of N
//     goes to catalog rank ⌊r·316/N⌋, so bestsellers stay bestsellers and every
//     code lands on a product).
//
// Recipient i (id bench-00000, bench-00001, …) draws, with its own PCG
// generator seeded (seed, i), one OTTO session and one UCI customer uniformly
// with replacement, and a first name from the demo profiles (invented, CC0):
// so recipient i is the same whatever --profiles is. The session is shifted
// so that its newest event lands at a uniformly drawn instant of the last 7
// days, and the customer's invoices so that the newest lands in the last 90
// days; order and spacing are kept. The recipient's events are then:
// a profile_updated (name; locale and time zone from the customer's country;
// loyalty points = whole dollars of the customer's mapped purchases at
// catalog prices, tier by points), one order_placed per UCI invoice (catalog
// prices, USD; lines that map onto the same SKU are merged), and the
// session's product_viewed, cart_updated and order_placed events. They are
// written either through the store's Seed, folded into a profile with
// content.ApplyProfileEvent (the same pure function the store applies to
// events), or as signed POST /v1/events batches: both give the same profile.

// Bench data files inside amplive.BenchData().
const (
	benchInvoicesFile = "uci_invoices.csv"
	benchSKUMapFile   = "uci_sku_map.csv"

	benchInvoicesHeader = "customer_id,country,invoice,at,lines" // lines: "stockcode:qty stockcode:qty …"
	benchSKUMapHeader   = "rank,stock_code,lines,sku"

	// benchMaxLines is how many of a UCI customer's newest purchase lines
	// the subset keeps: what a profile's purchase history can show.
	benchMaxLines = 50

	benchSessionWindow  = 7 * 24 * time.Hour  // OTTO sessions end within the last 7 days
	benchCustomerWindow = 90 * 24 * time.Hour // UCI histories end within the last 90 days
)

// benchSources is the real behaviour the bench resamples.
type benchSources struct {
	sessions  [][]content.Event // OTTO sessions as events, time order, mapped SKUs
	customers []uciCustomer     // UCI customers, in customer id order
	catalog   map[string]content.Product
	names     []string        // first names of the demo profiles
	stream    []content.Event // every OTTO event: templates of the live event stream
}

// uciCustomer is one UCI customer's newest purchases.
type uciCustomer struct {
	ID, Country string
	Invoices    []uciInvoice // time order
}

// uciInvoice is one invoice: UK wall-clock time read in Europe/London, and
// its lines with stock codes already mapped onto catalog SKUs.
type uciInvoice struct {
	No    string
	At    time.Time
	Lines []content.EventItem // SKU and Qty only
}

// benchRecipient is one resampled recipient and the events that write it.
type benchRecipient struct {
	ID       string
	Session  int             // index of the OTTO session drawn
	Customer int             // index of the UCI customer drawn
	Events   []content.Event // time order
}

// uciLocale gives the locale and time zone of a UCI country; the shop is in
// the UK, which is also the answer for "Unspecified" and anything else.
var uciLocale = map[string][2]string{
	"United Kingdom":  {"en-GB", "Europe/London"},
	"Channel Islands": {"en-GB", "Europe/Jersey"},
	"Unspecified":     {"en-GB", "Europe/London"},
	"Germany":         {"de-DE", "Europe/Berlin"},
	"France":          {"fr-FR", "Europe/Paris"},
	"Spain":           {"es-ES", "Europe/Madrid"},
	"Belgium":         {"nl-BE", "Europe/Brussels"},
	"Italy":           {"it-IT", "Europe/Rome"},
	"Cyprus":          {"el-CY", "Asia/Nicosia"},
	"Finland":         {"fi-FI", "Europe/Helsinki"},
	"Switzerland":     {"de-CH", "Europe/Zurich"},
	"Portugal":        {"pt-PT", "Europe/Lisbon"},
	"Norway":          {"nb-NO", "Europe/Oslo"},
	"Austria":         {"de-AT", "Europe/Vienna"},
	"Poland":          {"pl-PL", "Europe/Warsaw"},
	"Japan":           {"ja-JP", "Asia/Tokyo"},
	"Netherlands":     {"nl-NL", "Europe/Amsterdam"},
	"Bahrain":         {"ar-BH", "Asia/Bahrain"},
	"Australia":       {"en-AU", "Australia/Sydney"},
	"Denmark":         {"da-DK", "Europe/Copenhagen"},
	"Saudi Arabia":    {"ar-SA", "Asia/Riyadh"},
	"Sweden":          {"sv-SE", "Europe/Stockholm"},
	"Malta":           {"mt-MT", "Europe/Malta"},
}

// loyaltyTier is our rule for a tier from points (whole dollars spent).
func loyaltyTier(points int64) string {
	switch {
	case points <= 0:
		return ""
	case points < 250:
		return "bronze"
	case points < 1000:
		return "silver"
	case points < 5000:
		return "gold"
	}
	return "platinum"
}

// loadBenchSources reads the demo files (amplive.DemoData) and the bench
// files (amplive.BenchData). now only places the OTTO sessions in time
// (store.DemoEvents); resampling shifts them again.
func loadBenchSources(demo, bench fs.FS, now time.Time) (*benchSources, error) {
	d, err := store.DemoDataset(demo, now)
	if err != nil {
		return nil, err
	}
	src := &benchSources{catalog: make(map[string]content.Product, len(d.Products))}
	for _, p := range d.Products {
		src.catalog[p.SKU] = p
	}
	for _, p := range d.Profiles {
		if p.FirstName != "" {
			src.names = append(src.names, p.FirstName)
		}
	}
	evs, err := store.DemoEvents(demo, now)
	if err != nil {
		return nil, err
	}
	bySession := map[string][]content.Event{}
	var order []string
	for _, ev := range evs {
		if _, ok := bySession[ev.ProfileID]; !ok {
			order = append(order, ev.ProfileID)
		}
		bySession[ev.ProfileID] = append(bySession[ev.ProfileID], ev)
	}
	slices.SortFunc(order, func(a, b string) int { return cmp.Compare(ottoNumber(a), ottoNumber(b)) })
	for _, id := range order {
		src.sessions = append(src.sessions, bySession[id])
	}
	src.stream = evs
	skuOf, err := readUCISKUMap(bench, src.catalog)
	if err != nil {
		return nil, err
	}
	if src.customers, err = readUCIInvoices(bench, skuOf); err != nil {
		return nil, err
	}
	if len(src.sessions) == 0 || len(src.customers) == 0 || len(src.names) == 0 {
		return nil, errors.New("bench data: no sessions, customers or names")
	}
	return src, nil
}

func ottoNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "otto-"))
	return n
}

// readBenchCSV reads a bench CSV file and checks its header.
func readBenchCSV(fsys fs.FS, name, header string) ([][]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("bench data: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != header {
		return nil, fmt.Errorf("%s: header must be %q", name, header)
	}
	return rows[1:], nil
}

// readUCISKUMap reads the stock-code-to-SKU map; every SKU must be in the
// catalog.
func readUCISKUMap(fsys fs.FS, catalog map[string]content.Product) (map[string]string, error) {
	rows, err := readBenchCSV(fsys, benchSKUMapFile, benchSKUMapHeader)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(rows))
	for i, r := range rows {
		if _, ok := catalog[r[3]]; !ok {
			return nil, fmt.Errorf("%s:%d: SKU %q is not in the catalog", benchSKUMapFile, i+2, r[3])
		}
		m[r[1]] = r[3]
	}
	return m, nil
}

// readUCIInvoices reads the invoices into customers (file order: by
// customer, then time), mapping each stock code onto its SKU.
func readUCIInvoices(fsys fs.FS, skuOf map[string]string) ([]uciCustomer, error) {
	rows, err := readBenchCSV(fsys, benchInvoicesFile, benchInvoicesHeader)
	if err != nil {
		return nil, err
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, err
	}
	var out []uciCustomer
	for i, r := range rows {
		line := i + 2
		// UCI times are UK wall clock written with a Z (see SOURCES): local London time.
		at, err := time.ParseInLocation("2006-01-02T15:04:05Z", r[3], london)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", benchInvoicesFile, line, err)
		}
		inv := uciInvoice{No: r[2], At: at.UTC()}
		for _, l := range strings.Fields(r[4]) {
			code, q, _ := strings.Cut(l, ":")
			sku, ok := skuOf[code]
			if !ok {
				return nil, fmt.Errorf("%s:%d: stock code %q is not in %s", benchInvoicesFile, line, code, benchSKUMapFile)
			}
			qty, err := strconv.ParseInt(q, 10, 64)
			if err != nil || qty < 1 {
				return nil, fmt.Errorf("%s:%d: bad line %q", benchInvoicesFile, line, l)
			}
			inv.Lines = addLine(inv.Lines, content.EventItem{SKU: sku, Qty: qty})
		}
		if len(inv.Lines) == 0 {
			return nil, fmt.Errorf("%s:%d: invoice without lines", benchInvoicesFile, line)
		}
		if len(out) == 0 || out[len(out)-1].ID != r[0] {
			out = append(out, uciCustomer{ID: r[0], Country: r[1]})
		}
		c := &out[len(out)-1]
		if k := slices.IndexFunc(c.Invoices, func(v uciInvoice) bool { return v.No == inv.No }); k >= 0 {
			for _, l := range inv.Lines { // one invoice on two rows: one order
				c.Invoices[k].Lines = addLine(c.Invoices[k].Lines, l)
			}
			continue
		}
		if n := len(c.Invoices); n > 0 && c.Invoices[n-1].At.After(inv.At) {
			return nil, fmt.Errorf("%s:%d: customer %s: invoices out of time order", benchInvoicesFile, line, c.ID)
		}
		c.Invoices = append(c.Invoices, inv)
	}
	return out, nil
}

// addLine adds it to lines, merging the quantity into a line of the same SKU.
func addLine(lines []content.EventItem, it content.EventItem) []content.EventItem {
	for i := range lines {
		if lines[i].SKU == it.SKU {
			lines[i].Qty += it.Qty
			return lines
		}
	}
	return append(lines, it)
}

// benchProfileID names recipient i.
func benchProfileID(i int) string { return fmt.Sprintf("bench-%05d", i) }

// resample builds recipients first … first+n-1 as of now (see the comment
// at the top of this file). The result depends only on seed, the indices and
// now.
func (src *benchSources) resample(seed uint64, first, n int, now time.Time) ([]benchRecipient, error) {
	out := make([]benchRecipient, 0, n)
	for i := first; i < first+n; i++ {
		rc, err := src.recipient(seed, i, benchProfileID(i), now)
		if err != nil {
			return nil, err
		}
		out = append(out, rc)
	}
	return out, nil
}

// recipient resamples one recipient with the generator of (seed, i), under
// the profile id id.
func (src *benchSources) recipient(seed uint64, i int, id string, now time.Time) (benchRecipient, error) {
	now = now.UTC().Truncate(time.Millisecond)
	r := newBenchRand(seed, uint64(i))
	rc := benchRecipient{ID: id, Session: r.IntN(len(src.sessions)), Customer: r.IntN(len(src.customers))}
	name := src.names[r.IntN(len(src.names))]
	sessionEnd := now.Add(-time.Duration(r.Int64N(int64(benchSessionWindow))))
	historyEnd := now.Add(-time.Duration(r.Int64N(int64(benchCustomerWindow))))

	cust := src.customers[rc.Customer]
	shift := historyEnd.Sub(cust.Invoices[len(cust.Invoices)-1].At)
	var spent int64 // minor units (USD)
	var evs []content.Event
	for _, inv := range cust.Invoices {
		items := make([]content.EventItem, 0, len(inv.Lines))
		for _, l := range inv.Lines {
			p, ok := src.catalog[l.SKU]
			if !ok {
				return rc, fmt.Errorf("bench data: SKU %s not in the catalog", l.SKU)
			}
			items = append(items, content.EventItem{SKU: l.SKU, Qty: l.Qty, Price: p.Price, Currency: p.Currency})
			spent += p.Price * l.Qty
		}
		evs = append(evs, content.Event{
			ID: id + "-u" + inv.No, Type: content.EventOrderPlaced, ProfileID: id,
			At: inv.At.Add(shift).Truncate(time.Millisecond), OrderID: id + "-" + inv.No, Items: items,
		})
	}
	loc := uciLocale[cust.Country]
	if loc[0] == "" {
		loc = uciLocale["United Kingdom"]
	}
	points := spent / 100
	tier := loyaltyTier(points)
	patch := &content.ProfilePatch{FirstName: &name, Locale: &loc[0], TimeZone: &loc[1], Points: &points}
	if tier != "" {
		patch.Tier = &tier
	}
	evs = append(evs, content.Event{ID: id + "-p", Type: content.EventProfileUpdated, ProfileID: id,
		At: historyEnd, Profile: patch})

	sess := src.sessions[rc.Session]
	shift = sessionEnd.Sub(sess[len(sess)-1].At)
	for k, ev := range sess {
		ev.ID = id + "-o" + strconv.Itoa(k)
		ev.ProfileID = id
		ev.At = ev.At.Add(shift).Truncate(time.Millisecond)
		if ev.OrderID != "" {
			ev.OrderID = id + "-" + ev.OrderID
		}
		ev.Items = slices.Clone(ev.Items)
		evs = append(evs, ev)
	}
	slices.SortStableFunc(evs, func(a, b content.Event) int { return a.At.Compare(b.At) })
	rc.Events = evs
	return rc, nil
}

// profile folds the recipient's events into its profile with the store's
// own pure apply function.
func (rc benchRecipient) profile() content.Profile {
	var p content.Profile
	for _, ev := range rc.Events {
		content.ApplyProfileEvent(&p, ev)
	}
	return p
}

// streamEvent is the i-th event of the live stream (scenario e): a real
// OTTO event drawn with r (its type, its mapped SKUs, its cart or order
// lines) for profile, at instant at, with a fresh id made from prefix.
func (src *benchSources) streamEvent(r *rand.Rand, prefix string, i int, profile string, at time.Time) content.Event {
	ev := src.stream[r.IntN(len(src.stream))]
	ev.ID = prefix + strconv.Itoa(i)
	ev.ProfileID = profile
	ev.At = at.UTC().Truncate(time.Millisecond)
	if ev.OrderID != "" {
		ev.OrderID = ev.ID
	}
	ev.Items = slices.Clone(ev.Items)
	return ev
}

// newBenchRand is the bench's seeded generator for one stream of draws.
func newBenchRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}
