package push

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"

	"govapp/internal/platform/db"
)

// FanoutArgs is the job that turns a message into deliveries, batch by batch.
type FanoutArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (FanoutArgs) Kind() string { return "push_fanout" }

// InsertOpts keeps one fan-out job per message.
func (FanoutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// SendArgs is the job that sends the pending deliveries of one batch (the
// recipients with ids From..To).
type SendArgs struct {
	MessageID int64 `json:"message_id"`
	From      int64 `json:"from"`
	To        int64 `json:"to"`
	Round     int   `json:"round"` // retries of transient failures come as later rounds
}

// Kind names the job.
func (SendArgs) Kind() string { return "push_send" }

type messageRow struct {
	ID           int64  `db:"id"`
	Cause        string `db:"cause"`
	Template     string `db:"template"`
	Page         string `db:"page"`
	Data         string `db:"data"`
	Audience     string `db:"audience"`
	FanoutCursor int64  `db:"fanout_cursor"`
	FanoutDone   bool   `db:"fanout_done"`
}

func (s *Service) message(ctx context.Context, id int64) (messageRow, error) {
	var m messageRow
	err := s.db.GetContext(ctx, &m, s.db.Rebind(`SELECT id, cause, template, page, data, audience, fanout_cursor, fanout_done
		FROM push_messages WHERE id = ?`), id)
	if err != nil {
		return m, fmt.Errorf("push: message %d: %w", id, err)
	}
	return m, nil
}

// FanoutWorker works FanoutArgs.
type FanoutWorker struct {
	river.WorkerDefaults[FanoutArgs]
	S *Service
}

// Work inserts the deliveries of each batch of recipients, with the batch's
// send job and the advanced cursor, in one transaction per batch: a fan-out
// stopped at any point resumes where it was, and the unique (cause,
// recipient) key makes a batch inserted twice harmless.
func (w *FanoutWorker) Work(ctx context.Context, job *river.Job[FanoutArgs]) error {
	s := w.S
	for {
		m, err := s.message(ctx, job.Args.MessageID)
		if err != nil || m.FanoutDone {
			return err
		}
		var aud Audience
		if err := json.Unmarshal([]byte(m.Audience), &aud); err != nil {
			return fmt.Errorf("push: audience of %s: %w", m.Cause, err)
		}
		r, ok := s.resolvers[aud.Kind]
		if !ok {
			return fmt.Errorf("push: unknown audience %q", aud.Kind)
		}
		ids, err := r.Recipients(ctx, aud, m.FanoutCursor, s.cfg.BatchSize)
		if err != nil {
			return err
		}
		if err := s.db.Tx(ctx, func(tx *sqlx.Tx) error { return s.fanoutBatch(ctx, tx, m, ids) }); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func (s *Service) fanoutBatch(ctx context.Context, tx *sqlx.Tx, m messageRow, ids []int64) error {
	now := s.now()
	if len(ids) == 0 {
		_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE push_messages SET fanout_done = TRUE, updated_at = ? WHERE id = ?`), now, m.ID)
		return err
	}
	inserted := 0
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		q := `INSERT INTO push_deliveries (message_id, dedup_key, resident_id, status, next_attempt_at, created_at, updated_at)
			SELECT ?, ?, id, 'pending', ?, ?, ? FROM residents WHERE id IN (?` + strings.Repeat(",?", len(chunk)-1) + `)
			ON CONFLICT (dedup_key, resident_id) DO NOTHING`
		args := []any{m.ID, m.Cause, now, now, now}
		for _, id := range chunk {
			args = append(args, id)
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(q), args...)
		if err != nil {
			return fmt.Errorf("push: insert deliveries: %w", err)
		}
		n, _ := res.RowsAffected()
		inserted += int(n)
	}
	last := ids[len(ids)-1]
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE push_messages SET fanout_cursor = ?, recipients = recipients + ?, updated_at = ?
		WHERE id = ? AND fanout_cursor = ?`), last, inserted, now, m.ID, m.FanoutCursor)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("push: fan-out of %s advanced by another worker", m.Cause)
	}
	_, err = s.queue.InsertTx(ctx, tx, SendArgs{MessageID: m.ID, From: ids[0], To: last}, nil)
	return err
}

// backoff is the delay before the n-th retry (n ≥ 1): the base, doubled each
// time, at most an hour.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.RetryBase.D()
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

var _ = db.ForUpdate
