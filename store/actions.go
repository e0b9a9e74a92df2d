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
