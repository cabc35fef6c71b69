package calendar

import (
	"fmt"
	"sort"
	"time"
)

// WorkingHours is the daily working window [Start, End), in minutes after
// midnight local time: 09:00–17:00 is {Start: 9*60, End: 17*60}.
type WorkingHours struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// DefaultWorkingHours returns 09:00–17:00.
func DefaultWorkingHours() WorkingHours { return WorkingHours{Start: 9 * 60, End: 17 * 60} }

// Validate checks 0 <= Start < End <= 24*60.
func (h WorkingHours) Validate() error {
	if h.Start < 0 || h.End > 24*60 || h.Start >= h.End {
		return fmt.Errorf("calendar: invalid working hours %d–%d (want 0 <= start < end <= 1440 minutes)", h.Start, h.End)
	}
	return nil
}

// Duration is the length of a working day, End−Start (8h by default).
func (h WorkingHours) Duration() time.Duration {
	return time.Duration(h.End-h.Start) * time.Minute
}

// String returns "09:00-17:00".
func (h WorkingHours) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", h.Start/60, h.Start%60, h.End/60, h.End%60)
}

// ParseWorkingHours parses "09:00-17:00" (two-digit fields; an end of "24:00" is
// allowed).
func ParseWorkingHours(s string) (WorkingHours, error) {
	bad := fmt.Errorf("calendar: invalid working hours %q (want HH:MM-HH:MM)", s)
	if len(s) != len("09:00-17:00") || s[2] != ':' || s[5] != '-' || s[8] != ':' {
		return WorkingHours{}, bad
	}
	num := func(i int) int {
		a, b := s[i], s[i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return -1
		}
		return int(a-'0')*10 + int(b-'0')
	}
	sh, sm, eh, em := num(0), num(3), num(6), num(9)
	if sh < 0 || sm < 0 || eh < 0 || em < 0 || sm > 59 || em > 59 {
		return WorkingHours{}, bad
	}
	h := WorkingHours{Start: sh*60 + sm, End: eh*60 + em}
	if err := h.Validate(); err != nil {
		return WorkingHours{}, err
	}
	return h, nil
}

// Calendar is a holiday table with working hours in a location. It is immutable;
// build it with New, Default or With.
type Calendar struct {
	days  map[Date]Day
	hours WorkingHours
	loc   *time.Location
}

// New builds a calendar from entries (a later entry for the same date wins;
// entries with an invalid date or kind are ignored — check admin input with
// Validate first), working hours and a location (nil means DefaultLocation). It
// panics if hours are invalid (see WorkingHours.Validate): that is a
// configuration error to catch at startup.
func New(entries []Day, hours WorkingHours, loc *time.Location) *Calendar {
	if err := hours.Validate(); err != nil {
		panic(err)
	}
	if loc == nil {
		loc = DefaultLocation()
	}
	c := &Calendar{days: make(map[Date]Day, len(entries)), hours: hours, loc: loc}
	c.merge(entries)
	return c
}

// Default returns the shipped table with 09:00–17:00 in Asia/Shanghai. It builds
// a new calendar on every call; keep one.
func Default() *Calendar {
	return New(Shipped(), DefaultWorkingHours(), DefaultLocation())
}

// DefaultLocation returns Asia/Shanghai, or a fixed UTC+08:00 zone named "CST"
// when the time-zone database is not available (China has no daylight saving
// time, so both give the same instants for current dates).
func DefaultLocation() *time.Location { return loadShanghai(time.LoadLocation) }

func loadShanghai(load func(string) (*time.Location, error)) *time.Location {
	if loc, err := load("Asia/Shanghai"); err == nil && loc != nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}

func (c *Calendar) merge(entries []Day) {
	for _, e := range entries {
		if e.Date.Valid() && e.Kind.Valid() {
			c.days[e.Date] = e
		}
	}
}

// With returns a new calendar with extra entries added; an extra entry replaces
// the existing one for the same date. c is unchanged.
func (c *Calendar) With(extra []Day) *Calendar {
	n := &Calendar{days: make(map[Date]Day, len(c.days)+len(extra)), hours: c.hours, loc: c.loc}
	for d, e := range c.days {
		n.days[d] = e
	}
	n.merge(extra)
	return n
}

// WithHours returns a copy of c with other working hours; it panics like New if
// they are invalid.
func (c *Calendar) WithHours(h WorkingHours) *Calendar {
	if err := h.Validate(); err != nil {
		panic(err)
	}
	n := c.With(nil)
	n.hours = h
	return n
}

// Location returns the calendar's location; results are expressed in it.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours returns the working hours.
func (c *Calendar) Hours() WorkingHours { return c.hours }

