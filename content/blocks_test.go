package content

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCart(t *testing.T) {
	t.Parallel()
	cat := NewCatalog([]Product{
		{SKU: "A", Title: "Tee", Price: 2500, Currency: "USD", Stock: 1, Category: "Apparel"},
		{SKU: "B", Title: "Mug", Price: 1250, Currency: "USD", Stock: 0, Category: "Drinkware"}, // out of stock stays in the cart
		{SKU: "F", Title: "Free", Price: 0, Currency: "USD", Stock: 1},
		{SKU: "E", Title: "Euro bag", Price: 999, Currency: "EUR", Stock: 1},
	}, testNow)
	cases := []struct {
		name   string
		locale string
		cart   []CartItem
		want   CartBlock
	}{
		{"empty", "en-US", nil, CartBlock{Items: []CartLine{}}},
		{"lines, totals, unknown and unpriced left out", "en-US",
			[]CartItem{{SKU: "A", Qty: 2}, {SKU: "gone", Qty: 1}, {SKU: "B", Qty: 1}, {SKU: "F", Qty: 1}, {SKU: "A", Qty: 0}},
			CartBlock{
				Items: []CartLine{
					{SKU: "A", Title: "Tee", Qty: 2, PriceText: "$50.00"},
					{SKU: "B", Title: "Mug", Qty: 1, PriceText: "$12.50"},
				},
				Count: 3, Subtotal: 6250, Currency: "USD", SubtotalText: "$62.50",
			}},
		{"German reader", "de-DE", []CartItem{{SKU: "B", Qty: 100}},
			CartBlock{Items: []CartLine{{SKU: "B", Title: "Mug", Qty: 100, PriceText: "1.250,00\u00a0$"}},
				Count: 100, Subtotal: 125000, Currency: "USD", SubtotalText: "1.250,00\u00a0$"}},
		{"mixed currencies", "en-US", []CartItem{{SKU: "A", Qty: 1}, {SKU: "E", Qty: 1}},
			CartBlock{Items: []CartLine{{SKU: "A", Title: "Tee", Qty: 1, PriceText: "$25.00"}, {SKU: "E", Title: "Euro bag", Qty: 1, PriceText: "€9.99"}},
				Count: 2, SubtotalText: "$25.00 + €9.99"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			read := ProfileRead{Known: true, Profile: Profile{ID: "p", Locale: tc.locale, Cart: tc.cart}}
			if diff := cmp.Diff(tc.want, Cart(read, cat)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got := ProfileSummary(read, cat).Items.CartCount; got != tc.want.Count {
				t.Errorf("profile cart_count = %d, cart count = %d", got, tc.want.Count)
			}
		})
	}
}

func TestProfileSummary(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		read ProfileRead
		want ProfileBlock
	}{
		{"unknown", ProfileRead{}, ProfileBlock{}},
		{"unknown while the store is down", ProfileRead{Fallback: true}, ProfileBlock{Fallback: true}},
		{"known", ProfileRead{Known: true, Profile: Profile{ID: "p", FirstName: "Ada", Loyalty: Loyalty{Tier: "gold", Points: 12}}},
			ProfileBlock{Items: ProfileItem{Known: true, FirstName: "Ada", Tier: "gold", Points: 12}}},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, ProfileSummary(tc.read, testCatalog())); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestRecommendationsBlock(t *testing.T) {
	t.Parallel()
	b := Recommendations(ProfileRead{Fallback: true}, testCatalog(), testNow, 2)
	want := RecommendationsBlock{
		Items: []RecItem{
			{SKU: "A1", Title: "T A1", Price: 1000, Currency: "USD", PriceText: "$10.00", Category: "Apparel", Reason: "bestseller"},
			{SKU: "A2", Title: "T A2", Price: 1000, Currency: "USD", PriceText: "$10.00", Category: "Apparel", Reason: "bestseller"},
		},
		Fallback: true,
	}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := Recommendations(ProfileRead{}, NewCatalog(nil, testNow), testNow, 5).Items; got == nil || len(got) != 0 {
		t.Errorf("empty catalog: items = %#v, want an empty non-nil list", got)
	}
}
