package content

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMarshalEventRoundTrip: what MarshalEvent writes, ParseEvents reads
// back unchanged, for every event type.
func TestMarshalEventRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 29, 10, 0, 0, 123_000_000, time.UTC)
	ends := time.Date(2026, 12, 24, 23, 0, 0, 0, time.UTC)
	events := []Event{
		{ID: "v1", Type: EventProductViewed, ProfileID: "p1", At: at, SKU: "A"},
		{ID: "c1", Type: EventCartUpdated, ProfileID: "p1", At: at, Items: []EventItem{{SKU: "A", Qty: 2}}},
		{ID: "o1", Type: EventOrderPlaced, ProfileID: "p1", At: at, OrderID: "ord-1",
			Items: []EventItem{{SKU: "A", Qty: 1, Price: 1699, Currency: "USD"}, {SKU: "B", Qty: 3, Price: 5, Currency: "USD"}, {SKU: "J", Qty: 1, Price: 1200, Currency: "JPY"}}},
		{ID: "u1", Type: EventProfileUpdated, ProfileID: "p1", At: at, Profile: &ProfilePatch{
			FirstName: ptr("Ada"), TimeZone: ptr("Europe/Berlin"), Points: ptr(int64(12)),
			Attributes: map[string]*string{"vip": ptr("yes"), "old": nil}}},
		{ID: "pr1", Type: EventProductUpdated, At: at, Product: &ProductPatch{
			SKU: "A", Title: ptr("Tee"), Price: ptr(int64(2500)), Currency: ptr("EUR"), Stock: ptr(int64(4))}},
		{ID: "cm1", Type: EventCampaignUpdated, At: at, Campaign: &CampaignPatch{ID: "xmas", EndsAt: &ends, TimeZone: ptr("Europe/London"),
			Style: &CampaignStyle{Background: "#102030", Labels: CountdownLabels{Days: "D", Seconds: "S"}, Height: 90}}},
	}
	for _, ev := range events {
		t.Run(ev.Type, func(t *testing.T) {
			t.Parallel()
			b, err := MarshalEvent(ev)
			if err != nil {
				t.Fatal(err)
			}
			got, problems := ParseEvents(b, at)
			if len(problems) > 0 {
				t.Fatalf("ParseEvents(%s): %+v", b, problems)
			}
			if diff := cmp.Diff([]Event{ev}, got); diff != "" {
				t.Errorf("round trip of %s (-want +got):\n%s", b, diff)
			}
		})
	}
	if _, err := MarshalEvent(Event{ID: "x", Type: "nope"}); err == nil {
		t.Error("unknown type marshalled")
	}
}
