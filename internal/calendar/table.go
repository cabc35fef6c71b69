package calendar

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Kind says what a listed date is.
type Kind uint8

const (
	// Off is a day off (放假), even if it falls on a weekday.
	Off Kind = iota + 1
	// Workday is a make-up working day (调休上班), even if it falls on a weekend.
	Workday
)

// String returns "off" or "workday" ("" for the zero Kind, which is not valid).
func (k Kind) String() string {
	switch k {
	case Off:
		return "off"
	case Workday:
		return "workday"
	}
	return ""
}

// Valid reports whether k is Off or Workday.
func (k Kind) Valid() bool { return k == Off || k == Workday }

// ParseKind parses "off" or "workday".
func ParseKind(s string) (Kind, error) {
	switch s {
	case "off":
		return Off, nil
	case "workday":
		return Workday, nil
	}
	return 0, fmt.Errorf("calendar: invalid kind %q (want off or workday)", s)
}

// MarshalText implements encoding.TextMarshaler ("off", "workday").
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("calendar: invalid kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler ("off", "workday").
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Day is one entry of the holiday table: a date that is off although it may be a
// weekday, or a working day although it may fall on a weekend. Dates the table
// does not list follow the weekend rule.
type Day struct {
	Date Date   `json:"date"`
	Kind Kind   `json:"kind"`
	Name string `json:"name,omitempty"` // the holiday it belongs to: 春节, 国庆节/中秋节…
}

// Validate checks entries as an admin would submit them: real dates, a valid
// kind, each date at most once. It reports every problem found.
func Validate(entries []Day) error {
	var errs []error
	seen := make(map[Date]bool, len(entries))
	for i, e := range entries {
		if !e.Date.Valid() {
			errs = append(errs, fmt.Errorf("calendar: entry %d: invalid date %04d-%02d-%02d", i, e.Date.Year, int(e.Date.Month), e.Date.Day))
			continue
		}
		if !e.Kind.Valid() {
			errs = append(errs, fmt.Errorf("calendar: entry %d (%s): invalid kind %d", i, e.Date, uint8(e.Kind)))
		}
		if seen[e.Date] {
			errs = append(errs, fmt.Errorf("calendar: entry %d: %s listed twice", i, e.Date))
		}
		seen[e.Date] = true
	}
	return errors.Join(errs...)
}

// span is a run of consecutive listed dates of one kind, the form of the notices.
type span struct {
	year        int
	month       time.Month
	first, last int // days of month; last may overflow into the next month
	kind        Kind
	name        string
}

// shipped is the table of SPEC §8 (国务院办公厅关于2025年、2026年部分节假日安排的通知).
var shipped = []span{
	// 2025
	{2025, time.January, 1, 1, Off, "元旦"},
	{2025, time.January, 26, 26, Workday, "春节"},
	{2025, time.January, 28, 35, Off, "春节"}, // Jan 28 – Feb 4
	{2025, time.February, 8, 8, Workday, "春节"},
	{2025, time.April, 4, 6, Off, "清明节"},
	{2025, time.April, 27, 27, Workday, "劳动节"},
	{2025, time.May, 1, 5, Off, "劳动节"},
	{2025, time.May, 31, 33, Off, "端午节"}, // May 31 – Jun 2
	{2025, time.September, 28, 28, Workday, "国庆节/中秋节"},
	{2025, time.October, 1, 8, Off, "国庆节/中秋节"},
	{2025, time.October, 11, 11, Workday, "国庆节/中秋节"},
	// 2026
	{2026, time.January, 1, 3, Off, "元旦"},
	{2026, time.January, 4, 4, Workday, "元旦"},
	{2026, time.February, 14, 14, Workday, "春节"},
	{2026, time.February, 15, 23, Off, "春节"},
	{2026, time.February, 28, 28, Workday, "春节"},
	{2026, time.April, 4, 6, Off, "清明节"},
	{2026, time.May, 1, 5, Off, "劳动节"},
	{2026, time.May, 9, 9, Workday, "劳动节"},
	{2026, time.June, 19, 21, Off, "端午节"},
	{2026, time.September, 20, 20, Workday, "国庆节"},
	{2026, time.September, 25, 27, Off, "中秋节"},
	{2026, time.October, 1, 7, Off, "国庆节"},
	{2026, time.October, 10, 10, Workday, "国庆节"},
}

// Shipped returns the holiday table shipped with the application (2025 and 2026,
// SPEC §8), one entry per date in date order. The slice is new on every call.
func Shipped() []Day {
	var out []Day
	for _, s := range shipped {
		for d := s.first; d <= s.last; d++ {
			out = append(out, Day{Date: NewDate(s.year, s.month, d), Kind: s.kind, Name: s.name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}
