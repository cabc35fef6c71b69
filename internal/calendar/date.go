package calendar

import (
	"fmt"
	"time"
)

// Date is a civil date (no time, no location), comparable and usable as a map key.
// Its text form is ISO 8601, "2026-02-15", in JSON too.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date year-month-day, normalized like time.Date does
// (February 30 becomes March 2 or 1).
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 12, 0, 0, 0, time.UTC))
}

// DateOf returns the date of t in t's own location. To take the date in the
// calendar's location use [Calendar.DateOf].
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses "2006-01-02" strictly: 2026-02-30 is an error.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: invalid date %q (want YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

// Valid reports whether d names a real day (NewDate would not change it).
func (d Date) Valid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 &&
		NewDate(d.Year, d.Month, d.Day) == d
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns "YYYY-MM-DD".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler ("YYYY-MM-DD").
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, strictly as ParseDate.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days after d (before it for negative n).
func (d Date) AddDays(n int) Date {
	if n == 1 && d.Day >= 1 && d.Day < 28 && d.Month >= time.January && d.Month <= time.December { // the common step, without time.Date
		return Date{Year: d.Year, Month: d.Month, Day: d.Day + 1}
	}
	return NewDate(d.Year, d.Month, d.Day+n)
}

// Weekday returns the day of the week of d (which must be valid).
func (d Date) Weekday() time.Weekday {
	// Days since 1970-01-01 (a Thursday), after H. Hinnant's days_from_civil.
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	wd := (days + 4) % 7
	if wd < 0 {
		wd += 7
	}
	return time.Weekday(wd)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	default:
		return cmpInt(d.Day, o.Day)
	}
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Example returns a date to show in a message about date input ("如
// 2027-02-06"): a week after now, in now's zone, so that the example never
// reads as a date in the past.
func Example(now time.Time) string { return now.AddDate(0, 0, 7).Format("2006-01-02") }
