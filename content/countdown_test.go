package content

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCountdown(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	camp := Campaign{ID: "sale", EndsAt: end, TimeZone: "Europe/Berlin", ExpiredText: "Over."}
	cases := []struct {
		name string
		now  time.Time
		zone string
		want CountdownItem
	}{
		{"three days and a bit, reader in Tokyo", end.Add(-(72*time.Hour + 3*time.Hour + 4*time.Minute + 5*time.Second + 900*time.Millisecond)), "Asia/Tokyo",
			CountdownItem{RemainingSeconds: 270245, Days: 3, Hours: 3, Minutes: 4, Seconds: 5, EndsAtText: "Thu 3 Dec 2026, 03:00 JST", TimeZone: "Asia/Tokyo"}},
		{"no reader zone: the campaign's", end.Add(-61 * time.Second), "",
			CountdownItem{RemainingSeconds: 61, Minutes: 1, Seconds: 1, EndsAtText: "Wed 2 Dec 2026, 19:00 CET", TimeZone: "Europe/Berlin"}},
		{"unknown reader zone: the campaign's", end.Add(-time.Hour), "Mars/Olympus",
			CountdownItem{RemainingSeconds: 3600, Hours: 1, EndsAtText: "Wed 2 Dec 2026, 19:00 CET", TimeZone: "Europe/Berlin"}},
		{"under a second left is ended", end.Add(-500 * time.Millisecond), "UTC",
			CountdownItem{Ended: true, EndsAtText: "Wed 2 Dec 2026, 18:00 UTC", TimeZone: "UTC"}},
		{"after the end", end.Add(time.Hour), "America/New_York",
			CountdownItem{Ended: true, EndsAtText: "Wed 2 Dec 2026, 13:00 EST", TimeZone: "America/New_York"}},
		{"now given in another zone is the same instant", end.Add(-10 * time.Second).In(time.FixedZone("X", 5*3600)), "UTC",
			CountdownItem{RemainingSeconds: 10, Seconds: 10, EndsAtText: "Wed 2 Dec 2026, 18:00 UTC", TimeZone: "UTC"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.want.Campaign, tc.want.EndsAt, tc.want.ExpiredText = "sale", "2026-12-02T18:00:00Z", "Over."
			got := Countdown(camp, tc.now, tc.zone, "").Items
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(CountdownItem{}, "Labels")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// A campaign without a zone, read without one: UTC.
	if got := Countdown(Campaign{ID: "x", EndsAt: end}, end, "", "").Items.TimeZone; got != "UTC" {
		t.Errorf("zone = %q, want UTC", got)
	}
}

func TestLoadZone(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "Local", "Mars/Olympus", "../../etc/passwd"} {
		if _, err := LoadZone(bad); err == nil {
			t.Errorf("LoadZone(%q) accepted", bad)
		}
	}
	a, err := LoadZone("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := LoadZone("Europe/Berlin"); a != b {
		t.Error("not memoised")
	}
}

func TestCountdownLabels(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	camp := Campaign{ID: "sale", EndsAt: end}
	cases := []struct {
		locale string
		left   time.Duration
		want   CountdownLabels
	}{
		{"en-US", 24*time.Hour + time.Hour + 2*time.Minute + 1*time.Second, CountdownLabels{"day", "hour", "minutes", "second"}},
		{"de-DE", 2*24*time.Hour + 2*time.Hour + time.Minute + 5*time.Second, CountdownLabels{"Tage", "Stunden", "Minute", "Sekunden"}},
		{"fr_FR", 5 * time.Second, CountdownLabels{"jour", "heure", "minute", "secondes"}},
		{"ja", time.Hour, CountdownLabels{"日", "時間", "分", "秒"}},
		{"", 3 * time.Hour, CountdownLabels{"days", "hours", "minutes", "seconds"}},
		{"xx-YY", time.Minute, CountdownLabels{"days", "hours", "minute", "seconds"}},
	}
	for _, tc := range cases {
		b := Countdown(camp, end.Add(-tc.left), "", tc.locale)
		if diff := cmp.Diff(tc.want, b.Items.Labels); diff != "" {
			t.Errorf("%q %v (-want +got):\n%s", tc.locale, tc.left, diff)
		}
	}
}
