package calendar_test

import (
	"math"
	"testing"
	"time"

	"govapp/internal/calendar"
)

func iv(from, to time.Time) calendar.Interval { return calendar.Interval{From: from, To: to} }

func TestDeadlineWithPauses(t *testing.T) {
	cal := calendar.Default()
	start := at(2026, 9, 18, 16, 0) // Friday; 10 working days are due 2026-10-09 16:00
	budget := 10 * day
	for _, c := range []struct {
		name   string
		pauses []calendar.Interval
		want   time.Time
	}{
		{"no pause", nil, at(2026, 10, 9, 16, 0)},
		{"need_info for 3 working days moves the deadline by 3 working days",
			[]calendar.Interval{iv(at(2026, 9, 21, 11, 0), at(2026, 9, 24, 11, 0))}, at(2026, 10, 13, 16, 0)},
		{"a pause across National Day covers 2 working days (make-up Saturday 10-10 counts)",
			[]calendar.Interval{iv(at(2026, 9, 30, 11, 0), at(2026, 10, 9, 11, 0))}, at(2026, 10, 12, 16, 0)},
		{"a pause outside working time moves nothing",
			[]calendar.Interval{iv(at(2026, 9, 18, 17, 30), at(2026, 9, 20, 8, 0)), iv(at(2026, 9, 25, 0, 0), at(2026, 9, 28, 9, 0))},
			at(2026, 10, 9, 16, 0)},
		{"overlapping pauses count once",
			[]calendar.Interval{
				iv(at(2026, 9, 22, 11, 0), at(2026, 9, 24, 11, 0)),
				iv(at(2026, 9, 21, 11, 0), at(2026, 9, 23, 11, 0)),
				iv(at(2026, 9, 21, 11, 0), at(2026, 9, 23, 11, 0)),
			}, at(2026, 10, 13, 16, 0)},
		{"touching pauses add up",
			[]calendar.Interval{iv(at(2026, 9, 21, 11, 0), at(2026, 9, 22, 11, 0)), iv(at(2026, 9, 22, 11, 0), at(2026, 9, 24, 11, 0))},
			at(2026, 10, 13, 16, 0)},
		{"only the part after the start counts (11 working hours)",
			[]calendar.Interval{iv(at(2026, 9, 17, 10, 0), at(2026, 9, 21, 11, 0))}, at(2026, 10, 12, 11, 0)},
		{"a pause before the start moves nothing",
			[]calendar.Interval{iv(at(2026, 9, 1, 10, 0), at(2026, 9, 2, 10, 0))}, at(2026, 10, 9, 16, 0)},
		{"a pause after the deadline moves nothing",
			[]calendar.Interval{iv(at(2026, 10, 12, 10, 0), at(2026, 10, 14, 10, 0))}, at(2026, 10, 9, 16, 0)},
		{"a pause beginning exactly at the deadline moves nothing",
			[]calendar.Interval{iv(at(2026, 10, 9, 16, 0), at(2026, 10, 14, 10, 0))}, at(2026, 10, 9, 16, 0)},
		{"a pause ending exactly at the deadline moves it",
			[]calendar.Interval{iv(at(2026, 10, 9, 15, 0), at(2026, 10, 9, 16, 0))}, at(2026, 10, 10, 9, 0)},
		{"empty and reversed intervals are ignored",
			[]calendar.Interval{iv(at(2026, 9, 22, 11, 0), at(2026, 9, 22, 11, 0)), iv(at(2026, 9, 23, 11, 0), at(2026, 9, 22, 11, 0))},
			at(2026, 10, 9, 16, 0)},
		{"still paused since before the budget ran out: not known yet",
			[]calendar.Interval{{From: at(2026, 9, 21, 11, 0)}}, time.Time{}},
		{"still paused, the pause having begun before the start: not known yet",
			[]calendar.Interval{{From: at(2026, 9, 18, 10, 0)}}, time.Time{}},
		{"an open pause after the budget ran out moves nothing",
			[]calendar.Interval{{From: at(2026, 10, 10, 10, 0)}}, at(2026, 10, 9, 16, 0)},
		{"a closed pause inside an open one is absorbed",
			[]calendar.Interval{{From: at(2026, 9, 21, 11, 0)}, iv(at(2026, 9, 22, 11, 0), at(2026, 9, 24, 11, 0))}, time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := cal.DeadlineWithPauses(start, budget, c.pauses)
			if !got.Equal(c.want) {
				t.Fatalf("DeadlineWithPauses = %s, want %s", got, c.want)
			}
			if got.IsZero() {
				return
			}
			if !cal.IsWorkingTime(got) {
				t.Errorf("deadline %s is not working time", got)
			}
			if e := cal.Elapsed(start, got, c.pauses); e != budget {
				t.Errorf("Elapsed(start, deadline) = %v, want the budget %v", e, budget)
			}
		})
	}
}

