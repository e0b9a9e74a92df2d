package handlers_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/handlers"
)

// fuzzActionRoutes are the amp-form actions FuzzActionForm posts to.
var fuzzActionRoutes = []string{"/v1/actions/more", "/v1/actions/notify", "/v1/actions/offer", "/v1/actions/preferences", "/v1/actions/rate"}

// Bits of FuzzActionForm's who argument.
const (
	fuzzWhoMask      = 0x07 // low bits: the token, see fuzzActionToken
	fuzzOversizeBody = 0x80 // pad the body past the 64 KiB limit
)

// fuzzActionStatus is the status each error code of an action answer comes with.
var fuzzActionStatus = map[string]int{
	handlers.CodeBadRequest:       http.StatusBadRequest,
	handlers.CodeTokenMissing:     http.StatusUnauthorized,
	handlers.CodeTokenInvalid:     http.StatusUnauthorized,
	handlers.CodeTokenExpired:     http.StatusUnauthorized,
	handlers.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	handlers.CodeInvalidField:     http.StatusUnprocessableEntity,
	handlers.CodeCampaignNotFound: http.StatusUnprocessableEntity,
	handlers.CodeRateLimited:      http.StatusTooManyRequests,
	handlers.CodeStoreUnavailable: http.StatusServiceUnavailable,
}

// fuzzActionAnswer is the JSON of an action answer, with pointers so a
// missing field shows.
type fuzzActionAnswer struct {
	OK    *bool `json:"ok"`
	Error *struct {
		Code    string  `json:"code"`
		Message string  `json:"message"`
		Field   *string `json:"field"`
	} `json:"error"`
}

// fuzzMultipart is a multipart/form-data body and its content type.
func fuzzMultipart(fields ...string) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.SetBoundary("fuzzboundary")
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("upload", "a.txt")
	_, _ = fw.Write([]byte("file part"))
	_ = mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// FuzzActionForm posts arbitrary bodies with arbitrary content types to
