package content

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// testCatalog: three categories; popularity decides bestsellers.
func testCatalog() *Catalog {
	p := func(sku, cat string, pop, price, stock int64) Product {
		return Product{SKU: sku, Title: "T " + sku, Category: cat, Popularity: pop, Price: price, Currency: "USD", Stock: stock}
	}
	return NewCatalog([]Product{
		p("A1", "Apparel", 100, 1000, 5), p("A2", "Apparel", 90, 1000, 5), p("A3", "Apparel", 80, 1000, 5),
		p("A4", "Apparel", 70, 1000, 5), p("A5", "Apparel", 60, 1000, 0), // out of stock
		p("B1", "Bags", 50, 2000, 5), p("B2", "Bags", 40, 2000, 5), p("B3", "Bags", 5, 2000, 5),
		p("D1", "Drinkware", 30, 500, 5), p("D2", "Drinkware", 20, 0, 5), // no price
		p("D3", "Drinkware", 10, 500, 5),
	}, testNow)
}

func skusOf(recs []Recommendation) (skus, reasons []string) {
	for _, r := range recs {
		skus = append(skus, r.Product.SKU)
		reasons = append(reasons, r.Reason)
	}
	return skus, reasons
}

func TestRecommend(t *testing.T) {
	t.Parallel()
	cat := testCatalog()
	hour := time.Hour
	cases := []struct {
		name        string
		profile     *Profile
		limit       int
		wantSKUs    []string
		wantReasons []string
	}{
		{
			name:        "unknown reader gets bestsellers, capped per category",
			profile:     nil,
			limit:       4,
			wantSKUs:    []string{"A1", "A2", "B1", "B2"},
			wantReasons: []string{"bestseller", "bestseller", "bestseller", "bestseller"},
		},
		{
			name:        "no signals is the same as unknown",
			profile:     &Profile{ID: "x"},
			limit:       3,
			wantSKUs:    []string{"A1", "A2", "B1"},
			wantReasons: []string{"bestseller", "bestseller", "bestseller"},
		},
		{
			name: "viewed bags lead, but only two of four from one category",
			profile: &Profile{ID: "x", RecentViews: []View{
				{SKU: "B3", At: testNow.Add(-hour)}, {SKU: "B1", At: testNow.Add(-2 * hour)},
			}},
			limit:       4,
			wantSKUs:    []string{"B1", "B3", "A1", "A2"},
			wantReasons: []string{"viewed", "viewed", "bestseller", "bestseller"},
		},
		{
			name: "cart and purchases are excluded but steer the category",
			profile: &Profile{ID: "x",
				Cart:      []CartItem{{SKU: "D1", Qty: 1, AddedAt: testNow.Add(-hour)}},
				Purchases: []Purchase{{SKU: "A1", OrderID: "o1", At: testNow.Add(-24 * hour)}},
			},
			limit:       4,
			wantSKUs:    []string{"D3", "A2", "A3", "B1"},
			wantReasons: []string{"cart_similar", "bought_similar", "bought_similar", "bestseller"},
		},
		{
			name: "old signals fade: a month-old cart weighs less than today's views",
			profile: &Profile{ID: "x",
				Cart:        []CartItem{{SKU: "B1", Qty: 1, AddedAt: testNow.Add(-60 * 24 * hour)}},
				RecentViews: []View{{SKU: "D3", At: testNow}},
			},
			limit:       3,
			wantSKUs:    []string{"D3", "D1", "B2"},
			wantReasons: []string{"viewed", "viewed_similar", "cart_similar"},
		},
		{
			name: "cap relaxes when only one category is left",
			profile: &Profile{ID: "x", Cart: []CartItem{
				{SKU: "B1", Qty: 1}, {SKU: "B2", Qty: 1}, {SKU: "B3", Qty: 1}, {SKU: "D1", Qty: 1}, {SKU: "D3", Qty: 1},
			}},
			limit:       4,
			wantSKUs:    []string{"A1", "A2", "A3", "A4"},
			wantReasons: []string{"bestseller", "bestseller", "bestseller", "bestseller"},
		},
		{
			name:        "unknown SKUs in signals are ignored",
			profile:     &Profile{ID: "x", RecentViews: []View{{SKU: "gone", At: testNow}}},
			limit:       2,
			wantSKUs:    []string{"A1", "A2"},
			wantReasons: []string{"bestseller", "bestseller"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			skus, reasons := skusOf(Recommend(tc.profile, cat, testNow, tc.limit))
			if diff := cmp.Diff(tc.wantSKUs, skus); diff != "" {
				t.Errorf("SKUs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantReasons, reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecommendLimitsAndDeterminism(t *testing.T) {
	t.Parallel()
	cat := testCatalog()
	if got := len(Recommend(nil, cat, testNow, 0)); got != DefaultRecommendations {
		t.Errorf("limit 0 gave %d items, want %d", got, DefaultRecommendations)
	}
	if got := len(Recommend(nil, cat, testNow, 500)); got != 9 { // only 9 sellable products
		t.Errorf("limit 500 gave %d items, want all 9 sellable", got)
	}
	p := &Profile{ID: "x", RecentViews: []View{{SKU: "A3", At: testNow}, {SKU: "B2", At: testNow}}}
	first, _ := skusOf(Recommend(p, cat, testNow, 6))
	for i := 0; i < 50; i++ {
		again, _ := skusOf(Recommend(p, cat, testNow, 6))
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("run %d differs (-first +again):\n%s", i, diff)
		}
	}
	for _, r := range Recommend(p, cat, testNow, 20) {
		if !r.Product.Sellable() {
			t.Errorf("recommended unsellable %s", r.Product.SKU)
		}
	}
	if got := Recommend(nil, NewCatalog(nil, testNow), testNow, 5); len(got) != 0 {
		t.Errorf("empty catalog gave %d items", len(got))
	}
}

// TestRecommendPageContinuesTheList: page 1 is the email's own list
// (Recommend with the page size), and the pages together show every
// sellable product once; a category is matched in any letter case.
func TestRecommendPageContinuesTheList(t *testing.T) {
	t.Parallel()
	cat := testCatalog()
	readers := map[string]*Profile{
		"unknown": nil,
		"viewer":  {ID: "v", RecentViews: []View{{SKU: "B3", At: testNow.Add(-time.Hour)}}, Cart: []CartItem{{SKU: "A1", Qty: 1}}},
	}
	for name, p := range readers {
		first, _ := RecommendPage(p, cat, testNow, "", 1, 3)
		want, _ := skusOf(Recommend(p, cat, testNow, 3))
		if got, _ := skusOf(first); !cmp.Equal(got, want) {
			t.Errorf("%s: page 1 %v, want the list %v", name, got, want)
		}
		seen := map[string]bool{}
		for page := 1; ; page++ {
			recs, more := RecommendPage(p, cat, testNow, "", page, 3)
			for _, r := range recs {
				if seen[r.Product.SKU] {
					t.Errorf("%s: %s shown twice", name, r.Product.SKU)
				}
				seen[r.Product.SKU] = true
			}
			if !more {
				break
			}
		}
		wantAll := 9 // 11 products less A5 (out of stock) and D2 (no price)
		if p != nil {
			wantAll = 8 // A1 is in the cart
		}
		if len(seen) != wantAll {
			t.Errorf("%s: the pages show %d products, want %d: %v", name, len(seen), wantAll, seen)
		}
	}
	recs, _ := RecommendPage(nil, cat, testNow, "bags", 1, 5)
	if got, _ := skusOf(recs); !cmp.Equal(got, []string{"B1", "B2", "B3"}) {
		t.Errorf("category bags: %v", got)
	}
	if recs, more := RecommendPage(nil, cat, testNow, "Shoes", 1, 5); recs != nil || more {
		t.Error("an unknown category has no pages")
	}
}
