package handlers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/content"
)

// amp-form action limits.
const (
	actionBodyBytes   = 64 << 10            // a form body; larger is a 413
	actionRatePerMin  = 30                  // writes per token per minute
	actionRateWindow  = time.Minute         // the rate limit's window
	offerValidity     = 30 * 24 * time.Hour // an offer of a campaign without a future end
	offerCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	// actionTimeout bounds an action's store work, so that a store that
	// hangs rather than fails answers 503 store_unavailable in time, not a
	// connection cut by the server's write timeout.
	actionTimeout = 5 * time.Second
)

// OfferIssuer issues a profile's personal offer for a campaign once; every
// later call returns the same offer (see store.Store.IssueOffer).
type OfferIssuer interface {
	IssueOffer(ctx context.Context, campaignID, profileID string, expiresAt time.Time, newCode func() string) (content.Offer, error)
}

// Subscriber records back-in-stock subscriptions, reporting whether one is new.
type Subscriber interface {
	Subscribe(ctx context.Context, profileID, sku string) (created bool, err error)
}

// failAction is fail for amp-form actions: {"ok":false,"error":{"code",
// "message","field"}}, which a submit-error template can show. The AMP CORS
// headers set before it stay.
func failAction(c *gin.Context, status int, code, message string) {
	failActionField(c, status, code, "", message)
}

func failActionField(c *gin.Context, status int, code, field, message string) {
	c.AbortWithStatusJSON(status, gin.H{"ok": false, "error": gin.H{"code": code, "message": message, "field": field}})
}

// actionForm parses the form body of an amp-form submit: email clients send
// application/x-www-form-urlencoded whatever the form says, and
// multipart/form-data is accepted too. Over actionBodyBytes is a 413. The
// rest of the chain runs under actionTimeout.
func (s *Server) actionForm() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), actionTimeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, actionBodyBytes)
		mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
		var err error
		if mt == "multipart/form-data" {
			err = c.Request.ParseMultipartForm(actionBodyBytes)
		} else {
			err = c.Request.ParseForm()
		}
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			failAction(c, http.StatusRequestEntityTooLarge, CodeTooLarge, "the form is over 64 KiB")
		case err != nil:
			failAction(c, http.StatusBadRequest, CodeBadRequest, "the form body could not be read")
		default:
			c.Next()
		}
	}
}

// formValue is the first value of a form field, trimmed. Multipart values
// are in PostForm too (http.Request.ParseMultipartForm copies them).
func formValue(c *gin.Context, name string) string {
	return strings.TrimSpace(c.Request.PostForm.Get(name))
}

// rateLimiter allows n writes per token per window, counting in fixed
// windows keyed by a hash of the token (tokens, not IPs: all Gmail traffic
// comes from Google's proxy).
type rateLimiter struct {
	mu     sync.Mutex
	window time.Time
	counts map[[16]byte]int
}

// allow counts one write for token at now and reports whether it is within
// the limit.
func (l *rateLimiter) allow(token string, now time.Time) bool {
	key := [16]byte{}
	sum := sha256.Sum256([]byte(token))
	copy(key[:], sum[:])
	w := now.Truncate(actionRateWindow)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !w.Equal(l.window) || l.counts == nil {
		l.window, l.counts = w, map[[16]byte]int{}
	}
	l.counts[key]++
	return l.counts[key] <= actionRatePerMin
}

// actionRateLimit refuses a token's writes past actionRatePerMin a minute
// with 429 rate_limited and Retry-After.
func (s *Server) actionRateLimit() gin.HandlerFunc {
	return func(c *gin.Context) {
		now := s.now()
		if !s.actionLimits.allow(c.Query("t"), now) {
			retry := now.Truncate(actionRateWindow).Add(actionRateWindow).Sub(now)
			c.Header("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
			failAction(c, http.StatusTooManyRequests, CodeRateLimited, "too many submits from this email; try again in a minute")
			return
		}
		c.Next()
	}
}

// profileOf is the token's profile, or a 401 for a token without one.
func profileOf(c *gin.Context) (string, bool) {
	sub := claimsOf(c).Subject
	if sub == "" {
		failAction(c, http.StatusUnauthorized, CodeTokenInvalid, "this action needs a token that names a profile")
		return "", false
	}
	return sub, true
}

// handleNotify handles POST /v1/actions/notify (amp-form; field sku): a
// back-in-stock subscription for the token's profile. Idempotent: a repeat
// or concurrent submit changes nothing and answers the same
// {"ok":true,"sku":…,"subscribed":true}.
func (s *Server) handleNotify() gin.HandlerFunc {
	return func(c *gin.Context) {
		profile, ok := profileOf(c)
		if !ok {
			return
		}
		sku := formValue(c, "sku")
		if sku == "" || len(sku) > 64 {
			failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "sku", "choose a product")
			return
		}
		if _, ok := s.store.Catalog().Product(sku); !ok {
			failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "sku", "no such product")
			return
		}
		if _, err := s.store.Subscribe(c.Request.Context(), profile, sku); err != nil {
			s.log.Error("notify: store write failed", "request_id", c.GetString(requestIDHeader), "err", err)
			failAction(c, http.StatusServiceUnavailable, CodeStoreUnavailable, "please try again")
			return
		}
		c.JSON(http.StatusOK, gin.H{"ok": true, "sku": sku, "subscribed": true})
	}
}

// handleOffer handles POST /v1/actions/offer (amp-form, no fields): reveals
// the token's profile's personal code for the token's campaign, issued once
// per profile and campaign — every submit answers the same
// {"ok":true,"code":…,"expires_at":…}. The code expires with the campaign
// (or in 30 days when the campaign has no future end).
func (s *Server) handleOffer() gin.HandlerFunc {
	return func(c *gin.Context) {
		profile, ok := profileOf(c)
		if !ok {
			return
		}
		cmp := claimsOf(c).Campaign
		camp, found := s.store.Campaign(cmp)
		if cmp == "" || !found {
			failAction(c, http.StatusUnprocessableEntity, CodeCampaignNotFound, "this email's campaign has no offer")
			return
		}
		now := s.now()
		expires := camp.EndsAt
		if !expires.After(now) {
			expires = now.Add(offerValidity)
		}
		offer, err := s.store.IssueOffer(c.Request.Context(), cmp, profile, expires, newOfferCode)
		if err != nil {
			s.log.Error("offer: store write failed", "request_id", c.GetString(requestIDHeader), "err", err)
			failAction(c, http.StatusServiceUnavailable, CodeStoreUnavailable, "please try again")
			return
		}
		c.JSON(http.StatusOK, gin.H{"ok": true, "code": offer.Code, "expires_at": offer.ExpiresAt.Format(time.RFC3339)})
	}
}

// offerCodes writes offer codes in offerCodeAlphabet.
var offerCodes = base32.NewEncoding(offerCodeAlphabet).WithPadding(base32.NoPadding)

// newOfferCode is a random 10-character code without look-alike letters.
func newOfferCode() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return offerCodes.EncodeToString(b[:])[:10]
}
