package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/amplive/amplive/content"
)

// ErrInvalidEvent is wrapped by the error ApplyEvents returns, before writing
// anything, for an event it cannot route: an empty id, an unknown type, or no
// target id (profile_id, the product's SKU, the campaign's id). Callers
// validate events first (content.ParseEvents), so it means a programming error.
var ErrInvalidEvent = errors.New("store: invalid event")

// eventsChunk bounds the ids of one events query ($in, on MongoDB) and the
// records of one insertMany.
const eventsChunk = 1000

// applyWorkers is how many documents (and, on the embedded store, event id
// lookups) one ApplyEvents call works on at once. Each is a chain of round
// trips, so overlapping a few keeps the store busy. On the embedded store
// (2 vCPUs, BenchmarkApplyEvents) 1 worker ingested about 470 events/s and
// 2 to 8 about 640, where FerretDB's CPU and SQLite's single writer
// (Store.sqliteWrites) cap it; on MongoDB, round-trip latency dominates and
// more overlap pays off until the server is busy.
const applyWorkers = 4

// eventRecord is a document of the events collection: the proof that an
// event was applied, keyed by the sender's event id.
type eventRecord struct {
	ID         string    `bson:"_id"`
	Type       string    `bson:"type"`
	ProfileID  string    `bson:"profile_id,omitempty"`
	At         time.Time `bson:"at"`          // when it happened (UTC, ms)
	ReceivedAt time.Time `bson:"received_at"` // when it was applied (UTC)
}

// docKey names the one document an event changes.
type docKey struct{ coll, id string }

// docGroup is the events of one batch that change one document, in batch
// order, by index into the batch.
type docGroup struct {
	key    docKey
	events []int
}

// ApplyEvents applies validated events (content.ParseEvents) to the stored
// profiles, products and campaigns, and reports how many it applied and how
// many it skipped as duplicates. Each event takes effect once, by its
// sender's id:
//   - an id recorded in the events collection before, or earlier in the same
//     batch, is a duplicate: acknowledged, counted, not applied;
//   - otherwise the event is applied, and only once every write it caused is
//     acknowledged is it recorded ({_id, type, profile_id, at, received_at});
//     an id recorded meanwhile by a concurrent retry counts as a duplicate.
//     Applying before recording is safe because applying is idempotent
//     (content.Apply*Event: last writer wins by event time per field, views
//     and purchases merge without duplicates).
//
// The batch is grouped by document: each profile (or product, campaign) is
// read by _id once, gets its events in batch order, and is written back
// once, only if something changed (an event may create it); up to 4
// documents are worked on at once. An applied event that changed nothing (a
// late cart snapshot) counts as applied. Event times are
// truncated to milliseconds first, the precision they are stored with, so
// that a re-applied event compares equal to its stored effect.
//
// Concurrent calls are safe and lose no update. Within this process, the
// writes to one document are serialized (a striped lock per document). On
// MongoDB each write is moreover conditional on the version read (field _v,
// incremented by every write) and retried on conflict, up to 20 times with
// jittered backoff, so replicas sharing the database lose no update either.
// On FerretDB (the embedded store), where any filter other than _id alone
// scans the whole collection and a filtered update is not atomic, writes
// filter on _id only and the in-process lock is the only guard: there a
// single amplive process must be the only writer.
//
// Read-your-writes: every write uses write concern "majority" (on a replica
// set acknowledged by a majority of members; on a standalone server or
// FerretDB, by the server) and is read from the primary; each profile's
// cached read is invalidated as soon as its write is acknowledged, and a
// batch that changed products or campaigns reloads the in-memory snapshots
// (Refresh) before returning. So a ReadProfile, Catalog or Campaign call
// that starts after ApplyEvents returns sees the events, provided
// ReadProfile reads from the primary (the client's default read preference).
//
// Errors: an event that cannot be routed aborts before anything is written
// (ErrInvalidEvent). A store error (or ctx ending) stops the batch: the
// counts say what was applied and recorded or found duplicate until then,
// and events not counted were not recorded, so sending the batch again is
// harmless. A failed snapshot reload after the writes is returned too (the
// events are then recorded; the background refresh catches up). Errors name
// the server and the collection, never a profile. After Close the error is
// errClosed. ApplyEvents sets no deadline of its own.
func (s *Store) ApplyEvents(ctx context.Context, events []content.Event) (applied, duplicates int, err error) {
	if len(events) == 0 {
		return 0, 0, nil
	}
	if s.isClosed.Load() {
		return 0, 0, errClosed
	}
	defer func() {
		s.eventsApplied.Add(uint64(applied))
		s.eventsDuplicate.Add(uint64(duplicates))
	}()

	// Route and normalize every event before writing anything.
	evs := make([]content.Event, len(events))
	keys := make([]docKey, len(events))
	for i, ev := range events {
		key, err := eventTarget(ev)
		if err != nil {
			return 0, 0, fmt.Errorf("%w %d: %v", ErrInvalidEvent, i, err)
		}
		evs[i], keys[i] = storedPrecision(ev), key
	}

	// Duplicates within the batch, then ids recorded before.
	fresh := make([]int, 0, len(evs))
	seen := make(map[string]struct{}, len(evs))
	for i, ev := range evs {
		if _, dup := seen[ev.ID]; dup {
			duplicates++
			continue
		}
		seen[ev.ID] = struct{}{}
		fresh = append(fresh, i)
	}
	recorded, err := s.recordedEvents(ctx, evs, fresh)
	if err != nil {
		return 0, duplicates, fmt.Errorf("store: read event ids from %s: %w", s.uri, err)
	}
	todo := fresh[:0]
	for _, i := range fresh {
		if _, ok := recorded[evs[i].ID]; ok {
			duplicates++
			continue
		}
		todo = append(todo, i)
	}

	// Apply, a few documents at a time, then record what was applied.
	groups := groupByDoc(keys, todo)
	changed := make([]bool, len(groups))
	ok, applyErr := parallel(len(groups), applyWorkers, func(i int) error {
		g := groups[i]
		c, err := s.applyGroup(ctx, g.key, evs, g.events)
		if g.key.coll == CollProfiles && (c || err != nil) {
			s.Invalidate(g.key.id) // after an error too: the write may have happened
		}
		if err != nil {
			return fmt.Errorf("store: apply events to %s on %s: %w", g.key.coll, s.uri, err)
		}
		if c && s.afterWrite != nil {
			s.afterWrite()
		}
		changed[i] = c
		return nil
	})
	done := make([]int, 0, len(todo)) // events whose writes are acknowledged
	catalogChanged := false
	for i, g := range groups {
		if ok[i] {
			done = append(done, g.events...)
			catalogChanged = catalogChanged || changed[i] && g.key.coll != CollProfiles
		}
	}

	n, dups, recordErr := s.recordEvents(ctx, evs, done)
	applied, duplicates = n, duplicates+dups
	if recordErr != nil {
		recordErr = fmt.Errorf("store: record events on %s: %w", s.uri, recordErr)
	}
	var refreshErr error
	if catalogChanged {
		if err := s.Refresh(ctx); err != nil {
			refreshErr = fmt.Errorf("store: products or campaigns changed, but reloading them failed: %w", err)
		}
	}
	return applied, duplicates, errors.Join(applyErr, recordErr, refreshErr)
}

