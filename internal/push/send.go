package push

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"

	"govapp/internal/config"
	"govapp/internal/platform/db"
)

// SendWorker works SendArgs.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	S *Service
	// MaxRun bounds one run of a send job (an hour when zero). Keep it below
	// the queue's rescue horizon: River leaves a job orphaned by a dead
	// process running until both have passed. What a run leaves unsent at
	// its deadline is pending again, and the job is retried.
	MaxRun time.Duration
}

// Timeout leaves room for a batch sent at the capped rate.
func (w *SendWorker) Timeout(*river.Job[SendArgs]) time.Duration {
	if w.MaxRun > 0 {
		return w.MaxRun
	}
	return time.Hour
}

// claimed is a delivery taken by this job.
type claimed struct {
	ID         int64          `db:"id"`
	ResidentID int64          `db:"resident_id"`
	Attempts   int            `db:"attempts"`
	OpenID     string         `db:"openid"`
	UnionID    sql.NullString `db:"unionid"`
	attempt    Attempt
	granted    bool // a one-time grant was spent on it
}

// outcome is what to record for a delivery.
type outcome struct {
	status  string
	channel string
	errcode int64
	retryAt time.Time
	refund  bool
}

// Work sends the batch's pending deliveries chunk by chunk: claim (spending
// grants) in one transaction, send at the capped rate, record the outcomes
// in another. A stop request lets the chunk in flight finish and be recorded.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	s := w.S
	m, err := s.message(ctx, job.Args.MessageID)
	if err != nil {
		return err
	}
	tmpl, ok := s.cfg.Templates[m.Template]
	if !ok {
		return fmt.Errorf("push: unknown template %q", m.Template)
	}
	var data map[string]string
	if err := json.Unmarshal([]byte(m.Data), &data); err != nil {
		return err
	}
	if err := s.abandonClaims(ctx, job.ID); err != nil {
		return err
	}
	for ctx.Err() == nil {
		chunk, err := s.claim(ctx, job.ID, job.Args, m, tmpl, data)
		if err != nil {
			// The claim's COMMIT may have reached the database while its
			// answer was lost (a cut connection): its rows would then be
			// this job's "sending" ones, never sent — every earlier chunk of
			// this run was recorded before this claim. Put them back, or the
			// next run would take them for sends of unknown outcome.
			if rerr := s.retrying(ctx, "releasing an unanswered claim", func(rctx context.Context) error {
				return s.releaseClaims(rctx, job.ID, tmpl)
			}); rerr != nil {
				return errors.Join(err, rerr)
			}
			return err
		}
		if chunk == nil {
			return s.scheduleRetries(ctx, job.Args)
		}
		results := s.sendChunk(ctx, chunk)
		if err := s.retrying(ctx, "recording outcomes", func(rctx context.Context) error {
			return s.record(rctx, chunk, results)
		}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// abandonClaims resolves deliveries that an earlier attempt of this same job
// claimed but never recorded (its process died while sending): they may have
// reached the resident, so they are failed, never sent twice. Claims of other
// jobs are theirs to resolve.
func (s *Service) abandonClaims(ctx context.Context, jobID int64) error {
	const q = `UPDATE push_deliveries SET status = 'failed', errcode = ?, updated_at = ? WHERE claimed_by = ? AND status = 'sending'`
	_, err := s.db.ExecContext(ctx, s.db.Rebind(q), errUnknownOutcome, s.now(), jobID)
	return err
}

// claim takes the next chunk of due deliveries, decides each one's channel
// (spending a grant, or falling back to the official account), records the
// ones that will not be sent, and marks the rest as sending. nil: nothing due.
func (s *Service) claim(ctx context.Context, jobID int64, a SendArgs, m messageRow, tmpl config.PushTemplate, data map[string]string) ([]*claimed, error) {
	var out []*claimed
	found := false
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		q := `SELECT d.id, d.resident_id, d.attempts, r.openid, r.unionid FROM push_deliveries d JOIN residents r ON r.id = d.resident_id
			WHERE d.message_id = ? AND d.resident_id BETWEEN ? AND ? AND d.status = 'pending' AND d.next_attempt_at <= ?
			ORDER BY d.resident_id LIMIT ?`
		if tx.DriverName() == "postgres" {
			q += ` FOR UPDATE OF d SKIP LOCKED`
		}
		var rows []*claimed
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), a.MessageID, a.From, a.To, now, s.cfg.SendChunk); err != nil {
			return fmt.Errorf("push: claim: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		found = true
		settings, err := s.settingsOf(ctx, tx, rows)
		if err != nil {
			return err
		}
		page := m.Page
		if page == "" {
			page = tmpl.Page
		}
		decided := map[int64]outcome{}
		for _, c := range rows {
			o, err := s.route(ctx, tx, c, tmpl, settings, m.Cause, page, data)
			if err != nil {
				return err
			}
			if o.status != StatusSending {
				decided[c.ID] = o
				continue
			}
			out = append(out, c)
		}
		if err := s.apply(ctx, tx, decided, now); err != nil {
			return err
		}
		return s.markSending(ctx, tx, out, jobID, now)
	})
	if err != nil {
		return nil, err
	}
	if found && out == nil {
		out = []*claimed{} // a chunk may hold only skipped or no-grant rows
	}
	return out, nil
}

