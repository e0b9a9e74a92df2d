package content

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
)

// Reasons a product is recommended, as sent in the "reason" field.
const (
	ReasonViewed        = "viewed"         // the reader looked at this very product
	ReasonViewedSimilar = "viewed_similar" // from a category the reader browsed
	ReasonCartSimilar   = "cart_similar"   // from a category of the reader's cart
	ReasonBoughtSimilar = "bought_similar" // from a category the reader bought from
	ReasonBestseller    = "bestseller"     // popular overall; the reader gave no signal for it
)

// Limits on how many recommendations one answer holds.
const (
	DefaultRecommendations = 8
	MaxRecommendations     = 20
)

// AffinityHalfLife is how fast a signal fades: a view, cart line or
// purchase this old counts half as much as one made now.
const AffinityHalfLife = 14 * 24 * time.Hour

// Signal weights: a cart line says more than a purchase (already satisfied),
// which says more than a view.
const (
	weightView     = 1.0
	weightCart     = 3.0
	weightPurchase = 2.0
)

// Recommendation is one ranked product and why it was chosen.
type Recommendation struct {
	Product *Product
	Reason  string  // one of the Reason constants
	Score   float64 // higher ranks first; comparable only within one answer
}

// signal sources, for naming the reason of a category match.
const (
	srcView = iota
	srcCart
	srcPurchase
)

type affinity struct {
	total float64
	by    [3]float64 // per source
}

// Recommend ranks up to limit products for profile p (nil for an unknown
// reader) at instant now. Only sellable products (in stock and priced) are
// shown; what is in the cart or was bought is left out. Products score by
// recency-weighted affinity to their category (views, cart lines, purchases,
// fading with AffinityHalfLife), with a bonus for products the reader viewed
// and a small one for popularity. At most a third of the answer (at least 2)
// comes from one category, unless too few others qualify. With no signals the
// answer is the bestsellers. The result is deterministic for the same inputs.
// limit ≤ 0 means DefaultRecommendations; it is capped at MaxRecommendations.
func Recommend(p *Profile, cat *Catalog, now time.Time, limit int) []Recommendation {
	if limit <= 0 {
		limit = DefaultRecommendations
	}
	return newSignals(p, cat, now).recommend(cat, min(limit, MaxRecommendations))
}

// recommend is Recommend's ranking from signals already worked out.
func (sig signals) recommend(cat *Catalog, limit int) []Recommendation {
	cands := candidates(cat, sig.aff, sig.viewed, sig.excluded, limit)
	return pickVaried(sig.rank(cat, cands), limit)
}

// RecommendPage is the page-th (from 1) page of size recommendations for p
// (nil for an unknown reader) and whether a further page exists. It serves
// "show me more" forms, so it ranks every sellable product, as Recommend
// ranks them but without the per-category cap. Without a category, page 1
// is exactly Recommend(p, cat, now, size) — the email's own list when the
// list block asks for size items — and later pages rank everything else, so
// "more" continues that list with nothing shown twice or skipped. With a
// category (matched case-insensitively, see Catalog.Category) the pages rank
// that category alone; an unknown category has no pages.
func RecommendPage(p *Profile, cat *Catalog, now time.Time, category string, page, size int) (recs []Recommendation, hasMore bool) {
	if page < 1 || size < 1 {
		return nil, false
	}
	sig := newSignals(p, cat, now)
	var ranked []Recommendation
	pool := cat.Bestsellers()
	if category != "" {
		name, ok := cat.Category(category)
		if !ok {
			return nil, false
		}
		pool = cat.CategoryBestsellers(name)
	} else {
		ranked = sig.recommend(cat, min(size, MaxRecommendations)) // = Recommend(p, cat, now, size)
	}
	shown := make(map[string]bool, len(ranked))
	for _, r := range ranked {
		shown[r.Product.SKU] = true
	}
	cands := make([]*Product, 0, len(pool))
	for _, prod := range pool {
		if !sig.excluded[prod.SKU] && !shown[prod.SKU] {
			cands = append(cands, prod)
		}
	}
	ranked = append(ranked, sig.rank(cat, cands)...)
	from := (page - 1) * size
	if from >= len(ranked) {
		return nil, false
	}
	to := min(from+size, len(ranked))
	return ranked[from:to], to < len(ranked)
}

// signals are what a profile says about its reader's interests at now.
type signals struct {
	excluded map[string]bool      // in the cart or bought: never recommended
	aff      map[string]*affinity // per category
	viewed   map[string]float64   // per SKU, recency-weighted
	maxAff   float64
}

