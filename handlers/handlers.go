// Package handlers is amplive's HTTP surface: the gin engine, its routes
// (routes.go lists them all), the middleware for AMP for Email CORS, tokens,
// request ids, access logs and errors, and one file per resource. It reaches
// the store only through the small interfaces declared here.
package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/content"
)

// ProfileReader reads one profile at open time. It never fails: a slow or
// failing store yields a ProfileRead with Fallback set.
type ProfileReader interface {
	ReadProfile(ctx context.Context, id string) content.ProfileRead
}

// CatalogSource returns the current in-memory catalog snapshot (never nil).
type CatalogSource interface {
	Catalog() *content.Catalog
}

// CampaignSource looks a campaign up in memory by id.
type CampaignSource interface {
	Campaign(id string) (content.Campaign, bool)
}

// Pinger reports whether the store answers, for GET /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// EventWriter applies validated events (see content.ParseEvents) in order:
// each event id is applied once (a repeated id counts as a duplicate), and
// when it returns without error every write is acknowledged by the store
// and the affected profiles' cached reads are invalidated.
type EventWriter interface {
	ApplyEvents(ctx context.Context, events []content.Event) (applied, duplicates int, err error)
}

// ProfileLookup reads a profile as stored, past the cache (admin use).
type ProfileLookup interface {
	LookupProfile(ctx context.Context, id string) (content.Profile, bool, error)
}

// Store is everything the handlers need from the store.
type Store interface {
	ProfileReader
	CatalogSource
	CampaignSource
	Pinger
	EventWriter
	ProfileLookup
	OfferIssuer
	Subscriber
	Voter
}

// TokenVerifier checks the signed token of a live URL; see amp.Verifier.
// Its errors map to codes with amp.TokenErrorCode.
type TokenVerifier interface {
	Verify(raw string) (*amp.Claims, error)
}

// Deps are the dependencies of the HTTP surface. Store, Tokens and CORS are
// required; Logger defaults to slog.Default() and Now to time.Now. Without
// Webhook, POST /v1/events answers 503; without AdminKeys, every admin
// request is refused.
type Deps struct {
	Store     Store
	Tokens    TokenVerifier
	CORS      *amp.CORSPolicy
	Webhook   *amp.WebhookSecrets
	AdminKeys []string
	Logger    *slog.Logger
	Now       func() time.Time
	// EventQueueWait is how long an event batch waits for a writer before
	// it gets 503 busy; default 5 s.
	EventQueueWait time.Duration
	// Metrics are served at GET /metrics; nil makes new ones. Pass the
	// ones whose ObserveStoreRead the store reports to.
	Metrics *Metrics
	// Stats, when set, supplies the store's counters for GET /metrics
	// (called at scrape time, concurrently with requests); nil leaves them out.
	Stats func() StoreStats
	// Pprof mounts Go's profiler at /debug/pprof/ behind the admin key;
	// when false those routes do not exist (404).
	Pprof bool
	// MaxInflight bounds the requests handled at once (probes and /metrics
	// are not counted); 0 means DefaultMaxInflight. Past their share,
	// requests are shed with 503 overloaded and Retry-After, lowest
	// priority first: server-to-server and admin routes once half of it is
	// in use, amp-form actions at three quarters, live email reads only
	// when all of it is (see shed.go).
	MaxInflight int
}

// Server holds the dependencies that the route handlers share.
type Server struct {
	store     Store
	tokens    TokenVerifier
	cors      *amp.CORSPolicy
	webhook   *amp.WebhookSecrets
	adminKeys []string
	log       *slog.Logger
	now       func() time.Time

	eventSlots chan struct{} // one token per event batch being written
	eventWait  time.Duration
	images     *imageCache // rendered countdown images of the current second
	answers    *answerMemo // encoded per-profile answers (memo.go)

	actionLimits rateLimiter // amp-form writes per token

	metrics *Metrics // served at GET /metrics
	pprof   bool     // /debug/pprof/ mounted

	limiter *shedder // requests in flight, per priority (shed.go)
}

// New builds the HTTP handler: the gin engine with every route, wrapped in
// the browser half of CORS (rs/cors, via amp.CORSPolicy.Browser). It fails
// when a required dependency is missing.
func New(d Deps) (http.Handler, error) {
	s, err := newServer(d)
	if err != nil {
		return nil, err
	}
	return d.CORS.Browser().Handler(s.engine()), nil
}

// newServer checks d, fills in its defaults and builds the Server.
func newServer(d Deps) (*Server, error) {
	if d.Store == nil || d.Tokens == nil || d.CORS == nil {
		return nil, errors.New("handlers: Store, Tokens and CORS are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.EventQueueWait <= 0 {
		d.EventQueueWait = defaultEventQueueWait
	}
	s := &Server{store: d.Store, tokens: d.Tokens, cors: d.CORS, webhook: d.Webhook,
		adminKeys: d.AdminKeys, log: d.Logger, now: d.Now,
		eventSlots: make(chan struct{}, eventWriters), eventWait: d.EventQueueWait, images: newImageCache(), answers: newAnswerMemo()}
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if err := d.Metrics.attach(d.Stats, d.Store); err != nil {
		return nil, err
	}
	s.metrics, s.pprof = d.Metrics, d.Pprof
	s.limiter = newShedder(d.MaxInflight)
	return s, nil
}
