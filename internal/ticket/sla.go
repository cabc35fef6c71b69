package ticket

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"
)

// clockRunning are the statuses in which the reply clock runs.
const clockRunning = `('accepted', 'dispatched', 'returned', 'handling', 'replied')`

// SweepArgs is the periodic job that reminds (催办), flags overdue tickets
// (督办) and closes unrated replies. It runs on the leader only, and each
// change is a conditional update, so each happens once however many
// instances run.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "ticket_sweep" }

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

// Work runs the three sweeps.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	reminded, err := w.S.RemindDue(ctx)
	if err != nil {
		return err
	}
	overdue, err := w.S.FlagOverdue(ctx)
	if err != nil {
		return err
	}
	closed, err := w.S.AutoClose(ctx)
	if err != nil {
		return err
	}
	if reminded+overdue+closed > 0 {
		w.Log.InfoContext(ctx, "ticket sweep", "reminded", reminded, "overdue", overdue, "auto_closed", closed)
	}
	return nil
}

// Periodic returns the sweep's periodic job.
func Periodic(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// RemindDue marks the tickets past the reminder point (80 % of their reply
// time by default) and writes a 催办 row on each; it returns how many.
func (s *Service) RemindDue(ctx context.Context) (int, error) {
	return s.mark(ctx, `reminded_at`, `remind_at`, "remind", "催办：已过答复时限的 80%，请尽快办理")
}

// FlagOverdue marks the tickets past their reply deadline and writes a 督办
// row on each; they count against their department's on-time rate.
func (s *Service) FlagOverdue(ctx context.Context) (int, error) {
	return s.mark(ctx, `overdue_at`, `reply_due_at`, "supervise", "督办：已超过答复期限")
}

func (s *Service) mark(ctx context.Context, markCol, dueCol, action, note string) (int, error) {
	n := 0
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		q := fmt.Sprintf(`UPDATE tickets SET %s = ? WHERE %s IS NULL AND %s IS NOT NULL AND %s <= ? AND status IN %s
			RETURNING id, status`, markCol, markCol, dueCol, dueCol, clockRunning)
		var rows []struct {
			ID     int64  `db:"id"`
			Status Status `db:"status"`
		}
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), now, now); err != nil {
			return fmt.Errorf("ticket: %s: %w", action, err)
		}
		for _, r := range rows {
			if err := insertTimeline(ctx, tx, r.ID, System, action, r.Status, r.Status, note, true, now); err != nil {
				return err
			}
		}
		n = len(rows)
		return nil
	})
	return n, err
}

// AutoClose closes the replies nobody rated within the configured time.
func (s *Service) AutoClose(ctx context.Context) (int, error) {
	var nos []string
	if err := s.db.SelectContext(ctx, &nos, s.db.Rebind(`SELECT tracking_no FROM tickets WHERE status = 'visiting' AND visiting_since <= ?
		ORDER BY id LIMIT 500`), s.now().Add(-s.cfg.AutoCloseAfter.D())); err != nil {
		return 0, err
	}
	n := 0
	for _, no := range nos {
		if _, err := s.Act(ctx, System, no, ActAutoClose, ActInput{}); err != nil {
			if err == ErrInvalidTransition {
				continue // rated meanwhile
			}
			return n, err
		}
		n++
	}
	return n, nil
}
