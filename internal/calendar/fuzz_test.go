package calendar_test

import (
	"testing"
	"time"

	"govapp/internal/calendar"
)

// FuzzAddWorkingHours checks the invariants of AddWorkingHours for any start in
// 2024–2027 (Unix nanoseconds; other values are folded into that range) and any
// budget up to three years of working time (negative budgets count as 0).
// Seeds: testdata/fuzz/FuzzAddWorkingHours. Run with
//
//	go test -fuzz FuzzAddWorkingHours ./internal/calendar/
func FuzzAddWorkingHours(f *testing.F) {
	f.Add(int64(1789718400000000000), int64(80*time.Hour)) // 2026-09-18 16:00 + 10 working days
	f.Add(int64(1772785800000000000), int64(2*time.Hour))  // Friday 16:30 + 2h
	f.Add(int64(1772848800000000000), int64(0))            // Saturday 10:00 + 0
	f.Add(int64(-1), int64(-1))

	cal := calendar.Default()
	lo := time.Date(2024, 1, 1, 0, 0, 0, 0, cal.Location())
	hi := time.Date(2028, 1, 1, 0, 0, 0, 0, cal.Location())
	span := int64(hi.Sub(lo))
	const maxBudget = 3 * 250 * 8 * time.Hour

	f.Fuzz(func(t *testing.T, startNs, budget int64) {
		start := time.Unix(0, startNs).In(cal.Location())
		if start.Before(lo) || !start.Before(hi) {
			off := startNs % span
			if off < 0 {
				off += span
			}
			start = lo.Add(time.Duration(off))
		}
		if budget < 0 {
			if r, s := cal.AddWorkingHours(start, time.Duration(budget)), cal.NextWorkingInstant(start); !r.Equal(s) {
				t.Fatalf("AddWorkingHours(%s, %d) = %s, want NextWorkingInstant = %s", start, budget, r, s)
			}
			return
		}
		d := time.Duration(budget) % maxBudget

		r := cal.AddWorkingHours(start, d)
		if r.Before(start) {
			t.Fatalf("AddWorkingHours(%s, %v) = %s is before the start", start, d, r)
		}
		if !cal.IsWorkingTime(r) {
			t.Fatalf("AddWorkingHours(%s, %v) = %s is not working time", start, d, r)
		}
		if w := cal.WorkingTimeBetween(start, r); w != d {
			t.Fatalf("WorkingTimeBetween(%s, %s) = %v, want %v", start, r, w, d)
		}
		// Nothing earlier would do: just before r less than d has passed, unless r
		// is an opening (the budget ran out at the previous closing).
		if d > 0 {
			y, m, dd := r.Date()
			opening := time.Date(y, m, dd, 0, cal.Hours().Start, 0, 0, cal.Location())
			if w := cal.WorkingTimeBetween(start, r.Add(-time.Nanosecond)); w >= d && !r.Equal(opening) {
				t.Fatalf("AddWorkingHours(%s, %v) = %s is not the earliest", start, d, r)
			}
		}
		half := cal.AddWorkingHours(start, d/2)
		if half.After(r) {
			t.Fatalf("AddWorkingHours(%s, %v) = %s after AddWorkingHours(·, %v) = %s", start, d/2, half, d, r)
		}
		if two := cal.AddWorkingHours(half, d-d/2); !two.Equal(r) {
			t.Fatalf("in two steps %s, in one %s", two, r)
		}
		if p := cal.DeadlineWithPauses(start, d, nil); !p.Equal(r) {
			t.Fatalf("DeadlineWithPauses without pauses = %s, AddWorkingHours = %s", p, r)
		}
		if wd := cal.Hours().Duration(); d%wd == 0 && cal.IsWorkingTime(start) {
			if a := cal.AddWorkingDays(start, int(d/wd)); !a.Equal(r) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, AddWorkingHours = %s", start, d/wd, a, r)
			}
		}
	})
}
