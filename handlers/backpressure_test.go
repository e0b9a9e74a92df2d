package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/content"
	"github.com/amplive/amplive/handlers"
)

// slowStore is the shared store with an ApplyEvents that blocks until
// released: a fake for the back-pressure logic, which sits above the
// EventWriter interface.
type slowStore struct {
	handlers.Store
	entered chan struct{}
	release chan struct{}
}

func (s *slowStore) ApplyEvents(ctx context.Context, evs []content.Event) (int, int, error) {
	s.entered <- struct{}{}
	<-s.release
	return len(evs), 0, nil
}

// TestEventBackPressure: with the writers busy, a further batch gets a
// prompt 503 busy with Retry-After rather than waiting past the server's
// write timeout; once writers free up, batches go through.
func TestEventBackPressure(t *testing.T) {
	t.Parallel()
	st := &slowStore{Store: shared, entered: make(chan struct{}, 10), release: make(chan struct{})}
	secrets, _ := amp.ParseWebhookSecrets(webhookNew)
	policy, _ := amp.NewCORSPolicy([]string{allowedSender}, nil)
	h, err := handlers.New(handlers.Deps{
		Store: st, Tokens: amp.NewVerifier(testKeys(t), testIssuer, 0, func() time.Time { return testNow }),
		CORS: policy, Webhook: secrets, Logger: quietLogger(), Now: func() time.Time { return testNow },
		EventQueueWait: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := func(i int) string {
		return cartEvent(fmt.Sprintf("bp-%d", i), "bp", testNow.Add(-time.Minute), "GGOEGAEJ163316")
	}
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- post(t, h, body(i), webhookNew, testNow).Code
		}()
		<-st.entered // both writers are now busy
	}
	w := post(t, h, body(9), webhookNew, testNow)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("third batch: %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	assertErrorCode(t, w.Body.Bytes(), "busy")
	close(st.release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a waiting batch got %d", c)
		}
	}
	go func() { <-st.entered }()
	if w := post(t, h, body(10), webhookNew, testNow); w.Code != http.StatusOK {
		t.Errorf("after release: %d %s", w.Code, w.Body)
	}
}
