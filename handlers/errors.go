package handlers

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/amp"
)

// Stable error codes sent in {"error":{"code":…}}. Clients and tests match
// on these; messages may change.
const (
	// The token and sender codes are the amp package's, which decides them.
	CodeTokenMissing      = amp.CodeTokenMissing        // 401: no t parameter
	CodeTokenInvalid      = amp.CodeTokenInvalid        // 401: bad signature, kid, alg, aud, iss, scope …
	CodeTokenExpired      = amp.CodeTokenExpired        // 401: exp passed
	CodeSenderMissing     = amp.CodeSenderMissing       // 403: neither AMP-Email-Sender nor Origin
	CodeSenderNotAllowed  = amp.CodeSenderNotAllowed    // 403: sender or source origin not on the allow-list
	CodeSourceOrigin      = amp.CodeSourceOriginMissing // 403: CORS v1 Origin without __amp_source_origin
	CodeNotFound          = "not_found"                 // 404: no such route
	CodeCampaignNotFound  = "campaign_not_found"        // 404: unknown campaign id
	CodeBadRequest        = "bad_request"               // 400: a malformed query parameter
	CodeStoreUnavailable  = "store_unavailable"         // 503: /readyz, and writes the store did not acknowledge
	CodeTooLarge          = "payload_too_large"         // 413: an event body over 1 MiB
	CodeSignatureInvalid  = "signature_invalid"         // 401: missing, malformed, stale or wrong Amplive-Signature
	CodeInvalidEvents     = "invalid_events"            // 422: a batch with a bad event; nothing written
	CodeWebhooksOff       = "webhooks_disabled"         // 503: no webhook secrets configured
	CodeBusy              = "busy"                      // 503 + Retry-After: too many event batches at once
	CodeOverloaded        = "overloaded"                // 503 + Retry-After: the route's share of requests in flight is used up (shed.go)
	CodeRateLimited       = "rate_limited"              // 429 + Retry-After: too many action submits from one token
	CodeInvalidField      = "invalid_field"             // 422: an amp-form field refused (field named)
	CodeInvalidCampaign   = "invalid_campaign"          // 422: a campaign body the admin API refuses (field named)
	CodeAdminUnauthorized = "admin_unauthorized"        // 401: admin endpoint without a valid admin key
	CodeProfileNotFound   = "profile_not_found"         // 404: admin lookup of an unknown profile
	CodeInvalidSnippet    = "invalid_snippet"           // 422: snippet options the generator refuses (unknown block or ESP, bad base_url …)
	CodeInternal          = "internal"                  // 500: a bug; details are in the log only
)

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fail aborts the request with status and a JSON error. Headers already set
// (AMP CORS, Cache-Control) stay, so amp-list can read the error and show the
// block's fallback.
func fail(c *gin.Context, status int, code, message string) {
	c.AbortWithStatusJSON(status, errorBody{Error: errorDetail{Code: code, Message: message}})
}

func (s *Server) notFound() gin.HandlerFunc {
	return func(c *gin.Context) {
		fail(c, http.StatusNotFound, CodeNotFound, "no such endpoint")
	}
}

// readBody reads the request body, at most limit bytes. When it cannot, it
// answers 413 payload_too_large with tooBig (the body is over limit) or 400
// bad_request (the body could not be read) and returns false.
func readBody(c *gin.Context, limit int64, tooBig string) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var over *http.MaxBytesError
	switch {
	case errors.As(err, &over):
		fail(c, http.StatusRequestEntityTooLarge, CodeTooLarge, tooBig)
		return nil, false
	case err != nil:
		fail(c, http.StatusBadRequest, CodeBadRequest, "the body could not be read")
		return nil, false
	}
	return body, true
}
