package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
)

// localDay is the calendar day of t in the city's zone ("2026-11-17") and
// the instant that day began.
func (s *Service) localDay(t time.Time) (string, time.Time) {
	l := t.In(s.loc)
	return l.Format(time.DateOnly), time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.loc).UTC()
}

// underDailyLimit returns ErrTooManyToday when the resident has filed
// tickets.per_resident_per_day tickets today already. It only spares
// the work of a submission that is bound to be refused: takeDailyPlace,
// in the insert's transaction, decides.
func (s *Service) underDailyLimit(ctx context.Context, residentID int64) error {
	day, _ := s.localDay(s.now())
	const q = `SELECT count FROM ticket_daily_counts WHERE resident_id = ? AND day = ?`
	var n int
	err := s.db.GetContext(ctx, &n, s.db.Rebind(q), residentID, day)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return db.MapErrorIn("ticket.underDailyLimit", err, nil, nil)
	case n >= s.cfg.PerResidentDay:
		return ErrTooManyToday
	}
	return nil
}

// takeDailyPlace counts a ticket against the resident's cap for the local
// day of now, in tx (so that a submission which fails later gives its place
// back), or returns ErrTooManyToday. One conditional upsert: parallel
// submissions queue on the day's row and none passes the cap. The day's row
// starts from the tickets already filed that day, so that the count is right
// from the first day it is kept.
func (s *Service) takeDailyPlace(ctx context.Context, tx *sqlx.Tx, residentID int64, now time.Time) error {
	day, midnight := s.localDay(now)
	const q = `INSERT INTO ticket_daily_counts (resident_id, day, count)
		SELECT CAST(? AS BIGINT), CAST(? AS TEXT), COUNT(*) + 1 FROM tickets
		WHERE submitter_id = ? AND created_at >= ? HAVING COUNT(*) < ?
		ON CONFLICT (resident_id, day) DO UPDATE SET count = ticket_daily_counts.count + 1
		WHERE ticket_daily_counts.count < ?
		RETURNING count`
	limit := s.cfg.PerResidentDay
	var n int
	err := tx.QueryRowxContext(ctx, tx.Rebind(q), residentID, day, residentID, midnight, limit, limit).Scan(&n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrTooManyToday
	case err != nil:
		return fmt.Errorf("ticket: daily count of resident %d: %w", residentID, db.MapErrorIn("ticket.takeDailyPlace", err, nil, nil))
	}
	return nil
}

// PurgeDailyCounts deletes the daily counts of days before yesterday (local
// time) and returns how many rows went.
func (s *Service) PurgeDailyCounts(ctx context.Context) (int64, error) {
	day, _ := s.localDay(s.now().AddDate(0, 0, -1))
	n, err := s.db.DeleteInBatches(ctx, "ticket_daily_counts", "resident_id, day", "day < ?", db.PurgeBatch, day)
	if err != nil {
		return n, fmt.Errorf("ticket: purge daily counts: %w", err)
	}
	return n, nil
}
