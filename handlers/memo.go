package handlers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/dgraph-io/ristretto/v2"
	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/content"
)

// answerMemoBytes bounds the encoded answers kept by answerMemo: some
// 10,000 recommendation answers of ≈ 3 KB.
const answerMemoBytes = 32 << 20

// answerMemo keeps the encoded JSON of per-profile answers (recommendations,
// cart, profile), so that repeated opens of one email skip ranking and JSON
// encoding. An answer is reused only while it was computed from the same
// stored copy of the profile (content.ProfileRead.FetchedAt, which changes
// on every store read: after the profile cache TTL and after every event for
// the profile) and the same catalog snapshot, so it is never staler than
// computing it again would be. Fallback reads are never memoised.
type answerMemo struct {
	cache *ristretto.Cache[string, *memoEntry]
}

// memoEntry is one encoded answer and what it was computed from.
type memoEntry struct {
	fetchedAt time.Time // the profile copy's FetchedAt (zero: no profile)
	catalog   time.Time // the catalog snapshot's LoadedAt
	body      []byte
}

func newAnswerMemo() *answerMemo {
	c, err := ristretto.NewCache(&ristretto.Config[string, *memoEntry]{
		NumCounters: 10 * answerMemoBytes / 3000, MaxCost: answerMemoBytes, BufferItems: 64,
	})
	if err != nil {
		panic("handlers: answer memo: " + err.Error()) // only for an invalid config, a bug
	}
	return &answerMemo{cache: c}
}

// serve writes the answer for key: the memoised bytes when read and catalog
// are those it was computed from, else compute()'s value, encoded and kept.
// It writes 200 application/json like gin's c.JSON, byte for byte.
func (m *answerMemo) serve(c *gin.Context, key string, read content.ProfileRead, catalog time.Time, compute func() any) {
	if !read.Fallback {
		if e, ok := m.cache.Get(key); ok && e.fetchedAt.Equal(read.FetchedAt) && e.catalog.Equal(catalog) {
			c.Data(http.StatusOK, jsonContentType, e.body)
			return
		}
	}
	body, err := json.Marshal(compute())
	if err != nil { // the answers are plain structs: not reached
		c.Error(err)
		fail(c, http.StatusInternalServerError, CodeInternal, "internal error")
		return
	}
	if !read.Fallback {
		m.cache.Set(key, &memoEntry{fetchedAt: read.FetchedAt, catalog: catalog, body: body}, int64(len(body)+len(key)+96))
	}
	c.Data(http.StatusOK, jsonContentType, body)
}

// jsonContentType is what gin's c.JSON sends.
const jsonContentType = "application/json; charset=utf-8"

// memoKey is the key of one answer: the route, the token's subject and
// the parameters that change the answer.
func memoKey(route, sub, params string) string { return route + "\x00" + sub + "\x00" + params }
