package content

import "time"

// RecItem is one recommended product as amp-list renders it.
type RecItem struct {
	SKU       string `json:"sku"`
	Title     string `json:"title"`
	URL       string `json:"url"`
	Image     string `json:"image"` // "" when the product has no image
	Price     int64  `json:"price"` // minor units of Currency
	Currency  string `json:"currency"`
	PriceText string `json:"price_text"` // formatted for the reader's locale
	Category  string `json:"category"`
	Reason    string `json:"reason"` // one of the Reason constants
}

// RecommendationsBlock is the JSON answer of GET /v1/recommendations:
// {"items":[…]} for amp-list's default items="items".
type RecommendationsBlock struct {
	Items    []RecItem `json:"items"`              // never nil: an empty list is []
	Fallback bool      `json:"fallback,omitempty"` // the profile could not be read fresh
}

// Recommendations builds the recommendations block for a profile read at
// instant now, with at most limit items (see Recommend for the rules). An
// unknown profile gets bestsellers.
func Recommendations(read ProfileRead, cat *Catalog, now time.Time, limit int) RecommendationsBlock {
	var p *Profile
	if read.Known {
		p = &read.Profile
	}
	recs := Recommend(p, cat, now, limit)
	return RecommendationsBlock{Items: RecItems(recs, read.Profile.Locale), Fallback: read.Fallback}
}

// RecItems turns ranked recommendations into amp-list items with prices
// formatted for a BCP 47 locale. The result is never nil.
func RecItems(recs []Recommendation, locale string) []RecItem {
	items := make([]RecItem, 0, len(recs))
	for _, r := range recs {
		items = append(items, RecItem{
			SKU:       r.Product.SKU,
			Title:     r.Product.Title,
			URL:       r.Product.URL,
			Image:     r.Product.Image,
			Price:     r.Product.Price,
			Currency:  r.Product.Currency,
			PriceText: FormatMoney(r.Product.Price, r.Product.Currency, locale),
			Category:  r.Product.Category,
			Reason:    r.Reason,
		})
	}
	return items
}

// CartLine is one line of the cart block. PriceText is the line total
// (unit price × quantity).
type CartLine struct {
	SKU       string `json:"sku"`
	Title     string `json:"title"`
	URL       string `json:"url"`
	Image     string `json:"image"`
	Qty       int64  `json:"qty"`
	PriceText string `json:"price_text"`
}

// CartBlock is the JSON answer of GET /v1/cart. Count is the number of units
// (the sum of quantities). Subtotal is in minor units of Currency; when the
// cart mixes currencies, Subtotal is 0, Currency is "" and SubtotalText lists
// each currency's sum joined by " + ".
type CartBlock struct {
	Items        []CartLine `json:"items"` // never nil
	Count        int64      `json:"count"`
	Subtotal     int64      `json:"subtotal"`
	Currency     string     `json:"currency"`
	SubtotalText string     `json:"subtotal_text"`
	Fallback     bool       `json:"fallback,omitempty"`
}

// Cart builds the cart block of a profile read. Lines whose SKU is not in
// the catalog, or that have no price, are left out (a product withdrawn
// since it was added cannot be bought); quantities below 1 are ignored.
func Cart(read ProfileRead, cat *Catalog) CartBlock {
	b := CartBlock{Items: []CartLine{}, Fallback: read.Fallback}
	sums := map[string]int64{}
	var order []string
	for _, line := range read.Profile.Cart {
		prod, ok := cat.Product(line.SKU)
		if !ok || line.Qty < 1 || prod.Price <= 0 {
			continue
		}
		total := prod.Price * line.Qty
		b.Items = append(b.Items, CartLine{
			SKU:       prod.SKU,
			Title:     prod.Title,
			URL:       prod.URL,
			Image:     prod.Image,
			Qty:       line.Qty,
			PriceText: FormatMoney(total, prod.Currency, read.Profile.Locale),
		})
		b.Count += line.Qty
		if _, seen := sums[prod.Currency]; !seen {
			order = append(order, prod.Currency)
		}
		sums[prod.Currency] += total
	}
	switch len(order) {
	case 0:
		b.SubtotalText = ""
	case 1:
		b.Currency = order[0]
		b.Subtotal = sums[order[0]]
		b.SubtotalText = FormatMoney(b.Subtotal, b.Currency, read.Profile.Locale)
	default:
		for i, c := range order {
			if i > 0 {
				b.SubtotalText += " + "
			}
			b.SubtotalText += FormatMoney(sums[c], c, read.Profile.Locale)
		}
	}
	return b
}

// ProfileItem is the object inside the profile block, for amp-list
// single-item. For an unknown reader Known is false and the rest is empty.
type ProfileItem struct {
	Known     bool   `json:"known"`
	FirstName string `json:"first_name"`
	Tier      string `json:"tier"`
	Points    int64  `json:"points"`
	CartCount int64  `json:"cart_count"` // units in the cart
}

// ProfileBlock is the JSON answer of GET /v1/profile: {"items":{…}}.
type ProfileBlock struct {
	Items    ProfileItem `json:"items"`
	Fallback bool        `json:"fallback,omitempty"`
}

// ProfileSummary builds the profile block of a profile read. CartCount
// counts the same lines as the cart block (see Cart).
func ProfileSummary(read ProfileRead, cat *Catalog) ProfileBlock {
	b := ProfileBlock{Fallback: read.Fallback}
	if !read.Known {
		return b
	}
	p := read.Profile
	b.Items = ProfileItem{
		Known:     true,
		FirstName: p.FirstName,
		Tier:      p.Loyalty.Tier,
		Points:    p.Loyalty.Points,
		CartCount: Cart(read, cat).Count,
	}
	return b
}
