package content

import (
	"cmp"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
)

// parseNow is the server clock of the ParseEvents tests.
var parseNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// Event bodies for the tests: a valid event of each type with room for
// changes.
func viewed(extra string) string {
	return `{"id":"e1","type":"product_viewed","at":"2024-05-01T10:00:00Z","profile_id":"p1","sku":"A"` + extra + `}`
}

func cart(items string) string {
	return `{"id":"e1","type":"cart_updated","at":"2024-05-01T10:00:00Z","profile_id":"p1","items":[` + items + `]}`
}

func order(items string) string {
	return `{"id":"e1","type":"order_placed","at":"2024-05-01T10:00:00Z","profile_id":"p1","order_id":"o1","items":[` + items + `]}`
}

func profileUpd(fields string) string {
	return `{"id":"e1","type":"profile_updated","at":"2024-05-01T10:00:00Z","profile_id":"p1"` + fields + `}`
}

func productUpd(fields string) string {
	return `{"id":"e1","type":"product_updated","at":"2024-05-01T10:00:00Z","sku":"S1"` + fields + `}`
}

func campaignUpd(fields string) string {
	return `{"id":"e1","type":"campaign_updated","at":"2024-05-01T10:00:00Z","campaign_id":"c1"` + fields + `}`
}

func batchOf(n int, event string) string {
	return "[" + strings.Repeat(event+",", n-1) + event + "]"
}

