package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Collection names (the "Data model" of the design notes, README "Store").
const (
	CollProfiles  = "profiles"
	CollProducts  = "products"
	CollCampaigns = "campaigns"
	CollEvents    = "events"
	// CollOffers holds one personal offer code per campaign and profile.
	CollOffers = "offers"
	// CollSubscriptions holds back-in-stock subscriptions per SKU and profile.
	CollSubscriptions = "subscriptions"
	// CollVotes holds ratings and poll votes, one per item and profile.
	CollVotes = "votes"
)

// collections lists every collection Open creates, in creation order.
var collections = []string{CollProfiles, CollProducts, CollCampaigns, CollEvents, CollOffers, CollSubscriptions, CollVotes}

// secondaryIndexes are the indexes besides _id, by collection. Index names
// are the defaults (e.g. "category_1_popularity_-1", see indexName); an
// index whose name exists is not created again.
var secondaryIndexes = map[string][]mongo.IndexModel{
	CollProducts: {
		// category pages ranked by popularity; also serves category alone
		{Keys: bson.D{{Key: "category", Value: 1}, {Key: "popularity", Value: -1}}},
		// bestsellers across the catalog
		{Keys: bson.D{{Key: "popularity", Value: -1}}},
	},
	CollVotes: {
		// an item's tally
		{Keys: bson.D{{Key: "item", Value: 1}}},
	},
	CollEvents: {
		// a profile's events in time order
		{Keys: bson.D{{Key: "profile_id", Value: 1}, {Key: "at", Value: 1}}},
	},
}

// ensureSchema creates the missing collections and indexes. It is
// idempotent: what exists is listed first and left alone (so that FerretDB
// neither logs a failed "create" nor hits its createIndexes bug).
func ensureSchema(ctx context.Context, db *mongo.Database) error {
	existing, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	for _, name := range collections {
		if slices.Contains(existing, name) {
			continue
		}
		if err := db.CreateCollection(ctx, name); err != nil && !isNamespaceExists(err) {
			return fmt.Errorf("create collection %s: %w", name, err)
		}
	}
	for _, name := range collections {
		if err := ensureIndexes(ctx, db.Collection(name), secondaryIndexes[name]); err != nil {
			return fmt.Errorf("create indexes on %s: %w", name, err)
		}
	}
	return nil
}

// ensureIndexes creates the indexes of models that coll lacks (by name),
// one createIndexes command each. One at a time on purpose: FerretDB v1.24.2
// panics (and drops the connection) when a single createIndexes lists two
// or more indexes that already exist (handler.validateIndexesForCreation
// deletes from its result slice by the request's index positions).
func ensureIndexes(ctx context.Context, coll *mongo.Collection, models []mongo.IndexModel) error {
	if len(models) == 0 {
		return nil
	}
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return err
	}
	for _, m := range models {
		name := indexName(m.Keys.(bson.D))
		if slices.ContainsFunc(specs, func(s mongo.IndexSpecification) bool { return s.Name == name }) {
			continue
		}
		if _, err := coll.Indexes().CreateOne(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// indexName is the driver's and the server's default index name for keys:
// "field_dir" pairs joined by "_", e.g. "category_1_popularity_-1".
func indexName(keys bson.D) string {
	parts := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		parts = append(parts, k.Key, fmt.Sprint(k.Value))
	}
	return strings.Join(parts, "_")
}

// isNamespaceExists reports the server error for creating a collection that
// exists (another replica may have created it since we listed).
func isNamespaceExists(err error) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(48)
}
