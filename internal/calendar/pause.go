package calendar

import (
	"sort"
	"time"
)

// Interval is a pause of a clock, [From, To). A zero To means the pause is still
// running (the ticket is still waiting for information).
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Open reports whether the pause is still running (To is zero).
func (iv Interval) Open() bool { return iv.To.IsZero() }

// pause is a normalized pause: after start, non-empty, non-overlapping.
type pause struct {
	from, to time.Time
	open     bool
}

// normalize clips pauses to [start, ∞), drops empty ones (and open ones unless
// keepOpen), sorts them and merges overlapping or touching ones. An open pause
// absorbs everything after its start.
func normalize(start time.Time, in []Interval, keepOpen bool) []pause {
	ps := make([]pause, 0, len(in))
	for _, iv := range in {
		p := pause{from: iv.From, to: iv.To, open: iv.Open()}
		if p.open && !keepOpen {
			continue
		}
		if p.from.Before(start) {
			p.from = start
		}
		if !p.open && !p.to.After(p.from) {
			continue
		}
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].from.Before(ps[j].from) })
	out := ps[:0]
	for _, p := range ps {
		if n := len(out); n > 0 && (out[n-1].open || !p.from.After(out[n-1].to)) {
			last := &out[n-1]
			if p.open {
				last.open = true
			} else if !last.open && p.to.After(last.to) {
				last.to = p.to
			}
			continue
		}
		out = append(out, p)
	}
	return out
}

// DeadlineWithPauses returns the deadline of a clock started at start with
// budget of working time, stopped during pauses: the first working instant at or
// after the moment budget of unpaused working time has passed. Without pauses it
// is AddWorkingHours(start, budget); each pause before that moment moves the
// deadline by the working time it covers (a pause of 3 working days moves it by
// 3 working days); pauses beginning after it do not. If a still-open pause began
// before the budget ran out, the deadline is not known yet and the zero Time is
// returned. A negative budget counts as 0.
func (c *Calendar) DeadlineWithPauses(start time.Time, budget time.Duration, pauses []Interval) time.Time {
	if budget < 0 {
		budget = 0
	}
	cur, rem := start, budget
	for _, p := range normalize(start, pauses, true) {
		if p.from.After(cur) {
			seg := c.WorkingTimeBetween(cur, p.from)
			if rem <= seg {
				break
			}
			rem -= seg
		} else if rem == 0 {
			break
		}
		if p.open {
			return time.Time{}
		}
		if p.to.After(cur) {
			cur = p.to
		}
	}
	return c.NextWorkingInstant(c.addEarliest(cur, rem))
}

// Elapsed returns the working time in [start, now) outside the pauses; an open
// pause counts as paused until now. It is 0 if now is not after start.
func (c *Calendar) Elapsed(start, now time.Time, pauses []Interval) time.Duration {
	return c.elapsed(start, now, normalize(start, pauses, true))
}

func (c *Calendar) elapsed(start, now time.Time, ps []pause) time.Duration {
	if !now.After(start) {
		return 0
	}
	total := c.WorkingTimeBetween(start, now)
	for _, p := range ps {
		if !p.from.Before(now) {
			break
		}
		to := p.to
		if p.open || to.After(now) {
			to = now
		}
		total -= c.WorkingTimeBetween(p.from, to)
	}
	return total
}

// allowance is the working time the clock may run before the deadline: the
// unpaused working time in [start, deadline), counting closed pauses only (an
// open pause has not moved the deadline yet).
func (c *Calendar) allowance(start, deadline time.Time, pauses []Interval) time.Duration {
	return c.elapsed(start, deadline, normalize(start, pauses, false))
}

// Fraction returns how much of the allowance before deadline has been used at
// now: Elapsed(start, now, pauses) divided by the unpaused working time in
// [start, deadline) (closed pauses only: an open pause has not moved the
// deadline yet). 0 at the start, 0.8 at the reminder point, 1 when the budget is
// used up, above 1 once overdue; never negative. An empty allowance (deadline not
// after start) gives 1.
func (c *Calendar) Fraction(start, deadline, now time.Time, pauses []Interval) float64 {
	total := c.allowance(start, deadline, pauses)
	if total <= 0 {
		return 1
	}
	return float64(c.Elapsed(start, now, pauses)) / float64(total)
}

// Remaining returns the working time left before deadline at now: the allowance
// of Fraction minus Elapsed(start, now, pauses). It is negative once overdue and
// does not shrink while an open pause runs.
func (c *Calendar) Remaining(start, deadline, now time.Time, pauses []Interval) time.Duration {
	return c.allowance(start, deadline, pauses) - c.Elapsed(start, now, pauses)
}
