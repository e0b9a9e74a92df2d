package store

import (
	"context"
	"hash/maphash"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/amplive/amplive/content"
)

// docLockStripes is the number of mutexes docLocks spreads documents over.
const docLockStripes = 1024

// docLocks serializes ApplyEvents writes per document within this process
// (see applyDoc). Documents hash onto a fixed set of mutexes, so its
// memory is bounded whatever the number of ids; two documents that share a
// stripe only wait for each other. A goroutine holds one stripe at a time,
// so stripes cannot deadlock.
type docLocks struct {
	seed    maphash.Seed
	stripes [docLockStripes]sync.Mutex
}

// init seeds the hash; call it once before of.
func (l *docLocks) init() { l.seed = maphash.MakeSeed() }

// of returns the mutex of document id in collection coll.
func (l *docLocks) of(coll, id string) *sync.Mutex {
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteString(coll)
	h.WriteByte(0)
	h.WriteString(id)
	return &l.stripes[h.Sum64()%docLockStripes]
}

// applySerialized is the embedded store's write path. With the document's
// lock held (by applyDoc), it reads the document by _id, applies the events
// and, if they changed it, replaces it by _id (an upsert, for a new
// document), with _v incremented. It filters on _id alone because FerretDB
// v1 serves only that filter from an index: any other filter, such as the
// optimistic path's {_id, _v}, reads and decodes the whole collection. The
// lock is what makes the read-modify-write safe, so the embedded store must
// be written by this process only (it is: it listens on loopback for this
// process). The write itself waits for Store.sqliteWrites.
func applySerialized[T any](ctx context.Context, s *Store, k docKind[T], id string, evs []content.Event, idx []int) (bool, error) {
	coll := s.writeColl(k.coll)
	cur, err := readCurrent(ctx, coll, k, id)
	if err != nil {
		return false, err
	}
	if !applyAll(k, &cur.doc, evs, idx) {
		return false, nil
	}
	s.sqliteWrites.Lock()
	defer s.sqliteWrites.Unlock()
	_, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, versioned[T]{Doc: cur.doc, V: cur.ver + 1},
		options.Replace().SetUpsert(true))
	if err != nil {
		return false, err
	}
	return true, nil
}