// every /v1/actions/* route through the real gin engine over the shared
// embedded store (TestMain starts it in every fuzz worker too), as an
// allowed v2 sender. No answer may be a 5xx other than 503
// store_unavailable (a panic is a 500) or a 3xx; every answer carries
// AMP-Email-Allow-Sender and is JSON with "ok"; every non-2xx answer is
// {"ok":false,"error":{"code",…,"field"}} with a code that goes with its
// status. Each request has a token of its own, so the per-token write limit
// never answers 429 here. Writes go to profiles fuzz-0 and fuzz-1, which
// no other test reads (fuzz targets run after the tests).
//
//	go test ./handlers -run '^$' -fuzz '^FuzzActionForm$' -fuzztime 60s
func FuzzActionForm(f *testing.F) {
	if shared == nil {
		f.Fatal("TestMain did not start the shared store")
	}
	const form = "application/x-www-form-urlencoded"
	mt, mb := fuzzMultipart("sku", "GGOEGAEJ163316", "value", "5", "topics", "apparel", "frequency", "weekly")
	mtBad, mbBad := fuzzMultipart("page", "3")
	seeds := []struct {
		ctype string
		body  string
		who   uint8
	}{
		{form, "", 0},
		{form, "category=apparel&page=2", 1},
		{form, "sku=GGOEGAEJ163316&value=5", 0},
		{form, "sku=GGOEGAEJ163316&value=5&question=q1", 0},
		{form, "question=fav-color&value=Deep%20Blue", 1},
		{form, "topics=apparel&topics=office&topics=apparel&frequency=weekly", 0},
		{form, "topics=NOPE&frequency=hourly", 0},
		{form, "sku=NOPE&page=0&category=%00", 2},
		{form, "page=99999999999999999999&value=%ff%fe", 3},
		{form, "%zz=%&&&=&a=b;c=d", 0},
		{"text/plain", "sku=GGOEGAEJ163316", 0},
		{"", "sku=GGOEGAEJ163316", 4},
		{"application/json", `{"sku":"GGOEGAEJ163316"}`, 0},
		{mt, string(mb), 0},
		{mtBad, string(mbBad), 1},
		{"multipart/form-data", string(mb), 0},
		{"multipart/form-data; boundary=fuzzboundary", string(mb[:len(mb)/2]), 0},
		{"multipart/form-data; boundary=\"", "--\"\r\n", 0},
		{"application/x-www-form-urlencoded; charset=utf-16", "\xff\xfes\x00k\x00u\x00", 0},
		{form, "sku=GGOEGAEJ163316", 0 | fuzzOversizeBody},
		{mt, string(mb), 1 | fuzzOversizeBody},
	}
	for _, s := range seeds {
		f.Add(s.ctype, []byte(s.body), s.who)
	}

	h := newHandler(f, shared)
	keys := testKeys(f)
	var serial atomic.Int64
	// token is a new token for each request (exp differs): who
	// picks profile fuzz-0 or fuzz-1 with the demo campaign, the campaign
	// alone, a profile alone, or no token.
	token := func(t *testing.T, who uint8) string {
		var spec amp.TokenSpec
		switch (who & fuzzWhoMask) % 5 {
		case 0:
			spec = amp.TokenSpec{Subject: "fuzz-0", Campaign: "demo-sale"}
		case 1:
			spec = amp.TokenSpec{Subject: "fuzz-1", Campaign: "demo-sale"}
		case 2:
			spec = amp.TokenSpec{Campaign: "demo-sale"}
		case 3:
			spec = amp.TokenSpec{Subject: "fuzz-0"}
		default:
			return ""
		}
		spec.Now = testNow
		spec.TTL = amp.DefaultTTL + time.Duration(serial.Add(1))*time.Second
		tok, err := keys.Sign(spec, testIssuer)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	f.Fuzz(func(t *testing.T, ctype string, body []byte, who uint8) {
		if !httpguts.ValidHeaderFieldValue(ctype) {
			t.Skip("a server refuses this Content-Type value before any handler")
		}
		if who&fuzzOversizeBody != 0 {
			body = append(body, bytes.Repeat([]byte("a"), 64<<10+1)...)
		}
		for _, route := range fuzzActionRoutes {
			target := route
			if tok := token(t, who); tok != "" {
				target += "?" + url.Values{"t": {tok}}.Encode()
			}
			req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			req.Header.Set(amp.HeaderEmailSender, allowedSender)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if req.MultipartForm != nil {
				_ = req.MultipartForm.RemoveAll()
			}
			fuzzCheckAction(t, route, w)
		}
	})
}

// fuzzCheckAction checks one action answer.
func fuzzCheckAction(t *testing.T, route string, w *httptest.ResponseRecorder) {
	t.Helper()
	status := w.Code
	if status >= 500 && status != http.StatusServiceUnavailable || status >= 300 && status < 400 || status < 200 {
		t.Fatalf("%s: status %d: %s", route, status, w.Body)
	}
	if got := w.Header().Get(amp.HeaderEmailAllowSender); got != allowedSender {
		t.Fatalf("%s: status %d without %s (got %q): %s", route, status, amp.HeaderEmailAllowSender, got, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: status %d with Content-Type %q", route, status, ct)
	}
	var a fuzzActionAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil || a.OK == nil {
		t.Fatalf("%s: status %d, not an action answer (%v): %s", route, status, err, w.Body)
	}
	if status < 300 {
		if !*a.OK || a.Error != nil {
			t.Fatalf("%s: status %d: %s", route, status, w.Body)
		}
		return
	}
	if *a.OK || a.Error == nil || a.Error.Code == "" || a.Error.Message == "" || a.Error.Field == nil {
		t.Fatalf(`%s: status %d, want {"ok":false,"error":{"code","message","field"}}: %s`, route, status, w.Body)
	}
	if want, ok := fuzzActionStatus[a.Error.Code]; !ok || want != status {
		t.Fatalf("%s: status %d with code %q (want status %d)", route, status, a.Error.Code, want)
	}
	if status == http.StatusTooManyRequests {
		t.Fatalf("%s: rate limited though every request has a token of its own: %s", route, w.Body)
	}
}
