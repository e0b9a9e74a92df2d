package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Prepare readies database on the embedded store for amplive processes that
// reach it by URI (`amplive store`): it creates the collections and indexes
// that are missing, as Open does, and adds the SQLite _id indexes FerretDB
// lacks (see ensureIDIndexes), which Open only adds to an embedded store it
// started itself. It is idempotent; ctx bounds it.
func (e *Embedded) Prepare(ctx context.Context, database string) (err error) {
	if !validDatabaseName(database) {
		return errors.New("store: database name must be 1–63 characters of a–z, A–Z, 0–9, '_' or '-'")
	}
	client, err := mongo.Connect(options.Client().ApplyURI(e.uri).
		SetServerSelectionTimeout(DefaultServerSelectionTimeout).SetAppName("amplive-store"))
	if err != nil {
		return fmt.Errorf("embedded store: connect to %s: %w", e.uri, err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), disconnectTimeout)
		defer cancel()
		err = errors.Join(err, client.Disconnect(dctx))
	}()
	if err := ensureSchema(ctx, client.Database(database)); err != nil {
		return fmt.Errorf("embedded store: database %s: %w", database, err)
	}
	if _, err := ensureIDIndexes(ctx, e.dir, database, collections); err != nil {
		return fmt.Errorf("embedded store: database %s: %w", database, err)
	}
	return nil
}