// Days returns the table's entries in date order.
func (c *Calendar) Days() []Day {
	out := make([]Day, 0, len(c.days))
	for _, e := range c.days {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// Years returns, in order, the years for which the table has at least one entry.
// Other years follow the weekend rule only.
func (c *Calendar) Years() []int {
	seen := map[int]bool{}
	var out []int
	for d := range c.days {
		if !seen[d.Year] {
			seen[d.Year] = true
			out = append(out, d.Year)
		}
	}
	sort.Ints(out)
	return out
}

// Lookup returns the table's entry for d, if any.
func (c *Calendar) Lookup(d Date) (Day, bool) {
	e, ok := c.days[d]
	return e, ok
}

// DateOf returns the date of t in the calendar's location.
func (c *Calendar) DateOf(t time.Time) Date { return DateOf(t.In(c.loc)) }

// IsWorkingDate reports whether d is a working day: a listed make-up working
// day, or a weekday not listed as a day off.
func (c *Calendar) IsWorkingDate(d Date) bool {
	if e, ok := c.days[d]; ok {
		return e.Kind == Workday
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// IsWorkday reports whether t falls, in the calendar's location, on a working day
// (at any time of that day).
func (c *Calendar) IsWorkday(t time.Time) bool { return c.IsWorkingDate(c.DateOf(t)) }

// IsWorkingTime reports whether t is in working time: on a working day, within
// [Start, End) of the working hours.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	open, closing, ok := c.window(c.DateOf(t))
	return ok && !t.Before(open) && t.Before(closing)
}

// window returns the working window of d, ok false on a rest day.
func (c *Calendar) window(d Date) (open, closing time.Time, ok bool) {
	if !c.IsWorkingDate(d) {
		return time.Time{}, time.Time{}, false
	}
	open = time.Date(d.Year, d.Month, d.Day, 0, c.hours.Start, 0, 0, c.loc)
	closing = time.Date(d.Year, d.Month, d.Day, 0, c.hours.End, 0, 0, c.loc)
	return open, closing, closing.After(open)
}

// nextOpen returns the opening of the first working day after d.
func (c *Calendar) nextOpen(d Date) time.Time {
	for {
		d = d.AddDays(1)
		if open, _, ok := c.window(d); ok {
			return open
		}
	}
}

// NextWorkingInstant returns t itself if it is in working time, otherwise the
// opening of the next working window (09:00 that day if t is earlier on a
// working day, else 09:00 of the next working day). The result is in the
// calendar's location.
func (c *Calendar) NextWorkingInstant(t time.Time) time.Time {
	t = t.In(c.loc)
	d := DateOf(t)
	if open, closing, ok := c.window(d); ok {
		if t.Before(open) {
			return open
		}
		if t.Before(closing) {
			return t
		}
	}
	return c.nextOpen(d)
}

// addEarliest returns the earliest instant r such that the working time in
// [t, r) is d (d >= 0), which may be a closing time.
func (c *Calendar) addEarliest(t time.Time, d time.Duration) time.Time {
	cur := c.NextWorkingInstant(t)
	for {
		day := DateOf(cur)
		_, closing, _ := c.window(day)
		avail := closing.Sub(cur)
		if d <= avail {
			return cur.Add(d)
		}
		d -= avail
		cur = c.nextOpen(day)
	}
}

// AddWorkingHours returns the deadline d of working time after t: the first
// working instant at or after the moment d of working time has passed since
// NextWorkingInstant(t). Negative d counts as 0, giving NextWorkingInstant(t).
// 2 working hours from Friday 16:30 are due at 10:30 on the next working day;
// 2 working hours from 15:00 are due at the next opening (the same point in
// working time as 17:00). WorkingTimeBetween(t, AddWorkingHours(t, d)) == d.
func (c *Calendar) AddWorkingHours(t time.Time, d time.Duration) time.Time {
	if d < 0 {
		d = 0
	}
	return c.NextWorkingInstant(c.addEarliest(t, d))
}

// AddWorkingDays returns the deadline n working days after t: the clock starts at
// s = NextWorkingInstant(t) and the result is the same time of day as s on the
// n-th working day after s's date (precisely: the same offset from the opening
// time, which is the same wall-clock time wherever the zone has no clock change
// during working hours). Friday 16:00 + 10 working days is 16:00 of the 10th
// working day after that Friday; Saturday 10:00 + 1 is Tuesday 09:00 in an
// ordinary week (the clock starts Monday 09:00). n <= 0 gives s. For t in working
// time, AddWorkingDays(t, n) == AddWorkingHours(t, n*Hours().Duration()).
// It walks the calendar a day at a time.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	s := c.NextWorkingInstant(t)
	if n <= 0 {
		return s
	}
	day := DateOf(s)
	open, _, _ := c.window(day)
	offset := s.Sub(open)
	for n > 0 {
		day = day.AddDays(1)
		if _, _, ok := c.window(day); ok {
			n--
		}
	}
	open, _, _ = c.window(day)
	return c.AddWorkingHours(open, offset)
}

// WorkingTimeBetween returns the working time in [a, b), 0 if b is not after a.
// It walks the calendar a day at a time.
func (c *Calendar) WorkingTimeBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	a, b = a.In(c.loc), b.In(c.loc)
	last := DateOf(b)
	var sum time.Duration
	for d := DateOf(a); !d.After(last); d = d.AddDays(1) {
		open, closing, ok := c.window(d)
		if !ok {
			continue
		}
		lo, hi := open, closing
		if a.After(lo) {
			lo = a
		}
		if b.Before(hi) {
			hi = b
		}
		if hi.After(lo) {
			sum += hi.Sub(lo)
		}
	}
	return sum
}
