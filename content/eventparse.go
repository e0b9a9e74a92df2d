package content

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Limits of one POST /v1/events body.
const (
	// MaxBatchEvents is the most events one body may carry.
	MaxBatchEvents = 500
	// MaxBatchBytes is the largest body accepted, in bytes (1 MiB). Callers
	// should refuse a larger body before reading it whole (HTTP 413);
	// ParseEvents refuses it too.
	MaxBatchBytes = 1 << 20
	// MaxEventFuture is how far an event's "at" may be ahead of the
	// server's clock, for clock skew between sender and server.
	MaxEventFuture = 5 * time.Minute
	// MaxEventErrors is the most errors ParseEvents returns for one body;
	// past it, the last error (Index -1) says how many more there were.
	MaxEventErrors = 1000
)

// ParseEvents decodes and validates a POST /v1/events body: one JSON event
// object, or a JSON array of 1–MaxBatchEvents of them, in the flat wire form
// {"id","type","at","profile_id",…payload}. now is the server's clock, for
// the MaxEventFuture check.
//
// Each event is validated against the JSON Schema of its type (see
// EventsSchema), then checked for what a schema cannot say: time_zone is a
// known IANA zone (LoadZone), currency is known to MinorUnitDigits, price
// is read from the raw JSON number text (never a float) with ParseMoney so
// it has no exponent and no more decimal places than its currency, a cart
// names each SKU once, and at is not before 1970 nor more than
// MaxEventFuture after now. Numbers longer than 40 characters or with an
// exponent beyond ±400 are refused before validation.
//
// The batch is accepted or refused whole. On success it returns the events
// in body order with At in UTC, prices in minor units and payload patches
// holding only the fields the event names, and nil errors. On any error it
// returns nil events and every error found, sorted by Index then Pointer:
// Index is the event's position in the batch (0 for a single object) and
// Pointer the JSON pointer of the offending field within that event
// ("/items/2/qty"). Problems with the body as a whole (not JSON, a scalar,
// an empty or oversized batch) are one error with Index -1 and Pointer "".
// At most MaxEventErrors errors are listed, then one more with Index -1
// counting the rest.
func ParseEvents(body []byte, now time.Time) ([]Event, []EventError) {
	if len(body) > MaxBatchBytes {
		return nil, bodyError("body is %d bytes, more than the limit of %d (1 MiB)", len(body), MaxBatchBytes)
	}
	doc, err := decodeJSON(body)
	if err != nil {
		return nil, bodyError("%v", err)
	}
	var raw []any
	switch v := doc.(type) {
	case map[string]any:
		raw = []any{v}
	case []any:
		if len(v) == 0 {
			return nil, bodyError("the batch is empty: send 1–%d events", MaxBatchEvents)
		}
		if len(v) > MaxBatchEvents {
			return nil, bodyError("the batch has %d events, more than the limit of %d", len(v), MaxBatchEvents)
		}
		raw = v
	default:
		return nil, bodyError("body must be an event object or an array of events, not %s", jsonKind(doc))
	}

	schemas := eventSchemas()
	events := make([]Event, len(raw))
	var errs []EventError
	for i, v := range raw {
		ev, evErrs := parseEvent(i, v, schemas, now)
		if len(evErrs) > 0 {
			errs = append(errs, evErrs...)
			continue
		}
		events[i] = ev
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b EventError) int {
			return cmp.Or(cmp.Compare(a.Index, b.Index), comparePointers(a.Pointer, b.Pointer))
		})
		if n := len(errs) - MaxEventErrors; n > 0 {
			errs = append(errs[:MaxEventErrors:MaxEventErrors], EventError{Index: -1,
				Message: fmt.Sprintf("%d more errors not listed: fix these and send the batch again", n)})
		}
		return nil, errs
	}
	return events, nil
}

// bodyError is the single error about a body as a whole.
func bodyError(format string, args ...any) []EventError {
	return []EventError{{Index: -1, Message: fmt.Sprintf(format, args...)}}
}

// decodeJSON decodes exactly one JSON value with numbers kept as their
// literal text (json.Number), the form the validator expects.
func decodeJSON(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("body is empty: send an event object or an array of events")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError(err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("body is not valid JSON: more data after the value that ends at byte %d", end)
	}
	return doc, nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("body is not valid JSON: %v (at byte %d)", syn, syn.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("body is not valid JSON: it ends in the middle of a value")
	}
	return fmt.Errorf("body is not valid JSON: %v", err)
}