// eventTarget returns the document ev changes.
func eventTarget(ev content.Event) (docKey, error) {
	if ev.ID == "" {
		return docKey{}, errors.New("empty id")
	}
	var key docKey
	switch ev.Type {
	case content.EventProductViewed, content.EventCartUpdated, content.EventOrderPlaced, content.EventProfileUpdated:
		key = docKey{CollProfiles, ev.ProfileID}
	case content.EventProductUpdated:
		if ev.Product != nil {
			key = docKey{CollProducts, ev.Product.SKU}
		}
	case content.EventCampaignUpdated:
		if ev.Campaign != nil {
			key = docKey{CollCampaigns, ev.Campaign.ID}
		}
	default:
		return docKey{}, fmt.Errorf("unknown type %q", ev.Type)
	}
	if key.id == "" {
		return docKey{}, fmt.Errorf("%s event without a target id", ev.Type)
	}
	return key, nil
}

// storedPrecision returns ev with its times in UTC, truncated to the
// millisecond precision of BSON dates, so that last-writer-wins and merges
// compare an event with what an earlier application of it stored.
func storedPrecision(ev content.Event) content.Event {
	ev.At = ev.At.UTC().Truncate(time.Millisecond)
	if c := ev.Campaign; c != nil && c.EndsAt != nil {
		cp, t := *c, c.EndsAt.UTC().Truncate(time.Millisecond)
		cp.EndsAt = &t
		ev.Campaign = &cp
	}
	return ev
}

// groupByDoc groups the events idx by document, groups in the order of
// their first event, events in batch order.
func groupByDoc(keys []docKey, idx []int) []docGroup {
	at := make(map[docKey]int, len(idx))
	var groups []docGroup
	for _, i := range idx {
		g, ok := at[keys[i]]
		if !ok {
			g = len(groups)
			at[keys[i]] = g
			groups = append(groups, docGroup{key: keys[i]})
		}
		groups[g].events = append(groups[g].events, i)
	}
	return groups
}

