package calendar

import (
	"errors"
	"testing"
	"time"
)

func TestLoadShanghaiFallsBackToFixedZone(t *testing.T) {
	loc := loadShanghai(func(string) (*time.Location, error) { return nil, errors.New("no tzdata") })
	at := time.Date(2026, 9, 18, 16, 0, 0, 0, loc)
	if _, off := at.Zone(); off != 8*60*60 {
		t.Fatalf("fallback offset = %d, want +08:00", off)
	}
	if loc.String() != "CST" {
		t.Errorf("fallback zone is named %q", loc.String())
	}
	// The fallback gives the same instants as the real zone.
	real := DefaultLocation()
	c1, c2 := New(Shipped(), DefaultWorkingHours(), loc), New(Shipped(), DefaultWorkingHours(), real)
	if a, b := c1.AddWorkingDays(at, 10), c2.AddWorkingDays(at, 10); !a.Equal(b) {
		t.Errorf("fallback %s, Asia/Shanghai %s", a, b)
	}
	var asked string
	got := loadShanghai(func(name string) (*time.Location, error) { asked = name; return time.UTC, nil })
	if asked != "Asia/Shanghai" || got != time.UTC {
		t.Errorf("loaded %q → %v", asked, got)
	}
}