// parseEvent validates and converts the event at batch position i.
func parseEvent(i int, v any, schemas map[string]*jsonschema.Schema, now time.Time) (Event, []EventError) {
	obj, ok := v.(map[string]any)
	if !ok {
		return Event{}, []EventError{{Index: i, Message: fmt.Sprintf("event must be a JSON object, not %s", jsonKind(v))}}
	}
	typ, ok := obj["type"].(string)
	switch {
	case obj["type"] == nil:
		return Event{}, []EventError{{Index: i, Pointer: "/type", Message: "type is required: one of " + strings.Join(eventTypes, ", ")}}
	case !ok || !knownEventType(typ):
		return Event{}, []EventError{{Index: i, Pointer: "/type", Message: fmt.Sprintf("unknown event type %s: want one of %s", valueText(obj["type"]), strings.Join(eventTypes, ", "))}}
	}

	// Numbers the validator cannot take safely are refused first.
	if errs := numberErrors(i, obj); errs != nil {
		return Event{}, errs
	}
	var errs []EventError
	if err := validate(schemas[typ], obj); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return Event{}, []EventError{{Index: i, Message: err.Error()}}
		}
		errs = schemaErrors(i, typ, obj, verr)
	}
	// The checks beyond the schema run even when it failed, so one answer
	// names every problem; they skip values of the wrong shape, and a field
	// the schema already refused is not reported twice.
	cv := converter{index: i, now: now}
	ev := cv.event(typ, obj)
	for _, e := range cv.errs {
		if !slices.ContainsFunc(errs, func(s EventError) bool { return s.Pointer == e.Pointer }) {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return Event{}, errs
	}
	return ev, nil
}

// Bounds on a JSON number's literal, checked before the validator sees it.
// The validator turns every number it compares into a big.Rat: that costs
// time quadratic in the digits (a 900 000-digit qty took 3 s), and for an
// exponent big.Rat refuses (1e999999999) it dereferences nil and panics.
// Every number an event carries fits well inside these bounds.
const (
	maxNumberLen      = 40
	maxNumberExponent = 400
)

// numberErrors reports every number in v whose literal is out of bounds.
func numberErrors(index int, v any) []EventError {
	var errs []EventError
	var path []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				path = append(path, k)
				walk(e)
				path = path[:len(path)-1]
			}
		case []any:
			for i, e := range v {
				path = append(path, strconv.Itoa(i))
				walk(e)
				path = path[:len(path)-1]
			}
		case json.Number:
			if !numberInBounds(v.String()) {
				errs = append(errs, EventError{Index: index, Pointer: jsonPointer(path), Message: fmt.Sprintf(
					"%s is out of range: a number may have at most %d characters and an exponent within ±%d",
					fieldName(path), maxNumberLen, maxNumberExponent)})
			}
		}
	}
	walk(v)
	return errs
}

func numberInBounds(text string) bool {
	if len(text) > maxNumberLen {
		return false
	}
	i := strings.IndexAny(text, "eE")
	if i < 0 {
		return true
	}
	exp, err := strconv.Atoi(strings.TrimPrefix(text[i+1:], "+"))
	return err == nil && exp >= -maxNumberExponent && exp <= maxNumberExponent
}

// validate runs the schema, turning a panic inside the library into an
// error: a validator bug must refuse one event, not fail the request.
func validate(s *jsonschema.Schema, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("event could not be validated: %v", r)
		}
	}()
	return s.Validate(v)
}

// minEventTime is the earliest "at" accepted. Earlier times are mistakes
// (a zero value written out), and a time at or before
// Go's zero time would be silently ignored by the apply functions.
var minEventTime = time.Unix(0, 0).UTC()

// converter turns one schema-valid event object into an Event, doing the
// semantic checks on the way. It never assumes the schema passed: a value
// of the wrong shape is skipped (the schema error reports it).
type converter struct {
	index int
	now   time.Time
	errs  []EventError
}

func (cv *converter) fail(ptr, format string, args ...any) {
	cv.errs = append(cv.errs, EventError{Index: cv.index, Pointer: ptr, Message: fmt.Sprintf(format, args...)})
}