// applyGroup applies evs[idx...] to the document key, on the store's write
// path, and reports whether it wrote the document.
func (s *Store) applyGroup(ctx context.Context, key docKey, evs []content.Event, idx []int) (bool, error) {
	switch key.coll {
	case CollProfiles:
		return applyDoc(ctx, s, profileDocs, key.id, evs, idx)
	case CollProducts:
		return applyDoc(ctx, s, productDocs, key.id, evs, idx)
	default:
		return applyDoc(ctx, s, campaignDocs, key.id, evs, idx)
	}
}

// docKind is how ApplyEvents changes the documents of one collection,
// decoded as T. A document that does not exist yet starts as the zero T
// (the apply function sets its id).
type docKind[T any] struct {
	coll  string
	apply func(*T, content.Event) bool // content.Apply*Event
}

var (
	profileDocs  = docKind[content.Profile]{coll: CollProfiles, apply: content.ApplyProfileEvent}
	productDocs  = docKind[content.Product]{coll: CollProducts, apply: content.ApplyProductEvent}
	campaignDocs = docKind[content.Campaign]{coll: CollCampaigns, apply: content.ApplyCampaignEvent}
)

// versioned is a stored document with its version: the content type's
// fields inline, plus _v, which every ApplyEvents write increments. Other
// readers decode the content type alone and ignore _v.
type versioned[T any] struct {
	Doc T     `bson:",inline"`
	V   int64 `bson:"_v"`
}

// current is a document as ApplyEvents read it.
type current[T any] struct {
	doc    T
	found  bool  // the document exists
	ver    int64 // its _v, 0 when it has none
	hasVer bool  // it has a _v field (documents written by Seed have none)
}

// applyDoc applies evs[idx...] to document id of kind k on the store's
// write path and reports whether it wrote the document. Both paths hold the
// document's in-process lock: on the serialized path it is what makes the
// read-modify-write safe; on the optimistic path it queues this process's
// writers of one document instead of letting them collide and retry, which
// leaves conflicts to writers in other processes.
func applyDoc[T any](ctx context.Context, s *Store, k docKind[T], id string, evs []content.Event, idx []int) (bool, error) {
	mu := s.docLocks.of(k.coll, id)
	mu.Lock()
	defer mu.Unlock()
	if s.serialized {
		return applySerialized(ctx, s, k, id, evs, idx)
	}
	return applyOptimistic(ctx, s, k, id, evs, idx)
}

// readCurrent reads document id of kind k by _id alone; a missing one is
// the zero T, not found.
func readCurrent[T any](ctx context.Context, coll *mongo.Collection, k docKind[T], id string) (current[T], error) {
	raw, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return current[T]{}, nil
	}
	if err != nil {
		return current[T]{}, err
	}
	var v versioned[T]
	if err := bson.Unmarshal(raw, &v); err != nil {
		return current[T]{}, fmt.Errorf("decode %s document: %w", k.coll, err)
	}
	_, verErr := raw.LookupErr("_v")
	return current[T]{doc: v.Doc, found: true, ver: v.V, hasVer: verErr == nil}, nil
}

// applyAll applies evs[idx...] to doc in order and reports whether any of
// them changed it.
func applyAll[T any](k docKind[T], doc *T, evs []content.Event, idx []int) bool {
	changed := false
	for _, i := range idx {
		if k.apply(doc, evs[i]) {
			changed = true
		}
	}
	return changed
}

// writeColl is collection name set up for ApplyEvents and LookupProfile:
// write concern majority, reads from the primary.
func (s *Store) writeColl(name string) *mongo.Collection {
	return s.db.Collection(name, options.Collection().
		SetWriteConcern(writeconcern.Majority()).
		SetReadPreference(readpref.Primary()))
}

// recordedEvents returns which of the events evs[idx...] are recorded in
// the events collection. The serialized (FerretDB) path asks by _id, one
// event at a time, as any other filter scans the whole collection there;
// the optimistic (MongoDB) path asks with $in, up to eventsChunk ids at once.
func (s *Store) recordedEvents(ctx context.Context, evs []content.Event, idx []int) (map[string]struct{}, error) {
	coll := s.writeColl(CollEvents)
	found := make(map[string]struct{})
	if s.serialized {
		hit := make([]bool, len(idx))
		_, err := parallel(len(idx), applyWorkers, func(j int) error {
			err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: evs[idx[j]].ID}},
				options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
			if errors.Is(err, mongo.ErrNoDocuments) {
				return nil
			}
			hit[j] = err == nil
			return err
		})
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			if hit[j] {
				found[evs[i].ID] = struct{}{}
			}
		}
		return found, nil
	}
	for start := 0; start < len(idx); start += eventsChunk {
		chunk := idx[start:min(start+eventsChunk, len(idx))]
		ids := make([]string, len(chunk))
		for j, i := range chunk {
			ids[j] = evs[i].ID
		}
		cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return nil, err
		}
		var got []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &got); err != nil {
			return nil, err
		}
		for _, r := range got {
			found[r.ID] = struct{}{}
		}
	}
	return found, nil
}

