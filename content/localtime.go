package content

import (
	"errors"
	"fmt"
	"time"
)

// Errors of LocalToInstant, for local times that daylight-saving changes
// make impossible or double.
var (
	ErrLocalTimeMissing   = errors.New("local time does not exist in that zone (clocks skip it): choose a time outside the gap, such as the hour after")
	ErrLocalTimeAmbiguous = errors.New("local time happens twice in that zone (clocks go back); pick earlier or later")
)

// Picks for an ambiguous local time.
const (
	PickEarlier = "earlier"
	PickLater   = "later"
)

// LocalLayout is the layout of a local wall-clock time without zone,
// "2026-03-29T02:30:00" (seconds optional on input: "2026-03-29T02:30").
const LocalLayout = "2006-01-02T15:04:05"

// LocalToInstant converts a wall-clock time in an IANA zone to the UTC
// instant it names, following the zone's rules. A time the clocks skip (in
// Europe/Berlin 2026-03-29T02:30) fails with ErrLocalTimeMissing; a time the
// clocks pass twice (2026-10-25T02:30) fails with ErrLocalTimeAmbiguous
// unless pick is PickEarlier or PickLater. pick must be "", PickEarlier or
// PickLater; an unknown zone or a malformed local time is an error too.
func LocalToInstant(local, zone, pick string) (time.Time, error) {
	loc, err := LoadZone(zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("time zone %q: %w", zone, err)
	}
	if pick != "" && pick != PickEarlier && pick != PickLater {
		return time.Time{}, fmt.Errorf("pick %q: want %q or %q", pick, PickEarlier, PickLater)
	}
	naive, err := time.Parse(LocalLayout, local)
	if err != nil {
		if naive, err = time.Parse("2006-01-02T15:04", local); err != nil {
			return time.Time{}, fmt.Errorf("local time %q: want the form %s", local, LocalLayout)
		}
	}
	// Each offset in force around that day gives one candidate instant; a
	// candidate counts when the zone shows the same wall clock at it.
	var found []time.Time
	seen := map[int]bool{}
	for _, probe := range []time.Duration{-36 * time.Hour, 0, 36 * time.Hour} {
		_, off := naive.Add(probe).In(loc).Zone()
		if seen[off] {
			continue
		}
		seen[off] = true
		u := naive.Add(-time.Duration(off) * time.Second).UTC()
		if u.In(loc).Format(LocalLayout) == naive.Format(LocalLayout) {
			found = append(found, u)
		}
	}
	switch {
	case len(found) == 0:
		return time.Time{}, fmt.Errorf("%s in %s: %w", local, zone, ErrLocalTimeMissing)
	case len(found) == 1:
		return found[0], nil
	}
	earlier, later := found[0], found[1]
	if later.Before(earlier) {
		earlier, later = later, earlier
	}
	switch pick {
	case PickEarlier:
		return earlier, nil
	case PickLater:
		return later, nil
	}
	return time.Time{}, fmt.Errorf("%s in %s is %s or %s: %w", local, zone,
		earlier.Format(time.RFC3339), later.Format(time.RFC3339), ErrLocalTimeAmbiguous)
}
