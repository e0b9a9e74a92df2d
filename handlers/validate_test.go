package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestValidateEndpoint: POST /v1/validate behind the admin key answers the
// official verdict and error lines for a document.
func TestValidateEndpoint(t *testing.T) {
	h, _ := newEventsHandler(t)
	bad, err := os.ReadFile("../testdata/amp-validator/nonce_disallowed.html")
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("../testdata/amp-validator/min_valid_amp4email.html")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, body, auth string
		want             int
		status, code     string
	}{
		{"no admin key", string(good), "", 401, "", ""},
		{"valid", string(good), adminKey, 200, "PASS", ""},
		{"invalid", string(bad), adminKey, 200, "FAIL", "DISALLOWED_ATTR"},
		{"not html at all", "\x00\x01", adminKey, 200, "FAIL", "MANDATORY_TAG_MISSING"},
		{"too large", strings.Repeat("a", 2_000_001), adminKey, 413, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/v1/validate", strings.NewReader(c.body))
			if c.auth != "" {
				req.Header.Set("Authorization", "Bearer "+c.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != c.want {
				t.Fatalf("status %d, want %d: %.300s", w.Code, c.want, w.Body)
			}
			if c.want != 200 {
				return
			}
			var ans struct {
				Status string
				Errors []struct {
					Code, Message string
					Line, Col     int
				}
			}
			if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
				t.Fatal(err)
			}
			if ans.Status != c.status {
				t.Errorf("status %q, want %q", ans.Status, c.status)
			}
			if c.code != "" && (len(ans.Errors) == 0 || ans.Errors[0].Code != c.code || ans.Errors[0].Message == "") {
				t.Errorf("errors %+v, want first %s", ans.Errors, c.code)
			}
		})
	}
}
