package calendar_test

import (
	"slices"
	"testing"
	"time"

	"govapp/internal/calendar"
)

const day = 8 * time.Hour // one working day of 09:00–17:00

// The deadlines of issue 5's checks, to the instant.
func TestTicketDeadlines(t *testing.T) {
	cal := calendar.Default()
	cases := []struct {
		name     string
		accepted time.Time
		n        int
		want     time.Time
	}{
		{"Friday 16:00, the make-up Sunday 09-20 counts, 09-25…27 and 10-01…07 do not",
			at(2026, 9, 18, 16, 0), 10, at(2026, 10, 9, 16, 0)},
		{"Wednesday 09-30 10:00, the make-up Saturday 10-10 counts",
			at(2026, 9, 30, 10, 0), 10, at(2026, 10, 20, 10, 0)},
		{"20 working days (依申请公开) from Friday 09-18 16:00",
			at(2026, 9, 18, 16, 0), 20, at(2026, 10, 22, 16, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := cal.AddWorkingDays(c.accepted, c.n)
			if !got.Equal(c.want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", c.accepted, c.n, got, c.want)
			}
			if got.Location() != cal.Location() {
				t.Errorf("result in %v, want the calendar's location", got.Location())
			}
			if h := cal.AddWorkingHours(c.accepted, time.Duration(c.n)*day); !h.Equal(c.want) {
				t.Errorf("AddWorkingHours(%s, %d×8h) = %s, want %s", c.accepted, c.n, h, c.want)
			}
			if d := cal.DeadlineWithPauses(c.accepted, time.Duration(c.n)*day, nil); !d.Equal(c.want) {
				t.Errorf("DeadlineWithPauses without pauses = %s, want %s", d, c.want)
			}
			if w := cal.WorkingTimeBetween(c.accepted, got); w != time.Duration(c.n)*day {
				t.Errorf("WorkingTimeBetween = %v, want %v", w, time.Duration(c.n)*day)
			}
		})
	}
	t.Run("without the make-up Saturday 10-10 the answer would be 10-21", func(t *testing.T) {
		c := cal.With([]calendar.Day{{Date: date(2026, 10, 10), Kind: calendar.Off}})
		if got, want := c.AddWorkingDays(at(2026, 9, 30, 10, 0), 10), at(2026, 10, 21, 10, 0); !got.Equal(want) {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
	t.Run("without the make-up Sunday 09-20 the first answer would be 10-10", func(t *testing.T) {
		c := cal.With([]calendar.Day{{Date: date(2026, 9, 20), Kind: calendar.Off}})
		if got, want := c.AddWorkingDays(at(2026, 9, 18, 16, 0), 10), at(2026, 10, 10, 16, 0); !got.Equal(want) {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
	t.Run("the same instant given in UTC", func(t *testing.T) {
		got := cal.AddWorkingDays(time.Date(2026, 9, 18, 8, 0, 0, 0, time.UTC), 10)
		if want := at(2026, 10, 9, 16, 0); !got.Equal(want) || got.Location() != cal.Location() {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
}

func TestAddWorkingDays(t *testing.T) {
	cal := calendar.Default()
	for _, c := range []struct {
		from time.Time
		n    int
		want time.Time
	}{
		// 2026 Spring Festival: Feb 14 (Sat) works, Feb 15–23 off, Feb 28 (Sat) works.
		{at(2026, 2, 13, 10, 0), 0, at(2026, 2, 13, 10, 0)},
		{at(2026, 2, 13, 10, 0), 1, at(2026, 2, 14, 10, 0)},
		{at(2026, 2, 13, 10, 0), 2, at(2026, 2, 24, 10, 0)},
		{at(2026, 2, 13, 10, 0), 5, at(2026, 2, 27, 10, 0)},
		{at(2026, 2, 13, 10, 0), 6, at(2026, 2, 28, 10, 0)},
		{at(2026, 2, 13, 10, 0), 7, at(2026, 3, 2, 10, 0)},
		{at(2026, 2, 14, 16, 59), 1, at(2026, 2, 24, 16, 59)},
		{at(2026, 2, 28, 10, 0), 1, at(2026, 3, 2, 10, 0)},
		{at(2026, 2, 13, 8, 0), 1, at(2026, 2, 14, 9, 0)},  // before opening: the clock starts 09:00
		{at(2026, 2, 13, 17, 0), 1, at(2026, 2, 24, 9, 0)}, // at closing: starts on the make-up Saturday
		{at(2026, 2, 27, 18, 0), 0, at(2026, 2, 28, 9, 0)}, // the next working instant is a make-up Saturday
		{at(2026, 2, 15, 12, 0), 0, at(2026, 2, 24, 9, 0)}, // in the holiday
		{at(2026, 2, 21, 10, 0), 1, at(2026, 2, 25, 9, 0)}, // a Saturday inside the holiday
		// Saturday 10:00 in an ordinary week: the clock starts Monday 09:00.
		{at(2026, 3, 7, 10, 0), 0, at(2026, 3, 9, 9, 0)},
		{at(2026, 3, 7, 10, 0), 1, at(2026, 3, 10, 9, 0)},
		{at(2026, 3, 8, 23, 59), 5, at(2026, 3, 16, 9, 0)},
		// 2026 New Year and May Day.
		{at(2025, 12, 31, 10, 0), 1, at(2026, 1, 4, 10, 0)},
		{at(2025, 12, 31, 10, 0), 2, at(2026, 1, 5, 10, 0)},
		{at(2026, 4, 30, 15, 0), 1, at(2026, 5, 6, 15, 0)},
		{at(2026, 4, 30, 15, 0), 4, at(2026, 5, 9, 15, 0)},
		{at(2026, 4, 30, 15, 0), 5, at(2026, 5, 11, 15, 0)},
		// 2025 Spring Festival: Jan 26 (Sun) works, Jan 28–Feb 4 off, Feb 8 (Sat) works.
		{at(2025, 1, 24, 15, 0), 1, at(2025, 1, 26, 15, 0)},
		{at(2025, 1, 24, 15, 0), 2, at(2025, 1, 27, 15, 0)},
		{at(2025, 1, 24, 15, 0), 3, at(2025, 2, 5, 15, 0)},
		{at(2025, 1, 24, 15, 0), 6, at(2025, 2, 8, 15, 0)},
		{at(2025, 1, 24, 15, 0), 7, at(2025, 2, 10, 15, 0)},
		{at(2025, 1, 28, 10, 0), 0, at(2025, 2, 5, 9, 0)},
		{at(2025, 1, 25, 10, 0), 1, at(2025, 1, 27, 9, 0)}, // Saturday: starts on the make-up Sunday
		// 2025 May Day (Apr 27 Sunday works) and National Day (Sep 28, Oct 11 work).
		{at(2025, 4, 25, 11, 0), 1, at(2025, 4, 27, 11, 0)},
		{at(2025, 4, 30, 11, 0), 1, at(2025, 5, 6, 11, 0)},
		{at(2025, 9, 26, 14, 0), 1, at(2025, 9, 28, 14, 0)},
		{at(2025, 9, 26, 14, 0), 3, at(2025, 9, 30, 14, 0)},
		{at(2025, 9, 26, 14, 0), 4, at(2025, 10, 9, 14, 0)},
		{at(2025, 9, 26, 14, 0), 6, at(2025, 10, 11, 14, 0)},
		{at(2025, 9, 26, 14, 0), 7, at(2025, 10, 13, 14, 0)},
		// Beyond the table: weekends only.
		{at(2027, 3, 1, 10, 0), 5, at(2027, 3, 8, 10, 0)},
		// Negative counts count as 0.
		{at(2026, 3, 7, 10, 0), -3, at(2026, 3, 9, 9, 0)},
	} {
		got := cal.AddWorkingDays(c.from, c.n)
		if !got.Equal(c.want) {
			t.Errorf("AddWorkingDays(%s %s, %d) = %s %s, want %s %s", c.from.Format(time.DateTime), c.from.Weekday(), c.n,
				got.Format(time.DateTime), got.Weekday(), c.want.Format(time.DateTime), c.want.Weekday())
		}
	}
}

func TestAddWorkingHours(t *testing.T) {
	cal := calendar.Default()
	for _, c := range []struct {
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{at(2026, 3, 6, 16, 30), 2 * time.Hour, at(2026, 3, 9, 10, 30)},   // Friday → Monday
		{at(2026, 2, 13, 16, 30), 2 * time.Hour, at(2026, 2, 14, 10, 30)}, // → make-up Saturday
		{at(2026, 9, 18, 16, 30), 2 * time.Hour, at(2026, 9, 20, 10, 30)}, // → make-up Sunday
		{at(2026, 2, 14, 16, 30), 2 * time.Hour, at(2026, 2, 24, 10, 30)}, // across the Spring Festival
		{at(2025, 1, 27, 16, 30), 2 * time.Hour, at(2025, 2, 5, 10, 30)},
		{at(2026, 3, 9, 10, 0), 2 * time.Hour, at(2026, 3, 9, 12, 0)},
		{at(2026, 3, 9, 15, 0), 2 * time.Hour, at(2026, 3, 10, 9, 0)}, // runs out at closing: due at the next opening
		{at(2026, 3, 9, 15, 0), 2*time.Hour - time.Nanosecond, time.Date(2026, 3, 9, 16, 59, 59, 999999999, sh)},
		{at(2026, 3, 9, 9, 0), 8 * time.Hour, at(2026, 3, 10, 9, 0)},
		{at(2026, 3, 9, 10, 0), 0, at(2026, 3, 9, 10, 0)},
		{at(2026, 3, 7, 10, 0), 0, at(2026, 3, 9, 9, 0)},
		{at(2026, 3, 7, 10, 0), 2 * time.Hour, at(2026, 3, 9, 11, 0)},
		{at(2026, 3, 9, 20, 0), time.Minute, at(2026, 3, 10, 9, 1)},
		{at(2026, 9, 18, 16, 59), time.Minute, at(2026, 9, 20, 9, 0)},
		{at(2026, 9, 29, 16, 0), 3 * day, at(2026, 10, 9, 16, 0)},
		{at(2026, 3, 9, 10, 0), -time.Hour, at(2026, 3, 9, 10, 0)},
	} {
		got := cal.AddWorkingHours(c.from, c.d)
		if !got.Equal(c.want) {
			t.Errorf("AddWorkingHours(%s %s, %v) = %s %s, want %s", c.from.Format(time.DateTime), c.from.Weekday(), c.d,
				got.Format(time.DateTime), got.Weekday(), c.want.Format(time.DateTime))
		}
	}
}

func TestNextWorkingInstant(t *testing.T) {
	cal := calendar.Default()
	for _, c := range []struct{ in, want time.Time }{
		{at(2026, 3, 9, 10, 0), at(2026, 3, 9, 10, 0)},
		{at(2026, 3, 9, 9, 0), at(2026, 3, 9, 9, 0)},
		{at(2026, 3, 9, 8, 59), at(2026, 3, 9, 9, 0)},
		{at(2026, 3, 9, 17, 0), at(2026, 3, 10, 9, 0)},
		{time.Date(2026, 3, 9, 16, 59, 59, 999999999, sh), time.Date(2026, 3, 9, 16, 59, 59, 999999999, sh)},
		{at(2026, 3, 7, 10, 0), at(2026, 3, 9, 9, 0)},
		{at(2026, 2, 13, 17, 30), at(2026, 2, 14, 9, 0)},
		{at(2026, 2, 14, 17, 30), at(2026, 2, 24, 9, 0)},
		{at(2026, 9, 30, 17, 0), at(2026, 10, 8, 9, 0)},
		{at(2025, 12, 31, 17, 0), at(2026, 1, 4, 9, 0)},
		{at(2025, 9, 27, 12, 0), at(2025, 9, 28, 9, 0)},
		{time.Date(2026, 3, 9, 0, 30, 0, 0, time.UTC), at(2026, 3, 9, 9, 0)},
	} {
		if got := cal.NextWorkingInstant(c.in); !got.Equal(c.want) {
			t.Errorf("NextWorkingInstant(%s) = %s, want %s", c.in, got, c.want)
		}
		if got := cal.NextWorkingInstant(c.in); !cal.IsWorkingTime(got) {
			t.Errorf("NextWorkingInstant(%s) = %s is not working time", c.in, got)
		}
	}
}

func TestWorkingTimeBetween(t *testing.T) {
	cal := calendar.Default()
	for _, c := range []struct {
		a, b time.Time
		want time.Duration
	}{
		{at(2026, 3, 9, 10, 0), at(2026, 3, 9, 12, 0), 2 * time.Hour},
		{at(2026, 3, 9, 8, 0), at(2026, 3, 9, 18, 0), day},
		{at(2026, 3, 9, 12, 0), at(2026, 3, 9, 10, 0), 0},
		{at(2026, 3, 9, 12, 0), at(2026, 3, 9, 12, 0), 0},
		{at(2026, 3, 6, 16, 0), at(2026, 3, 9, 10, 0), 2 * time.Hour},
		{at(2026, 2, 15, 0, 0), at(2026, 2, 24, 0, 0), 0},
		{at(2026, 2, 13, 16, 0), at(2026, 2, 24, 10, 0), time.Hour + day + time.Hour},
		{at(2026, 9, 18, 16, 0), at(2026, 10, 9, 16, 0), 10 * day},
		{at(2026, 9, 30, 10, 0), at(2026, 10, 20, 10, 0), 10 * day},
		{at(2025, 1, 1, 0, 0), at(2027, 1, 1, 0, 0), 2 * 248 * day},
		{time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 3, 30, 0, 0, time.UTC), 90 * time.Minute},
	} {
		if got := cal.WorkingTimeBetween(c.a, c.b); got != c.want {
			t.Errorf("WorkingTimeBetween(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestIsWorkingTime(t *testing.T) {
	cal := calendar.Default()
	for _, c := range []struct {
		t    time.Time
		want bool
	}{
		{at(2026, 3, 9, 9, 0), true},
		{at(2026, 3, 9, 16, 59), true},
		{at(2026, 3, 9, 17, 0), false},
		{at(2026, 3, 9, 8, 59), false},
		{at(2026, 3, 7, 10, 0), false},
		{at(2026, 2, 14, 10, 0), true},
		{at(2026, 2, 16, 10, 0), false},
	} {
		if got := cal.IsWorkingTime(c.t); got != c.want {
			t.Errorf("IsWorkingTime(%s) = %v", c.t, got)
		}
	}
}

func TestWithAndYears(t *testing.T) {
	base := calendar.Default()
	if got := base.Years(); !slices.Equal(got, []int{2025, 2026}) {
		t.Fatalf("Years() = %v", got)
	}
	extra := []calendar.Day{
		{Date: date(2027, 1, 1), Kind: calendar.Off, Name: "元旦"},
		{Date: date(2027, 2, 20), Kind: calendar.Workday, Name: "春节"}, // a Saturday
		{Date: date(2026, 2, 14), Kind: calendar.Off, Name: "改"},      // overrides a shipped make-up day
		{Date: date(2026, 3, 9), Kind: calendar.Off, Name: "临时"},      // a new entry in a shipped year
	}
	c := base.With(extra)
	if got := c.Years(); !slices.Equal(got, []int{2025, 2026, 2027}) {
		t.Fatalf("Years() after With = %v", got)
	}
	for _, x := range []struct {
		d          calendar.Date
		base, with bool
	}{
		{date(2027, 1, 1), true, false},
		{date(2027, 2, 20), false, true},
		{date(2026, 2, 14), true, false},
		{date(2026, 3, 9), true, false},
		{date(2026, 2, 16), false, false},
	} {
		if got := base.IsWorkingDate(x.d); got != x.base {
			t.Errorf("base IsWorkingDate(%s) = %v", x.d, got)
		}
		if got := c.IsWorkingDate(x.d); got != x.with {
			t.Errorf("With IsWorkingDate(%s) = %v", x.d, got)
		}
	}
	if e, _ := c.Lookup(date(2026, 2, 14)); e.Name != "改" {
		t.Errorf("the extra entry did not replace the shipped one: %+v", e)
	}
	if n := len(c.Days()); n != len(calendar.Shipped())+3 {
		t.Errorf("len(Days()) = %d", n)
	}
	if c.Hours() != base.Hours() || c.Location() != base.Location() {
		t.Error("With changed the hours or the location")
	}
	// In New, a later entry for the same date wins, and invalid entries are ignored.
	n := calendar.New([]calendar.Day{
		{Date: date(2027, 3, 1), Kind: calendar.Off},
		{Date: date(2027, 3, 1), Kind: calendar.Workday},
		{Date: date(2027, 3, 2), Kind: 0},
		{Date: calendar.Date{Year: 2030, Month: 2, Day: 30}, Kind: calendar.Off},
	}, calendar.DefaultWorkingHours(), nil)
	if !n.IsWorkingDate(date(2027, 3, 1)) || !n.IsWorkingDate(date(2027, 3, 2)) || len(n.Days()) != 1 {
		t.Errorf("New: days = %+v", n.Days())
	}
	if !slices.Equal(n.Years(), []int{2027}) {
		t.Errorf("New: Years() = %v", n.Years())
	}
	if n.Location().String() != sh.String() {
		t.Errorf("New with a nil location uses %v", n.Location())
	}
}

func TestOtherHours(t *testing.T) {
	h, err := calendar.ParseWorkingHours("08:30-17:30")
	if err != nil || h != (calendar.WorkingHours{Start: 8*60 + 30, End: 17*60 + 30}) || h.String() != "08:30-17:30" || h.Duration() != 9*time.Hour {
		t.Fatalf("ParseWorkingHours = %+v, %v", h, err)
	}
	cal := calendar.Default().WithHours(h)
	if got, want := cal.AddWorkingHours(at(2026, 3, 6, 17, 0), time.Hour), at(2026, 3, 9, 9, 0); !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := cal.AddWorkingDays(at(2026, 3, 7, 12, 0), 1), at(2026, 3, 10, 8, 30); !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
	if calendar.Default().Hours() != calendar.DefaultWorkingHours() {
		t.Error("WithHours changed the original")
	}
	// Round the clock.
	all := calendar.New(nil, calendar.WorkingHours{Start: 0, End: 24 * 60}, sh)
	if got, want := all.AddWorkingHours(at(2026, 3, 6, 12, 0), 24*time.Hour), at(2026, 3, 9, 12, 0); !got.Equal(want) {
		t.Errorf("24h working day: got %s, want %s", got, want)
	}
	if got, want := all.AddWorkingDays(at(2026, 3, 6, 0, 0), 1), at(2026, 3, 9, 0, 0); !got.Equal(want) {
		t.Errorf("24h working day: got %s, want %s", got, want)
	}
	if got := all.WorkingTimeBetween(at(2026, 3, 6, 23, 0), at(2026, 3, 9, 1, 0)); got != 2*time.Hour {
		t.Errorf("24h working day: between = %v", got)
	}

	for _, s := range []string{"9:00-17:00", "09:00-07:00", "09:00-09:00", "09:60-17:00", "09:00-24:01", "09.00-17.00", "09:00-17:00x", "+9:00-17:00"} {
		if _, err := calendar.ParseWorkingHours(s); err == nil {
			t.Errorf("ParseWorkingHours(%q) accepted", s)
		}
	}
	if _, err := calendar.ParseWorkingHours("00:00-24:00"); err != nil {
		t.Error(err)
	}
	for _, h := range []calendar.WorkingHours{{Start: -1, End: 60}, {Start: 600, End: 600}, {Start: 0, End: 1441}} {
		if h.Validate() == nil {
			t.Errorf("%+v validated", h)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New accepted hours %+v", h)
				}
			}()
			calendar.New(nil, h, sh)
		}()
	}
}

func TestDate(t *testing.T) {
	d, err := calendar.ParseDate("2026-02-15")
	if err != nil || d != (calendar.Date{Year: 2026, Month: time.February, Day: 15}) || d.String() != "2026-02-15" {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	for _, s := range []string{"2026-02-30", "2026-2-15", "2026/02/15", "", "2026-02-15T00:00:00Z"} {
		if _, err := calendar.ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
	if got := calendar.NewDate(2026, time.February, 29); got != date(2026, 3, 1) {
		t.Errorf("NewDate normalizes to %v", got)
	}
	if (calendar.Date{Year: 2026, Month: 2, Day: 29}).Valid() || !date(2024, 2, 29).Valid() || (calendar.Date{}).Valid() {
		t.Error("Valid")
	}
	if !(calendar.Date{}).IsZero() || d.IsZero() {
		t.Error("IsZero")
	}
	if d.AddDays(9) != date(2026, 2, 24) || d.AddDays(-15) != date(2026, 1, 31) || date(2026, 12, 31).AddDays(1) != date(2027, 1, 1) {
		t.Error("AddDays")
	}
	if d.Weekday() != time.Sunday {
		t.Errorf("2026-02-15 is a %s", d.Weekday())
	}
	a, b := date(2025, 12, 31), date(2026, 1, 1)
	if !a.Before(b) || a.After(b) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || a.Before(a) {
		t.Error("Compare")
	}
	if got := d.In(sh); !got.Equal(at(2026, 2, 15, 0, 0)) {
		t.Errorf("In = %s", got)
	}
	// DateOf uses t's location; Calendar.DateOf the calendar's.
	u := time.Date(2026, 2, 14, 20, 0, 0, 0, time.UTC) // 04:00 on the 15th in Shanghai
	if calendar.DateOf(u) != date(2026, 2, 14) || calendar.Default().DateOf(u) != date(2026, 2, 15) {
		t.Error("DateOf")
	}
	var back calendar.Date
	if b, _ := d.MarshalText(); back.UnmarshalText(b) != nil || back != d {
		t.Error("text round trip")
	}
}
