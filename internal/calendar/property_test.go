package calendar_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"govapp/internal/calendar"
)

// For every day of 2025–2026, at times of day inside and outside working hours,
// and n in 0..30: the result is in working time, n working days of working time
// later, the n-th working day after the clock's start, at the same time of day,
// and AddWorkingDays agrees with AddWorkingHours(n×8h) for starts in working time.
func TestAddWorkingDaysEveryDay(t *testing.T) {
	t.Parallel()
	o := specOracle(t)
	cal := calendar.Default()
	tods := []time.Duration{
		0, 9*time.Hour - time.Nanosecond, 9 * time.Hour, 10 * time.Hour,
		12*time.Hour + 34*time.Minute + 56789*time.Millisecond/1000,
		17*time.Hour - time.Nanosecond, 17 * time.Hour, 23*time.Hour + 59*time.Minute,
	}
	step := 1
	if testing.Short() {
		step = 7
	}
	for d := date(2025, 1, 1); d.Year < 2027; d = d.AddDays(step) {
		for _, tod := range tods {
			start := d.In(sh).Add(tod)
			inside := o.workday(d) && tod >= 9*time.Hour && tod < 17*time.Hour
			s := cal.NextWorkingInstant(start)
			if inside != s.Equal(start) {
				t.Fatalf("NextWorkingInstant(%s) = %s", start, s)
			}
			prev := time.Time{}
			for n := 0; n <= 30; n++ {
				r := cal.AddWorkingDays(start, n)
				if !cal.IsWorkingTime(r) {
					t.Fatalf("AddWorkingDays(%s, %d) = %s is not working time", start, n, r)
				}
				if w := cal.WorkingTimeBetween(start, r); w != time.Duration(n)*day {
					t.Fatalf("WorkingTimeBetween(%s, AddWorkingDays(·, %d) = %s) = %v", start, n, r, w)
				}
				if r.Hour() != s.Hour() || r.Minute() != s.Minute() || r.Second() != s.Second() || r.Nanosecond() != s.Nanosecond() {
					t.Fatalf("AddWorkingDays(%s, %d) = %s: not the time of day of %s", start, n, r, s)
				}
				// The n-th working day after the clock's start, by the independent oracle.
				k := 0
				for x := calendar.DateOf(s); x.Before(calendar.DateOf(r)); {
					x = x.AddDays(1)
					if o.workday(x) {
						k++
					}
				}
				if k != n {
					t.Fatalf("AddWorkingDays(%s, %d) = %s is %d working days later", start, n, r, k)
				}
				if inside {
					if h := cal.AddWorkingHours(start, time.Duration(n)*day); !h.Equal(r) {
						t.Fatalf("AddWorkingDays(%s, %d) = %s but AddWorkingHours(·, %d×8h) = %s", start, n, r, n, h)
					}
				} else if x := cal.AddWorkingDays(s, n); !x.Equal(r) {
					t.Fatalf("AddWorkingDays(%s, %d) = %s but from the clock's start %s it is %s", start, n, r, s, x)
				}
				if n > 0 && !r.After(prev) {
					t.Fatalf("AddWorkingDays(%s, ·) not increasing in n at %d", start, n)
				}
				prev = r
			}
		}
	}
}

// Every minute from 2024-12 to 2027-01 against the minute oracle, and random
// intervals and additions.
func TestAgainstMinuteOracle(t *testing.T) {
	t.Parallel()
	m := minutes(t)
	cal := calendar.Default()
	step := 1
	if testing.Short() {
		step = 13
	}
	for i := 0; i < m.minutes; i += step {
		if got := cal.IsWorkingTime(m.at(i)); got != m.work[i] {
			t.Fatalf("IsWorkingTime(%s) = %v", m.at(i), got)
		}
	}
	rng := rand.New(rand.NewPCG(5, 12345))
	span := 45 * 1440
	for range 20000 {
		a := rng.IntN(m.minutes - span)
		b := a + rng.IntN(span)
		if got, want := cal.WorkingTimeBetween(m.at(a), m.at(b)), m.between(a, b); got != want {
			t.Fatalf("WorkingTimeBetween(%s, %s) = %v, oracle %v", m.at(a), m.at(b), got, want)
		}
		if got, want := cal.NextWorkingInstant(m.at(a)), m.at(m.nextWorking(a)); !got.Equal(want) {
			t.Fatalf("NextWorkingInstant(%s) = %s, oracle %s", m.at(a), got, want)
		}
		d := rng.IntN(12 * 480)
		if rng.IntN(4) == 0 {
			d = 480 * rng.IntN(12) // whole working days
		}
		if got, want := cal.AddWorkingHours(m.at(a), time.Duration(d)*time.Minute), m.at(m.add(a, d)); !got.Equal(want) {
			t.Fatalf("AddWorkingHours(%s, %dm) = %s, oracle %s", m.at(a), d, got, want)
		}
	}
}

