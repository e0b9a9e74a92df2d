package store

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/amplive/amplive/content"
)

// Demo file names inside the demo file system (see testdata/README.md).
const (
	DemoCatalogFile  = "google_merch_products.jsonl"
	DemoEventsFile   = "otto_events.csv"
	DemoSKUMapFile   = "otto_sku_map.csv"
	DemoProfilesFile = "profiles.csv"
)

// DemoCampaignID is the campaign that the demo data set creates.
const DemoCampaignID = "demo-sale"

// demoCaps bound the per-profile history, as the event writer will.
const (
	maxRecentViews = 50
	maxPurchases   = 50
)

// Popularity weights of the demo's OTTO event types.
var demoEventWeight = map[string]int64{"clicks": 1, "carts": 3, "orders": 5}

// googleProduct is the part of a Retail API Product that the demo reads.
type googleProduct struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Brands     []string `json:"brands"`
	Categories []string `json:"categories"`
	PriceInfo  struct {
		Price        string `json:"price"`
		CurrencyCode string `json:"currencyCode"`
	} `json:"priceInfo"`
	Availability      string `json:"availability"`
	AvailableQuantity int64  `json:"availableQuantity"`
	Images            []struct {
		URI string `json:"uri"`
	} `json:"images"`
	URI string `json:"uri"`
}

// ottoEvent is one row of otto_events.csv.
type ottoEvent struct {
	TS      time.Time // UTC
	Orig    time.Time // TS as in the file, before any shift: names orders
	Session int
	AID     string
	Type    string // clicks, carts or orders
}

// SKUMapRow is one line of the OTTO-article-to-SKU map.
type SKUMapRow struct {
	Rank   int    // 0 is the most popular
	AID    string // OTTO article id
	Events int    // how many OTTO events name the article
	SKU    string // catalog SKU it stands for
}

// DemoDataset builds the demo data set from the files in fsys (see
// amplive.DemoData) as of instant now (UTC): the 316-product catalog, the 20
// profiles otto-0 … otto-19 and the campaign demo-sale ending 72 hours after
// now. Event times are shifted so that the newest lands one hour before now.
// It fails when a file is missing or malformed, naming file and line.
func DemoDataset(fsys fs.FS, now time.Time) (Dataset, error) {
	now = now.UTC().Truncate(time.Second)
	products, err := readDemoCatalog(fsys, now)
	if err != nil {
		return Dataset{}, err
	}
	events, err := readOttoEvents(fsys)
	if err != nil {
		return Dataset{}, err
	}
	skuOf, err := readSKUMap(fsys)
	if err != nil {
		return Dataset{}, err
	}
	profiles, err := readDemoProfiles(fsys, now)
	if err != nil {
		return Dataset{}, err
	}
	var newest time.Time
	for _, e := range events {
		if e.TS.After(newest) {
			newest = e.TS
		}
	}
	shift := now.Add(-time.Hour).Sub(newest)
	bySKU := map[string]*content.Product{}
	for i := range products {
		bySKU[products[i].SKU] = &products[i]
	}
	bySession := map[int][]ottoEvent{}
	for _, e := range events {
		sku, ok := skuOf[e.AID]
		if !ok {
			continue // the 194 least popular articles are not mapped
		}
		if p := bySKU[sku]; p != nil {
			p.Popularity += demoEventWeight[e.Type]
		}
		e.AID = sku
		e.TS = e.TS.Add(shift)
		bySession[e.Session] = append(bySession[e.Session], e)
	}
	for i := range profiles {
		n, _ := strconv.Atoi(strings.TrimPrefix(profiles[i].ID, "otto-"))
		applyOttoSession(&profiles[i], bySession[n])
	}
	return Dataset{
		Products: products,
		Profiles: profiles,
		Campaigns: []content.Campaign{{
			ID:          DemoCampaignID,
			Name:        "Demo sale",
			EndsAt:      now.Add(72 * time.Hour),
			TimeZone:    "Europe/Berlin",
			ExpiredText: "This sale has ended.",
		}},
	}, nil
}

