package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/amplive/amplive/content"
)

// Retry bounds of the optimistic write path.
const (
	maxWriteAttempts = 20                    // reads and conditional writes of one document per ApplyEvents group
	maxWriteBackoff  = 50 * time.Millisecond // the cap of the jittered wait between attempts
)

// errWriteContention is the error of a document that lost maxWriteAttempts
// conditional writes in a row to concurrent writers.
var errWriteContention = errors.New("too many concurrent writes to one document: gave up after 20 conflicting attempts")

// applyOptimistic is the MongoDB write path: optimistic concurrency with a
// version field, so that concurrent writers in different processes
// (replicas sharing the database) lose no update without a distributed lock;
// writers in this process already wait for each other (applyDoc). It reads the document by _id, applies the events
// and, if they changed it, writes it back only if it is still the version it
// read: a replace filtered on {_id, _v} (or, for a document without _v, on
// _v not existing), or an insert with _v 1 for a new document. A write that
// matches nothing, or an insert that hits a duplicate key, means another
// writer got there first: it waits a jittered, growing delay and starts
// over from the read, at most maxWriteAttempts times.
//
// MongoDB applies each such conditional write atomically (single-document
// atomicity). FerretDB v1 does not: it reads the matching documents, then
// updates them by _id unconditionally, so two writers that read the same
// version can both "win". Open therefore never picks this path for FerretDB;
// tests that force it there set Store.condWrite to supply the atomicity.
func applyOptimistic[T any](ctx context.Context, s *Store, k docKind[T], id string, evs []content.Event, idx []int) (bool, error) {
	coll := s.writeColl(k.coll)
	for attempt := 1; ; attempt++ {
		cur, err := readCurrent(ctx, coll, k, id)
		if err != nil {
			return false, err
		}
		if !applyAll(k, &cur.doc, evs, idx) {
			return false, nil
		}
		won, err := writeIfUnchanged(ctx, s, coll, id, cur)
		if err != nil {
			return false, err
		}
		if won {
			return true, nil
		}
		s.writeConflicts.Add(1)
		if attempt == maxWriteAttempts {
			return false, errWriteContention
		}
		if err := sleepCtx(ctx, writeBackoff(attempt)); err != nil {
			return false, err
		}
	}
}

// writeIfUnchanged writes cur.doc as version cur.ver+1 if the stored
// document is still version cur.ver (or still missing), and reports whether
// it did.
func writeIfUnchanged[T any](ctx context.Context, s *Store, coll *mongo.Collection, id string, cur current[T]) (bool, error) {
	if s.condWrite != nil {
		s.condWrite.Lock()
		defer s.condWrite.Unlock()
	}
	next := versioned[T]{Doc: cur.doc, V: cur.ver + 1}
	if !cur.found {
		_, err := coll.InsertOne(ctx, next)
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return err == nil, err
	}
	var ver any = cur.ver
	if !cur.hasVer {
		ver = bson.D{{Key: "$exists", Value: false}}
	}
	r, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "_v", Value: ver}}, next)
	if err != nil {
		return false, err
	}
	return r.MatchedCount == 1, nil
}

// writeBackoff is the wait after the attempt-th conflict: uniformly random
// in [0, min(1 ms << attempt, maxWriteBackoff)) ("full jitter"), so that
// writers that collided spread out.
func writeBackoff(attempt int) time.Duration {
	ceiling := maxWriteBackoff
	if attempt < 16 {
		ceiling = min(time.Millisecond<<attempt, maxWriteBackoff)
	}
	return time.Duration(rand.Int64N(int64(ceiling)))
}

// sleepCtx waits d, or until ctx ends (returning its error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