// route chooses how one delivery goes out, or why it does not.
func (s *Service) route(ctx context.Context, tx *sqlx.Tx, c *claimed, tmpl config.PushTemplate, settings map[int64]Settings,
	cause, page string, data map[string]string) (outcome, error) {
	st, ok := settings[c.ResidentID]
	if !ok {
		st = defaultSettings
	}
	if !st.allows(tmpl.Setting) {
		return outcome{status: StatusSkipped}, nil
	}
	sub := Attempt{Channel: ChannelSubscribe, OpenID: c.OpenID, TemplateID: tmpl.SubscribeID, Page: page, Data: data}
	if tmpl.LongTerm {
		c.attempt = sub
		return outcome{status: StatusSending}, nil
	}
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE push_grants SET remaining = remaining - 1, updated_at = ?
		WHERE resident_id = ? AND template_id = ? AND remaining > 0`), s.now(), c.ResidentID, tmpl.SubscribeID)
	if err != nil {
		return outcome{}, fmt.Errorf("push: spend grant: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		c.attempt, c.granted = sub, true
		return outcome{status: StatusSending}, nil
	}
	if s.cfg.OAFallback && s.followers != nil && tmpl.OATemplateID != "" && c.UnionID.Valid && c.UnionID.String != "" {
		openid, ok, err := s.followers.FollowerOpenID(ctx, c.UnionID.String)
		if err != nil {
			return outcome{}, err
		}
		if ok {
			c.attempt = Attempt{Channel: ChannelTemplate, OpenID: openid, TemplateID: tmpl.OATemplateID, Page: page, Data: data,
				ClientMsgID: cause + ":" + strconv.FormatInt(c.ResidentID, 10)}
			return outcome{status: StatusSending}, nil
		}
	}
	return outcome{status: StatusNoGrant}, nil
}

func (s *Service) settingsOf(ctx context.Context, tx *sqlx.Tx, rows []*claimed) (map[int64]Settings, error) {
	ids := make([]any, len(rows))
	for i, c := range rows {
		ids[i] = c.ResidentID
	}
	q := `SELECT resident_id, tickets, appointments, policies FROM notification_settings WHERE resident_id IN (?` +
		strings.Repeat(",?", len(ids)-1) + `)`
	var list []struct {
		ResidentID int64 `db:"resident_id"`
		Settings
	}
	if err := tx.SelectContext(ctx, &list, tx.Rebind(q), ids...); err != nil {
		return nil, fmt.Errorf("push: settings: %w", err)
	}
	out := make(map[int64]Settings, len(list))
	for _, l := range list {
		out[l.ResidentID] = l.Settings
	}
	return out, nil
}

func (s *Service) markSending(ctx context.Context, tx *sqlx.Tx, cs []*claimed, jobID int64, now time.Time) error {
	for _, ch := range []string{ChannelSubscribe, ChannelTemplate} {
		var ids []any
		for _, c := range cs {
			if c.attempt.Channel == ch {
				ids = append(ids, c.ID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		q := `UPDATE push_deliveries SET status = 'sending', channel = ?, attempts = attempts + 1, claimed_by = ?, updated_at = ?
			WHERE id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), append([]any{ch, jobID, now}, ids...)...); err != nil {
			return fmt.Errorf("push: mark sending: %w", err)
		}
	}
	return nil
}

