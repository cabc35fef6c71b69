package app

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"govapp/internal/account"
	"govapp/internal/calendar"
)

// TestCalendarBannerInBrowser: from 1 November an admin sees, on every page,
// that next year's holidays are missing, follows the banner's link to the
// calendar, enters a day of next year, and the banner is gone.
func TestCalendarBannerInBrowser(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	a.cal.now = func() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, calendar.DefaultLocation()) }
	base := a.listen(t)
	br := startBrowser(t, base)
	a.staffToken("cal-admin-b", account.RoleAdmin, "")
	b := br.on(t)
	b.login("cal-admin-b")
	b.open("/console/staff")
	b.want("#calendar-warning", "尚未录入 2027 年的节假日")
	b.open("/console/departments")
	b.want("#calendar-warning", "2027")
	b.submit("#calendar-warning a")
	if loc := b.location(); loc != "/console/calendar" {
		t.Fatalf("the banner's link leads to %s", loc)
	}
	b.fill(`#calendar-form input[name="date"]`, "2027-01-01", `#calendar-form input[name="name"]`, "元旦")
	b.submit(`#calendar-form button[type="submit"]`)
	b.open("/console/staff")
	ctx, cancel := b.timeout()
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#calendar-warning").length`))
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("the banner stays after 2027 was entered")
	}
}