func TestDeadlineWithPausesAtClosing(t *testing.T) {
	cal := calendar.Default()
	start := at(2026, 3, 9, 15, 0) // Monday; 2 working hours run out at 17:00, due Tuesday 09:00
	for _, c := range []struct {
		name   string
		budget time.Duration
		pauses []calendar.Interval
		want   time.Time
	}{
		{"no pause", 2 * time.Hour, nil, at(2026, 3, 10, 9, 0)},
		{"a pause after the budget ran out", 2 * time.Hour,
			[]calendar.Interval{iv(at(2026, 3, 9, 18, 0), at(2026, 3, 11, 12, 0))}, at(2026, 3, 10, 9, 0)},
		{"an open pause after the budget ran out", 2 * time.Hour,
			[]calendar.Interval{{From: at(2026, 3, 9, 17, 0)}}, at(2026, 3, 10, 9, 0)},
		{"a pause before it ran out", 2 * time.Hour,
			[]calendar.Interval{iv(at(2026, 3, 9, 16, 0), at(2026, 3, 11, 12, 0))}, at(2026, 3, 11, 13, 0)},
		{"zero budget", 0, []calendar.Interval{iv(start, at(2026, 3, 11, 12, 0))}, start},
		{"negative budget", -time.Hour, nil, start},
		{"zero budget from Saturday", 0, nil, at(2026, 3, 9, 9, 0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := start
			if c.name == "zero budget from Saturday" {
				s = at(2026, 3, 7, 10, 0)
			}
			if got := cal.DeadlineWithPauses(s, c.budget, c.pauses); !got.Equal(c.want) {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestElapsedFractionRemaining(t *testing.T) {
	cal := calendar.Default()
	start := at(2026, 9, 18, 16, 0)
	budget := 10 * day
	deadline := cal.AddWorkingDays(start, 10) // 2026-10-09 16:00

	t.Run("no pauses", func(t *testing.T) {
		for _, c := range []struct {
			now      time.Time
			elapsed  time.Duration
			fraction float64
		}{
			{at(2026, 9, 18, 10, 0), 0, 0},
			{start, 0, 0},
			{cal.AddWorkingHours(start, 64*time.Hour), 64 * time.Hour, 0.8},
			{deadline, budget, 1},
			{at(2026, 10, 9, 17, 0), budget + time.Hour, 81.0 / 80},
			{at(2026, 10, 10, 12, 0), budget + 4*time.Hour, 84.0 / 80},
		} {
			if got := cal.Elapsed(start, c.now, nil); got != c.elapsed {
				t.Errorf("Elapsed at %s = %v, want %v", c.now, got, c.elapsed)
			}
			if got := cal.Fraction(start, deadline, c.now, nil); math.Abs(got-c.fraction) > 1e-12 {
				t.Errorf("Fraction at %s = %v, want %v", c.now, got, c.fraction)
			}
			if got := cal.Remaining(start, deadline, c.now, nil); got != budget-c.elapsed {
				t.Errorf("Remaining at %s = %v, want %v", c.now, got, budget-c.elapsed)
			}
		}
		if got := cal.AddWorkingHours(start, 64*time.Hour); !got.Equal(at(2026, 9, 30, 16, 0)) {
			t.Errorf("the 80%% point is %s", got)
		}
	})

	t.Run("a closed pause of 3 working days", func(t *testing.T) {
		pauses := []calendar.Interval{iv(at(2026, 9, 21, 11, 0), at(2026, 9, 24, 11, 0))}
		d := cal.DeadlineWithPauses(start, budget, pauses)
		if got := cal.Elapsed(start, at(2026, 9, 24, 12, 0), pauses); got != 12*time.Hour {
			t.Errorf("Elapsed = %v, want 12h", got)
		}
		// 80 %: 11h before the pause, 53h after it → 2026-10-10 (make-up Saturday) 16:00.
		if got := cal.Fraction(start, d, at(2026, 10, 10, 16, 0), pauses); math.Abs(got-0.8) > 1e-12 {
			t.Errorf("Fraction at the 80%% point = %v", got)
		}
		if got := cal.Fraction(start, d, d, pauses); got != 1 {
			t.Errorf("Fraction at the deadline = %v", got)
		}
		if got := cal.Remaining(start, d, d, pauses); got != 0 {
			t.Errorf("Remaining at the deadline = %v", got)
		}
	})

	t.Run("while a pause is open the clock stands still", func(t *testing.T) {
		pauses := []calendar.Interval{{From: at(2026, 9, 21, 11, 0)}}
		for _, now := range []time.Time{at(2026, 9, 21, 11, 0), at(2026, 9, 22, 15, 0), at(2026, 10, 20, 10, 0)} {
			if got := cal.Elapsed(start, now, pauses); got != 11*time.Hour {
				t.Errorf("Elapsed at %s = %v, want 11h", now, got)
			}
			if got := cal.Fraction(start, deadline, now, pauses); math.Abs(got-11.0/80) > 1e-12 {
				t.Errorf("Fraction at %s = %v, want 11/80", now, got)
			}
			if got := cal.Remaining(start, deadline, now, pauses); got != 69*time.Hour {
				t.Errorf("Remaining at %s = %v, want 69h", now, got)
			}
		}
		if got := cal.Elapsed(start, at(2026, 9, 21, 10, 0), pauses); got != 10*time.Hour {
			t.Errorf("Elapsed before the pause = %v, want 10h", got)
		}
		// Once the pause closes the deadline is recomputed and the allowance is whole again.
		closed := []calendar.Interval{iv(at(2026, 9, 21, 11, 0), at(2026, 9, 24, 11, 0))}
		d := cal.DeadlineWithPauses(start, budget, closed)
		if got := cal.Remaining(start, d, at(2026, 9, 24, 11, 0), closed); got != 69*time.Hour {
			t.Errorf("Remaining after the pause = %v, want 69h", got)
		}
	})

	t.Run("an approved extension", func(t *testing.T) {
		extended := cal.AddWorkingDays(deadline, 5)
		if got := cal.Fraction(start, extended, deadline, nil); math.Abs(got-80.0/120) > 1e-12 {
			t.Errorf("Fraction at the old deadline = %v, want 2/3", got)
		}
		if got := cal.Remaining(start, extended, deadline, nil); got != 5*day {
			t.Errorf("Remaining at the old deadline = %v, want 40h", got)
		}
	})

	t.Run("an empty allowance", func(t *testing.T) {
		if got := cal.Fraction(start, start, start, nil); got != 1 {
			t.Errorf("Fraction = %v, want 1", got)
		}
		if got := cal.Remaining(start, start.Add(-time.Hour), start, nil); got != 0 {
			t.Errorf("Remaining = %v, want 0", got)
		}
	})
}