func (cv *converter) event(typ string, obj map[string]any) Event {
	ev := Event{Type: typ}
	ev.ID, _ = obj["id"].(string)
	var ok bool
	ev.At, ok = cv.instant(obj, "at", "/at")
	if ok && ev.At.Before(minEventTime) {
		cv.fail("/at", "at %s is before 1970", obj["at"])
	}
	if ok && ev.At.After(cv.now.Add(MaxEventFuture)) {
		cv.fail("/at", "at %s is more than %d minutes ahead of the server's clock (%s)",
			obj["at"], int(MaxEventFuture/time.Minute), cv.now.UTC().Format(time.RFC3339))
	}
	switch typ {
	case EventProductViewed, EventCartUpdated, EventOrderPlaced, EventProfileUpdated:
		ev.ProfileID, _ = obj["profile_id"].(string)
	}
	switch typ {
	case EventProductViewed:
		ev.SKU, _ = obj["sku"].(string)
	case EventCartUpdated:
		ev.Items = cv.items(obj, false)
	case EventOrderPlaced:
		ev.OrderID, _ = obj["order_id"].(string)
		ev.Items = cv.items(obj, true)
	case EventProfileUpdated:
		ev.Profile = cv.profilePatch(obj)
	case EventProductUpdated:
		ev.Product = cv.productPatch(obj)
	case EventCampaignUpdated:
		ev.Campaign = cv.campaignPatch(obj)
	}
	return ev
}

// instant parses the date-time at obj[key] into UTC. The schema's date-time
// format is RFC 3339's grammar; what it lets through and time.Parse does
// not (a leap second) is refused here.
func (cv *converter) instant(obj map[string]any, key, ptr string) (time.Time, bool) {
	s, ok := obj[key].(string)
	if !ok {
		return time.Time{}, false
	}
	// RFC 3339 allows a lower-case "t" and "z"; Go's parser wants them upper.
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		cv.fail(ptr, "%s must be an RFC 3339 date-time such as 2024-05-01T10:00:00Z, got %q", key, s)
		return time.Time{}, false
	}
	return t.UTC(), true
}

// items converts the items of a cart (withPrice false) or an order.
func (cv *converter) items(obj map[string]any, withPrice bool) []EventItem {
	arr, _ := obj["items"].([]any)
	items := make([]EventItem, 0, len(arr))
	var seen map[string]int
	if !withPrice {
		seen = make(map[string]int, len(arr))
	}
	for j, v := range arr {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		ptr := "/items/" + strconv.Itoa(j)
		var it EventItem
		it.SKU, _ = m["sku"].(string)
		it.Qty, _ = intValue(m["qty"])
		if !withPrice {
			if first, dup := seen[it.SKU]; dup && it.SKU != "" {
				cv.fail(ptr+"/sku", "items[%d].sku %q is already in items[%d]: a cart snapshot names each SKU once", j, it.SKU, first)
			} else {
				seen[it.SKU] = j
			}
		} else {
			it.Currency, _ = m["currency"].(string)
			if p, ok := cv.price(m, ptr, fmt.Sprintf("items[%d].", j)); ok {
				it.Price = p
			}
		}
		items = append(items, it)
	}
	return items
}

// price checks m's currency and converts m's price to its minor units.
// ptr is the JSON pointer of m, field the dotted name prefix for messages.
func (cv *converter) price(m map[string]any, ptr, field string) (int64, bool) {
	code, ok := m["currency"].(string)
	if !ok || !isUpperCode(code) {
		return 0, false // missing or malformed: a schema error
	}
	if _, known := MinorUnitDigits(code); !known {
		cv.fail(ptr+"/currency", "%scurrency %q is not an ISO 4217 currency amplive knows", field, code)
		return 0, false
	}
	n, ok := m["price"].(json.Number)
	if !ok {
		return 0, false
	}
	text := n.String()
	if strings.ContainsAny(text, "eE") {
		cv.fail(ptr+"/price", "%sprice %s must be a plain decimal number such as 16.99, without an exponent", field, text)
		return 0, false
	}
	if strings.HasPrefix(text, "-") {
		return 0, false // negative: a schema error
	}
	minor, err := ParseMoney(text, code)
	if err != nil {
		digits, _ := MinorUnitDigits(code)
		if _, frac, _ := strings.Cut(text, "."); len(strings.TrimRight(frac, "0")) > digits {
			cv.fail(ptr+"/price", "%sprice %s has more decimal places than %s allows (%d)", field, text, code, digits)
		} else {
			cv.fail(ptr+"/price", "%sprice %s: %v", field, text, err)
		}
		return 0, false
	}
	return minor, true
}

