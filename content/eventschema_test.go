package content

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestEventSchemaFiles compiles every embedded schema (which also checks it
// against the draft 2020-12 metaschema) and checks that each file's $id and
// type constant match its name, so the files cannot drift from the types.
func TestEventSchemaFiles(t *testing.T) {
	t.Parallel()
	schemas, err := compileEventSchemas()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(schemas), len(eventTypes); got != want {
		t.Fatalf("%d schemas, want %d", got, want)
	}
	entries, err := schemaFiles.ReadDir("schemas")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(entries), len(eventTypes)+1; got != want {
		t.Errorf("%d files in schemas/, want %d (one per type and common.json)", got, want)
	}
	for _, typ := range append([]string{"common"}, eventTypes...) {
		b, err := schemaFiles.ReadFile("schemas/" + typ + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Schema     string `json:"$schema"`
			ID         string `json:"$id"`
			Properties map[string]struct {
				Const string `json:"const"`
			} `json:"properties"`
			AdditionalProperties *bool `json:"additionalProperties"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if got, want := doc.Schema, "https://json-schema.org/draft/2020-12/schema"; got != want {
			t.Errorf("%s: $schema %q, want %q", typ, got, want)
		}
		if got, want := doc.ID, schemaURL(typ+".json"); got != want {
			t.Errorf("%s: $id %q, want %q", typ, got, want)
		}
		if typ == "common" {
			continue
		}
		if got := doc.Properties["type"].Const; got != typ {
			t.Errorf("%s: type const %q", typ, got)
		}
		if doc.AdditionalProperties == nil || *doc.AdditionalProperties {
			t.Errorf("%s: additionalProperties must be false", typ)
		}
	}
}

// noNetwork is a loader that refuses everything: the bundle must resolve
// all its references inside itself.
type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, fmt.Errorf("no loading in tests: %s", url)
}

// compileBundle compiles EventsSchema the way a sender would: a fresh
// compiler, formats asserted, nothing loaded from outside the document.
func compileBundle(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(EventsSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseLoader(noNetwork{})
	if err := c.AddResource("events.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("events.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEventsSchemaBundle(t *testing.T) {
	t.Parallel()
	s := compileBundle(t)
	valid, err := os.ReadFile("../testdata/events/batch_valid.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		body  string
		valid bool
	}{
		{"sample batch", string(valid), true},
		{"500-event batch", string(benchBatch()), true},
		{"single product_viewed", viewed(""), true},
		{"single empty cart", cart(""), true},
		{"single order", order(`{"sku":"A","qty":1,"price":16.99,"currency":"USD"}`), true},
		{"single profile_updated", profileUpd(`,"attributes":{"k":null}`), true},
		{"single product_updated", productUpd(`,"image":""`), true},
		{"single campaign_updated", campaignUpd(`,"ends_at":"2024-06-01T00:00:00Z"`), true},

		{"unknown type", `{"id":"e1","type":"page_viewed","at":"2024-05-01T10:00:00Z"}`, false},
		{"missing type", `{"id":"e1","at":"2024-05-01T10:00:00Z","profile_id":"p1","sku":"A"}`, false},
		{"missing id", strings.Replace(viewed(""), `"id":"e1",`, "", 1), false},
		{"id over 128", strings.Replace(viewed(""), `"e1"`, `"`+strings.Repeat("x", 129)+`"`, 1), false},
		{"bad date-time", strings.Replace(viewed(""), "2024-05-01T10:00:00Z", "2024-05-01 10:00", 1), false},
		{"additional property", viewed(`,"skuu":"B"`), false},
		{"profile_id on product_updated", strings.Replace(productUpd(`,"title":"T"`), `"sku"`, `"profile_id":"p","sku"`, 1), false},
		{"zero qty", cart(`{"sku":"A","qty":0}`), false},
		{"fractional qty", cart(`{"sku":"A","qty":1.5}`), false},
		{"lower-case currency", order(`{"sku":"A","qty":1,"price":1,"currency":"usd"}`), false},
		{"negative price", order(`{"sku":"A","qty":1,"price":-1,"currency":"USD"}`), false},
		{"price without currency", productUpd(`,"price":1`), false},
		{"profile_updated naming nothing", profileUpd(""), false},
		{"bad attribute key", profileUpd(`,"attributes":{"a b":"x"}`), false},
		{"image not http", productUpd(`,"image":"ftp://x/y.png"`), false},
		{"empty batch", `[]`, false},
		{"501 events", batchOf(MaxBatchEvents+1, viewed("")), false},
		{"scalar body", `"event"`, false},
		{"batch with one bad event", "[" + viewed("") + "," + cart(`{"sku":"A","qty":-1}`) + "]", false},

		// What only the server checks: the schema lets these through, and
		// its description says so.
		{"unknown IANA zone (server check)", profileUpd(`,"time_zone":"Mars/Base"`), true},
		{"unknown currency (server check)", order(`{"sku":"A","qty":1,"price":1,"currency":"XYZ"}`), true},
		{"too precise price (server check)", order(`{"sku":"A","qty":1,"price":16.999,"currency":"USD"}`), true},
		{"exponent price (server check)", order(`{"sku":"A","qty":1,"price":1e3,"currency":"USD"}`), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Validate(inst)
			if got := err == nil; got != tc.valid {
				t.Errorf("valid = %v, want %v; %v", got, tc.valid, err)
			}
			// The bundle and ParseEvents agree wherever the schema decides.
			if !strings.Contains(tc.name, "server check") {
				_, errs := ParseEvents([]byte(tc.body), parseNow)
				if got := errs == nil; got != tc.valid {
					t.Errorf("ParseEvents accepts = %v, bundle valid = %v: %+v", got, tc.valid, errs)
				}
			}
		})
	}
}

func TestEventsSchemaIsACopy(t *testing.T) {
	t.Parallel()
	a := EventsSchema()
	a[0] = 'X'
	if b := EventsSchema(); b[0] != '{' {
		t.Fatalf("EventsSchema shares its bytes: %q", b[:10])
	}
	if !json.Valid(EventsSchema()) {
		t.Fatal("EventsSchema is not JSON")
	}
}