// applyOttoSession turns one session's events (SKUs already mapped, times
// shifted, in time order) into the profile's views, purchases and cart: the
// cart holds what was added and not ordered afterwards.
func applyOttoSession(p *content.Profile, events []ottoEvent) {
	cart := map[string]*content.CartItem{}
	for _, e := range events {
		switch e.Type {
		case "clicks":
			p.RecentViews = append(p.RecentViews, content.View{SKU: e.AID, At: e.TS})
		case "carts":
			if c := cart[e.AID]; c != nil {
				c.Qty++
				c.AddedAt = e.TS
			} else {
				cart[e.AID] = &content.CartItem{SKU: e.AID, Qty: 1, AddedAt: e.TS}
			}
		case "orders":
			p.Purchases = append(p.Purchases, content.Purchase{
				SKU: e.AID, OrderID: demoOrderID(p.ID, e), At: e.TS,
			})
			delete(cart, e.AID)
		}
	}
	for _, c := range cart {
		p.Cart = append(p.Cart, *c)
	}
	sort.Slice(p.Cart, func(i, j int) bool {
		if !p.Cart[i].AddedAt.Equal(p.Cart[j].AddedAt) {
			return p.Cart[i].AddedAt.Before(p.Cart[j].AddedAt)
		}
		return p.Cart[i].SKU < p.Cart[j].SKU
	})
	if n := len(p.RecentViews); n > maxRecentViews {
		p.RecentViews = p.RecentViews[n-maxRecentViews:]
	}
	if n := len(p.Purchases); n > maxPurchases {
		p.Purchases = p.Purchases[n-maxPurchases:]
	}
}

func readDemoCatalog(fsys fs.FS, now time.Time) ([]content.Product, error) {
	f, err := fsys.Open(DemoCatalogFile)
	if err != nil {
		return nil, fmt.Errorf("demo catalog: %w", err)
	}
	defer f.Close()
	var out []content.Product
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var g googleProduct
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", DemoCatalogFile, line, err)
		}
		p, err := g.product(now)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", DemoCatalogFile, line, err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", DemoCatalogFile, err)
	}
	return out, nil
}

// product converts a Retail API product. A "noimage" picture becomes no
// image; a price of 0 is kept (the product is then never recommended).
func (g googleProduct) product(now time.Time) (content.Product, error) {
	if g.ID == "" {
		return content.Product{}, errors.New("product without id")
	}
	price, err := content.ParseMoney(g.PriceInfo.Price, g.PriceInfo.CurrencyCode)
	if err != nil {
		return content.Product{}, fmt.Errorf("product %s: %w", g.ID, err)
	}
	p := content.Product{
		SKU:       g.ID,
		Title:     g.Title,
		URL:       g.URI,
		Price:     price,
		Currency:  g.PriceInfo.CurrencyCode,
		UpdatedAt: now,
	}
	if len(g.Categories) > 0 {
		p.Category = g.Categories[0]
	}
	if len(g.Brands) > 0 {
		p.Brand = g.Brands[0]
	}
	if len(g.Images) > 0 && !strings.Contains(strings.ToLower(g.Images[0].URI), "noimage") {
		p.Image = g.Images[0].URI
	}
	if g.Availability == "IN_STOCK" {
		p.Stock = g.AvailableQuantity
	}
	return p, nil
}