func TestParseEventsValid(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("../testdata/events/batch_valid.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{ID: "evt-0001", Type: EventProductViewed, ProfileID: "otto-3", At: time.Date(2024, 5, 1, 9, 58, 12, 0, time.UTC), SKU: "GGOEGAAX0037"},
		{ID: "evt-0002", Type: EventCartUpdated, ProfileID: "otto-3", At: time.Date(2024, 5, 1, 8, 0, 0, 250e6, time.UTC),
			Items: []EventItem{{SKU: "GGOEGAAX0037", Qty: 2}, {SKU: "GGOEAAEC172013", Qty: 1}}},
		{ID: "evt-0003", Type: EventOrderPlaced, ProfileID: "otto-3", At: time.Date(2024, 5, 1, 8, 5, 0, 0, time.UTC), OrderID: "ord-77",
			Items: []EventItem{
				{SKU: "GGOEGAAX0037", Qty: 2, Price: 1699, Currency: "USD"},
				{SKU: "GGCOGOAC101259", Qty: 1, Price: 1500, Currency: "JPY"},
				{SKU: "KW-1", Qty: 3, Price: 2125, Currency: "KWD"},
			}},
		{ID: "evt-0004", Type: EventProfileUpdated, ProfileID: "otto-3", At: time.Date(2024, 5, 1, 8, 6, 0, 0, time.UTC),
			Profile: &ProfilePatch{FirstName: ptr("Lena"), Locale: ptr("de-DE"), TimeZone: ptr("Europe/Berlin"), Tier: ptr("gold"), Points: ptr[int64](4820),
				Attributes: map[string]*string{"shoe_size": ptr("39"), "newsletter": nil}}},
		{ID: "evt-0005", Type: EventProductUpdated, At: time.Date(2024, 5, 1, 7, 0, 0, 0, time.UTC),
			Product: &ProductPatch{SKU: "GGOEGAAX0037", Title: ptr("Google Campus Bike"), URL: ptr("https://shop.googlemerchandisestore.com/bike"),
				Image: ptr(""), Price: ptr[int64](1690), Currency: ptr("USD"), Category: ptr("Lifestyle"), Brand: ptr("Google"),
				Rating: ptr(4.5), Stock: ptr[int64](12), Popularity: ptr[int64](340)}},
		{ID: "evt-0006", Type: EventCampaignUpdated, At: time.Date(2024, 5, 1, 7, 30, 0, 0, time.UTC),
			Campaign: &CampaignPatch{ID: "demo-sale", Name: ptr("May sale"), EndsAt: ptr(time.Date(2024, 5, 31, 21, 59, 59, 0, time.UTC)),
				TimeZone: ptr("Europe/Berlin"), ExpiredText: ptr("The sale has ended")}},
	}
	got, errs := ParseEvents(body, parseNow)
	if errs != nil {
		t.Fatalf("errors: %+v", errs)
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for i, ev := range got {
		if ev.At.Location() != time.UTC {
			t.Errorf("event %d: At in %v, want UTC", i, ev.At.Location())
		}
	}
}

func TestParseEventsValidForms(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		body string
		want []Event
	}{
		{"single object is a batch of one", viewed(""),
			[]Event{{ID: "e1", Type: EventProductViewed, ProfileID: "p1", At: at, SKU: "A"}}},
		{"whitespace around the body", " \n\t" + viewed("") + "\n",
			[]Event{{ID: "e1", Type: EventProductViewed, ProfileID: "p1", At: at, SKU: "A"}}},
		{"empty cart", cart(""),
			[]Event{{ID: "e1", Type: EventCartUpdated, ProfileID: "p1", At: at, Items: []EventItem{}}}},
		{"integers written 2.0 and 1e1", cart(`{"sku":"A","qty":2.0},{"sku":"B","qty":1e1}`),
			[]Event{{ID: "e1", Type: EventCartUpdated, ProfileID: "p1", At: at, Items: []EventItem{{SKU: "A", Qty: 2}, {SKU: "B", Qty: 10}}}}},
		{"price with trailing zeros and zero price", order(`{"sku":"A","qty":1,"price":16.990,"currency":"USD"},{"sku":"B","qty":1,"price":0,"currency":"EUR"}`),
			[]Event{{ID: "e1", Type: EventOrderPlaced, ProfileID: "p1", At: at, OrderID: "o1",
				Items: []EventItem{{SKU: "A", Qty: 1, Price: 1699, Currency: "USD"}, {SKU: "B", Qty: 1, Currency: "EUR"}}}}},
		{"offset to UTC, lower-case t", `{"id":"e1","type":"product_viewed","at":"2024-05-01t08:00:00.5-02:00","profile_id":"p1","sku":"A"}`,
			[]Event{{ID: "e1", Type: EventProductViewed, ProfileID: "p1", At: time.Date(2024, 5, 1, 10, 0, 0, 5e8, time.UTC), SKU: "A"}}},
		{"lower-case z", `{"id":"e1","type":"product_viewed","at":"2024-05-01T10:00:00z","profile_id":"p1","sku":"A"}`,
			[]Event{{ID: "e1", Type: EventProductViewed, ProfileID: "p1", At: at, SKU: "A"}}},
		{"at exactly 5 minutes ahead", `{"id":"e1","type":"product_viewed","at":"2024-05-01T12:05:00Z","profile_id":"p1","sku":"A"}`,
			[]Event{{ID: "e1", Type: EventProductViewed, ProfileID: "p1", At: parseNow.Add(MaxEventFuture), SKU: "A"}}},
		{"id of 128 characters", strings.Replace(viewed(""), `"e1"`, `"`+strings.Repeat("x", 128)+`"`, 1),
			[]Event{{ID: strings.Repeat("x", 128), Type: EventProductViewed, ProfileID: "p1", At: at, SKU: "A"}}},
		{"profile_updated naming one attribute, cleared by null", profileUpd(`,"attributes":{"a-b_1":null}`),
			[]Event{{ID: "e1", Type: EventProfileUpdated, ProfileID: "p1", At: at, Profile: &ProfilePatch{Attributes: map[string]*string{"a-b_1": nil}}}}},
		{"profile_updated clearing the first name, zero points", profileUpd(`,"first_name":"","loyalty":{"points":0}`),
			[]Event{{ID: "e1", Type: EventProfileUpdated, ProfileID: "p1", At: at, Profile: &ProfilePatch{FirstName: ptr(""), Points: ptr[int64](0)}}}},
		{"product_updated stock only, negative", productUpd(`,"stock":-3`),
			[]Event{{ID: "e1", Type: EventProductUpdated, At: at, Product: &ProductPatch{SKU: "S1", Stock: ptr[int64](-3)}}}},
		{"campaign UTC zone", campaignUpd(`,"time_zone":"UTC"`),
			[]Event{{ID: "e1", Type: EventCampaignUpdated, At: at, Campaign: &CampaignPatch{ID: "c1", TimeZone: ptr("UTC")}}}},
		{"batch of 500", batchOf(MaxBatchEvents, viewed("")), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, errs := ParseEvents([]byte(tc.body), parseNow)
			if errs != nil {
				t.Fatalf("errors: %+v", errs)
			}
			if tc.want == nil {
				return
			}
			if diff := gocmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseEventsErrors covers every class of refused input. Each wanted
// error is matched on Index and Pointer exactly and on a part of Message.
func TestParseEventsErrors(t *testing.T) {
	t.Parallel()
	type e = EventError
	long := strings.Repeat("x", 129)
	cases := []struct {
		name string
		body string
		want []e
	}{
		// The body as a whole.
		{"empty body", "", []e{{-1, "", "body is empty"}}},
		{"blank body", " \n", []e{{-1, "", "body is empty"}}},
		{"malformed JSON", `{"id":"e1",`, []e{{-1, "", "not valid JSON"}}},
		{"syntax error names the byte", `{"id" "e1"}`, []e{{-1, "", "at byte 7"}}},
		{"trailing data", viewed("") + viewed(""), []e{{-1, "", "more data after the value that ends at byte 91"}}},
		{"top-level string", `"hello"`, []e{{-1, "", "not a string"}}},
		{"top-level number", `42`, []e{{-1, "", "not a number"}}},
		{"top-level null", `null`, []e{{-1, "", "not null"}}},
		{"empty batch", `[]`, []e{{-1, "", "the batch is empty"}}},
		{"more than 500 events", batchOf(MaxBatchEvents+1, viewed("")), []e{{-1, "", "501 events, more than the limit of 500"}}},
		{"body over 1 MiB", `[` + strings.Repeat(" ", MaxBatchBytes) + `]`, []e{{-1, "", "more than the limit"}}},
		{"batch element not an object", `[` + viewed("") + `,[1]]`, []e{{1, "", "event must be a JSON object, not an array"}}},

		// Type.
		{"unknown type", `{"id":"e1","type":"page_viewed","at":"2024-05-01T10:00:00Z"}`, []e{{0, "/type", `unknown event type "page_viewed"`}}},
		{"missing type", `{"id":"e1","at":"2024-05-01T10:00:00Z","sku":"A"}`, []e{{0, "/type", "type is required"}}},
		{"type not a string", `{"id":"e1","type":7}`, []e{{0, "/type", "unknown event type 7"}}},

		// Common fields.
		{"missing id", strings.Replace(viewed(""), `"id":"e1",`, "", 1), []e{{0, "/id", "id is required"}}},
		{"missing at", strings.Replace(viewed(""), `"at":"2024-05-01T10:00:00Z",`, "", 1), []e{{0, "/at", "at is required"}}},
		{"missing profile_id", strings.Replace(viewed(""), `"profile_id":"p1",`, "", 1), []e{{0, "/profile_id", "profile_id is required"}}},
		{"several missing fields", `{"type":"order_placed"}`, []e{
			{0, "/at", "at is required"}, {0, "/id", "id is required"}, {0, "/items", "items is required"},
			{0, "/order_id", "order_id is required"}, {0, "/profile_id", "profile_id is required"}}},
		{"empty id", strings.Replace(viewed(""), `"e1"`, `""`, 1), []e{{0, "/id", "id must not be empty"}}},
		{"id over 128 characters", strings.Replace(viewed(""), `"e1"`, `"`+long+`"`, 1), []e{{0, "/id", "at most 128 characters, got 129"}}},
		{"id not a string", strings.Replace(viewed(""), `"e1"`, `12`, 1), []e{{0, "/id", "id must be a string, got 12"}}},
		{"profile_id over 128 characters", strings.Replace(viewed(""), `"p1"`, `"`+long+`"`, 1), []e{{0, "/profile_id", "at most 128"}}},
		{"sku over 64 characters", strings.Replace(viewed(""), `"sku":"A"`, `"sku":"`+strings.Repeat("s", 65)+`"`, 1), []e{{0, "/sku", "at most 64"}}},
		{"date without time", strings.Replace(viewed(""), "2024-05-01T10:00:00Z", "2024-05-01", 1), []e{{0, "/at", "RFC 3339 date-time"}}},
		{"date-time with a space", strings.Replace(viewed(""), "2024-05-01T10:00:00Z", "2024-05-01 10:00:00Z", 1), []e{{0, "/at", "RFC 3339 date-time"}}},
		{"date-time without offset", strings.Replace(viewed(""), "2024-05-01T10:00:00Z", "2024-05-01T10:00:00", 1), []e{{0, "/at", "RFC 3339 date-time"}}},
		{"impossible date", strings.Replace(viewed(""), "2024-05-01T10:00:00Z", "2024-02-30T10:00:00Z", 1), []e{{0, "/at", "RFC 3339 date-time"}}},
		{"leap second", strings.Replace(viewed(""), "2024-05-01T10:00:00Z", "2016-12-31T23:59:60Z", 1), []e{{0, "/at", "RFC 3339 date-time"}}},
		{"at as a number", strings.Replace(viewed(""), `"2024-05-01T10:00:00Z"`, "1714557600", 1), []e{{0, "/at", "at must be a string, got 1714557600"}}},
		{"future at", strings.Replace(viewed(""), "2024-05-01T10:00:00Z", "2024-05-01T12:05:01Z", 1), []e{{0, "/at", "more than 5 minutes ahead"}}},
		{"future at with an offset", strings.Replace(viewed(""), "2024-05-01T10:00:00Z", "2024-05-01T14:06:00+02:00", 1), []e{{0, "/at", "more than 5 minutes ahead"}}},
		{"additional property", viewed(`,"skuu":"B"`), []e{{0, "/skuu", `"skuu" is not a field of a product_viewed event`}}},
		{"profile_id on a catalog event", strings.Replace(productUpd(`,"title":"T"`), `"sku"`, `"profile_id":"p1","sku"`, 1), []e{{0, "/profile_id", `"profile_id" is not a field of a product_updated event`}}},
		{"nested payload is not the wire form", viewed(`,"payload":{"sku":"A"}`), []e{{0, "/payload", "not a field"}}},

		// Quantities.
		{"negative qty", cart(`{"sku":"A","qty":-1}`), []e{{0, "/items/0/qty", "items[0].qty must be at least 1, got -1"}}},
		{"zero qty", order(`{"sku":"A","qty":0,"price":1,"currency":"USD"}`), []e{{0, "/items/0/qty", "at least 1, got 0"}}},
		{"non-integer qty", cart(`{"sku":"A","qty":1},{"sku":"B","qty":1.5}`), []e{{0, "/items/1/qty", "items[1].qty must be a whole number, got 1.5"}}},
		{"qty as a string", cart(`{"sku":"A","qty":"2"}`), []e{{0, "/items/0/qty", `must be a whole number, got "2"`}}},
		{"qty too large", cart(`{"sku":"A","qty":100001}`), []e{{0, "/items/0/qty", "at most 100000"}}},
		{"missing qty", cart(`{"sku":"A"}`), []e{{0, "/items/0/qty", "items[0].qty is required"}}},
		{"unknown item field", cart(`{"sku":"A","qty":1,"price":1}`), []e{{0, "/items/0/price", `"price" is not a field of items[0]`}}},
		{"duplicate SKU in a cart", cart(`{"sku":"A","qty":1},{"sku":"B","qty":1},{"sku":"A","qty":2}`), []e{{0, "/items/2/sku", "already in items[0]"}}},
		{"cart over 500 lines", cart(cartLines(501)), []e{{0, "/items", "at most 500 items, got 501"}}},
		{"errors sorted by array index", cart(`{"sku":"A","qty":1},{"sku":"B","qty":0},{"sku":"C","qty":1},{"sku":"D","qty":1},` +
			`{"sku":"E","qty":1},{"sku":"F","qty":1},{"sku":"G","qty":1},{"sku":"H","qty":1},{"sku":"I","qty":1},{"sku":"J","qty":1},{"sku":"K","qty":0}`),
			[]e{{0, "/items/1/qty", "at least 1"}, {0, "/items/10/qty", "at least 1"}}},
		{"items not an array", strings.Replace(cart(""), `[]`, `{}`, 1), []e{{0, "/items", "items must be an array"}}},
		{"order without items", order(""), []e{{0, "/items", "items must have at least one item"}}},

		// Money.
		{"unknown currency", order(`{"sku":"A","qty":1,"price":1,"currency":"XYZ"}`), []e{{0, "/items/0/currency", `currency "XYZ" is not an ISO 4217 currency`}}},
		{"lower-case currency", order(`{"sku":"A","qty":1,"price":1,"currency":"usd"}`), []e{{0, "/items/0/currency", `ISO 4217 code in upper case such as USD, got "usd"`}}},
		{"too precise USD price", order(`{"sku":"A","qty":1,"price":16.999,"currency":"USD"}`), []e{{0, "/items/0/price", "items[0].price 16.999 has more decimal places than USD allows (2)"}}},
		{"too precise JPY price", order(`{"sku":"A","qty":1,"price":1.5,"currency":"JPY"}`), []e{{0, "/items/0/price", "1.5 has more decimal places than JPY allows (0)"}}},
		{"exponent price", order(`{"sku":"A","qty":1,"price":1e3,"currency":"USD"}`), []e{{0, "/items/0/price", "without an exponent"}}},
		{"exponent price with a fraction", order(`{"sku":"A","qty":1,"price":1.699E1,"currency":"USD"}`), []e{{0, "/items/0/price", "without an exponent"}}},
		{"negative price", order(`{"sku":"A","qty":1,"price":-1,"currency":"USD"}`), []e{{0, "/items/0/price", "at least 0, got -1"}}},
		{"price as a string", order(`{"sku":"A","qty":1,"price":"16.99","currency":"USD"}`), []e{{0, "/items/0/price", "must be a number"}}},
		{"price without currency", productUpd(`,"price":5`), []e{{0, "/currency", "currency is required when price is set"}}},
		{"currency without price", productUpd(`,"currency":"USD"`), []e{{0, "", "must name at least one of"}, {0, "/price", "price is required when currency is set"}}},
		{"product with too precise price", productUpd(`,"price":0.001,"currency":"EUR"`), []e{{0, "/price", "price 0.001 has more decimal places than EUR allows (2)"}}},
		{"errors on several lines", order(`{"sku":"A","qty":0,"price":1,"currency":"USD"},{"sku":"B","qty":1,"price":1.001,"currency":"USD"}`), []e{
			{0, "/items/0/qty", "at least 1"}, {0, "/items/1/price", "more decimal places"}}},

		// Zones, locales, attributes.
		{"unknown IANA zone", profileUpd(`,"time_zone":"Mars/Olympus_Mons"`), []e{{0, "/time_zone", `time_zone "Mars/Olympus_Mons": unknown IANA time zone`}}},
		{"Local is not a zone", profileUpd(`,"time_zone":"Local"`), []e{{0, "/time_zone", "unknown IANA time zone"}}},
		{"path as a zone", campaignUpd(`,"time_zone":"../../etc/passwd"`), []e{{0, "/time_zone", "unknown IANA time zone"}}},
		{"empty zone", profileUpd(`,"time_zone":""`), []e{{0, "/time_zone", "time_zone must not be empty"}}},
		{"bad locale", profileUpd(`,"locale":"Deutsch!"`), []e{{0, "/locale", "BCP 47 language tag"}}},
		{"bad attribute key", profileUpd(`,"attributes":{"shoe size":"39"}`), []e{{0, "/attributes/shoe size", `attribute name "shoe size" must be`}}},
		{"attribute key over 64", profileUpd(`,"attributes":{"` + strings.Repeat("k", 65) + `":"v"}`), []e{{0, "/attributes/" + strings.Repeat("k", 65), "attribute name"}}},
		{"attribute value over 1000", profileUpd(`,"attributes":{"k":"` + strings.Repeat("v", 1001) + `"}`), []e{{0, "/attributes/k", "attributes.k must be at most 1000 characters"}}},
		{"attribute value a number", profileUpd(`,"attributes":{"k":5}`), []e{{0, "/attributes/k", "must be null or a string, got 5"}}},
		{"attributes empty", profileUpd(`,"attributes":{}`), []e{{0, "/attributes", "attributes must not be empty"}}},
		{"first name over 100", profileUpd(`,"first_name":"` + strings.Repeat("é", 101) + `"`), []e{{0, "/first_name", "at most 100 characters, got 101"}}},
		{"loyalty empty", profileUpd(`,"loyalty":{}`), []e{{0, "/loyalty", "loyalty must not be empty"}}},
		{"negative points", profileUpd(`,"loyalty":{"points":-5}`), []e{{0, "/loyalty/points", "loyalty.points must be at least 0, got -5"}}},
		{"unknown loyalty field", profileUpd(`,"loyalty":{"level":"gold"}`), []e{{0, "/loyalty/level", `"level" is not a field of loyalty`}}},
		{"profile_updated naming nothing", profileUpd(""), []e{{0, "", "a profile_updated event must name at least one of first_name, locale, time_zone, loyalty, attributes"}}},

		// Catalog and campaigns.
		{"product_updated naming nothing", productUpd(""), []e{{0, "", "a product_updated event must name at least one of title"}}},
		{"url not http", productUpd(`,"url":"ftp://example.com/x"`), []e{{0, "/url", "http or https URL"}}},
		{"url relative", productUpd(`,"url":"/products/x"`), []e{{0, "/url", "absolute URL"}}},
		{"image not a URL", productUpd(`,"image":"data:image/png;base64,AAAA"`), []e{{0, "/image", "http or https URL"}}},
		{"rating over 5", productUpd(`,"rating":5.5`), []e{{0, "/rating", "rating must be at most 5, got 5.5"}}},
		{"popularity negative", productUpd(`,"popularity":-1`), []e{{0, "/popularity", "at least 0"}}},
		{"campaign ends_at malformed", campaignUpd(`,"ends_at":"tomorrow"`), []e{{0, "/ends_at", "RFC 3339 date-time"}}},
		{"campaign unknown zone", campaignUpd(`,"time_zone":"Europe/Atlantis"`), []e{{0, "/time_zone", "unknown IANA time zone"}}},
		{"campaign missing id", strings.Replace(campaignUpd(`,"name":"N"`), `"campaign_id":"c1",`, "", 1), []e{{0, "/campaign_id", "campaign_id is required"}}},

		// Numbers the validator cannot take safely.
		{"huge exponent price", order(`{"sku":"A","qty":1,"price":1e999999999,"currency":"USD"}`), []e{{0, "/items/0/price", "items[0].price is out of range"}}},
		{"huge exponent rating", productUpd(`,"rating":1E+999999999`), []e{{0, "/rating", "rating is out of range"}}},
		{"tiny exponent qty", cart(`{"sku":"A","qty":1e-999999999}`), []e{{0, "/items/0/qty", "out of range"}}},
		{"exponent at the bound is a schema matter", cart(`{"sku":"A","qty":1e400}`), []e{{0, "/items/0/qty", "at most 100000"}}},
		{"long integer", cart(`{"sku":"A","qty":1` + strings.Repeat("0", 900000) + `}`), []e{{0, "/items/0/qty", "at most 40 characters"}}},
		{"long fraction", productUpd(`,"rating":0.` + strings.Repeat("1", 900000)), []e{{0, "/rating", "out of range"}}},
		{"number in an unknown field", viewed(`,"n":1e999999999`), []e{{0, "/n", "n is out of range"}}},

		// Dates.
		{"at before 1970", strings.Replace(viewed(""), "2024-05-01T10:00:00Z", "0001-01-01T00:00:00Z", 1), []e{{0, "/at", "before 1970"}}},

		// Batches: nothing is returned when any event is bad.
		{"batch of 3 with one bad event", "[" + viewed("") + "," + cart(`{"sku":"A","qty":0}`) + "," + viewed("") + "]",
			[]e{{1, "/items/0/qty", "items[0].qty must be at least 1, got 0"}}},
		{"errors sorted by index then pointer", "[" + viewed(`,"x":1`) + "," + viewed("") + "," + profileUpd(`,"time_zone":"Nowhere","locale":"??"`) + "]",
			[]e{{0, "/x", "not a field"}, {2, "/locale", "BCP 47"}, {2, "/time_zone", "unknown IANA time zone"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			events, errs := ParseEvents([]byte(tc.body), parseNow)
			if events != nil {
				t.Errorf("events = %+v, want nil", events)
			}
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(errs), len(tc.want), errorList(errs))
			}
			for i, w := range tc.want {
				g := errs[i]
				if g.Index != w.Index || g.Pointer != w.Pointer || !strings.Contains(g.Message, w.Message) {
					t.Errorf("error %d = {%d %q %q}, want {%d %q …%s…}", i, g.Index, g.Pointer, g.Message, w.Index, w.Pointer, w.Message)
				}
			}
		})
	}
}

// cartLines is n cart lines with distinct SKUs.
func cartLines(n int) string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"sku":"S%d","qty":1}`, i)
	}
	return strings.Join(lines, ",")
}

// TestParseEventsErrorCap: a body full of mistakes gets MaxEventErrors
// errors and a last one counting the rest, quickly.
func TestParseEventsErrorCap(t *testing.T) {
	t.Parallel()
	var extra strings.Builder
	for i := range 200 {
		fmt.Fprintf(&extra, `,"f%d":1`, i)
	}
	body := batchOf(MaxBatchEvents, viewed(extra.String())) // 100 000 unknown fields
	if len(body) > MaxBatchBytes {
		t.Fatalf("test body is %d bytes", len(body))
	}
	start := time.Now()
	events, errs := ParseEvents([]byte(body), parseNow)
	if events != nil || len(errs) != MaxEventErrors+1 {
		t.Fatalf("%d events, %d errors", len(events), len(errs))
	}
	if got, want := errs[MaxEventErrors], (EventError{Index: -1, Message: "99000 more errors not listed: fix these and send the batch again"}); got != want {
		t.Errorf("last error = %+v, want %+v", got, want)
	}
	if got, want := errs[0], (EventError{Index: 0, Pointer: "/f0", Message: `"f0" is not a field of a product_viewed event`}); got != want {
		t.Errorf("first error = %+v, want %+v", got, want)
	}
	if got, want := errs[1].Pointer, "/f1"; got != want { // "/f1" sorts before "/f10"
		t.Errorf("second pointer = %q, want %q", got, want)
	}
	t.Logf("%d bytes with 100000 errors parsed in %v", len(body), time.Since(start))
}

func TestComparePointers(t *testing.T) {
	t.Parallel()
	sorted := []string{"", "/at", "/items", "/items/2", "/items/2/qty", "/items/10/price", "/items/10/qty", "/items/x", "/sku"}
	for i, a := range sorted {
		for j, b := range sorted {
			if got, want := comparePointers(a, b), cmp.Compare(i, j); got != want {
				t.Errorf("comparePointers(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// TestValidateRecovers checks the safety net under the number bounds: the
// library's panic on an exponent big.Rat refuses becomes an error.
func TestValidateRecovers(t *testing.T) {
	t.Parallel()
	doc, err := decodeJSON([]byte(productUpd(`,"rating":1e999999999`)))
	if err != nil {
		t.Fatal(err)
	}
	err = validate(eventSchemas()[EventProductUpdated], doc)
	if err == nil || !strings.Contains(err.Error(), "could not be validated") {
		t.Fatalf("err = %v, want the recovered panic", err)
	}
}

func errorList(errs []EventError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  %d %q %s\n", e.Index, e.Pointer, e.Message)
	}
	return b.String()
}

// benchBatch is a 500-event batch of every event type, the largest body
// a sender may post.
func benchBatch() []byte {
	var parts []string
	for i := range MaxBatchEvents {
		at := parseNow.Add(-time.Duration(MaxBatchEvents-i) * time.Second).Format(time.RFC3339)
		var ev string
		switch i % 6 {
		case 0, 1:
			ev = fmt.Sprintf(`{"id":"ev-%d","type":"product_viewed","at":%q,"profile_id":"otto-%d","sku":"GGOEGAAX%04d"}`, i, at, i%20, i)
		case 2:
			ev = fmt.Sprintf(`{"id":"ev-%d","type":"cart_updated","at":%q,"profile_id":"otto-%d","items":[{"sku":"GGOEGAAX0001","qty":1},{"sku":"GGOEGAAX0002","qty":3},{"sku":"GGOEGAAY%04d","qty":2}]}`, i, at, i%20, i)
		case 3:
			ev = fmt.Sprintf(`{"id":"ev-%d","type":"order_placed","at":%q,"profile_id":"otto-%d","order_id":"ord-%d","items":[{"sku":"GGOEGAAX0001","qty":1,"price":16.99,"currency":"USD"},{"sku":"GGOEGAAX0002","qty":3,"price":4.5,"currency":"USD"}]}`, i, at, i%20, i)
		case 4:
			ev = fmt.Sprintf(`{"id":"ev-%d","type":"profile_updated","at":%q,"profile_id":"otto-%d","first_name":"Lena","time_zone":"Europe/Berlin","loyalty":{"tier":"gold","points":%d},"attributes":{"segment":"vip","stale":null}}`, i, at, i%20, i)
		case 5:
			ev = fmt.Sprintf(`{"id":"ev-%d","type":"product_updated","at":%q,"sku":"GGOEGAAX%04d","title":"Google Bike","url":"https://shop.example/p/%d","price":29.99,"currency":"EUR","stock":%d,"popularity":10}`, i, at, i, i, i)
		}
		parts = append(parts, ev)
	}
	return []byte("[" + strings.Join(parts, ",\n") + "]")
}

func TestBenchBatchIsValid(t *testing.T) {
	t.Parallel()
	events, errs := ParseEvents(benchBatch(), parseNow)
	if errs != nil || len(events) != MaxBatchEvents {
		t.Fatalf("%d events, errors:\n%s", len(events), errorList(errs))
	}
}

// BenchmarkParseEvents parses and validates the largest batch: 500 events
// of every type (≈ 100 KB).
func BenchmarkParseEvents(b *testing.B) {
	body := benchBatch()
	eventSchemas() // compile outside the timing
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := ParseEvents(body, parseNow); errs != nil {
			b.Fatal(errs)
		}
	}
}

// BenchmarkParseEventsInvalid is the same batch with every event refused
// (an unknown field each): the error path.
func BenchmarkParseEventsInvalid(b *testing.B) {
	body := []byte(strings.ReplaceAll(string(benchBatch()), `"type":`, `"typo":1,"type":`))
	eventSchemas()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := ParseEvents(body, parseNow); len(errs) != MaxBatchEvents {
			b.Fatalf("%d errors", len(errs))
		}
	}
}

// BenchmarkCompileEventSchemas is what the first ParseEvents call pays.
func BenchmarkCompileEventSchemas(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := compileEventSchemas(); err != nil {
			b.Fatal(err)
		}
	}
}
