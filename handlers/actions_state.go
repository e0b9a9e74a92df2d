package handlers

import (
	"context"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/content"
)

// Voter records one vote per profile and item and returns the item's tally
// (votes per value); see store.Store.Vote.
type Voter interface {
	Vote(ctx context.Context, profileID, item, value string) (map[string]int, error)
}

// Choices of the preferences form.
var (
	frequencies  = []string{"daily", "weekly", "monthly", "never"}
	questionID   = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	pollOption   = regexp.MustCompile(`^[A-Za-z0-9 _-]{1,64}$`)
	morePageSize = 4
)

// handleMore handles POST /v1/actions/more (fields category, page): the
// page-th page (default 2, the one after the email's own list of four) of
// four recommendations for the token's profile, optionally within a catalog
// category (any letter case): {"ok":true,"items":[…],"page":N,"has_more":bool}.
// Page 2 continues GET /v1/recommendations?limit=4; see content.RecommendPage.
func (s *Server) handleMore() gin.HandlerFunc {
	return func(c *gin.Context) {
		page := 2
		if v := formValue(c, "page"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "page", "must be a whole number from 1 to 1000")
				return
			}
			page = n
		}
		cat := s.store.Catalog()
		category := formValue(c, "category")
		if _, ok := cat.Category(category); category != "" && !ok {
			failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "category", "no such category")
			return
		}
		read := s.readProfile(c)
		var p *content.Profile
		if read.Known {
			p = &read.Profile
		}
		recs, more := content.RecommendPage(p, cat, s.now(), category, page, morePageSize)
		c.JSON(http.StatusOK, gin.H{"ok": true, "items": content.RecItems(recs, read.Profile.Locale), "page": page, "has_more": more})
	}
}

// handlePreferences handles POST /v1/actions/preferences (fields topics,
// repeated, each a catalog category in lower case; frequency: daily, weekly,
// monthly or never): stores them on the token's profile as a
// profile_updated event timed now (attributes pref_topics, pref_frequency),
// through the same validation and write path as webhooks, so the next read
// sees them; answers {"ok":true,"preferences":{"topics":[…],"frequency":…}}.
func (s *Server) handlePreferences() gin.HandlerFunc {
	return func(c *gin.Context) {
		profile, ok := profileOf(c)
		if !ok {
			return
		}
		topics := formValues(c, "topics")
		frequency := formValue(c, "frequency")
		if len(topics) == 0 && frequency == "" {
			failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "topics", "choose at least one topic or a frequency")
			return
		}
		cat := s.store.Catalog()
		for _, t := range topics {
			if _, ok := cat.Category(t); !ok || t != strings.ToLower(t) { // topics are categories in lower case
				failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "topics", "unknown topic "+strconv.Quote(t))
				return
			}
		}
		if frequency != "" && !slices.Contains(frequencies, frequency) {
			failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "frequency", "must be daily, weekly, monthly or never")
			return
		}
		slices.Sort(topics)
		topics = slices.Compact(topics)
		attrs := map[string]string{}
		if len(topics) > 0 {
			attrs["pref_topics"] = strings.Join(topics, ",")
		}
		if frequency != "" {
			attrs["pref_frequency"] = frequency
		}
		problem, err := s.applyServerEvent(c.Request.Context(), content.EventProfileUpdated, "pref-"+profile,
			map[string]any{"profile_id": profile, "attributes": attrs})
		if problem != nil {
			failAction(c, http.StatusUnprocessableEntity, CodeInvalidField, problem.Message)
			return
		}
		if err != nil {
			s.log.Error("preferences: store write failed", "request_id", c.GetString(requestIDHeader), "err", err)
			failAction(c, http.StatusServiceUnavailable, CodeStoreUnavailable, "please try again")
			return
		}
		read := s.store.ReadProfile(c.Request.Context(), profile)
		state := gin.H{"topics": splitList(read.Profile.Attributes["pref_topics"]), "frequency": read.Profile.Attributes["pref_frequency"]}
		c.JSON(http.StatusOK, gin.H{"ok": true, "preferences": state})
	}
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// formValues are all values of a repeated form field, trimmed, empties dropped.
func formValues(c *gin.Context, name string) []string {
	var out []string
	for _, v := range c.Request.PostForm[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// handleRate handles POST /v1/actions/rate: a rating (fields sku, value
// 1–5) or a poll vote (fields question, value: an option of 1–64 letters,
// digits, spaces, '_' or '-'), one per profile and item — a second vote
// replaces the first. Answers the item's tally so the email can show
// results: {"ok":true,"item":…,"votes":N,"counts":{value:n},"average":x}
// (average only for ratings).
func (s *Server) handleRate() gin.HandlerFunc {
	return func(c *gin.Context) {
		profile, ok := profileOf(c)
		if !ok {
			return
		}
		sku, question, value := formValue(c, "sku"), formValue(c, "question"), formValue(c, "value")
		var item string
		switch {
		case sku != "" && question != "":
			failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "question", "rate a product (sku) or answer a question, not both")
			return
		case sku != "":
			if _, ok := s.store.Catalog().Product(sku); !ok || len(sku) > 64 {
				failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "sku", "no such product")
				return
			}
			if n, err := strconv.Atoi(value); err != nil || n < 1 || n > 5 {
				failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "value", "a rating is a whole number from 1 to 5")
				return
			}
			item = "sku:" + sku
		case question != "":
			if !questionID.MatchString(question) {
				failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "question", "must be 1–64 of a–z, 0–9, '_' or '-'")
				return
			}
			if !pollOption.MatchString(value) {
				failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "value", "choose an option")
				return
			}
			item = "poll:" + question
		default:
			failActionField(c, http.StatusUnprocessableEntity, CodeInvalidField, "sku", "say what you rate: sku or question")
			return
		}
		tally, err := s.store.Vote(c.Request.Context(), profile, item, value)
		if err != nil {
			s.log.Error("rate: store write failed", "request_id", c.GetString(requestIDHeader), "err", err)
			failAction(c, http.StatusServiceUnavailable, CodeStoreUnavailable, "please try again")
			return
		}
		votes, sum := 0, 0
		for v, n := range tally {
			votes += n
			if k, err := strconv.Atoi(v); err == nil {
				sum += k * n
			}
		}
		ans := gin.H{"ok": true, "item": item, "votes": votes, "counts": tally, "your_vote": value}
		if sku != "" && votes > 0 {
			ans["average"] = math.Round(float64(sum)/float64(votes)*10) / 10
		}
		c.JSON(http.StatusOK, ans)
	}
}
