package calendar_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"govapp/internal/calendar"
)

func TestShippedMatchesSpec(t *testing.T) {
	o := specOracle(t)
	days := calendar.Shipped()
	if got, want := len(days), len(o.off)+len(o.work); got != want {
		t.Fatalf("Shipped() has %d entries, SPEC §8 lists %d dates", got, want)
	}
	for i, d := range days {
		if i > 0 && !days[i-1].Date.Before(d.Date) {
			t.Errorf("entries not in strictly increasing date order at %s", d.Date)
		}
		switch d.Kind {
		case calendar.Off:
			if !o.off[d.Date] {
				t.Errorf("%s is shipped as off, SPEC does not list it", d.Date)
			}
		case calendar.Workday:
			if !o.work[d.Date] {
				t.Errorf("%s is shipped as a make-up working day, SPEC does not list it", d.Date)
			}
		default:
			t.Errorf("%s: invalid kind %v", d.Date, d.Kind)
		}
		if d.Name == "" {
			t.Errorf("%s has no holiday name", d.Date)
		}
	}
	if err := calendar.Validate(days); err != nil {
		t.Fatalf("Validate(Shipped()) = %v", err)
	}
	// A new slice on every call: callers cannot change the shipped table.
	days[0].Kind = calendar.Workday
	if calendar.Shipped()[0].Kind != calendar.Off {
		t.Fatal("Shipped() shares its slice between calls")
	}
}

func TestShippedNames(t *testing.T) {
	cal := calendar.Default()
	for _, c := range []struct {
		d    calendar.Date
		kind calendar.Kind
		name string
	}{
		{date(2025, 1, 1), calendar.Off, "元旦"},
		{date(2025, 1, 26), calendar.Workday, "春节"},
		{date(2025, 2, 4), calendar.Off, "春节"},
		{date(2025, 6, 2), calendar.Off, "端午节"},
		{date(2025, 10, 8), calendar.Off, "国庆节/中秋节"},
		{date(2025, 10, 11), calendar.Workday, "国庆节/中秋节"},
		{date(2026, 2, 15), calendar.Off, "春节"},
		{date(2026, 2, 28), calendar.Workday, "春节"},
		{date(2026, 4, 6), calendar.Off, "清明节"},
		{date(2026, 5, 9), calendar.Workday, "劳动节"},
		{date(2026, 6, 19), calendar.Off, "端午节"},
		{date(2026, 9, 25), calendar.Off, "中秋节"},
		{date(2026, 10, 7), calendar.Off, "国庆节"},
	} {
		e, ok := cal.Lookup(c.d)
		if !ok || e.Kind != c.kind || e.Name != c.name {
			t.Errorf("Lookup(%s) = %+v, %v; want %v %s", c.d, e, ok, c.kind, c.name)
		}
	}
	if _, ok := cal.Lookup(date(2026, 3, 2)); ok {
		t.Error("an ordinary Monday has an entry")
	}
}

func TestMakeUpDaysFallOnWeekends(t *testing.T) {
	want := map[calendar.Date]time.Weekday{
		date(2025, 1, 26): time.Sunday, date(2025, 2, 8): time.Saturday, date(2025, 4, 27): time.Sunday,
		date(2025, 9, 28): time.Sunday, date(2025, 10, 11): time.Saturday,
		date(2026, 1, 4): time.Sunday, date(2026, 2, 14): time.Saturday, date(2026, 2, 28): time.Saturday,
		date(2026, 5, 9): time.Saturday, date(2026, 9, 20): time.Sunday, date(2026, 10, 10): time.Saturday,
	}
	n := 0
	for _, d := range calendar.Shipped() {
		if d.Kind != calendar.Workday {
			continue
		}
		n++
		if wd, ok := want[d.Date]; !ok || d.Date.Weekday() != wd {
			t.Errorf("make-up day %s is a %s", d.Date, d.Date.Weekday())
		}
	}
	if n != len(want) {
		t.Errorf("%d make-up days shipped, want %d", n, len(want))
	}
}

// Both years have 365 − 104 weekend days − 13 statutory holidays = 248 working days.
func TestWorkingDaysPerYear(t *testing.T) {
	cal := calendar.Default()
	for _, y := range []int{2025, 2026} {
		n := 0
		for d := date(y, 1, 1); d.Year == y; d = d.AddDays(1) {
			if cal.IsWorkingDate(d) {
				n++
			}
		}
		if n != 248 {
			t.Errorf("%d has %d working days, want 248", y, n)
		}
		if got := cal.WorkingTimeBetween(at(y, 1, 1, 0, 0), at(y+1, 1, 1, 0, 0)); got != 248*8*time.Hour {
			t.Errorf("working time in %d = %v, want %v", y, got, 248*8*time.Hour)
		}
	}
}

