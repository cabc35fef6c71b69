package calendar_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/calendar"
)

// sh is Asia/Shanghai (or the fixed +08:00 fallback).
var sh = calendar.DefaultLocation()

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, sh)
}

func date(y int, m time.Month, d int) calendar.Date { return calendar.NewDate(y, m, d) }

// specLists is SPEC §8 written out as the notices put it ("MM-DD" and
// "MM-DD..MM-DD"), parsed independently of the package's own table.
var specLists = map[int]struct{ off, work string }{
	2025: {
		off:  "01-01 01-28..02-04 04-04..04-06 05-01..05-05 05-31..06-02 10-01..10-08",
		work: "01-26 02-08 04-27 09-28 10-11",
	},
	2026: {
		off:  "01-01..01-03 02-15..02-23 04-04..04-06 05-01..05-05 06-19..06-21 09-25..09-27 10-01..10-07",
		work: "01-04 02-14 02-28 05-09 09-20 10-10",
	},
}

type oracle struct{ off, work map[calendar.Date]bool }

func expand(t testing.TB, year int, list string, into map[calendar.Date]bool) {
	t.Helper()
	for _, f := range strings.Fields(list) {
		from, to, ok := strings.Cut(f, "..")
		if !ok {
			to = from
		}
		a, err := calendar.ParseDate(fmt.Sprintf("%d-%s", year, from))
		if err != nil {
			t.Fatal(err)
		}
		b, err := calendar.ParseDate(fmt.Sprintf("%d-%s", year, to))
		if err != nil {
			t.Fatal(err)
		}
		for d := a; !d.After(b); d = d.AddDays(1) {
			into[d] = true
		}
	}
}

func specOracle(t testing.TB) oracle {
	o := oracle{off: map[calendar.Date]bool{}, work: map[calendar.Date]bool{}}
	for y, l := range specLists {
		expand(t, y, l.off, o.off)
		expand(t, y, l.work, o.work)
	}
	return o
}

func (o oracle) workday(d calendar.Date) bool {
	if o.work[d] {
		return true
	}
	wd := d.Weekday()
	return !o.off[d] && wd != time.Saturday && wd != time.Sunday
}

// minuteOracle marks every minute from 2024-12-01 to 2027-02-01 (Shanghai) as
// working or not, from specOracle and 09:00–17:00 only, with prefix sums of
// working minutes: an implementation independent of the package.
type minuteOracle struct {
	base    time.Time
	work    []bool
	prefix  []int32 // prefix[i] = working minutes in [0, i)
	minutes int
}

var (
	minOnce sync.Once
	minOrc  *minuteOracle
)

func minutes(t testing.TB) *minuteOracle {
	minOnce.Do(func() {
		o := specOracle(t)
		m := &minuteOracle{base: at(2024, time.December, 1, 0, 0)}
		end := at(2027, time.February, 1, 0, 0)
		m.minutes = int(end.Sub(m.base) / time.Minute)
		m.work = make([]bool, m.minutes)
		m.prefix = make([]int32, m.minutes+1)
		for i := 0; i < m.minutes; i++ {
			day := date(2024, time.December, 1+i/1440)
			mod := i % 1440
			m.work[i] = o.workday(day) && mod >= 9*60 && mod < 17*60
			m.prefix[i+1] = m.prefix[i]
			if m.work[i] {
				m.prefix[i+1]++
			}
		}
		minOrc = m
	})
	return minOrc
}

func (m *minuteOracle) at(i int) time.Time { return m.base.Add(time.Duration(i) * time.Minute) }

// between is the working time in [a, b) for minute indexes.
func (m *minuteOracle) between(a, b int) time.Duration {
	if b <= a {
		return 0
	}
	return time.Duration(m.prefix[b]-m.prefix[a]) * time.Minute
}

// nextWorking is the first working minute at or after i.
func (m *minuteOracle) nextWorking(i int) int {
	for !m.work[i] {
		i++
	}
	return i
}

// add is the oracle of AddWorkingHours for whole minutes: the first minute at
// which d working minutes have passed since i, then the next working minute.
func (m *minuteOracle) add(i, d int) int {
	target := m.prefix[i] + int32(d)
	e := i
	for m.prefix[e] < target {
		e++
	}
	return m.nextWorking(e)
}