// sendChunk sends each claimed delivery at the capped rate. Sends run on a
// context that a stop request does not cancel, so that what is claimed is
// sent and recorded; a stop request only ends the chunk early (the rest are
// recorded as due again).
func (s *Service) sendChunk(ctx context.Context, cs []*claimed) []Result {
	out := make([]Result, len(cs))
	sendCtx := context.WithoutCancel(ctx)
	for i, c := range cs {
		if ctx.Err() != nil {
			out[i] = Result{Outcome: Transient, Err: ctx.Err(), ErrCode: -3}
			continue
		}
		if err := s.throttle.Wait(ctx); err != nil {
			out[i] = Result{Outcome: Transient, Err: err, ErrCode: -3}
			continue
		}
		tctx, cancel := context.WithTimeout(sendCtx, 15*time.Second)
		out[i] = s.sender.Send(tctx, c.attempt)
		cancel()
	}
	return out
}

// recordPatience is how long retrying keeps trying while the job runs:
// longer than a database restart or failover takes. Once the job's context
// is cancelled (hard stop, timeout), it keeps trying for stoppedPatience only.
const (
	recordPatience  = 2 * time.Minute
	stoppedPatience = 8 * time.Second
)

// retrying runs fn (recording a chunk's outcomes, releasing a claim) until
// it succeeds, trying again while the database is busy or unreachable: the
// sends happened (or the claim may have), and what is given up here would be
// resolved as unknown (failed -2) later. A stop request does not interrupt
// it; it only shortens the patience.
func (s *Service) retrying(ctx context.Context, what string, fn func(context.Context) error) error {
	rctx := context.WithoutCancel(ctx)
	start := time.Now()
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn(rctx)
		patience := recordPatience
		if ctx.Err() != nil {
			patience = stoppedPatience
		}
		if err == nil || time.Since(start)+wait > patience {
			return err
		}
		s.log.WarnContext(rctx, "push: "+what+" failed, retrying", "attempt", attempt, "in", wait, "err", err)
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Second)
	}
}

// releaseClaims puts the deliveries this job marked as sending, and has not
// sent, back to pending — as they were before the claim, grants refunded.
func (s *Service) releaseClaims(ctx context.Context, jobID int64, tmpl config.PushTemplate) error {
	return s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		var rows []struct {
			ID         int64  `db:"id"`
			ResidentID int64  `db:"resident_id"`
			Channel    string `db:"channel"`
		}
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(`SELECT id, resident_id, channel FROM push_deliveries
			WHERE claimed_by = ? AND status = 'sending'`), jobID); err != nil {
			return fmt.Errorf("push: read unanswered claim: %w", err)
		}
		now := s.now()
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE push_deliveries SET status = 'pending', attempts = attempts - 1,
				claimed_by = 0, next_attempt_at = ?, updated_at = ? WHERE id = ?`), now, now, r.ID); err != nil {
				return fmt.Errorf("push: release claim: %w", err)
			}
			if r.Channel == ChannelSubscribe && !tmpl.LongTerm { // the claim spent a one-time grant
				if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE push_grants SET remaining = remaining + 1, updated_at = ?
					WHERE resident_id = ? AND template_id = ?`), now, r.ResidentID, tmpl.SubscribeID); err != nil {
					return fmt.Errorf("push: refund grant: %w", err)
				}
			}
		}
		if len(rows) > 0 {
			s.log.WarnContext(ctx, "push: released the deliveries of a claim whose commit went unanswered", "job", jobID, "deliveries", len(rows))
		}
		return nil
	})
}