// recordEvents records the events evs[idx...] as applied, with unordered
// insertMany commands of up to eventsChunk records, and returns how many it
// recorded and how many were recorded already (a concurrent retry's
// duplicate key). On error, the count covers the chunks before the failing one.
func (s *Store) recordEvents(ctx context.Context, evs []content.Event, idx []int) (recorded, dups int, err error) {
	if len(idx) == 0 {
		return 0, 0, nil
	}
	coll := s.writeColl(CollEvents)
	now := time.Now().UTC()
	for start := 0; start < len(idx); start += eventsChunk {
		chunk := idx[start:min(start+eventsChunk, len(idx))]
		docs := make([]any, len(chunk))
		for j, i := range chunk {
			ev := evs[i]
			docs[j] = eventRecord{ID: ev.ID, Type: ev.Type, ProfileID: ev.ProfileID, At: ev.At, ReceivedAt: now}
		}
		if s.serialized {
			s.sqliteWrites.Lock()
		}
		_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		if s.serialized {
			s.sqliteWrites.Unlock()
		}
		d, err := countDuplicates(err)
		if err != nil {
			return recorded, dups, err
		}
		recorded += len(chunk) - int(d)
		dups += int(d)
	}
	return recorded, dups, nil
}

// LookupProfile reads profile id straight from the store, bypassing (and
// not filling) the cache, with every field's event time in FieldTimes: the
// admin view. It reads from the primary, so it sees every write ApplyEvents
// has acknowledged. found is false, with a nil error, when the store holds no
// such profile (or id is empty). Times are UTC with millisecond precision.
// ctx bounds the read; there is no other deadline. After Close the error is
// errClosed.
func (s *Store) LookupProfile(ctx context.Context, id string) (p content.Profile, found bool, err error) {
	if id == "" {
		return content.Profile{}, false, nil
	}
	if s.isClosed.Load() {
		return content.Profile{}, false, errClosed
	}
	err = s.writeColl(CollProfiles).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&p)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return content.Profile{}, false, nil
	case err != nil:
		return content.Profile{}, false, fmt.Errorf("store: read profile from %s: %w", s.uri, err)
	}
	return p, true, nil
}

// writePath is how ApplyEvents keeps concurrent writes to one document from
// losing updates.
type writePath int

const (
	// writeAuto lets Open choose: serialized on FerretDB (the embedded store,
	// or a URI that turns out to point at FerretDB), optimistic otherwise.
	writeAuto writePath = iota
	// writeSerialized locks each document in-process (docLocks) around an
	// _id-only read and upsert.
	writeSerialized
	// writeOptimistic writes conditionally on the version read, and retries.
	writeOptimistic
)

// chooseWritePath decides, for Open, whether ApplyEvents serializes writes
// in-process (true) or writes optimistically (false); see writePath. A
// FerretDB server reached by URI gets the serialized path and a WARN: its
// filtered updates are not atomic, so only one process may write to it.
func chooseWritePath(ctx context.Context, cfg Config, client *mongo.Client, log *slog.Logger) (bool, error) {
	switch cfg.writePath {
	case writeSerialized:
		return true, nil
	case writeOptimistic:
		return false, nil
	}
	if cfg.sqliteDir != "" {
		return true, nil
	}
	raw, err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		return false, fmt.Errorf("buildInfo: %w", err)
	}
	if _, err := raw.LookupErr("ferretdbVersion"); err == nil {
		log.Warn("the MongoDB URI points at FerretDB: event writes are serialized in this process, so run only one amplive process that writes events against it")
		return true, nil
	}
	return false, nil
}

// parallel calls fn(0) … fn(n-1) on up to workers goroutines and waits for
// them. After a call fails it starts no more. ok[i] reports that fn(i) ran
// and returned nil; err is the first error returned.
func parallel(n, workers int, fn func(i int) error) (ok []bool, err error) {
	ok = make([]bool, n)
	var (
		next   atomic.Int64
		failed atomic.Bool
		first  sync.Once
		wg     sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if e := fn(i); e != nil {
					failed.Store(true)
					first.Do(func() { err = e })
					return
				}
				ok[i] = true
			}
		})
	}
	wg.Wait()
	return ok, err
}