func randomInstant(rng *rand.Rand) time.Time {
	lo := at(2024, 12, 1, 0, 0)
	return lo.Add(time.Duration(rng.Int64N(int64(2*365*24*time.Hour + 40*24*time.Hour))))
}

func randomBudget(rng *rand.Rand) time.Duration {
	switch rng.IntN(4) {
	case 0:
		return time.Duration(rng.IntN(31)) * day
	case 1:
		return time.Duration(rng.IntN(20*60)) * time.Minute
	default:
		return time.Duration(rng.Int64N(int64(60 * day)))
	}
}

func TestMonotonicAndAdditive(t *testing.T) {
	t.Parallel()
	cal := calendar.Default()
	rng := rand.New(rand.NewPCG(7, 7))
	for range 10000 {
		t1 := randomInstant(rng)
		t2 := t1.Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
		if rng.IntN(50) == 0 {
			if t2 = randomInstant(rng); t2.Before(t1) {
				t1, t2 = t2, t1
			}
		}
		d1, d2 := randomBudget(rng), randomBudget(rng)
		if d2 < d1 {
			d1, d2 = d2, d1
		}
		// Monotonic in the budget and in the start.
		if a, b := cal.AddWorkingHours(t1, d1), cal.AddWorkingHours(t1, d2); b.Before(a) {
			t.Fatalf("AddWorkingHours(%s, %v) = %s after AddWorkingHours(·, %v) = %s", t1, d1, a, d2, b)
		}
		if a, b := cal.AddWorkingHours(t1, d1), cal.AddWorkingHours(t2, d1); b.Before(a) {
			t.Fatalf("AddWorkingHours(%s, %v) = %s after AddWorkingHours(%s, ·) = %s", t1, d1, a, t2, b)
		}
		n1, n2 := rng.IntN(30), rng.IntN(30)
		if a, b := cal.AddWorkingDays(t1, min(n1, n2)), cal.AddWorkingDays(t2, max(n1, n2)); b.Before(a) {
			t.Fatalf("AddWorkingDays not monotonic: %s, %s", a, b)
		}
		// Adding in two steps is adding once.
		if a, b := cal.AddWorkingHours(cal.AddWorkingHours(t1, d1), d2), cal.AddWorkingHours(t1, d1+d2); !a.Equal(b) {
			t.Fatalf("AddWorkingHours(AddWorkingHours(%s, %v), %v) = %s, AddWorkingHours(·, sum) = %s", t1, d1, d2, a, b)
		}
		// Working time is additive, and round-trips with AddWorkingHours.
		mid := t1.Add(t2.Sub(t1) / 3)
		if a, b := cal.WorkingTimeBetween(t1, mid)+cal.WorkingTimeBetween(mid, t2), cal.WorkingTimeBetween(t1, t2); a != b {
			t.Fatalf("WorkingTimeBetween not additive over %s, %s, %s", t1, mid, t2)
		}
		if w := cal.WorkingTimeBetween(t1, cal.AddWorkingHours(t1, d1)); w != d1 {
			t.Fatalf("WorkingTimeBetween(%s, AddWorkingHours(·, %v)) = %v", t1, d1, w)
		}
		if w := cal.WorkingTimeBetween(t2, t1); w != 0 && t2.After(t1) {
			t.Fatalf("WorkingTimeBetween(b, a) = %v", w)
		}
	}
}

