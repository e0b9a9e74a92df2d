package content

import (
	"errors"
	"testing"
	"time"
)

func TestLocalToInstant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		local, zone, pick string
		want              string // RFC 3339 UTC
		err               error
	}{
		{"2026-12-24T18:00:00", "Europe/Berlin", "", "2026-12-24T17:00:00Z", nil},
		{"2026-07-01T12:00", "Europe/Berlin", "", "2026-07-01T10:00:00Z", nil},
		{"2026-03-29T02:30:00", "Europe/Berlin", "", "", ErrLocalTimeMissing},
		{"2026-03-29T02:30:00", "Europe/Berlin", PickLater, "", ErrLocalTimeMissing},
		{"2026-10-25T02:30:00", "Europe/Berlin", "", "", ErrLocalTimeAmbiguous},
		{"2026-10-25T02:30:00", "Europe/Berlin", PickEarlier, "2026-10-25T00:30:00Z", nil},
		{"2026-10-25T02:30:00", "Europe/Berlin", PickLater, "2026-10-25T01:30:00Z", nil},
		{"2026-03-08T02:15:00", "America/New_York", "", "", ErrLocalTimeMissing},
		{"2026-11-01T01:30:00", "America/New_York", "", "", ErrLocalTimeAmbiguous},
		{"2026-11-01T01:30:00", "America/New_York", PickEarlier, "2026-11-01T05:30:00Z", nil},
		{"2026-11-01T01:30:00", "America/New_York", PickLater, "2026-11-01T06:30:00Z", nil},
		{"2026-11-01T03:00:00", "America/New_York", "", "2026-11-01T08:00:00Z", nil},
		{"2026-06-01T09:00:00", "Asia/Tokyo", "", "2026-06-01T00:00:00Z", nil},
	}
	for _, tc := range cases {
		got, err := LocalToInstant(tc.local, tc.zone, tc.pick)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s %s %q: err = %v, want %v", tc.local, tc.zone, tc.pick, err, tc.err)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339) != tc.want {
			t.Errorf("%s %s %q = %v, %v; want %s", tc.local, tc.zone, tc.pick, got, err, tc.want)
		}
	}
	for _, bad := range [][3]string{{"2026-12-24 18:00", "Europe/Berlin", ""}, {"2026-12-24T18:00", "Mars/Base", ""}, {"2026-12-24T18:00", "UTC", "middle"}} {
		if _, err := LocalToInstant(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("LocalToInstant%v accepted", bad)
		}
	}
}

// TestCountdownAcrossDST: remaining time is exact across a clock change:
// from Saturday 12:00 to Sunday 12:00 local in the autumn change is 25 h.
func TestCountdownAcrossDST(t *testing.T) {
	t.Parallel()
	cases := []struct {
		zone, from, to string
		wantHours      int64
	}{
		{"Europe/Berlin", "2026-10-24T12:00:00", "2026-10-25T12:00:00", 25},
		{"Europe/Berlin", "2026-03-28T12:00:00", "2026-03-29T12:00:00", 23},
		{"America/New_York", "2026-10-31T12:00:00", "2026-11-01T12:00:00", 25},
		{"America/New_York", "2026-03-07T12:00:00", "2026-03-08T12:00:00", 23},
	}
	for _, tc := range cases {
		now, err1 := LocalToInstant(tc.from, tc.zone, "")
		end, err2 := LocalToInstant(tc.to, tc.zone, "")
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		it := Countdown(Campaign{ID: "c", EndsAt: end, TimeZone: tc.zone}, now, "", "").Items
		if it.RemainingSeconds != tc.wantHours*3600 || it.Days*24+it.Hours != tc.wantHours {
			t.Errorf("%s %s → %s: %d s (%d d %d h), want %d h", tc.zone, tc.from, tc.to, it.RemainingSeconds, it.Days, it.Hours, tc.wantHours)
		}
	}
}