func isUpperCode(s string) bool {
	return len(s) == 3 && isLetters(s)
}

// zone checks that obj[key] names a known IANA zone.
func (cv *converter) zone(obj map[string]any, key, ptr string) *string {
	s, ok := obj[key].(string)
	if !ok {
		return nil
	}
	if s == "" {
		return nil // a schema error (minLength)
	}
	if _, err := LoadZone(s); err != nil {
		cv.fail(ptr, "%s %q: unknown IANA time zone (use a name such as Europe/Berlin)", key, s)
		return nil
	}
	return &s
}

func (cv *converter) profilePatch(obj map[string]any) *ProfilePatch {
	p := &ProfilePatch{
		FirstName: stringPtr(obj["first_name"]),
		Locale:    stringPtr(obj["locale"]),
		TimeZone:  cv.zone(obj, "time_zone", "/time_zone"),
	}
	if l, ok := obj["loyalty"].(map[string]any); ok {
		p.Tier = stringPtr(l["tier"])
		if n, ok := intValue(l["points"]); ok {
			p.Points = &n
		}
	}
	if a, ok := obj["attributes"].(map[string]any); ok {
		p.Attributes = make(map[string]*string, len(a))
		for k, v := range a {
			p.Attributes[k] = stringPtr(v) // nil for null: remove
		}
	}
	return p
}

func (cv *converter) productPatch(obj map[string]any) *ProductPatch {
	p := &ProductPatch{
		Title:    stringPtr(obj["title"]),
		URL:      stringPtr(obj["url"]),
		Image:    stringPtr(obj["image"]),
		Category: stringPtr(obj["category"]),
		Brand:    stringPtr(obj["brand"]),
	}
	p.SKU, _ = obj["sku"].(string)
	if _, ok := obj["price"]; ok {
		if minor, ok := cv.price(obj, "", ""); ok {
			p.Price = &minor
			p.Currency = stringPtr(obj["currency"])
		}
	} else if code, ok := obj["currency"].(string); ok && isUpperCode(code) {
		// Currency without price is a schema error; still name an unknown code.
		if _, known := MinorUnitDigits(code); !known {
			cv.fail("/currency", "currency %q is not an ISO 4217 currency amplive knows", code)
		}
	}
	if n, ok := obj["rating"].(json.Number); ok {
		if f, err := n.Float64(); err == nil {
			p.Rating = &f
		}
	}
	if n, ok := intValue(obj["stock"]); ok {
		p.Stock = &n
	}
	if n, ok := intValue(obj["popularity"]); ok {
		p.Popularity = &n
	}
	return p
}

// MaxCampaignYears bounds how far ahead a campaign may end.
const MaxCampaignYears = 10

func (cv *converter) campaignPatch(obj map[string]any) *CampaignPatch {
	c := &CampaignPatch{
		Name:        stringPtr(obj["name"]),
		TimeZone:    cv.zone(obj, "time_zone", "/time_zone"),
		ExpiredText: stringPtr(obj["expired_text"]),
	}
	c.ID, _ = obj["campaign_id"].(string)
	if t, ok := cv.instant(obj, "ends_at", "/ends_at"); ok {
		if t.After(cv.now.AddDate(MaxCampaignYears, 0, 0)) {
			cv.fail("/ends_at", "ends_at is more than %d years away", MaxCampaignYears)
		}
		c.EndsAt = &t
	}
	if st, ok := obj["style"].(map[string]any); ok {
		c.Style = campaignStyle(st)
	}
	return c
}

// campaignStyle reads a schema-valid style object.
func campaignStyle(st map[string]any) *CampaignStyle {
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	out := &CampaignStyle{Background: str(st, "background"), Text: str(st, "text"), Label: str(st, "label")}
	if n, ok := intValue(st["width"]); ok {
		out.Width = int(n)
	}
	if n, ok := intValue(st["height"]); ok {
		out.Height = int(n)
	}
	if l, ok := st["labels"].(map[string]any); ok {
		out.Labels = CountdownLabels{Days: str(l, "days"), Hours: str(l, "hours"), Minutes: str(l, "minutes"), Seconds: str(l, "seconds")}
	}
	return out
}

