package tenant

import (
	"errors"
	"time"
	_ "time/tzdata" // every IANA zone, also on a server without zoneinfo files
)

// DefaultTimeZone is a new tenant's time zone.
const DefaultTimeZone = "Asia/Tokyo"

// LoadZone returns the IANA zone name: "Asia/Tokyo", "America/New_York",
// "UTC". Unlike time.LoadLocation it refuses "" and "Local", which would
// mean the server's zone rather than one the tenant chose.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, errors.New("no time zone named")
	}
	return time.LoadLocation(name)
}

// Location is the tenant's time zone; a name that no longer loads (a zone
// removed from the IANA database) reads as the default.
func (t *Tenant) Location() *time.Location {
	if loc, err := LoadZone(t.TimeZone); err == nil {
		return loc
	}
	loc, _ := LoadZone(DefaultTimeZone)
	return loc
}
