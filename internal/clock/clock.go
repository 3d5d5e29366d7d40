// Package clock gives services their notion of now. Services read Now once per
// operation; tests and demos move time with an Adjustable clock.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// System is the real wall clock, in UTC.
type System struct{}

// Now returns the current UTC time to the microsecond, the precision both
// database engines keep, so a value reads back as it was written.
func (System) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Adjustable runs with the wall clock from a point that can be set, so a
// server started with --test-clock can be moved to any date and keep ticking.
type Adjustable struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the wall clock shifted by the set offset.
func (a *Adjustable) Now() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return time.Now().UTC().Add(a.offset).Truncate(time.Microsecond)
}

// Set makes Now return t at this instant, ticking on from there.
func (a *Adjustable) Set(t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.offset = time.Until(t)
}
