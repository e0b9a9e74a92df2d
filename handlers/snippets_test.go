package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSnippetEndpoint: GET /v1/snippets/{block} behind the admin key gives
// the generator's snippet for the ESP asked, pointing at this host unless
// base_url says otherwise; refused options are 422 invalid_snippet.
func TestSnippetEndpoint(t *testing.T) {
	h, _ := newEventsHandler(t)
	cases := []struct {
		name, target, host, auth string
		want                     int
		contains                 []string
	}{
		{"no admin key", "/v1/snippets/cart?esp=sendgrid", "live.example.com", "", 401, []string{`"admin_unauthorized"`}},
		{"this host", "/v1/snippets/cart?esp=sendgrid", "live.example.com", adminKey, 200,
			[]string{`https://live.example.com/v1/cart?t={{amp_token}}`, `\\{{title}}`, `"esp":"sendgrid"`, "amp-list-0.1.js", "UNCONFIRMED"}},
		{"base url and field", "/v1/snippets/recommendations?esp=customerio&base_url=https://amp.shop.example&token_field=tok&max_items=2", "x", adminKey, 200,
			[]string{`https://amp.shop.example/v1/recommendations?t={{customer.tok}}`, `max-items=\"2\"`, `{% raw %}`}},
		{"form block", "/v1/snippets/preferences?topics=apparel,bags", "live.example.com", adminKey, 200,
			[]string{`action-xhr=\"https://live.example.com/v1/actions/preferences?t=${amp_token}\"`, `value=\"bags\"`, "amp-form-0.1.js"}},
		{"unknown block", "/v1/snippets/carousel", "live.example.com", adminKey, 422, []string{`"invalid_snippet"`, "unknown block"}},
		{"unknown esp", "/v1/snippets/cart?esp=gmail", "live.example.com", adminKey, 422, []string{"unknown ESP"}},
		{"http base", "/v1/snippets/cart?base_url=http://live.example.com", "live.example.com", adminKey, 422, []string{"only https"}},
		{"hostile host", "/v1/snippets/cart", `x"><script>`, adminKey, 422, []string{"base_url"}},
		{"bad max items", "/v1/snippets/cart?max_items=0", "live.example.com", adminKey, 422, []string{"max_items"}},
		{"too many items", "/v1/snippets/cart?max_items=51", "live.example.com", adminKey, 422, []string{"max_items 51"}},
		{"missing campaign", "/v1/snippets/countdown", "live.example.com", adminKey, 422, []string{"needs campaign"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, c.target, nil)
			req.Host = c.host
			if c.auth != "" {
				req.Header.Set("Authorization", "Bearer "+c.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != c.want {
				t.Fatalf("status %d, want %d: %s", w.Code, c.want, w.Body)
			}
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("not JSON: %s", w.Body)
			}
			if c.want == 422 && strings.Contains(w.Body.String(), "--") {
				t.Errorf("the API names a CLI flag: %s", w.Body)
			}
			for _, s := range c.contains {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("answer lacks %q:\n%s", s, w.Body)
				}
			}
		})
	}
}
