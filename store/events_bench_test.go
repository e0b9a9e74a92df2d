package store

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/amplive/amplive/content"
)

// benchEvents makes batch number b of n mixed events over profiles
// cust-000000 … cust-<profiles-1>: 70 % product_viewed, 20 % cart_updated,
// 10 % order_placed, at increasing times, with ids unique across batches.
func benchEvents(r *rand.Rand, b, n, profiles int) []content.Event {
	evs := make([]content.Event, n)
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(b*n) * time.Second)
	for i := range evs {
		id := fmt.Sprintf("bench-%d-%d", b, i)
		profile := fmt.Sprintf("cust-%06d", r.IntN(profiles))
		at := base.Add(time.Duration(i) * time.Second)
		sku := fmt.Sprintf("sku-%d", r.IntN(300))
		switch x := r.IntN(10); {
		case x < 7:
			evs[i] = viewEvent(id, profile, sku, at)
		case x < 9:
			evs[i] = cartEvent(id, profile, at, content.EventItem{SKU: sku, Qty: 1}, content.EventItem{SKU: "sku-7", Qty: 2})
		default:
			evs[i] = orderEvent(id, profile, "o-"+id, at, content.EventItem{SKU: sku, Qty: 1, Price: 2900, Currency: "USD"})
		}
	}
	return evs
}

// benchOptimistic adds the optimistic write path to BenchmarkApplyEvents.
var benchOptimistic = flag.Bool("bench-optimistic", false,
	"BenchmarkApplyEvents: measure the optimistic (MongoDB) write path on the embedded store too (about 50 s a batch)")

// BenchmarkApplyEvents measures sustained batched ingest into the embedded
// store, over the wire: batches of 500 mixed events over 1000 existing
// profiles of realistic size (about 1 KiB). It reports events/s; ms/batch is
// the time of one ApplyEvents call.
//
//	go test ./store -run '^$' -bench ApplyEvents -benchtime 20x
//
// With -bench-optimistic it also measures the optimistic path on the
// embedded store, the trap Open avoids: there every {_id, _v} write and the
// $in lookup of event ids read the whole collection.
func BenchmarkApplyEvents(b *testing.B) {
	const (
		batch    = 500
		profiles = 1000
	)
	for _, wp := range writePaths {
		if wp.path == writeOptimistic && !*benchOptimistic {
			continue
		}
		b.Run("path="+wp.name, func(b *testing.B) {
			s := newEventStore(b, wp.path, Config{})
			r := rand.New(rand.NewPCG(5, 6))
			ds := Dataset{}
			for i := range profiles {
				ds.Profiles = append(ds.Profiles, randomProfile(i, r))
			}
			mustSeed(b, s, ds)
			ctx := context.Background()
			n, elapsed := 0, time.Duration(0)
			for b.Loop() {
				evs := benchEvents(r, n, batch, profiles)
				start := time.Now()
				applied, dups, err := s.ApplyEvents(ctx, evs)
				elapsed += time.Since(start)
				if err != nil || applied+dups != batch {
					b.Fatalf("ApplyEvents = %d, %d, %v", applied, dups, err)
				}
				n++
			}
			b.ReportMetric(float64(n*batch)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(elapsed.Milliseconds())/float64(n), "ms/batch")
		})
	}
}