// Pausing for k working days moves any deadline by exactly k working days.
func TestPauseOfKWorkingDays(t *testing.T) {
	t.Parallel()
	o := specOracle(t)
	cal := calendar.Default()
	rng := rand.New(rand.NewPCG(3, 9))
	for d := date(2025, 1, 1); d.Year < 2027; d = d.AddDays(1) {
		if !o.workday(d) {
			continue
		}
		start := d.In(sh).Add(10 * time.Hour)
		for _, n := range []int{1, 5, 10, 20} {
			budget := time.Duration(n) * day
			d0 := cal.AddWorkingDays(start, n)
			k := 1 + rng.IntN(5)
			from := cal.AddWorkingHours(start, time.Duration(rng.Int64N(int64(budget))))
			pause := []calendar.Interval{{From: from, To: cal.AddWorkingDays(from, k)}}
			got := cal.DeadlineWithPauses(start, budget, pause)
			if want := cal.AddWorkingDays(d0, k); !got.Equal(want) {
				t.Fatalf("start %s, %d days, paused %d days from %s: deadline %s, want %s", start, n, k, from, got, want)
			}
			if e := cal.Elapsed(start, got, pause); e != budget {
				t.Fatalf("Elapsed(start, deadline) = %v, want %v", e, budget)
			}
			if f := cal.Fraction(start, got, got, pause); f != 1 {
				t.Fatalf("Fraction at the deadline = %v", f)
			}
		}
	}
}

// Random pauses (overlapping, before the start, open) against the minute oracle.
func TestPausesAgainstMinuteOracle(t *testing.T) {
	t.Parallel()
	m := minutes(t)
	cal := calendar.Default()
	rng := rand.New(rand.NewPCG(11, 13))
	const window = 60 * 1440
	cases := 400
	if testing.Short() {
		cases = 60
	}
	for range cases {
		s := rng.IntN(m.minutes - window - 1)
		budget := rng.IntN(10 * 480)
		var pauses []calendar.Interval
		paused := make([]bool, window) // relative to s
		for range rng.IntN(4) {
			from := s - 1440 + rng.IntN(20*1440)
			open := rng.IntN(8) == 0
			to := from + rng.IntN(6*1440)
			p := calendar.Interval{From: m.at(from)}
			if !open {
				p.To = m.at(to)
			} else {
				to = s + window
			}
			pauses = append(pauses, p)
			for i := max(from, s); i < to && i < s+window; i++ {
				paused[i-s] = true
			}
		}
		// Oracle: the first minute by which budget unpaused working minutes have
		// passed, then the next working minute (pauses ignored there).
		want := time.Time{}
		count := 0
		for i := s; i < s+window; i++ {
			if count == budget {
				want = m.at(m.nextWorking(i))
				break
			}
			if m.work[i] && !paused[i-s] {
				count++
			}
		}
		got := cal.DeadlineWithPauses(m.at(s), time.Duration(budget)*time.Minute, pauses)
		if !got.Equal(want) {
			t.Fatalf("DeadlineWithPauses(%s, %dm, %v) = %s, oracle %s", m.at(s), budget, pauses, got, want)
		}
		now := s + rng.IntN(window)
		elapsed := 0
		for i := s; i < now; i++ {
			if m.work[i] && !paused[i-s] {
				elapsed++
			}
		}
		if got := cal.Elapsed(m.at(s), m.at(now), pauses); got != time.Duration(elapsed)*time.Minute {
			t.Fatalf("Elapsed(%s, %s, %v) = %v, oracle %dm", m.at(s), m.at(now), pauses, got, elapsed)
		}
	}
}

// A year's worth of working days is computed by walking days, not minutes.
func TestLongSpans(t *testing.T) {
	cal := calendar.Default()
	start := at(2026, 1, 5, 10, 0)
	r := cal.AddWorkingDays(start, 2500) // about ten years
	if w := cal.WorkingTimeBetween(start, r); w != 2500*day {
		t.Fatalf("WorkingTimeBetween = %v", w)
	}
	if h := cal.AddWorkingHours(start, 2500*day); !h.Equal(r) {
		t.Fatalf("AddWorkingHours = %s, AddWorkingDays = %s", h, r)
	}
}

func BenchmarkAddWorkingDaysYear(b *testing.B) {
	cal := calendar.Default()
	start := at(2025, 3, 3, 10, 0)
	for b.Loop() {
		cal.AddWorkingDays(start, 248)
	}
}

func BenchmarkAddWorkingHours10Days(b *testing.B) {
	cal := calendar.Default()
	start := at(2026, 9, 18, 16, 0)
	for b.Loop() {
		cal.AddWorkingHours(start, 10*day)
	}
}

func BenchmarkWorkingTimeBetweenYear(b *testing.B) {
	cal := calendar.Default()
	a, z := at(2025, 3, 3, 10, 0), at(2026, 3, 3, 10, 0)
	for b.Loop() {
		cal.WorkingTimeBetween(a, z)
	}
}
