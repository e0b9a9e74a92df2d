// Package store keeps amplive's profiles, products, campaigns and events in
// MongoDB (mongo-driver v2) and answers the hot-path reads from memory.
//
// Reads never fail outright. A profile read goes to a ristretto cache first;
// on a miss (or when the cached copy is older than Config.ProfileTTL) it
// reads MongoDB by _id under a per-read deadline, with concurrent misses for
// one profile collapsed into a single query. When the store is slow or down
// the read answers the last good copy, or "unknown", marked as a fallback.
// The catalog and the campaigns are held as immutable in-memory snapshots and
// refreshed in the background.
//
// With no MongoDB URI configured, Open starts an embedded development store:
// FerretDB v1 on SQLite, in-process, listening on loopback. It is meant for
// demos and tests, not for production: it has no transactions or change
// streams, and only _id lookups are served by an index (see StartEmbedded).
//
// Events are written by ApplyEvents: idempotent by the sender's event id,
// last writer wins by event time, each document read and written by _id.
// Concurrent writers of one document wait for each other in-process; on
// MongoDB, writes are also conditional on a version field (_v), so that
// replicas sharing the database lose no update either.
//
// Collections (database "amplive" by default): profiles, products,
// campaigns, events. Times are stored as BSON dates (UTC, millisecond
// precision); money is stored as int64 minor units.
package store