// Every day of 2025 and 2026, at the start and the end of the day and from UTC.
func TestIsWorkdayEveryDay(t *testing.T) {
	o := specOracle(t)
	cal := calendar.Default()
	for d := date(2025, 1, 1); d.Year < 2027; d = d.AddDays(1) {
		want := o.workday(d)
		if got := cal.IsWorkingDate(d); got != want {
			t.Errorf("IsWorkingDate(%s %s) = %v, want %v", d, d.Weekday(), got, want)
		}
		for _, tm := range []time.Time{
			d.In(sh), d.In(sh).Add(12 * time.Hour), d.In(sh).Add(24*time.Hour - time.Nanosecond),
			d.In(sh).Add(time.Hour).UTC(), // 01:00 Shanghai is the previous day in UTC
		} {
			if got := cal.IsWorkday(tm); got != want {
				t.Errorf("IsWorkday(%s) = %v, want %v", tm, got, want)
			}
		}
	}
}

// Hand-written windows around the holidays: one letter a day from the first date,
// W working, O off.
func TestHolidayWindows(t *testing.T) {
	cal := calendar.Default()
	for _, c := range []struct {
		name    string
		from    calendar.Date
		pattern string
	}{
		{"2026 元旦 (Jan 4 make-up Sunday)", date(2025, 12, 29), "WWWOOOWW"},
		{"2026 春节 (Feb 14 and Feb 28 make-up Saturdays)", date(2026, 2, 9), "WWWWWWOOOOOOOOOWWWWWOW"},
		{"2026 清明节", date(2026, 4, 3), "WOOOW"},
		{"2026 劳动节 (May 9 make-up Saturday)", date(2026, 4, 27), "WWWWOOOOOWWWWOW"},
		{"2026 端午节", date(2026, 6, 18), "WOOOW"},
		{"2026 中秋节 and 国庆节 (Sep 20 Sunday, Oct 10 Saturday)", date(2026, 9, 14), "WWWWWOWWWWWOOOWWWOOOOOOOWWWOW"},
		{"2025 元旦", date(2024, 12, 31), "WOWWOO"},
		{"2025 春节 (Jan 26 Sunday, Feb 8 Saturday)", date(2025, 1, 20), "WWWWWOWWOOOOOOOOWWWWOW"},
		{"2025 清明节", date(2025, 4, 3), "WOOOW"},
		{"2025 劳动节 (Apr 27 Sunday)", date(2025, 4, 21), "WWWWWOWWWWOOOOOWWWWOOW"},
		{"2025 端午节", date(2025, 5, 30), "WOOOW"},
		{"2025 国庆节/中秋节 (Sep 28 Sunday, Oct 11 Saturday)", date(2025, 9, 22), "WWWWWOWWWOOOOOOOOWWWOW"},
		{"2027 (not in the table: weekends only)", date(2027, 1, 1), "WOOWWWWWOO"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got strings.Builder
			for i := range c.pattern {
				if cal.IsWorkingDate(c.from.AddDays(i)) {
					got.WriteByte('W')
				} else {
					got.WriteByte('O')
				}
			}
			if got.String() != c.pattern {
				t.Errorf("from %s: got %s, want %s", c.from, got.String(), c.pattern)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	good := []calendar.Day{{Date: date(2027, 1, 1), Kind: calendar.Off, Name: "元旦"}}
	if err := calendar.Validate(good); err != nil {
		t.Fatal(err)
	}
	bad := []calendar.Day{
		{Date: calendar.Date{Year: 2027, Month: 2, Day: 30}, Kind: calendar.Off},
		{Date: date(2027, 1, 1), Kind: 0},
		{Date: date(2027, 1, 2), Kind: calendar.Off},
		{Date: date(2027, 1, 2), Kind: calendar.Workday},
	}
	err := calendar.Validate(bad)
	if err == nil {
		t.Fatal("Validate accepted bad entries")
	}
	for _, want := range []string{"2027-02-30", "invalid kind", "2027-01-02 listed twice"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestKindAndDayJSON(t *testing.T) {
	in := []calendar.Day{
		{Date: date(2027, 2, 6), Kind: calendar.Off, Name: "春节"},
		{Date: date(2027, 1, 31), Kind: calendar.Workday},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `[{"date":"2027-02-06","kind":"off","name":"春节"},{"date":"2027-01-31","kind":"workday"}]`
	if string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var out []calendar.Day
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Fatalf("round trip = %+v", out)
	}
	for _, s := range []string{
		`{"date":"2027-02-30","kind":"off"}`, `{"date":"2027-2-3","kind":"off"}`,
		`{"date":"2027-02-03","kind":"holiday"}`,
	} {
		var d calendar.Day
		if err := json.Unmarshal([]byte(s), &d); err == nil {
			t.Errorf("Unmarshal(%s) accepted", s)
		}
	}
	if _, err := json.Marshal(calendar.Day{Date: date(2027, 1, 1)}); err == nil {
		t.Error("a zero Kind marshalled")
	}
	if k, err := calendar.ParseKind("workday"); err != nil || k != calendar.Workday || k.String() != "workday" {
		t.Errorf("ParseKind(workday) = %v, %v", k, err)
	}
}
