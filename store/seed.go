package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/amplive/amplive/content"
)

// seedBatch is the number of documents per bulk write. It must stay well
// under 100: FerretDB v1.24.2 keeps one SQLite connection open for every
// document an update command replaces, until the command ends
// (internal/handler/msg_update.go defers each iterator's Close inside the
// loop), and its pool holds 100, so a larger replace batch deadlocks.
const seedBatch = 32

// Dataset is a set of documents to load with Seed. Times should be UTC;
// they are stored as BSON dates, truncated to milliseconds.
type Dataset struct {
	Products  []content.Product
	Profiles  []content.Profile
	Campaigns []content.Campaign
}

// SeedCount counts what Seed did in one collection.
type SeedCount struct {
	Inserted int64 // documents whose _id was new
	Replaced int64 // existing documents overwritten (replace true)
	Skipped  int64 // existing documents left as they were (replace false)
}

// SeedResult counts what Seed did, per collection.
type SeedResult struct {
	Products, Profiles, Campaigns SeedCount
}

// Seed writes d by _id, in unordered bulk writes of up to 32 documents,
// so that running it again is harmless. With replace, a document whose _id
// exists is overwritten (upsert); without, it is left as it is and counted
// as skipped. There are no transactions: on error some documents may be
// written, and running Seed again completes the load. Every document needs
// a non-empty id. Afterwards the catalog and campaign snapshots are reloaded,
// and the cached reads of the written profiles are dropped.
//
// Documents must fit FerretDB's limits when the embedded store is used: no
// '.' in Attributes keys and none starting with '$'.
func (s *Store) Seed(ctx context.Context, d Dataset, replace bool) (SeedResult, error) {
	var res SeedResult
	var err error
	if res.Products, err = seedColl(ctx, s.db.Collection(CollProducts), d.Products, func(p content.Product) string { return p.SKU }, replace); err != nil {
		return res, fmt.Errorf("store: seed products: %w", err)
	}
	if res.Campaigns, err = seedColl(ctx, s.db.Collection(CollCampaigns), d.Campaigns, func(c content.Campaign) string { return c.ID }, replace); err != nil {
		return res, fmt.Errorf("store: seed campaigns: %w", err)
	}
	res.Profiles, err = seedColl(ctx, s.db.Collection(CollProfiles), d.Profiles, func(p content.Profile) string { return p.ID }, replace)
	for _, p := range d.Profiles {
		s.Invalidate(p.ID)
	}
	if err != nil {
		return res, fmt.Errorf("store: seed profiles: %w", err)
	}
	if err := s.Refresh(ctx); err != nil {
		return res, err
	}
	return res, nil
}

// seedColl writes docs to coll in batches; see Seed.
func seedColl[T any](ctx context.Context, coll *mongo.Collection, docs []T, id func(T) string, replace bool) (SeedCount, error) {
	var n SeedCount
	for i, doc := range docs {
		if id(doc) == "" {
			return n, fmt.Errorf("document %d has an empty id", i)
		}
	}
	for start := 0; start < len(docs); start += seedBatch {
		batch := docs[start:min(start+seedBatch, len(docs))]
		models := make([]mongo.WriteModel, len(batch))
		for i, doc := range batch {
			if replace {
				models[i] = mongo.NewReplaceOneModel().
					SetFilter(bson.D{{Key: "_id", Value: id(doc)}}).
					SetReplacement(doc).
					SetUpsert(true)
			} else {
				models[i] = mongo.NewInsertOneModel().SetDocument(doc)
			}
		}
		r, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		if !replace {
			dups, other := countDuplicates(err)
			if other != nil {
				return n, other
			}
			n.Skipped += dups
			n.Inserted += int64(len(batch)) - dups
			continue
		}
		if err != nil {
			return n, err
		}
		n.Inserted += r.UpsertedCount
		n.Replaced += r.MatchedCount
	}
	return n, nil
}

// countDuplicates splits a bulk insert error into the number of duplicate
// _id errors and any other error.
func countDuplicates(err error) (int64, error) {
	if err == nil {
		return 0, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return 0, err
	}
	var dups int64
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return 0, err
		}
		dups++
	}
	return dups, nil
}

// Empty reports whether the products collection holds no document, with a
// single-document read (not a count).
func (s *Store) Empty(ctx context.Context) (bool, error) {
	err := s.db.Collection(CollProducts).FindOne(ctx, bson.D{},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("store: read products from %s: %w", s.uri, err)
	}
	return false, nil
}
