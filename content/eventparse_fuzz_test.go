package content

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gocmp "github.com/google/go-cmp/cmp"
)

// fuzzEventsNow is the server clock of FuzzParseEvents.
var fuzzEventsNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// fuzzEventSeeds are valid events of every type and the classic ways to get
// one wrong, for FuzzParseEvents.
func fuzzEventSeeds(tb testing.TB) []string {
	tb.Helper()
	batch, err := os.ReadFile(filepath.Join("..", "testdata", "events", "batch_valid.json"))
	if err != nil {
		tb.Fatal(err)
	}
	const at = `"at":"2024-05-01T10:00:00Z"`
	viewed := `{"id":"e1","type":"product_viewed",` + at + `,"profile_id":"p1","sku":"A"}`
	return []string{
		string(batch),
		viewed,
		`{"id":"e2","type":"cart_updated",` + at + `,"profile_id":"p1","items":[{"sku":"A","qty":2},{"sku":"B","qty":1e2}]}`,
		`{"id":"e3","type":"cart_updated",` + at + `,"profile_id":"p1","items":[]}`,
		`{"id":"e4","type":"order_placed","at":"2024-05-01t10:00:00.123456789z","profile_id":"p1","order_id":"o1",` +
			`"items":[{"sku":"A","qty":1,"price":16.99,"currency":"USD"},{"sku":"J","qty":1,"price":1200,"currency":"JPY"},{"sku":"K","qty":1,"price":0.125,"currency":"KWD"}]}`,
		`{"id":"e5","type":"profile_updated","at":"2024-05-01T12:00:00+14:00","profile_id":"p1","first_name":"","locale":"de-DE",` +
			`"time_zone":"America/Argentina/Buenos_Aires","loyalty":{"tier":"gold","points":0},"attributes":{"a":null,"b-c_d":"é\u0000"}}`,
		`{"id":"e6","type":"product_updated",` + at + `,"sku":"S1","price":0.10,"currency":"EUR","rating":4.999,"stock":-3,"popularity":9007199254740991,"image":""}`,
		`{"id":"e7","type":"campaign_updated",` + at + `,"campaign_id":"c1","name":"N","ends_at":"2034-04-30T23:59:59.5-00:30","time_zone":"UTC","expired_text":"over",` +
			`"style":{"background":"#102030","labels":{"days":"Tage"},"width":480,"height":120}}`,
		"[" + viewed + "," + viewed + "]",
		// Refused.
		"", " ", "null", "[]", `"x"`, "[1]", "{}", "[{}]", viewed + viewed, viewed[:40],
		`{"id":"e1","type":"product_viewed","type":"cart_updated"}`,
		strings.Replace(viewed, "2024-05-01T10:00:00Z", "2016-12-31T23:59:60Z", 1),
		strings.Replace(viewed, "2024-05-01T10:00:00Z", "2024-05-01T12:05:01Z", 1),
		strings.Replace(viewed, "2024-05-01T10:00:00Z", "0001-01-01T00:00:00Z", 1),
		strings.Replace(viewed, `"sku":"A"`, `"sku":"A","n":1e999999999`, 1),
		strings.Replace(viewed, `"sku":"A"`, `"sku":"\xff\xfe"`, 1),
		strings.Replace(viewed, `"sku":"A"`, `"sku":"A","a/b~c":{"x\"y":[1,{"z":0.1e-400}]}`, 1),
		`{"id":"e1","type":"cart_updated",` + at + `,"profile_id":"p1","items":[{"sku":"A","qty":1},{"sku":"A","qty":1.0},{"qty":-1},7]}`,
		`{"id":"e1","type":"order_placed",` + at + `,"profile_id":"p1","order_id":"o1","items":[{"sku":"A","qty":1,"price":1.699E1,"currency":"usd"},{"sku":"B","qty":1,"price":1.001,"currency":"XYZ"}]}`,
		`{"id":"e1","type":"product_updated",` + at + `,"sku":"S1","currency":"USD"}`,
		`{"id":"e1","type":"profile_updated",` + at + `,"profile_id":"p1","time_zone":"../../etc/passwd","attributes":{"shoe size":5}}`,
		`{"id":"e1","type":"campaign_updated",` + at + `,"campaign_id":"c1","ends_at":"2999-01-01T00:00:00Z","style":{"width":"wide"}}`,
		"[" + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "]",
	}
}