// record stores the outcome of each send of a chunk in one transaction.
func (s *Service) record(ctx context.Context, cs []*claimed, results []Result) error {
	now := s.now()
	decided := map[int64]outcome{}
	for i, c := range cs {
		r := results[i]
		o := outcome{channel: c.attempt.Channel, errcode: r.ErrCode}
		switch r.Outcome {
		case Sent:
			o.status = StatusSent
		case Refused:
			o.status = StatusRefused
		case Permanent:
			o.status = StatusFailed
		default:
			o.refund = c.granted
			if r.ErrCode == -3 { // never sent: stopped before its turn
				o.status, o.retryAt = StatusPending, now
				o.errcode = 0
			} else if c.Attempts+1 >= s.cfg.MaxAttempts {
				o.status, o.refund = StatusFailed, false
			} else {
				o.status, o.retryAt = StatusPending, now.Add(s.backoff(c.Attempts+1))
			}
		}
		decided[c.ID] = o
	}
	return s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		if err := s.apply(ctx, tx, decided, now); err != nil {
			return err
		}
		return s.refund(ctx, tx, cs, decided, now)
	})
}

// apply writes outcomes, grouped so that a chunk costs a few statements.
func (s *Service) apply(ctx context.Context, tx *sqlx.Tx, decided map[int64]outcome, now time.Time) error {
	type key struct {
		status, channel string
		errcode         int64
		retryAt         time.Time
	}
	groups := map[key][]any{}
	for id, o := range decided {
		k := key{o.status, o.channel, o.errcode, o.retryAt}
		groups[k] = append(groups[k], id)
	}
	for k, ids := range groups {
		next := k.retryAt
		if next.IsZero() {
			next = now
		}
		q := `UPDATE push_deliveries SET status = ?, channel = CASE WHEN ? = '' THEN channel ELSE ? END, errcode = ?,
			next_attempt_at = ?, updated_at = ? WHERE id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
		args := append([]any{k.status, k.channel, k.channel, k.errcode, next, now}, ids...)
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
			return fmt.Errorf("push: record outcomes: %w", err)
		}
	}
	return nil
}

// refund returns the grant of a send that did not reach WeChat's user and
// will be tried again.
func (s *Service) refund(ctx context.Context, tx *sqlx.Tx, cs []*claimed, decided map[int64]outcome, now time.Time) error {
	for _, c := range cs {
		if o := decided[c.ID]; o.refund && c.granted {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE push_grants SET remaining = remaining + 1, updated_at = ?
				WHERE resident_id = ? AND template_id = ?`), now, c.ResidentID, c.attempt.TemplateID); err != nil {
				return fmt.Errorf("push: refund grant: %w", err)
			}
		}
	}
	return nil
}

// scheduleRetries queues the next round for deliveries of the batch that are
// due later (transient failures waiting for their backoff).
func (s *Service) scheduleRetries(ctx context.Context, a SendArgs) error {
	var next time.Time
	err := s.db.GetContext(ctx, &next, s.db.Rebind(`SELECT next_attempt_at FROM push_deliveries
		WHERE message_id = ? AND resident_id BETWEEN ? AND ? AND status = 'pending' ORDER BY next_attempt_at LIMIT 1`), a.MessageID, a.From, a.To)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	a.Round++
	_, err = s.queue.Insert(ctx, a, &river.InsertOpts{ScheduledAt: next})
	return err
}

var _ = db.ForUpdate
