package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/amplive/amplive/content"
)

// naive: one event at a time: check, read, write, insert record.
func applyEventsNaive(ctx context.Context, s *Store, events []content.Event) (applied, dups int, err error) {
	evs := make([]content.Event, len(events))
	for i, ev := range events {
		evs[i] = storedPrecision(ev)
	}
	for i, ev := range evs {
		key, _ := eventTarget(ev)
		rec, err := s.recordedEvents(ctx, evs, []int{i})
		if err != nil {
			return applied, dups, err
		}
		if len(rec) > 0 {
			dups++
			continue
		}
		changed, err := s.applyGroup(ctx, key, evs, []int{i})
		if err != nil {
			return applied, dups, err
		}
		if changed && key.coll == CollProfiles {
			s.Invalidate(key.id)
		}
		n, d, err := s.recordEvents(ctx, evs, []int{i})
		applied += n
		dups += d
		if err != nil {
			return applied, dups, err
		}
	}
	return
}

func BenchmarkApplyEventsNaive(b *testing.B) {
	const (
		batch    = 500
		profiles = 1000
	)
	s := newEventStore(b, writeSerialized, Config{})
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
		applied, dups, err := applyEventsNaive(ctx, s, evs)
		elapsed += time.Since(start)
		if err != nil || applied+dups != batch {
			b.Fatalf("ApplyEvents = %d, %d, %v", applied, dups, err)
		}
		n++
	}
	b.ReportMetric(float64(n*batch)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(n), "ms/batch")
}

func BenchmarkApplyEventsWorkers(b *testing.B) {
	const (
		batch    = 500
		profiles = 1000
	)
	for _, w := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprint("workers=", w), func(b *testing.B) {
			applyWorkers = w
			defer func() { applyWorkers = 4 }()
			s := newEventStore(b, writeSerialized, Config{})
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
		})
	}
}