// FuzzParseEvents feeds arbitrary bodies to ParseEvents. It must never
// panic. A body is accepted whole (every event valid: an id, a known type,
// an at in UTC between 1970 and now + MaxEventFuture, the payload of its
// type and no other) or refused whole (no events, problems sorted, each
// naming the body, an event of the batch, or a field whose parent is in
// that event). Accepted events written back with MarshalEvent and parsed
// again are the same events.
//
//	go test ./content -run '^$' -fuzz '^FuzzParseEvents$' -fuzztime 60s
func FuzzParseEvents(f *testing.F) {
	for _, s := range fuzzEventSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, problems := ParseEvents(body, fuzzEventsNow)
		if len(problems) > 0 {
			if events != nil {
				t.Fatalf("refused with %d problems, yet %d events returned", len(problems), len(events))
			}
			fuzzCheckProblems(t, body, problems)
			return
		}
		if len(events) == 0 || len(events) > MaxBatchEvents {
			t.Fatalf("accepted %d events", len(events))
		}
		for i, ev := range events {
			fuzzCheckEvent(t, i, ev)
		}

		// Round trip: MarshalEvent, then ParseEvents again.
		var batch bytes.Buffer
		batch.WriteByte('[')
		for i, ev := range events {
			b, err := MarshalEvent(ev)
			if err != nil {
				t.Fatalf("MarshalEvent(event %d %+v): %v", i, ev, err)
			}
			if i > 0 {
				batch.WriteByte(',')
			}
			batch.Write(b)
		}
		batch.WriteByte(']')
		again, problems := ParseEvents(batch.Bytes(), fuzzEventsNow)
		if len(problems) > 0 {
			t.Fatalf("re-parsing the marshalled events %s: %+v", batch.Bytes(), problems)
		}
		if diff := gocmp.Diff(events, again); diff != "" {
			t.Fatalf("round trip through %s (-first, +again):\n%s", batch.Bytes(), diff)
		}
	})
}

// fuzzCheckEvent checks the properties every accepted event has.
func fuzzCheckEvent(t *testing.T, i int, ev Event) {
	t.Helper()
	if ev.ID == "" || utf8.RuneCountInString(ev.ID) > 128 {
		t.Errorf("event %d: id %q", i, ev.ID)
	}
	if !knownEventType(ev.Type) {
		t.Errorf("event %d: type %q", i, ev.Type)
	}
	if ev.At.Location() != time.UTC || ev.At.Before(time.Unix(0, 0)) || ev.At.After(fuzzEventsNow.Add(MaxEventFuture)) {
		t.Errorf("event %d: at %v", i, ev.At)
	}
	profileEvent := ev.Type == EventProductViewed || ev.Type == EventCartUpdated || ev.Type == EventOrderPlaced || ev.Type == EventProfileUpdated
	if profileEvent != (ev.ProfileID != "") {
		t.Errorf("event %d (%s): profile_id %q", i, ev.Type, ev.ProfileID)
	}
	if (ev.Type == EventProductViewed) != (ev.SKU != "") {
		t.Errorf("event %d (%s): sku %q", i, ev.Type, ev.SKU)
	}
	if (ev.Type == EventOrderPlaced) != (ev.OrderID != "") {
		t.Errorf("event %d (%s): order_id %q", i, ev.Type, ev.OrderID)
	}
	if ev.Type != EventCartUpdated && ev.Type != EventOrderPlaced && ev.Items != nil {
		t.Errorf("event %d (%s): items %+v", i, ev.Type, ev.Items)
	}
	if ev.Type == EventOrderPlaced && len(ev.Items) == 0 {
		t.Errorf("event %d: an order without items", i)
	}
	seen := map[string]bool{}
	for j, it := range ev.Items {
		if it.SKU == "" || it.Qty < 1 || it.Qty > 100000 || it.Price < 0 {
			t.Errorf("event %d item %d: %+v", i, j, it)
		}
		if ev.Type == EventOrderPlaced {
			if _, known := MinorUnitDigits(it.Currency); !known {
				t.Errorf("event %d item %d: currency %q", i, j, it.Currency)
			}
		} else if it.Price != 0 || it.Currency != "" || seen[it.SKU] {
			t.Errorf("event %d cart line %d: %+v (a price, or a SKU twice)", i, j, it)
		}
		seen[it.SKU] = true
	}
	if (ev.Type == EventProfileUpdated) != (ev.Profile != nil) ||
		(ev.Type == EventProductUpdated) != (ev.Product != nil) ||
		(ev.Type == EventCampaignUpdated) != (ev.Campaign != nil) {
		t.Errorf("event %d (%s): payloads %v %v %v", i, ev.Type, ev.Profile != nil, ev.Product != nil, ev.Campaign != nil)
	}
	if p := ev.Product; p != nil {
		if p.SKU == "" || (p.Price == nil) != (p.Currency == nil) || (p.Price != nil && *p.Price < 0) {
			t.Errorf("event %d: product %+v", i, p)
		}
	}
	if c := ev.Campaign; c != nil && c.ID == "" {
		t.Errorf("event %d: campaign without id", i)
	}
	for _, tz := range []*string{fuzzZone(ev.Profile), fuzzCampaignZone(ev.Campaign)} {
		if tz != nil {
			if _, err := LoadZone(*tz); err != nil {
				t.Errorf("event %d: time_zone %q: %v", i, *tz, err)
			}
		}
	}
}

