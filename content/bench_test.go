package content

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// benchReader is a reader with a realistic history over a catalog of 300
// products: 30 views, 3 cart lines, 5 purchases.
func benchReader() (ProfileRead, *Catalog) {
	var products []Product
	cats := []string{"Apparel", "Bags", "Drinkware", "Office", "Lifestyle"}
	for i := range 300 {
		products = append(products, Product{SKU: fmt.Sprintf("SKU%03d", i), Title: fmt.Sprintf("Product %d", i), Category: cats[i%len(cats)],
			Popularity: int64(1000 - i), Price: int64(1000 + i), Currency: "USD", Stock: 5, URL: "https://shop.example/p", Image: "https://shop.example/i.jpg"})
	}
	p := Profile{ID: "bench", Locale: "en-US"}
	for i := range 30 {
		p.RecentViews = append(p.RecentViews, View{SKU: fmt.Sprintf("SKU%03d", i*7%300), At: testNow.Add(-time.Duration(i) * time.Hour)})
	}
	for i := range 3 {
		p.Cart = append(p.Cart, CartItem{SKU: fmt.Sprintf("SKU%03d", 100+i), Qty: 1, AddedAt: testNow.Add(-time.Hour)})
	}
	for i := range 5 {
		p.Purchases = append(p.Purchases, Purchase{SKU: fmt.Sprintf("SKU%03d", 200+i), OrderID: "o", At: testNow.Add(-24 * time.Hour)})
	}
	return ProfileRead{Profile: p, Known: true}, NewCatalog(products, testNow)
}

// BenchmarkRecommend is the ranking of one open: 8 recommendations from a
// 300-product catalog for a reader with history.
func BenchmarkRecommend(b *testing.B) {
	read, cat := benchReader()
	b.ReportAllocs()
	for b.Loop() {
		Recommendations(read, cat, testNow, DefaultRecommendations)
	}
}

// BenchmarkRecommendationsJSON is encoding that answer (encoding/json, as
// the handlers do on a memo miss).
func BenchmarkRecommendationsJSON(b *testing.B) {
	read, cat := benchReader()
	block := Recommendations(read, cat, testNow, DefaultRecommendations)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(block); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCountdown is one countdown answer: DST-aware arithmetic,
// localized labels and the end time in the campaign's zone.
func BenchmarkCountdown(b *testing.B) {
	c := Campaign{ID: "sale", EndsAt: testNow.Add(50 * time.Hour), TimeZone: "Europe/Berlin"}
	b.ReportAllocs()
	for b.Loop() {
		Countdown(c, testNow, "", "de-DE")
	}
}