func readCSV(fsys fs.FS, name string, header string) ([][]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("demo data: %w", err)
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

func readOttoEvents(fsys fs.FS) ([]ottoEvent, error) {
	rows, err := readCSV(fsys, DemoEventsFile, "ts_ms,session,seq_in_session,aid,type")
	if err != nil {
		return nil, err
	}
	out := make([]ottoEvent, 0, len(rows))
	for i, r := range rows {
		ms, err1 := strconv.ParseInt(r[0], 10, 64)
		session, err2 := strconv.Atoi(r[1])
		if err := errors.Join(err1, err2); err != nil || demoEventWeight[r[4]] == 0 {
			return nil, fmt.Errorf("%s:%d: bad row %v", DemoEventsFile, i+2, r)
		}
		ts := time.UnixMilli(ms).UTC()
		out = append(out, ottoEvent{TS: ts, Orig: ts, Session: session, AID: r[3], Type: r[4]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TS.Before(out[j].TS) })
	return out, nil
}

const skuMapHeader = "rank,aid,events,sku"

func readSKUMap(fsys fs.FS) (map[string]string, error) {
	rows, err := readCSV(fsys, DemoSKUMapFile, skuMapHeader)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r[1]] = r[3]
	}
	return m, nil
}

func readDemoProfiles(fsys fs.FS, now time.Time) ([]content.Profile, error) {
	rows, err := readCSV(fsys, DemoProfilesFile, "id,first_name,locale,time_zone,tier,points")
	if err != nil {
		return nil, err
	}
	out := make([]content.Profile, 0, len(rows))
	for i, r := range rows {
		points, err := strconv.ParseInt(r[5], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: points: %w", DemoProfilesFile, i+2, err)
		}
		if _, err := content.LoadZone(r[3]); err != nil {
			return nil, fmt.Errorf("%s:%d: time zone: %w", DemoProfilesFile, i+2, err)
		}
		out = append(out, content.Profile{
			ID: r[0], FirstName: r[1], Locale: r[2], TimeZone: r[3],
			Loyalty: content.Loyalty{Tier: r[4], Points: points}, UpdatedAt: now,
		})
	}
	return out, nil
}

// BuildDemoSKUMap computes the popularity-rank map from the demo files:
// OTTO articles ranked by event count (ties: earlier first event, then lower
// id) against catalog products ranked sellable-first (in stock, priced, with
// an image), then in file order. It is the rule that produced the committed
// otto_sku_map.csv, which a test keeps in step.
func BuildDemoSKUMap(fsys fs.FS) ([]SKUMapRow, error) {
	products, err := readDemoCatalog(fsys, time.Time{})
	if err != nil {
		return nil, err
	}
	events, err := readOttoEvents(fsys)
	if err != nil {
		return nil, err
	}
	type art struct {
		aid   string
		n     int
		first time.Time
	}
	arts := map[string]*art{}
	for _, e := range events {
		a := arts[e.AID]
		if a == nil {
			a = &art{aid: e.AID, first: e.TS}
			arts[e.AID] = a
		}
		a.n++
	}
	ranked := make([]*art, 0, len(arts))
	for _, a := range arts {
		ranked = append(ranked, a)
	}
	sort.Slice(ranked, func(i, j int) bool {
		a, b := ranked[i], ranked[j]
		if a.n != b.n {
			return a.n > b.n
		}
		if !a.first.Equal(b.first) {
			return a.first.Before(b.first)
		}
		ai, _ := strconv.Atoi(a.aid)
		bi, _ := strconv.Atoi(b.aid)
		return ai < bi
	})
	sort.SliceStable(products, func(i, j int) bool {
		return demoShowcase(products[i]) && !demoShowcase(products[j])
	})
	rows := make([]SKUMapRow, 0, len(products))
	for i := 0; i < len(ranked) && i < len(products); i++ {
		rows = append(rows, SKUMapRow{Rank: i, AID: ranked[i].aid, Events: ranked[i].n, SKU: products[i].SKU})
	}
	return rows, nil
}

func demoShowcase(p content.Product) bool { return p.Sellable() && p.Image != "" }

