package app

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"govapp/internal/account"
)

var (
	exampleDate = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	exampleYear = regexp.MustCompile(`如 (\d{4})(?:[^-\d]|$)`)
)

// TestErrorExamplesAreInTheFuture: a message that shows an example date
// shows one after today (a resident or clerk who copies it books, closes or
// counts something that is still to come), and an example year is a later
// one — computed, not written into the code, so they stay in the future.
func TestErrorExamplesAreInTheFuture(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, backends()[0]))
	admin := a.staffToken("ad-examples", account.RoleAdmin, "")
	today := time.Now().In(cst).Format("2006-01-02")
	year := time.Now().In(cst).Year()
	check := func(what, msg string) {
		t.Helper()
		dates, years := exampleDate.FindAllString(msg, -1), exampleYear.FindAllStringSubmatch(msg, -1)
		if len(dates)+len(years) == 0 {
			t.Errorf("%s: %q shows no example", what, msg)
		}
		for _, d := range dates {
			if d <= today {
				t.Errorf("%s: the example %s in %q is not after today (%s)", what, d, msg, today)
			}
		}
		for _, y := range years {
			if n, _ := strconv.Atoi(y[1]); n <= year {
				t.Errorf("%s: the example year %d in %q is not after this one", what, n, msg)
			}
		}
	}
	for _, c := range []struct{ method, path, token, field string }{
		{"GET", "/api/v1/admin/calendar?year=abc", admin, "year"},
		{"PUT", "/api/v1/admin/calendar/2027-13-45", admin, "date"},
		{"GET", "/api/v1/public/stats/tickets?from=yesterday", "", "from"},
		{"GET", "/api/v1/public/stats/tickets?to=31/01", "", "to"},
		{"GET", "/api/v1/halls/1/slots?guide_code=GA-0001", "", "date"},
	} {
		var body any
		if c.method == "PUT" {
			body = map[string]string{"kind": "holiday", "name": "春节"}
		}
		r := a.do(c.method, c.path, c.token, body)
		if r.Status != 400 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
		fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
		msg, _ := fields[c.field].(string)
		check(fmt.Sprintf("%s %s", c.method, c.path), msg)
	}

	ad := a.consoleStaff("ad-examples-console", account.RoleAdmin, "")
	r := ad.do("GET", "/console/audit?from=31/01/2026", nil)
	if r.Status != 400 {
		t.Fatalf("audit page with a bad date: %d, want the page with the filter's error (400)", r.Status)
	}
	m := regexp.MustCompile(`日期格式应为 [0-9-]+`).FindString(string(r.Body))
	check("the audit page's date filter", m)
}