// stringPtr returns a pointer to v's string, or nil when v is not a string.
func stringPtr(v any) *string {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	return &s
}

// intValue converts a JSON integer (1, 1.0 and 1e2 are all integers in JSON
// Schema) to int64; the schemas bound every integer well inside its range.
func intValue(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
		return i, true
	}
	r, ok := new(big.Rat).SetString(n.String())
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// jsonKind names the JSON type of a decoded value, for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// valueText shows a decoded scalar the way it was written, or its kind.
func valueText(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) > 80 {
			return strconv.Quote(v[:77] + "...")
		}
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	default:
		return jsonKind(v)
	}
}

// schemaErrors turns the library's error tree into one EventError per
// failed leaf, with the leaf's instance location as the pointer. Grouping
// nodes (the root, $ref, several errors at one place) are looked through;
// where a message is about a property (required, not allowed, a bad
// attribute name), the pointer names that property.
func schemaErrors(index int, typ string, doc any, root *jsonschema.ValidationError) []EventError {
	var out []EventError
	emit := func(loc []string, msg string) {
		out = append(out, EventError{Index: index, Pointer: jsonPointer(loc), Message: msg})
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		loc := e.InstanceLocation
		field := fieldName(loc)
		switch k := e.ErrorKind.(type) {
		case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
			for _, c := range e.Causes {
				walk(c)
			}
		case *kind.AnyOf:
			// Every anyOf in the event schemas is "names at least one of".
			var names []string
			for _, c := range e.Causes {
				if r, ok := c.ErrorKind.(*kind.Required); ok {
					names = append(names, r.Missing...)
				}
			}
			if len(names) == len(e.Causes) {
				emit(loc, fmt.Sprintf("a %s event must name at least one of %s", typ, strings.Join(names, ", ")))
			} else {
				emit(loc, field+" matches none of the allowed forms")
			}
		case *kind.Required:
			for _, m := range k.Missing {
				emit(append(slices.Clip(loc), m), joinField(field, m)+" is required")
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				ptr := append(slices.Clip(loc), p)
				switch {
				case len(loc) == 1 && loc[0] == "attributes":
					// Attribute names are patternProperties, not
					// propertyNames: the library's propertyNames errors can
					// carry a wrong instance location (see the report).
					emit(ptr, fmt.Sprintf("attribute name %q must be 1–64 letters, digits, '_' or '-'", p))
				case len(loc) == 0:
					emit(ptr, fmt.Sprintf("%q is not a field of a %s event", p, typ))
				default:
					emit(ptr, fmt.Sprintf("%q is not a field of %s", p, field))
				}
			}
		case *kind.DependentRequired:
			for _, m := range k.Missing {
				emit(append(slices.Clip(loc), m), fmt.Sprintf("%s is required when %s is set", joinField(field, m), joinField(field, k.Prop)))
			}
		case *kind.Type:
			emit(loc, fmt.Sprintf("%s must be %s, got %s", field, typeWords(k.Want), valueText(valueAt(doc, loc))))
		case *kind.Const:
			emit(loc, fmt.Sprintf("%s must be %s", field, valueText(k.Want)))
		case *kind.Enum:
			want := make([]string, len(k.Want))
			for i, w := range k.Want {
				want[i] = valueText(w)
			}
			emit(loc, fmt.Sprintf("%s must be one of %s", field, strings.Join(want, ", ")))
		case *kind.Format:
			emit(loc, formatMessage(field, k))
		case *kind.MinLength:
			if k.Want == 1 {
				emit(loc, field+" must not be empty")
			} else {
				emit(loc, fmt.Sprintf("%s must be at least %d characters, got %d", field, k.Want, k.Got))
			}
		case *kind.MaxLength:
			emit(loc, fmt.Sprintf("%s must be at most %d characters, got %d", field, k.Want, k.Got))
		case *kind.Pattern:
			emit(loc, patternMessage(field, loc, k))
		case *kind.Minimum:
			emit(loc, fmt.Sprintf("%s must be at least %s, got %s", field, ratText(k.Want), valueText(valueAt(doc, loc))))
		case *kind.Maximum:
			emit(loc, fmt.Sprintf("%s must be at most %s, got %s", field, ratText(k.Want), valueText(valueAt(doc, loc))))
		case *kind.MinItems:
			if k.Want == 1 {
				emit(loc, field+" must have at least one item")
			} else {
				emit(loc, fmt.Sprintf("%s must have at least %d items, got %d", field, k.Want, k.Got))
			}
		case *kind.MaxItems:
			emit(loc, fmt.Sprintf("%s must have at most %d items, got %d", field, k.Want, k.Got))
		case *kind.MinProperties:
			if k.Want == 1 {
				emit(loc, field+" must not be empty")
			} else {
				emit(loc, fmt.Sprintf("%s must have at least %d entries, got %d", field, k.Want, k.Got))
			}
		case *kind.MaxProperties:
			emit(loc, fmt.Sprintf("%s must have at most %d entries, got %d", field, k.Want, k.Got))
		default:
			emit(loc, fmt.Sprintf("%s fails the schema's %q rule", field, strings.Join(k.KeywordPath(), "/")))
		}
	}
	walk(root)
	return out
}

