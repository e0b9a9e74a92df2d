package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/amplive/amplive/content"
)

// offerDoc is a document of the offers collection: one code per campaign
// and profile, keyed "<campaign>|<profile>".
type offerDoc struct {
	ID        string    `bson:"_id"`
	Campaign  string    `bson:"campaign"`
	ProfileID string    `bson:"profile_id"`
	Code      string    `bson:"code"`
	IssuedAt  time.Time `bson:"issued_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// subscriptionDoc is a back-in-stock subscription, keyed "<sku>|<profile>".
type subscriptionDoc struct {
	ID        string    `bson:"_id"`
	SKU       string    `bson:"sku"`
	ProfileID string    `bson:"profile_id"`
	At        time.Time `bson:"at"`
}

// IssueOffer returns the personal offer of profileID for campaignID,
// creating it with newCode() and expiresAt (UTC) on the first call. Every
// later or concurrent call, from any replica, gets the same code: the
// document's _id is the pair, so only one insert can win and the others
// read the winner. Errors are the store's.
func (s *Store) IssueOffer(ctx context.Context, campaignID, profileID string, expiresAt time.Time, newCode func() string) (content.Offer, error) {
	coll := s.db.Collection(CollOffers)
	id := campaignID + "|" + profileID
	var doc offerDoc
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)
	if err == nil {
		return content.Offer{Code: doc.Code, ExpiresAt: doc.ExpiresAt.UTC()}, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return content.Offer{}, fmt.Errorf("store: read offer: %w", err)
	}
	doc = offerDoc{ID: id, Campaign: campaignID, ProfileID: profileID, Code: newCode(),
		IssuedAt: time.Now().UTC().Truncate(time.Millisecond), ExpiresAt: expiresAt.UTC().Truncate(time.Millisecond)}
	if _, err := coll.InsertOne(ctx, doc); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return content.Offer{}, fmt.Errorf("store: issue offer: %w", err)
		}
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
			return content.Offer{}, fmt.Errorf("store: read offer: %w", err)
		}
	}
	return content.Offer{Code: doc.Code, ExpiresAt: doc.ExpiresAt.UTC()}, nil
}

// Subscribe records profileID's back-in-stock subscription to sku and
// reports whether it is new; subscribing again (or concurrently) changes
// nothing and reports false. Errors are the store's.
func (s *Store) Subscribe(ctx context.Context, profileID, sku string) (created bool, err error) {
	doc := subscriptionDoc{ID: sku + "|" + profileID, SKU: sku, ProfileID: profileID, At: time.Now().UTC().Truncate(time.Millisecond)}
	if _, err := s.db.Collection(CollSubscriptions).InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return false, fmt.Errorf("store: subscribe: %w", err)
	}
	return true, nil
}

// voteDoc is one profile's vote on one item (a SKU rating or a poll
// question), keyed "<item>|<profile>".
type voteDoc struct {
	ID        string    `bson:"_id"`
	Item      string    `bson:"item"`
	ProfileID string    `bson:"profile_id"`
	Value     string    `bson:"value"`
	At        time.Time `bson:"at"`
}

// Vote records profileID's vote value on item — a second vote replaces the
// first — and returns the item's tally: votes per value. Concurrent votes
// of one profile leave exactly one. On the embedded store the tally reads
// the whole votes collection (FerretDB filters in Go), fine for the sizes a
// demo holds. Errors are the store's.
func (s *Store) Vote(ctx context.Context, profileID, item, value string) (map[string]int, error) {
	coll := s.db.Collection(CollVotes)
	doc := voteDoc{ID: item + "|" + profileID, Item: item, ProfileID: profileID, Value: value, At: time.Now().UTC().Truncate(time.Millisecond)}
	mu := s.docLocks.of(CollVotes, doc.ID)
	mu.Lock()
	_, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) { // a concurrent first vote from another replica inserted it
		_, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc)
	}
	mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("store: vote: %w", err)
	}
	cur, err := coll.Find(ctx, bson.D{{Key: "item", Value: item}})
	if err != nil {
		return nil, fmt.Errorf("store: tally votes: %w", err)
	}
	var votes []voteDoc
	if err := cur.All(ctx, &votes); err != nil {
		return nil, fmt.Errorf("store: tally votes: %w", err)
	}
	tally := map[string]int{}
	for _, v := range votes {
		tally[v.Value]++
	}
	return tally, nil
}
