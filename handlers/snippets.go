package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/amp"
)

// snippetAnswer is the answer of GET /v1/snippets/{block}.
type snippetAnswer struct {
	Block   string   `json:"block"`
	ESP     string   `json:"esp"`
	Scripts []string `json:"scripts"`
	HTML    string   `json:"html"`
	Notes   []string `json:"notes"`
	Snippet string   `json:"snippet"` // all of the above as one paste-ready text
}

// handleSnippet handles GET /v1/snippets/{block} (admin key): the block's
// AMP snippet for the ESP preset in ?esp= (default generic), as JSON
// {block, esp, scripts, html, notes, snippet}. Query parameters mirror the
// `amplive snippet` flags: base_url (default https://<this host>),
// token_field, campaign, sku, question, options, category, topics
// (comma-separated), max_items, shop_url. Refused options get 422
// invalid_snippet with the generator's message.
func (s *Server) handleSnippet() gin.HandlerFunc {
	return func(c *gin.Context) {
		q := c.Request.URL.Query()
		base := q.Get("base_url")
		if base == "" {
			base = "https://" + c.Request.Host
		}
		maxItems := 0
		if v := q.Get("max_items"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				fail(c, http.StatusUnprocessableEntity, CodeInvalidSnippet, "max_items must be a whole number from 1")
				return
			}
			maxItems = n
		}
		opt := amp.SnippetOptions{
			BaseURL: base, ESP: q.Get("esp"), TokenField: q.Get("token_field"), Campaign: q.Get("campaign"),
			SKU: q.Get("sku"), Question: q.Get("question"), Options: amp.ParseList(q.Get("options")),
			Category: q.Get("category"), Topics: amp.ParseList(q.Get("topics")), MaxItems: maxItems, ShopURL: q.Get("shop_url"),
		}
		sn, err := amp.RenderSnippet(c.Param("block"), opt)
		if err != nil {
			fail(c, http.StatusUnprocessableEntity, CodeInvalidSnippet, queryNames.Replace(err.Error()))
			return
		}
		c.JSON(http.StatusOK, snippetAnswer{Block: sn.Block, ESP: sn.ESP, Scripts: sn.Scripts, HTML: sn.Body, Notes: sn.Notes, Snippet: sn.String()})
	}
}

// queryNames renames the generator's option names (its CLI flags) to this
// endpoint's query parameters in error messages.
var queryNames = strings.NewReplacer("--base-url", "base_url", "--token-field", "token_field", "--campaign", "campaign",
	"--sku", "sku", "--question", "question", "--options", "options", "--category", "category", "--topics", "topics",
	"--shop-url", "shop_url", "--max-items", "max_items")