// comparePointers orders JSON pointers token by token, array indexes by
// number, so "/items/2" comes before "/items/10".
func comparePointers(a, b string) int {
	for a != "" && b != "" {
		var x, y string
		x, a, _ = strings.Cut(strings.TrimPrefix(a, "/"), "/")
		y, b, _ = strings.Cut(strings.TrimPrefix(b, "/"), "/")
		if x == y {
			continue
		}
		if x != "" && y != "" && digitsOnly(x) && digitsOnly(y) {
			return cmp.Or(cmp.Compare(len(x), len(y)), cmp.Compare(x, y))
		}
		return cmp.Compare(x, y)
	}
	return cmp.Compare(len(a), len(b))
}

// jsonPointer writes instance location tokens as an RFC 6901 pointer.
func jsonPointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// fieldName writes a location the way messages name fields:
// ["items","2","qty"] is "items[2].qty"; the empty location is "event".
func fieldName(tokens []string) string {
	if len(tokens) == 0 {
		return "event"
	}
	var b strings.Builder
	for i, t := range tokens {
		switch {
		case i > 0 && digitsOnly(t) && t != "":
			b.WriteString("[" + t + "]")
		case i > 0:
			b.WriteString("." + t)
		default:
			b.WriteString(t)
		}
	}
	return b.String()
}

func joinField(parent, name string) string {
	if parent == "event" {
		return name
	}
	return parent + "." + name
}

// valueAt returns the decoded value at a location, or nil.
func valueAt(doc any, tokens []string) any {
	for _, t := range tokens {
		switch v := doc.(type) {
		case map[string]any:
			doc = v[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			doc = v[i]
		default:
			return nil
		}
	}
	return doc
}

func typeWords(want []string) string {
	words := make([]string, len(want))
	for i, w := range want {
		switch w {
		case "integer", "object", "array":
			words[i] = "an " + w
		case "null":
			words[i] = "null"
		default:
			words[i] = "a " + w
		}
	}
	if len(want) == 1 && want[0] == "integer" {
		return "a whole number"
	}
	return strings.Join(words, " or ")
}

func formatMessage(field string, k *kind.Format) string {
	switch k.Want {
	case "date-time":
		return fmt.Sprintf("%s must be an RFC 3339 date-time such as 2024-05-01T10:00:00Z, got %s", field, valueText(k.Got))
	case "uri":
		return fmt.Sprintf("%s must be an absolute URL, got %s", field, valueText(k.Got))
	}
	return fmt.Sprintf("%s is not a valid %s: %v", field, k.Want, k.Err)
}

func patternMessage(field string, loc []string, k *kind.Pattern) string {
	name := ""
	if len(loc) > 0 {
		name = loc[len(loc)-1]
	}
	switch name {
	case "currency":
		return fmt.Sprintf("%s must be an ISO 4217 code in upper case such as USD, got %q", field, k.Got)
	case "locale":
		return fmt.Sprintf("%s must be a BCP 47 language tag such as de-DE, got %q", field, k.Got)
	case "url", "image":
		return fmt.Sprintf("%s must be an http or https URL, got %q", field, k.Got)
	}
	return fmt.Sprintf("%s %q does not match the pattern %s", field, k.Got, k.Want)
}

// ratText writes a schema bound such as 0, 1 or 5 as a decimal.
func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(10), "0"), ".")
}
