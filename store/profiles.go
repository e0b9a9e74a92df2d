package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/amplive/amplive/content"
)

// errClosed is the fetch error after Close.
var errClosed = errors.New("store: closed")

// ReadProfile returns what the store knows about profile id. It never fails
// and never blocks longer than cfg.Deadline (or ctx, if sooner):
//   - a cached read younger than ProfileTTL is returned as is (found or
//     not), without asking MongoDB;
//   - otherwise the profile is read by _id, under the deadline, with
//     concurrent reads of one id sharing a single query; the result,
//     including "not found", is cached for StaleFor;
//   - when that read fails or times out, the answer is the last good copy
//     (Known as it was) if one is cached, else Known false, and in both
//     cases Fallback is true.
//
// An empty id is unknown (Known false, Fallback false) without a store read.
// The returned Profile's slices and map are shared with the cache: treat
// them as read-only. Times are UTC, with millisecond precision.
func (s *Store) ReadProfile(ctx context.Context, id string) content.ProfileRead {
	if id == "" {
		return content.ProfileRead{}
	}
	if s.isClosed.Load() {
		s.fallback(errClosed)
		return content.ProfileRead{Fallback: true}
	}
	cached, ok := s.cache.Get(id)
	if ok && time.Since(cached.fetchedAt) < s.cfg.ProfileTTL {
		s.hits.Add(1)
		return cached.read(false)
	}
	s.misses.Add(1)

	ctx, cancel := context.WithTimeout(ctx, s.cfg.Deadline)
	defer cancel()
	var err error
	select {
	case r := <-s.flight.DoChan(id, func() (any, error) { return s.fetchProfile(id) }):
		if r.Err == nil {
			return r.Val.(*profileEntry).read(false)
		}
		err = r.Err
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.fallback(err)
	if ok {
		return cached.read(true)
	}
	return content.ProfileRead{Fallback: true}
}

// fetchProfile reads one profile by _id and caches the outcome. It runs
// once per id at a time (singleflight), detached from any one caller: it
// is bounded by cfg.Deadline and cancelled by Close.
func (s *Store) fetchProfile(id string) (*profileEntry, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errClosed
	}
	s.fetches.Add(1)
	s.mu.Unlock()
	defer s.fetches.Done()

	// A caller that missed the cache just before the previous flight for id
	// stored its result starts a new flight: it finds that result here
	// instead of reading the store again (100 concurrent misses: one read).
	if cached, ok := s.cache.Get(id); ok && time.Since(cached.fetchedAt) < s.cfg.ProfileTTL {
		return cached, nil
	}
	gen := s.gens.of(id)
	g0 := gen.Load()
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Deadline)
	defer cancel()

	s.storeReads.Add(1)
	if s.beforeFetch != nil {
		s.beforeFetch()
	}
	start := time.Now()
	raw, err := s.db.Collection(CollProfiles).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if s.cfg.OnStoreRead != nil {
		qerr := err
		if errors.Is(qerr, mongo.ErrNoDocuments) {
			qerr = nil
		}
		s.cfg.OnStoreRead(time.Since(start), qerr)
	}
	e := &profileEntry{fetchedAt: time.Now()}
	cost := int64(entryOverhead + len(id))
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
	case err != nil:
		s.storeErrors.Add(1)
		return nil, err
	default:
		if err := bson.Unmarshal(raw, &e.profile); err != nil {
			s.storeErrors.Add(1)
			return nil, fmt.Errorf("decode profile: %w", err)
		}
		e.found = true
		cost += int64(len(raw))
	}
	if gen.Load() == g0 {
		s.cache.SetWithTTL(id, e, cost, s.cfg.StaleFor)
		s.cache.Wait() // stored before the flight ends: see the check above
	}
	return e, nil
}

// fallback counts a fallback answer and logs it, at most once a second
// (with the number of fallbacks since the previous line). A caller that
// gave up (its context cancelled) is counted but not logged: that is not
// the store's fault. The log never names the profile.
func (s *Store) fallback(err error) {
	s.fallbacks.Add(1)
	if errors.Is(err, context.Canceled) {
		return
	}
	if ok, n := s.fallbackLog.allow(time.Now()); ok {
		reason := "error"
		if errors.Is(err, context.DeadlineExceeded) || mongo.IsTimeout(err) {
			reason = "deadline"
		}
		s.log.Warn("profile reads answered from fallback: store slow or failing",
			"reason", reason, "error", err.Error(), "fallbacks", n, "deadline_ms", s.cfg.Deadline.Milliseconds())
	}
}

// Invalidate forgets the cached read of profileID, so that the next
// ReadProfile goes to the store; a read already in flight for it does not
// refill the cache. Call it after writing anything about the profile.
func (s *Store) Invalidate(profileID string) {
	if s.isClosed.Load() {
		return
	}
	s.gens.of(profileID).Add(1)
	s.flight.Forget(profileID)
	s.cache.Del(profileID)
}
