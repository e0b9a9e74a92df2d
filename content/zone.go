package content

import (
	"sync"
	"time"
)

var zones sync.Map // IANA name → *time.Location

// LoadZone returns the location of an IANA zone name ("Europe/Berlin"),
// memoised because time.LoadLocation reads the zone database on every call.
// It returns time.LoadLocation's error for an unknown name; "" and "Local"
// are refused too, since the server's own zone must never leak into output.
func LoadZone(name string) (*time.Location, error) {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, errZoneName
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

type zoneError string

func (e zoneError) Error() string { return string(e) }

const errZoneName = zoneError("time zone must be an IANA name such as Europe/Berlin")
