package booking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"
)

// SweepArgs is the periodic job that releases slots, returns cancelled
// places after the delay, marks no-shows and sends reminders. It runs on the
// leader only, and every change is a conditional update, so each happens once
// however many instances run.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "booking_sweep" }

// InsertOpts keeps one pending sweep at a time.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 30 * time.Second}}
}

// SweepWorker works SweepArgs.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	S   *Service
	Log *slog.Logger
}

// Work runs the four sweeps.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	made, err := w.S.Release(ctx)
	if err != nil {
		return err
	}
	returned, err := w.S.ReturnPlaces(ctx)
	if err != nil {
		return err
	}
	noShows, err := w.S.MarkNoShows(ctx)
	if err != nil {
		return err
	}
	reminded, err := w.S.Remind(ctx)
	if err != nil {
		return err
	}
	if made+returned+noShows+reminded > 0 {
		w.Log.InfoContext(ctx, "booking sweep", "slots_made", made, "places_returned", returned, "no_shows", noShows, "reminders", reminded)
	}
	return nil
}

// Periodic returns the sweep's periodic job.
func Periodic(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

const sweepBatch = 500

func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// ReturnPlaces gives back the places of cancellations whose return delay has
// passed, and returns how many.
func (s *Service) ReturnPlaces(ctx context.Context) (int, error) {
	now := s.now()
	var due []apptRow
	if err := s.db.SelectContext(ctx, &due, s.db.Rebind(`SELECT `+apptCols+` FROM appointments
		WHERE place_returns_at IS NOT NULL AND place_returns_at <= ? AND place_held ORDER BY id LIMIT ?`), now, sweepBatch); err != nil {
		return 0, fmt.Errorf("booking: places to return: %w", err)
	}
	n := 0
	for i := range due {
		r := &due[i]
		done := false
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			if err := lockSlots(ctx, tx, r.SlotID); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE appointments SET place_held = FALSE, place_returns_at = NULL
				WHERE id = ? AND place_held AND place_returns_at <= ?`), r.ID, now)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			done = true
			return releasePlace(ctx, tx, r.SlotID)
		})
		if err != nil {
			return n, err
		}
		if done {
			n++
			s.placeReturned(ctx, r.SlotID, r.HallID, localDay(r.StartsAt, s.loc))
		}
	}
	return n, nil
}

// MarkNoShows turns booked appointments not checked in by the end of their
// slot plus grace into no_show; a person's no_show_limit-th within
// no_show_window bars them from booking for no_show_bar. It returns how many.
func (s *Service) MarkNoShows(ctx context.Context) (int, error) {
	now := s.now()
	cutoff := now.Add(-s.cfg.Grace.D())
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, s.db.Rebind(`SELECT id FROM appointments WHERE status = 'booked' AND starts_at <= ? AND ends_at <= ?
		ORDER BY id LIMIT ?`), cutoff, cutoff, sweepBatch); err != nil {
		return 0, fmt.Errorf("booking: no-shows: %w", err)
	}
	n := 0
	for _, id := range ids {
		marked := false
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			var person string
			err := tx.QueryRowxContext(ctx, tx.Rebind(`UPDATE appointments SET status = 'no_show', updated_at = ?
				WHERE id = ? AND status = 'booked' AND ends_at <= ? RETURNING person_key`), now, id, cutoff).Scan(&person)
			if err != nil {
				return ignoreNoRows(err)
			}
			marked = true
			if err := countOut(ctx, tx, person, 1, now); err != nil {
				return err
			}
			var count int
			if err := tx.GetContext(ctx, &count, tx.Rebind(`SELECT COUNT(*) FROM appointments WHERE person_key = ? AND status = 'no_show'
				AND starts_at >= ?`), person, now.Add(-s.cfg.NoShowWindow.D())); err != nil {
				return err
			}
			if count < s.cfg.NoShowLimit {
				return nil
			}
			until := now.Add(s.cfg.NoShowBar.D())
			_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE booking_persons SET barred_until = ?, updated_at = ?
				WHERE person_key = ? AND (barred_until IS NULL OR barred_until < ?)`), until, now, person, until)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("booking: no-show %d: %w", id, err)
		}
		if marked {
			n++
		}
	}
	return n, nil
}

// Remind sends the evening-before reminder (from reminder_evening on the day
// before) and the one reminder_before the start, each once per appointment
// (a conditional mark in the same transaction as the push), and returns how many.
func (s *Service) Remind(ctx context.Context) (int, error) {
	now := s.now()
	today := s.today()
	total := 0
	if !now.Before(s.at(today, s.cfg.ReminderEvening)) {
		from, to := today.AddDays(1).In(s.loc).UTC(), today.AddDays(2).In(s.loc).UTC()
		n, err := s.remind(ctx, "eve", "eve_reminded_at", from, to, now)
		if err != nil {
			return total, err
		}
		total += n
	}
	n, err := s.remind(ctx, "hour", "hour_reminded_at", now, now.Add(s.cfg.ReminderBefore.D()), now)
	return total + n, err
}

func (s *Service) remind(ctx context.Context, which, col string, from, to, now time.Time) (int, error) {
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, s.db.Rebind(`SELECT id FROM appointments WHERE status = 'booked' AND starts_at > ? AND starts_at <= ?
		AND `+col+` IS NULL ORDER BY id LIMIT ?`), from, to, sweepBatch); err != nil {
		return 0, fmt.Errorf("booking: %s reminders: %w", which, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	l, err := s.layout(ctx)
	if err != nil {
		return 0, err
	}
	args := []any{now}
	for _, id := range ids {
		args = append(args, id)
	}
	var rows []remindRow
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		q := `UPDATE appointments SET ` + col + ` = ? WHERE status = 'booked' AND ` + col + ` IS NULL AND id IN (?` +
			strings.Repeat(",?", len(ids)-1) + `) RETURNING id, resident_id, hall_id, guide_name, starts_at, pin`
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), args...); err != nil {
			return err
		}
		for _, r := range rows {
			name := ""
			if h, ok := l.hall(r.HallID); ok {
				name = h.Name
			}
			if err := s.notifyReminder(ctx, tx, r, which, name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("booking: %s reminders: %w", which, err)
	}
	return len(rows), nil
}
