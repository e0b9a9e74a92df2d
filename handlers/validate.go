package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/amp"
)

// maxValidateBytes bounds a document sent to POST /v1/validate: ten times
// the AMP4EMAIL limit, so that an oversized document still gets its verdict.
const maxValidateBytes = 10 * amp.MaxAMPBytes

// validateAnswer is the answer of POST /v1/validate.
type validateAnswer struct {
	Status string                `json:"status"` // PASS or FAIL
	Errors []amp.ValidationError `json:"errors"`
}

// handleValidate handles POST /v1/validate (admin key): the body is an
// AMP4EMAIL document (any content type, at most 2,000,000 bytes, else 413
// payload_too_large); the answer is its verdict under the official AMP
// validator's rules, {"status":"PASS"|"FAIL","errors":[{"severity","code",
// "line","col","params","message","spec_url"}]}, always 200 for a readable
// body: a failing document is a result, not an error.
func (s *Server) handleValidate() gin.HandlerFunc {
	return func(c *gin.Context) {
		body, ok := readBody(c, maxValidateBytes, "the document is over 2,000,000 bytes")
		if !ok {
			return
		}
		r := amp.Validate(body)
		ans := validateAnswer{Status: "PASS", Errors: r.Errors}
		if !r.Pass {
			ans.Status = "FAIL"
		}
		c.JSON(http.StatusOK, ans)
	}
}
