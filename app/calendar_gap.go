package app

import (
	"fmt"
	"slices"
	"time"

	"govapp/internal/calendar"
)

// calendarGap is the warning that next year's holidays are not entered yet.
type calendarGap struct {
	Status  string `json:"status"` // next_year_missing
	Year    int    `json:"year"`
	Message string `json:"message"`
}

// nextYearGap returns the warning when, at now (in the calendar's time zone)
// and from the day of the year from ("MM-DD") on, cal has no entry for the
// next year; nil otherwise.
func nextYearGap(cal *calendar.Calendar, now time.Time, from string) *calendarGap {
	start, err := time.Parse("01-02", from)
	if err != nil {
		start = time.Date(0, time.November, 1, 0, 0, 0, 0, time.UTC)
	}
	today := cal.DateOf(now)
	if today.Month < start.Month() || (today.Month == start.Month() && today.Day < start.Day()) {
		return nil
	}
	next := today.Year + 1
	if slices.Contains(cal.Years(), next) {
		return nil
	}
	return &calendarGap{Status: "next_year_missing", Year: next,
		Message: fmt.Sprintf("尚未录入 %d 年的节假日与调休安排：工单时限将只按周末计算，请在“节假日”页录入国务院办公厅公布的安排", next)}
}

// calendarNow returns the time the calendar checks use (a seam for tests).
func (a *App) calendarNow() time.Time {
	if f := a.cal.now; f != nil {
		return f()
	}
	return time.Now()
}

// calendarGap returns the next-year warning of the calendar in force, if any.
func (a *App) calendarGap() *calendarGap {
	return nextYearGap(a.cal.cur.Load(), a.calendarNow(), a.cfg.Health.CalendarNextYearFrom)
}

// calendarWarning returns the console's banner text (empty when none is due).
func (a *App) calendarWarning() string {
	if g := a.calendarGap(); g != nil {
		return g.Message
	}
	return ""
}