func newSignals(p *Profile, cat *Catalog, now time.Time) signals {
	sig := signals{aff: make(map[string]*affinity, 8)}
	if p != nil {
		sig.excluded = make(map[string]bool, len(p.Cart)+len(p.Purchases))
		sig.viewed = make(map[string]float64, len(p.RecentViews))
		for _, c := range p.Cart {
			sig.excluded[c.SKU] = true
			addAffinity(sig.aff, cat, c.SKU, srcCart, weightCart*decay(now, c.AddedAt))
		}
		for _, b := range p.Purchases {
			sig.excluded[b.SKU] = true
			addAffinity(sig.aff, cat, b.SKU, srcPurchase, weightPurchase*decay(now, b.At))
		}
		for _, v := range p.RecentViews {
			d := decay(now, v.At)
			sig.viewed[v.SKU] += d
			addAffinity(sig.aff, cat, v.SKU, srcView, weightView*d)
		}
	}
	for _, a := range sig.aff {
		sig.maxAff = max(sig.maxAff, a.total)
	}
	return sig
}

// rank scores cands and sorts them best first (ties by SKU).
func (sig signals) rank(cat *Catalog, cands []*Product) []Recommendation {
	recs := make([]Recommendation, 0, len(cands))
	for _, prod := range cands {
		r := Recommendation{Product: prod, Reason: ReasonBestseller}
		if a := sig.aff[prod.Category]; a != nil && sig.maxAff > 0 {
			r.Score += a.total / sig.maxAff
			r.Reason = a.reason()
		}
		if v := sig.viewed[prod.SKU]; v > 0 {
			r.Score += 0.5 * min(1, v)
			r.Reason = ReasonViewed
		}
		if cat.maxPop > 0 {
			r.Score += 0.1 * float64(prod.Popularity) / float64(cat.maxPop)
		}
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b Recommendation) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(a.Product.SKU, b.Product.SKU))
	})
	return recs
}

// decay is the weight of a signal made at t, seen at now: 1 for now (or a
// future time, from clock skew), ½ one half-life ago.
func decay(now, t time.Time) float64 {
	age := now.Sub(t)
	if age <= 0 {
		return 1
	}
	return math.Exp2(-float64(age) / float64(AffinityHalfLife))
}

func addAffinity(aff map[string]*affinity, cat *Catalog, sku string, src int, w float64) {
	prod, ok := cat.Product(sku)
	if !ok || prod.Category == "" {
		return
	}
	a := aff[prod.Category]
	if a == nil {
		a = &affinity{}
		aff[prod.Category] = a
	}
	a.total += w
	a.by[src] += w
}

func (a *affinity) reason() string {
	switch {
	case a.by[srcCart] >= a.by[srcView] && a.by[srcCart] >= a.by[srcPurchase]:
		return ReasonCartSimilar
	case a.by[srcPurchase] > a.by[srcView]:
		return ReasonBoughtSimilar
	default:
		return ReasonViewedSimilar
	}
}

// candidates gathers the few products that can make the top limit without
// scoring the whole catalog: the most popular ones of each category with
// affinity, the viewed ones, and the overall bestsellers.
func candidates(cat *Catalog, aff map[string]*affinity, viewed map[string]float64, excluded map[string]bool, limit int) []*Product {
	seen := make(map[string]bool, (len(aff)+4)*limit+len(viewed))
	out := make([]*Product, 0, (len(aff)+4)*limit+len(viewed))
	take := func(list []*Product, n int) {
		for _, p := range list {
			if n == 0 {
				return
			}
			if excluded[p.SKU] || seen[p.SKU] || !p.Sellable() {
				continue
			}
			seen[p.SKU] = true
			out = append(out, p)
			n--
		}
	}
	for c := range aff {
		take(cat.CategoryBestsellers(c), limit)
	}
	for sku := range viewed {
		if p, ok := cat.Product(sku); ok {
			take([]*Product{p}, 1)
		}
	}
	// Enough bestsellers to fill the answer under the per-category cap.
	take(cat.Bestsellers(), 3*limit)
	return out
}

// pickVaried takes the best-scored recommendations, at most perCategory(limit)
// from any one category; if that leaves the answer short, it fills it with the
// best of the rest.
func pickVaried(recs []Recommendation, limit int) []Recommendation {
	capPer := max(2, (limit+2)/3)
	perCat := map[string]int{}
	picked := make([]bool, len(recs))
	out := make([]Recommendation, 0, limit)
	for i, r := range recs {
		if len(out) == limit {
			break
		}
		if perCat[r.Product.Category] < capPer {
			perCat[r.Product.Category]++
			picked[i] = true
			out = append(out, r)
		}
	}
	for i, r := range recs {
		if len(out) == limit {
			break
		}
		if !picked[i] {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Recommendation) int { return cmp.Compare(b.Score, a.Score) })
	return out
}
