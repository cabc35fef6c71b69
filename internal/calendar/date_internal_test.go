package calendar

import (
	"testing"
	"time"
)

// The fast paths of AddDays and Weekday agree with the time package.
func TestDateArithmeticAgreesWithTime(t *testing.T) {
	for _, start := range []Date{{-401, 1, 1}, {-1, 12, 25}, {1600, 2, 20}, {1899, 12, 1}, {1970, 1, 1}, {2024, 2, 20}, {2099, 12, 20}} {
		d := start
		for i := 0; i < 1200; i++ {
			tm := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
			if d.Weekday() != tm.Weekday() {
				t.Fatalf("Weekday(%s) = %s, want %s", d, d.Weekday(), tm.Weekday())
			}
			if next, want := d.AddDays(1), DateOf(tm.AddDate(0, 0, 1)); next != want {
				t.Fatalf("%s.AddDays(1) = %s, want %s", d, next, want)
			}
			d = d.AddDays(1)
		}
	}
}
