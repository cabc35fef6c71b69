package app

import (
	"context"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"govapp/app/console"
	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/calendar"
	"govapp/internal/policy"
)

// newConsole wires the staff console to the services of this instance.
func (a *App) newConsole() (*console.Console, error) {
	key := sha256.Sum256([]byte("govapp-console-csrf\x00" + a.cfg.SecretKey))
	return console.New(console.Deps{
		Accounts: a.accounts, Tickets: a.tickets, Guides: a.guides, Policies: a.policies, Bookings: a.bookings,
		Calendar:       func() *calendar.Calendar { return a.cal.cur.Load() },
		SetCalendarDay: a.setCalendarDay,
		PolicyPage:     a.consolePolicyPage,
		Classify:       a.classify,
		RequestID:      requestID,
		TicketRules:    a.cfg.Tickets,
		CSRFKey:        key[:],
		SecureCookies:  strings.HasPrefix(a.cfg.HTTP.PublicURL, "https://"),
		Log:            a.log,

		CalendarWarning: a.calendarWarning,
		Display: console.DisplaySettings{Refresh: a.cfg.Booking.DisplayRefresh.D(), Next: a.cfg.Booking.DisplayNext,
			WindowMemory: a.cfg.Booking.WindowMemory.D()},
		AuditLog: func(ctx context.Context, f audit.Filter) ([]audit.Row, error) { return audit.Search(ctx, a.db, f) },
	})
}

// setCalendarDay records one date of the holiday calendar (audited) and
// reloads the calendar.
func (a *App) setCalendarDay(ctx context.Context, p account.Principal, d calendar.Date, k calendar.Kind, name string) error {
	err := a.db.Tx(ctx, func(tx *sqlx.Tx) error {
		const q = `INSERT INTO calendar_days (day, kind, name, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, updated_by = excluded.updated_by, updated_at = excluded.updated_at`
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), d.String(), k.String(), name, p.ID, time.Now().UTC()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorKind: "staff", ActorID: p.ID, ActorName: p.Name, Action: "calendar.set",
			TargetType: "calendar", TargetID: d.String(), Detail: k.String() + " " + name})
	})
	if err != nil {
		return err
	}
	return a.loadCalendar(ctx)
}

// consolePolicyPage answers with the resident's page of a policy draft.
func (a *App) consolePolicyPage(c *fiber.Ctx, p *policy.Policy) error {
	b, err := a.renderPolicyPage(p)
	if err != nil {
		return err
	}
	a.pageHeaders(c)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}