func fuzzZone(p *ProfilePatch) *string {
	if p == nil {
		return nil
	}
	return p.TimeZone
}

func fuzzCampaignZone(c *CampaignPatch) *string {
	if c == nil {
		return nil
	}
	return c.TimeZone
}

// fuzzCheckProblems checks a refusal: problems sorted by index, each with a
// message, Index -1 (the body; no pointer) or an event of the batch, and a
// pointer that is "" (the event) or names a field whose parent is in the
// event (so a missing field can be named, not an invented place), written
// as an RFC 6901 pointer whose last token the message names.
func fuzzCheckProblems(t *testing.T, body []byte, problems []EventError) {
	t.Helper()
	doc, docErr := fuzzDecode(body)
	var raw []any
	switch v := doc.(type) {
	case []any:
		raw = v
	case map[string]any:
		raw = []any{v}
	}
	for k, p := range problems {
		if p.Message == "" {
			t.Errorf("problem %d has no message: %+v", k, p)
		}
		if k > 0 && problems[k-1].Index > p.Index && p.Index != -1 {
			t.Errorf("problems %d and %d out of order: %+v, %+v", k-1, k, problems[k-1], p)
		}
		if p.Index == -1 {
			if p.Pointer != "" {
				t.Errorf("problem %d about the body has pointer %q", k, p.Pointer)
			}
			continue
		}
		if docErr != nil || p.Index < 0 || p.Index >= len(raw) {
			t.Errorf("problem %d names event %d of a body with %d (decode error %v): %+v", k, p.Index, len(raw), docErr, p)
			continue
		}
		if p.Pointer == "" {
			continue
		}
		tokens, ok := fuzzPointer(p.Pointer)
		if !ok {
			t.Errorf("problem %d: pointer %q is not an RFC 6901 pointer", k, p.Pointer)
			continue
		}
		parent, ok := fuzzAt(raw[p.Index], tokens[:len(tokens)-1])
		if !ok {
			t.Errorf("problem %d: the parent of %q is not in event %d: %+v", k, p.Pointer, p.Index, p)
			continue
		}
		switch parent.(type) {
		case map[string]any, []any:
		default:
			t.Errorf("problem %d: the parent of %q is not an object or array: %+v", k, p.Pointer, p)
		}
		last := tokens[len(tokens)-1]
		quoted := strconv.Quote(last)
		if !strings.Contains(p.Message, last) && !strings.Contains(p.Message, quoted[1:len(quoted)-1]) {
			t.Errorf("problem %d at %q does not name %q: %q", k, p.Pointer, last, p.Message)
		}
	}
}

// fuzzDecode decodes body as ParseEvents does (numbers as json.Number).
func fuzzDecode(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	err := dec.Decode(&doc)
	return doc, err
}

// fuzzPointer splits an RFC 6901 pointer into its unescaped tokens.
func fuzzPointer(p string) ([]string, bool) {
	if !strings.HasPrefix(p, "/") {
		return nil, false
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		for j := 0; j < len(s); j++ {
			if s[j] == '~' && (j+1 == len(s) || (s[j+1] != '0' && s[j+1] != '1')) {
				return nil, false
			}
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, true
}

// fuzzAt is the value at tokens within v, and whether it exists.
func fuzzAt(v any, tokens []string) (any, bool) {
	for _, tok := range tokens {
		switch c := v.(type) {
		case map[string]any:
			e, ok := c[tok]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) || strconv.Itoa(i) != tok {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// TestFuzzParseEventsSeeds keeps the seeds meaningful: the first nine are
// accepted, so the fuzzer starts from every event type and the round trip
// is exercised; the others are refused.
func TestFuzzParseEventsSeeds(t *testing.T) {
	t.Parallel()
	for i, s := range fuzzEventSeeds(t) {
		_, problems := ParseEvents([]byte(s), fuzzEventsNow)
		if accepted := len(problems) == 0; accepted != (i < 9) {
			t.Errorf("seed %d: accepted %v, problems %+v", i, accepted, problems)
		}
	}
}
