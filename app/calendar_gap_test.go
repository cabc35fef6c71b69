package app

import (
	"strings"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/calendar"
)

func TestNextYearGapFromTheConfiguredDay(t *testing.T) {
	t.Parallel()
	sh := calendar.DefaultLocation()
	shipped := calendar.Default() // 2025 and 2026
	with2027 := shipped.With([]calendar.Day{{Date: calendar.NewDate(2027, time.January, 1), Kind: calendar.Off, Name: "元旦"}})
	cases := []struct {
		name string
		cal  *calendar.Calendar
		now  time.Time
		from string
		want int // the year warned about; 0 for no warning
	}{
		{"before 1 November: no warning", shipped, time.Date(2026, 10, 31, 23, 59, 0, 0, sh), "11-01", 0},
		{"from 1 November in Beijing time", shipped, time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC), "11-01", 2027},
		{"in December", shipped, time.Date(2026, 12, 3, 9, 0, 0, 0, sh), "11-01", 2027},
		{"next year entered: no warning", with2027, time.Date(2026, 12, 3, 9, 0, 0, 0, sh), "11-01", 0},
		{"a later configured day", shipped, time.Date(2026, 12, 3, 9, 0, 0, 0, sh), "12-15", 0},
		{"on the configured day", shipped, time.Date(2026, 12, 15, 0, 0, 0, 0, sh), "12-15", 2027},
		{"a year with no table at all", shipped, time.Date(2030, 11, 2, 9, 0, 0, 0, sh), "11-01", 2031},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := nextYearGap(c.cal, c.now, c.from)
			switch {
			case c.want == 0 && g != nil:
				t.Fatalf("warning %+v, want none", g)
			case c.want != 0 && (g == nil || g.Year != c.want || g.Status != "next_year_missing" || !strings.Contains(g.Message, "年的节假日")):
				t.Fatalf("warning %+v, want one for %d", g, c.want)
			}
		})
	}
}

// TestReadyzWarnsOfTheMissingNextYear: /readyz's details name the missing
// year from 1 November on, without turning the instance unready.
func TestReadyzWarnsOfTheMissingNextYear(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		sh := calendar.DefaultLocation()
		a.cal.now = func() time.Time { return time.Date(2026, 10, 20, 10, 0, 0, 0, sh) }
		r := a.do("GET", "/readyz", "", nil)
		if r.Status != 200 || r.json(t)["calendar"] != nil {
			t.Fatalf("October: %d %s, want no calendar warning", r.Status, r.Body)
		}
		a.cal.now = func() time.Time { return time.Date(2026, 11, 1, 8, 0, 0, 0, sh) }
		r = a.do("GET", "/readyz", "", nil)
		m := r.json(t)
		cal, _ := m["calendar"].(map[string]any)
		if r.Status != 200 || m["status"] != "ok" || cal == nil || cal["year"] != float64(2027) || cal["status"] != "next_year_missing" {
			t.Fatalf("1 November: %d %s, want status ok with a warning for 2027", r.Status, r.Body)
		}
		admin := a.staffToken("cal-admin", account.RoleAdmin, "")
		if r := a.do("PUT", "/api/v1/admin/calendar/2027-01-01", admin, map[string]string{"kind": "off", "name": "元旦"}); r.Status != 200 {
			t.Fatalf("enter 2027: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", "/readyz", "", nil); r.json(t)["calendar"] != nil {
			t.Fatalf("2027 entered: %s, want no warning", r.Body)
		}
	})
}

// TestCalendarYearParameter: ?year= answers with that year's days only, and
// refuses what is not a year.
func TestCalendarYearParameter(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		admin := a.staffToken("cal-admin", account.RoleAdmin, "")
		if r := a.do("PUT", "/api/v1/admin/calendar/2027-02-11", admin, map[string]string{"kind": "off", "name": "春节"}); r.Status != 200 {
			t.Fatalf("enter 2027: %d %s", r.Status, r.Body)
		}
		for year, want := range map[string]string{"2027": "2027-", "2026": "2026-"} {
			r := a.do("GET", "/api/v1/admin/calendar?year="+year, admin, nil)
			m := r.json(t)
			days, _ := m["days"].([]any)
			if r.Status != 200 || m["year"] != float64(atoi(year)) || len(days) == 0 {
				t.Fatalf("year=%s: %d %s", year, r.Status, r.Body)
			}
			for _, d := range days {
				if date := d.(map[string]any)["date"].(string); !strings.HasPrefix(date, want) {
					t.Fatalf("year=%s answered a day of another year: %s", year, date)
				}
			}
		}
		if r := a.do("GET", "/api/v1/admin/calendar?year=2031", admin, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"days":[]`) {
			t.Fatalf("a year without entries: %d %s, want no days", r.Status, r.Body)
		}
		all := a.do("GET", "/api/v1/admin/calendar", admin, nil).json(t)
		if days, _ := all["days"].([]any); len(days) < 3 || all["year"] != nil {
			t.Fatalf("without year: %v, want every year", all)
		}
		for _, bad := range []string{"27", "abc", "1999"} {
			r := a.do("GET", "/api/v1/admin/calendar?year="+bad, admin, nil)
			if r.Status != 400 || r.errorCode(t) == "" || !strings.Contains(string(r.Body), `"year"`) {
				t.Fatalf("year=%s: %d %s, want 400 naming year", bad, r.Status, r.Body)
			}
		}
	})
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// TestConsoleAdminPagesShowTheCalendarBanner: every admin page carries the
// warning while next year is missing; other roles never see it.
func TestConsoleAdminPagesShowTheCalendarBanner(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	sh := calendar.DefaultLocation()
	a.cal.now = func() time.Time { return time.Date(2026, 11, 5, 10, 0, 0, 0, sh) }
	admin := a.consoleStaff("banner-admin", account.RoleAdmin, "")
	for _, p := range []string{"/console/staff", "/console/departments", "/console/calendar", "/console/halls", "/console/tickets", "/console/guides"} {
		r := admin.do("GET", p, nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `id="calendar-warning"`) || !strings.Contains(string(r.Body), "尚未录入 2027 年的节假日") {
			t.Fatalf("admin %s: %d, want the banner for 2027:\n%s", p, r.Status, r.Body)
		}
	}
	editor := a.consoleStaff("banner-editor", account.RoleEditor, "")
	if r := editor.do("GET", "/console/guides", nil); r.Status != 200 || strings.Contains(string(r.Body), "calendar-warning") {
		t.Fatalf("editor: %d, the banner is for admins only", r.Status)
	}
	a.cal.now = func() time.Time { return time.Date(2026, 10, 5, 10, 0, 0, 0, sh) }
	if r := admin.do("GET", "/console/staff", nil); strings.Contains(string(r.Body), "calendar-warning") {
		t.Fatal("in October the banner must not show")
	}
}
