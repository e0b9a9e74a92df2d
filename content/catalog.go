package content

import (
	"sort"
	"strings"
	"time"
)

// Catalog is an immutable, indexed snapshot of the products. Build one with
// NewCatalog and replace it whole when the catalog changes; readers may share
// one Catalog across goroutines without locks.
type Catalog struct {
	bySKU       map[string]*Product
	bestsellers []*Product            // sellable products, most popular first, ties by SKU
	byCategory  map[string][]*Product // the same order, per category
	maxPop      int64                 // the highest popularity, for normalising
	loadedAt    time.Time
}

// NewCatalog indexes products by SKU. A later duplicate SKU replaces an
// earlier one. loadedAt (UTC) records when the snapshot was read.
func NewCatalog(products []Product, loadedAt time.Time) *Catalog {
	c := &Catalog{
		bySKU:      make(map[string]*Product, len(products)),
		byCategory: make(map[string][]*Product),
		loadedAt:   loadedAt,
	}
	for i := range products {
		p := products[i]
		c.bySKU[p.SKU] = &p
	}
	for _, p := range c.bySKU {
		if p.Sellable() {
			c.bestsellers = append(c.bestsellers, p)
		}
	}
	sort.Slice(c.bestsellers, func(i, j int) bool {
		a, b := c.bestsellers[i], c.bestsellers[j]
		if a.Popularity != b.Popularity {
			return a.Popularity > b.Popularity
		}
		return a.SKU < b.SKU
	})
	for _, p := range c.bestsellers {
		c.byCategory[p.Category] = append(c.byCategory[p.Category], p)
		c.maxPop = max(c.maxPop, p.Popularity)
	}
	return c
}

// Product returns the product with the given SKU and whether it exists.
func (c *Catalog) Product(sku string) (*Product, bool) {
	if c == nil {
		return nil, false
	}
	p, ok := c.bySKU[sku]
	return p, ok
}

// Len is the number of products, sellable or not.
func (c *Catalog) Len() int {
	if c == nil {
		return 0
	}
	return len(c.bySKU)
}

// Bestsellers returns the sellable products, most popular first. The slice
// is shared: callers must not modify it.
func (c *Catalog) Bestsellers() []*Product {
	if c == nil {
		return nil
	}
	return c.bestsellers
}

// CategoryBestsellers returns the sellable products of one category, most
// popular first. The slice is shared: callers must not modify it.
func (c *Catalog) CategoryBestsellers(category string) []*Product {
	if c == nil {
		return nil
	}
	return c.byCategory[category]
}

// Category returns the catalog's spelling of the category named name,
// compared case-insensitively ("apparel" → "Apparel"), and whether the
// catalog has sellable products in it.
func (c *Catalog) Category(name string) (string, bool) {
	if c == nil {
		return "", false
	}
	if _, ok := c.byCategory[name]; ok {
		return name, true
	}
	for k := range c.byCategory {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// LoadedAt is when the snapshot was read from the store (UTC).
func (c *Catalog) LoadedAt() time.Time {
	if c == nil {
		return time.Time{}
	}
	return c.loadedAt
}