// WriteSKUMap writes rows as otto_sku_map.csv.
func WriteSKUMap(w io.Writer, rows []SKUMapRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(strings.Split(skuMapHeader, ",")); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{strconv.Itoa(r.Rank), r.AID, strconv.Itoa(r.Events), r.SKU}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// DemoEvents turns the 20 OTTO sessions into the events a shop would have
// sent (for `amplive events replay otto`): clicks become product_viewed,
// each add-to-cart a cart_updated with the session's whole cart, and the
// orders of one instant one order_placed (priced from the catalog; the
// ordered SKUs leave the cart). Profiles are otto-<session>; event ids are
// stable ("otto-<session>-<seq>"), so a second replay is all duplicates.
// Times keep their order and spacing and are shifted so the newest is now
// (UTC, whole milliseconds). The result is sorted by time.
func DemoEvents(fsys fs.FS, now time.Time) ([]content.Event, error) {
	products, err := readDemoCatalog(fsys, now)
	if err != nil {
		return nil, err
	}
	bySKU := map[string]content.Product{}
	for _, p := range products {
		bySKU[p.SKU] = p
	}
	raw, err := readOttoEvents(fsys)
	if err != nil {
		return nil, err
	}
	skuOf, err := readSKUMap(fsys)
	if err != nil {
		return nil, err
	}
	var newest time.Time
	for _, e := range raw {
		if e.TS.After(newest) {
			newest = e.TS
		}
	}
	shift := now.UTC().Truncate(time.Millisecond).Sub(newest)
	type sessionState struct {
		cart  []content.EventItem
		order int // index in out of the session's latest order_placed, -1 for none
	}
	sessions := map[int]*sessionState{}
	var out []content.Event
	for seq, e := range raw {
		sku, ok := skuOf[e.AID]
		if !ok {
			continue
		}
		st := sessions[e.Session]
		if st == nil {
			st = &sessionState{order: -1}
			sessions[e.Session] = st
		}
		profile := "otto-" + strconv.Itoa(e.Session)
		at := e.TS.Add(shift)
		id := fmt.Sprintf("otto-%d-%d", e.Session, seq)
		switch e.Type {
		case "clicks":
			out = append(out, content.Event{ID: id, Type: content.EventProductViewed, ProfileID: profile, At: at, SKU: sku})
		case "carts":
			st.cart = addToCart(st.cart, sku)
			out = append(out, content.Event{ID: id, Type: content.EventCartUpdated, ProfileID: profile, At: at,
				Items: append([]content.EventItem{}, st.cart...)})
		case "orders":
			p := bySKU[sku]
			item := content.EventItem{SKU: sku, Qty: 1, Price: p.Price, Currency: p.Currency}
			if st.order >= 0 && out[st.order].At.Equal(at) {
				out[st.order].Items = addOrderItem(out[st.order].Items, item)
			} else {
				out = append(out, content.Event{ID: id, Type: content.EventOrderPlaced, ProfileID: profile, At: at,
					OrderID: demoOrderID(profile, e), Items: []content.EventItem{item}})
				st.order = len(out) - 1
			}
			st.cart = removeFromCart(st.cart, sku)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// demoOrderID names an OTTO order by its profile and original time, the
// same in the seeded data and in a replay, so a replayed order is the same
// purchase, not a second one.
func demoOrderID(profile string, e ottoEvent) string {
	return fmt.Sprintf("%s-%d", profile, e.Orig.UnixMilli())
}

func addToCart(cart []content.EventItem, sku string) []content.EventItem {
	out := append([]content.EventItem{}, cart...)
	for i := range out {
		if out[i].SKU == sku {
			out[i].Qty++
			return out
		}
	}
	return append(out, content.EventItem{SKU: sku, Qty: 1})
}

func addOrderItem(items []content.EventItem, it content.EventItem) []content.EventItem {
	for i := range items {
		if items[i].SKU == it.SKU {
			items[i].Qty++
			return items
		}
	}
	return append(items, it)
}

func removeFromCart(cart []content.EventItem, sku string) []content.EventItem {
	out := cart[:0:0]
	for _, c := range cart {
		if c.SKU != sku {
			out = append(out, c)
		}
	}
	return out
}
