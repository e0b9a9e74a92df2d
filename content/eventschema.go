package content

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFiles holds one JSON Schema (draft 2020-12) per event type, named
// after the type, plus common.json with the definitions they share.
//
//go:embed schemas/*.json
var schemaFiles embed.FS

// schemaBase is the base URI of the event schemas' $id values. The .example
// host marks them as identifiers, not addresses: nothing is fetched from it.
const schemaBase = "https://amplive.example/schemas/events/"

// eventsSchemaID is the $id of the bundle EventsSchema returns.
const eventsSchemaID = "https://amplive.example/schemas/events.json"

// eventTypes lists the event types in the order the bundle names them.
var eventTypes = []string{
	EventProductViewed, EventCartUpdated, EventOrderPlaced,
	EventProfileUpdated, EventProductUpdated, EventCampaignUpdated,
}

// knownEventType reports whether t is one of the event types.
func knownEventType(t string) bool { return slices.Contains(eventTypes, t) }

// schemaURL is the $id of the schema file name ("common.json").
func schemaURL(file string) string { return schemaBase + file }

// readSchemaFile returns an embedded schema file decoded the way the
// validator wants it (numbers as json.Number).
func readSchemaFile(file string) (any, error) {
	b, err := schemaFiles.ReadFile("schemas/" + file)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("schemas/%s: %w", file, err)
	}
	return doc, nil
}

// newSchemaCompiler returns a compiler set up the way every amplive event
// schema is compiled: draft 2020-12, and format keywords ("date-time",
// "uri") asserted rather than treated as annotations, which is the
// draft's default.
func newSchemaCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	return c
}

// compileEventSchemas compiles the schema of every event type, each file
// added under its $id so that any reference resolves without loading from
// the network or disk. References to common.json are first replaced by the
// definitions they name: the same schema, validated about a third faster,
// because the library builds a sub-validator for every $ref it follows.
func compileEventSchemas() (map[string]*jsonschema.Schema, error) {
	common, err := readSchemaFile("common.json")
	if err != nil {
		return nil, err
	}
	defs, _ := common.(map[string]any)["$defs"].(map[string]any)
	c := newSchemaCompiler()
	if err := c.AddResource(schemaURL("common.json"), common); err != nil {
		return nil, err
	}
	for _, t := range eventTypes {
		doc, err := readSchemaFile(t + ".json")
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(schemaURL(t+".json"), inlineCommonRefs(doc, defs)); err != nil {
			return nil, err
		}
	}
	out := make(map[string]*jsonschema.Schema, len(eventTypes))
	for _, t := range eventTypes {
		s, err := c.Compile(schemaURL(t + ".json"))
		if err != nil {
			return nil, fmt.Errorf("compile %s schema: %w", t, err)
		}
		out[t] = s
	}
	return out, nil
}

// inlineCommonRefs returns v with every {"$ref": "common.json#/$defs/NAME"}
// replaced by a copy of that definition. The definitions hold no $id, anchor
// or reference of their own, so the replacement means the same.
func inlineCommonRefs(v any, defs map[string]any) any {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok && len(v) == 1 {
			if name, ok := strings.CutPrefix(ref, "common.json#/$defs/"); ok && defs[name] != nil {
				return inlineCommonRefs(defs[name], defs)
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = inlineCommonRefs(e, defs)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = inlineCommonRefs(e, defs)
		}
		return out
	}
	return v
}

// eventSchemas returns the compiled schemas by event type, compiling them on
// first use. The schemas are embedded constants that a test compiles, so a
// failure here is a build defect and panics.
var eventSchemas = sync.OnceValue(func() map[string]*jsonschema.Schema {
	s, err := compileEventSchemas()
	if err != nil {
		panic("content: embedded event schemas do not compile: " + err.Error())
	}
	return s
})

// EventsSchema returns the JSON Schema (draft 2020-12) of a POST /v1/events
// body, served at GET /v1/schemas/events.json: one event object or an array
// of 1–500 of them. It is a single self-contained document: every per-type
// schema is embedded under $defs with its own $id, and each event is checked
// against the schema of its "type". The server checks a few things beyond
// it (see ParseEvents): known IANA zones and currencies, prices with no more
// decimals than their currency, and "at" at most MaxEventFuture ahead.
// Each call returns a fresh copy the caller may keep or modify.
func EventsSchema() []byte { return slices.Clone(eventsSchemaBytes()) }

var eventsSchemaBytes = sync.OnceValue(func() []byte {
	b, err := buildEventsSchema()
	if err != nil {
		panic("content: building the events schema bundle: " + err.Error())
	}
	return b
})

// buildEventsSchema bundles the embedded schema files into one document.
func buildEventsSchema() ([]byte, error) {
	defs := map[string]json.RawMessage{}
	for _, t := range append([]string{"common"}, eventTypes...) {
		b, err := schemaFiles.ReadFile("schemas/" + t + ".json")
		if err != nil {
			return nil, err
		}
		defs[t] = b
	}
	// "event" dispatches on "type": an unknown type fails the enum, a known
	// one must satisfy exactly its own schema.
	branches := make([]any, 0, len(eventTypes))
	for _, t := range eventTypes {
		branches = append(branches, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": t}}, "required": []string{"type"}},
			"then": map[string]any{"$ref": schemaURL(t + ".json")},
		})
	}
	event, err := json.Marshal(map[string]any{
		"description": "One event. Its type selects the schema its other fields must satisfy.",
		"type":        "object",
		"required":    []string{"type"},
		"properties":  map[string]any{"type": map[string]any{"enum": eventTypes}},
		"allOf":       branches,
	})
	if err != nil {
		return nil, err
	}
	defs["event"] = event
	batch, err := json.Marshal(map[string]any{
		"description": fmt.Sprintf("A batch of 1–%d events, at most 1 MiB (%d bytes) in all, accepted or refused as a whole.", MaxBatchEvents, MaxBatchBytes),
		"type":        "array",
		"minItems":    1,
		"maxItems":    MaxBatchEvents,
		"items":       map[string]any{"$ref": "#/$defs/event"},
	})
	if err != nil {
		return nil, err
	}
	defs["batch"] = batch

	// A struct keeps the top-level keys in a readable order.
	doc := struct {
		Schema      string                     `json:"$schema"`
		ID          string                     `json:"$id"`
		Title       string                     `json:"title"`
		Description string                     `json:"description"`
		OneOf       []map[string]string        `json:"oneOf"`
		Defs        map[string]json.RawMessage `json:"$defs"`
	}{
		Schema: "https://json-schema.org/draft/2020-12/schema",
		ID:     eventsSchemaID,
		Title:  "amplive events",
		Description: "The body of POST /v1/events: one event or a batch of events, each a flat object " +
			`{"id","type","at","profile_id",…payload}. Formats (date-time, uri) are assertions. The server also ` +
			"refuses unknown IANA time zones and currencies, prices with more decimal places than their currency " +
			"or with an exponent, and events whose at is more than 5 minutes in the future.",
		OneOf: []map[string]string{{"$ref": "#/$defs/event"}, {"$ref": "#/$defs/batch"}},
		Defs:  defs,
	}
	compact, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
