package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"govapp/internal/audit"
	"govapp/internal/calendar"
	"govapp/internal/platform/errs"
	"govapp/internal/ticket"
)

// calendars holds the working-day calendar: the shipped table plus the days
// admins added (calendar_days), reloaded when they change it and every minute.
type calendars struct {
	cur atomic.Pointer[calendar.Calendar]
	now func() time.Time // nil: time.Now (a seam for the next-year check's tests)
}

func (h *calendars) get() ticket.Clock { return h.cur.Load() }

func (a *App) loadCalendar(ctx context.Context) error {
	var rows []struct {
		Day  string `db:"day"`
		Kind string `db:"kind"`
		Name string `db:"name"`
	}
	if err := a.db.SelectContext(ctx, &rows, `SELECT day, kind, name FROM calendar_days ORDER BY day`); err != nil {
		return fmt.Errorf("app: load calendar: %w", err)
	}
	extra := make([]calendar.Day, 0, len(rows))
	for _, r := range rows {
		d, err := calendar.ParseDate(r.Day)
		if err != nil {
			continue
		}
		k, err := calendar.ParseKind(r.Kind)
		if err != nil {
			continue
		}
		extra = append(extra, calendar.Day{Date: d, Kind: k, Name: r.Name})
	}
	a.cal.cur.Store(calendar.Default().With(extra))
	return nil
}

func (a *App) cfgLoc() *time.Location { return a.cal.cur.Load().Location() }

type calendarResp struct {
	Hours string `json:"working_hours"`
	Years []int  `json:"years"`
	// Year is the year asked for with ?year=; Days then holds only its days
	// (none: that year follows the weekend rule only).
	Year int            `json:"year,omitempty"`
	Days []calendar.Day `json:"days"`
	// Warning says that next year's holidays are not entered yet
	// (from health.calendar_next_year_from).
	Warning *calendarGap `json:"warning,omitempty"`
}

// getCalendar answers with the calendar, or with one year of it (?year=2027).
func (a *App) getCalendar(c *fiber.Ctx) error {
	cal := a.cal.cur.Load()
	r := calendarResp{Hours: cal.Hours().String(), Years: cal.Years(), Days: cal.Days(), Warning: a.calendarGap()}
	if y := c.Query("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			return errs.InvalidField("year", fmt.Sprintf("须为 2000–2100 之间的年份，如 %d", time.Now().In(a.cfgLoc()).Year()+1))
		}
		r.Year, r.Days = n, slices.DeleteFunc(r.Days, func(d calendar.Day) bool { return d.Date.Year != n })
	}
	return c.JSON(r)
}

type calendarDayReq struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
}

// putCalendarDay sets one date as a day off or a make-up working day.
func (a *App) putCalendarDay(c *fiber.Ctx) error {
	var req calendarDayReq
	if err := bind(c, &req); err != nil {
		return err
	}
	d, err := calendar.ParseDate(c.Params("date"))
	if err != nil {
		return errs.InvalidField("date", "须为日期，如 "+calendar.Example(time.Now().In(a.cfgLoc())))
	}
	k, err := calendar.ParseKind(req.Kind)
	if err != nil {
		return errs.InvalidField("kind", "须为 off（放假）或 workday（调休上班）")
	}
	if len([]rune(req.Name)) > 20 {
		return errs.InvalidField("name", "不能超过 20 个字")
	}
	p := principal(c)
	ctx := c.UserContext()
	err = a.db.Tx(ctx, func(tx *sqlx.Tx) error {
		const q = `INSERT INTO calendar_days (day, kind, name, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, updated_by = excluded.updated_by, updated_at = excluded.updated_at`
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), d.String(), k.String(), req.Name, p.ID, time.Now().UTC()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorKind: "staff", ActorID: p.ID, ActorName: p.Name, Action: "calendar.set",
			TargetType: "calendar", TargetID: d.String(), Detail: k.String() + " " + req.Name})
	})
	if err != nil {
		return err
	}
	if err := a.loadCalendar(ctx); err != nil {
		return err
	}
	return a.getCalendar(c)
}
