package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestOnStoreRead checks the hook sees every profile query the store is
// sent, found or not, and no cache hit.
func TestOnStoreRead(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		calls []error
	)
	s := newTestStore(t, Config{OnStoreRead: func(d time.Duration, err error) {
		if d <= 0 {
			t.Errorf("OnStoreRead duration %v, want > 0", d)
		}
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, err)
	}})
	mustSeed(t, s, testDataset())

	ctx := context.Background()
	for _, id := range []string{"cust-full", "cust-nobody", "cust-full", "cust-nobody"} {
		s.ReadProfile(ctx, id)
		s.cache.Wait()
	}
	mu.Lock()
	defer mu.Unlock()
	if got, want := uint64(len(calls)), s.Stats().StoreReads; got != want || got != 2 {
		t.Fatalf("OnStoreRead called %d times, StoreReads %d; want 2 each (found, not found; then cache hits)", got, want)
	}
	for i, err := range calls {
		if err != nil {
			t.Errorf("call %d: err %v, want nil (not found is no error)", i, err)
		}
	}
}
