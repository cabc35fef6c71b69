package booking

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/account"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
)

// queueRow is a stored queue number.
type queueRow struct {
	ID            int64      `db:"id"`
	Number        string     `db:"number"`
	Prefix        string     `db:"prefix"`
	Kind          string     `db:"kind"`
	AppointmentID *int64     `db:"appointment_id"`
	GuideCode     string     `db:"guide_code"`
	GuideName     string     `db:"guide_name"`
	Status        string     `db:"status"`
	WindowID      *int64     `db:"window_id"`
	Calls         int        `db:"calls"`
	CheckedInAt   time.Time  `db:"checked_in_at"`
	CalledAt      *time.Time `db:"called_at"`
}

const queueCols = `id, number, prefix, kind, appointment_id, guide_code, guide_name, status, window_id, calls, checked_in_at, called_at`

// callOrder is FIFO by check-in minute, appointments before walk-ins of the same minute.
const callOrder = ` ORDER BY checkin_minute, CASE kind WHEN 'appointment' THEN 0 ELSE 1 END, id`

// operable checks that staff p may work hall id's queue and that the hall exists.
func (s *Service) operable(ctx context.Context, p account.Principal, hallID int64) (*layout, error) {
	if err := canOperate(p, hallID); err != nil {
		return nil, err
	}
	l, err := s.layout(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := l.hall(hallID); !ok {
		return nil, ErrHallNotFound
	}
	return l, nil
}

// CheckIn checks a resident in by their code within the check-in window
// and gives them a queue number with their lane's prefix (A012).
func (s *Service) CheckIn(ctx context.Context, p account.Principal, hallID int64, code string) (*QueueTicket, error) {
	l, err := s.operable(ctx, p, hallID)
	if err != nil {
		return nil, err
	}
	id, pin, ok := parseCode(code)
	if !ok {
		return nil, ErrBadCode
	}
	r, err := getAppt(ctx, s.db, id)
	if errors.Is(err, ErrAppointmentNotFound) || (err == nil && (r.HallID != hallID || subtle.ConstantTimeCompare([]byte(r.Pin), []byte(pin)) != 1)) {
		return nil, ErrBadCode
	}
	if err != nil {
		return nil, err
	}
	switch r.Status {
	case StatusBooked:
	case StatusCheckedIn, StatusCalled, StatusDone:
		return nil, ErrAlreadyCheckedIn.WithMessage("该预约已签到，排队号 " + r.QueueNumber.String)
	default:
		return nil, ErrNotCheckable
	}
	now := s.now()
	from, until := r.StartsAt.Add(-s.cfg.CheckinOpens.D()), r.EndsAt.Add(s.cfg.Grace.D())
	if now.Before(from) || now.After(until) {
		return nil, ErrCheckinClosed.WithMessage(fmt.Sprintf("不在签到时间内（%s–%s）", from.In(s.loc).Format("01-02 15:04"), until.In(s.loc).Format("15:04")))
	}
	var q queueRow
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE appointments SET status = 'checked_in', checked_in_at = ?, updated_at = ?
			WHERE id = ? AND status = 'booked'`), now, now, r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrAlreadyCheckedIn
		}
		if err := countOut(ctx, tx, r.PersonKey, 1, now); err != nil {
			return err
		}
		return s.issue(ctx, tx, &q, hallID, r.Lane, QueueAppointment, &r.ID, r.GuideCode, r.GuideName, now)
	})
	if err != nil {
		return nil, err
	}
	return s.ticket(l, hallID, &q), nil
}

// WalkInInput is a number for a resident without an appointment.
type WalkInInput struct {
	GuideCode string `json:"guide_code,omitempty"`
}

// WalkIn gives a walk-in resident a number in the lane of their item (the
// comprehensive windows when no item is named).
func (s *Service) WalkIn(ctx context.Context, p account.Principal, hallID int64, in WalkInInput) (*QueueTicket, error) {
	l, err := s.operable(ctx, p, hallID)
	if err != nil {
		return nil, err
	}
	g := HallGuide{Code: "", Name: "综合业务", Lane: DefaultLane}
	if in.GuideCode != "" {
		var ok bool
		if g, ok = l.guide(hallID, in.GuideCode); !ok {
			return nil, errs.InvalidField("guide_code", "本大厅不办理此事项")
		}
	} else {
		for _, w := range l.Windows[hallID] {
			if w.Kind == KindComprehensive {
				g.Lane = w.Prefix
				break
			}
		}
	}
	var q queueRow
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		return s.issue(ctx, tx, &q, hallID, g.Lane, QueueWalkIn, nil, g.Code, g.Name, s.now())
	})
	if err != nil {
		return nil, err
	}
	return s.ticket(l, hallID, &q), nil
}

// issue takes the lane's next number of the hall's day (one atomic upsert of
// the day's counter; the unique key guards it again) and records it.
func (s *Service) issue(ctx context.Context, tx *sqlx.Tx, q *queueRow, hallID int64, lane, kind string, apptID *int64, code, name string, now time.Time) error {
	day := localDay(now, s.loc)
	var n int
	const seq = `INSERT INTO queue_sequences (hall_id, day, prefix, last) VALUES (?, ?, ?, 1)
		ON CONFLICT (hall_id, day, prefix) DO UPDATE SET last = queue_sequences.last + 1 RETURNING last`
	if err := tx.QueryRowxContext(ctx, tx.Rebind(seq), hallID, day, lane).Scan(&n); err != nil {
		return fmt.Errorf("booking: queue number: %w", err)
	}
	const ins = `INSERT INTO queue_tickets (hall_id, day, number, prefix, kind, appointment_id, guide_code, guide_name, status, calls,
		checkin_minute, checked_in_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', 0, ?, ?) RETURNING ` + queueCols
	err := tx.QueryRowxContext(ctx, tx.Rebind(ins), hallID, day, fmt.Sprintf("%s%03d", lane, n), lane, kind, apptID, code, name,
		now.Unix()/60, now).StructScan(q)
	if db.IsUniqueViolation(err) {
		return ErrAlreadyCheckedIn
	}
	return db.MapErrorIn("booking.issue", err, nil, nil)
}

// CallNext calls the next number of the window's lane to the window.
func (s *Service) CallNext(ctx context.Context, p account.Principal, hallID, windowID int64) (*QueueTicket, error) {
	l, w, err := s.window(ctx, p, hallID, windowID)
	if err != nil {
		return nil, err
	}
	day := localDay(s.now(), s.loc)
	if _, err := current(ctx, s.db, windowID, day); err == nil {
		return nil, ErrWindowBusy
	} else if !errors.Is(err, ErrNothingCalled) {
		return nil, err
	}
	for attempt := 0; attempt < 5; attempt++ {
		var id int64
		err := s.db.GetContext(ctx, &id, s.db.Rebind(`SELECT id FROM queue_tickets WHERE hall_id = ? AND day = ? AND status = 'waiting'
			AND prefix = ?`+callOrder+` LIMIT 1`), hallID, day, w.Prefix)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrQueueEmpty
		}
		if err != nil {
			return nil, db.MapErrorIn("booking.CallNext", err, nil, nil)
		}
		q, err := s.move(ctx, id, `status = 'called', window_id = ?, calls = 1, called_at = ?`, `status = 'waiting'`, StatusCalled,
			[]any{windowID, s.now()})
		if errors.Is(err, sql.ErrNoRows) {
			continue // another window called it first
		}
		if err != nil {
			return nil, err
		}
		return s.ticket(l, hallID, q), nil
	}
	return nil, errs.ErrConflict
}

// Recall calls the window's current number again (at most three calls in all).
func (s *Service) Recall(ctx context.Context, p account.Principal, hallID, windowID int64) (*QueueTicket, error) {
	return s.onCurrent(ctx, p, hallID, windowID, `calls = calls + 1`, fmt.Sprintf(`status = 'called' AND calls < %d`, maxCalls), "", ErrRecallLimit)
}

// Complete marks the window's current number served.
func (s *Service) Complete(ctx context.Context, p account.Principal, hallID, windowID int64) (*QueueTicket, error) {
	return s.onCurrent(ctx, p, hallID, windowID, `status = 'done', finished_at = ?`, `status = 'called'`, StatusDone, ErrNothingCalled)
}

// Absent marks the window's current number absent (过号) after three calls.
func (s *Service) Absent(ctx context.Context, p account.Principal, hallID, windowID int64) (*QueueTicket, error) {
	return s.onCurrent(ctx, p, hallID, windowID, `status = 'absent', finished_at = ?`, fmt.Sprintf(`status = 'called' AND calls >= %d`, maxCalls),
		StatusAbsent, ErrAbsentTooSoon)
}

func (s *Service) onCurrent(ctx context.Context, p account.Principal, hallID, windowID int64, set, where, apptStatus string, refused error) (*QueueTicket, error) {
	l, _, err := s.window(ctx, p, hallID, windowID)
	if err != nil {
		return nil, err
	}
	cur, err := current(ctx, s.db, windowID, localDay(s.now(), s.loc))
	if err != nil {
		return nil, err
	}
	var args []any
	if apptStatus != "" {
		args = []any{s.now()}
	}
	q, err := s.move(ctx, cur.ID, set, where, apptStatus, args)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	return s.ticket(l, hallID, q), nil
}

// move applies a conditional update to a queue number and carries the
// appointment along (apptStatus, when set); sql.ErrNoRows when the condition failed.
func (s *Service) move(ctx context.Context, id int64, set, where, apptStatus string, args []any) (*queueRow, error) {
	var q queueRow
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		stmt := `UPDATE queue_tickets SET ` + set + ` WHERE id = ? AND ` + where + ` RETURNING ` + queueCols
		if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), append(args, id)...).StructScan(&q); err != nil {
			return err
		}
		if apptStatus == "" || q.AppointmentID == nil {
			return nil
		}
		_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE appointments SET status = ?, updated_at = ? WHERE id = ?`), apptStatus, s.now(), *q.AppointmentID)
		return err
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, db.MapErrorIn("booking.move", err, nil, nil)
	}
	return &q, err
}

func current(ctx context.Context, q db.Queryer, windowID int64, day string) (*queueRow, error) {
	var r queueRow
	err := q.GetContext(ctx, &r, q.Rebind(`SELECT `+queueCols+` FROM queue_tickets WHERE window_id = ? AND day = ? AND status = 'called'
		ORDER BY called_at DESC LIMIT 1`), windowID, day)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNothingCalled
	}
	return &r, db.MapErrorIn("booking.current", err, nil, nil)
}

// window checks staff p may work the hall and returns the active window of it.
func (s *Service) window(ctx context.Context, p account.Principal, hallID, windowID int64) (*layout, Window, error) {
	l, err := s.operable(ctx, p, hallID)
	if err != nil {
		return nil, Window{}, err
	}
	for _, w := range l.Windows[hallID] {
		if w.ID == windowID && w.Active {
			return l, w, nil
		}
	}
	return nil, Window{}, ErrWindowNotFound
}

func (s *Service) ticket(l *layout, hallID int64, q *queueRow) *QueueTicket {
	t := &QueueTicket{ID: q.ID, Number: q.Number, Kind: q.Kind, AppointmentID: q.AppointmentID, GuideCode: q.GuideCode, GuideName: q.GuideName,
		Status: q.Status, WindowID: q.WindowID, Calls: q.Calls, CheckedInAt: q.CheckedInAt.In(s.loc)}
	if q.CalledAt != nil {
		at := q.CalledAt.In(s.loc)
		t.CalledAt = &at
	}
	if q.WindowID != nil {
		t.Window = l.windowName(hallID, *q.WindowID)
	}
	return t
}

// Queue returns a hall's day live: who is expected, who waits (in call
// order), who is served at which window, the counts and the average wait
// from check-in to the first call.
func (s *Service) Queue(ctx context.Context, p account.Principal, hallID int64) (*QueueView, error) {
	l, err := s.operable(ctx, p, hallID)
	if err != nil {
		return nil, err
	}
	day := s.today()
	var rows []queueRow
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT `+queueCols+` FROM queue_tickets WHERE hall_id = ? AND day = ?`+callOrder),
		hallID, day.String()); err != nil {
		return nil, db.MapErrorIn("booking.Queue", err, nil, nil)
	}
	v := &QueueView{HallID: hallID, Date: day.String(), Expected: []Expected{}, Waiting: []QueueTicket{}, Serving: []QueueTicket{},
		Counts: map[string]int{}}
	ahead := map[string]int{}
	var waited time.Duration
	called := 0
	for i := range rows {
		r := &rows[i]
		v.Counts[r.Status]++
		v.Counts[r.Kind]++
		switch r.Status {
		case QueueWaiting:
			t := s.ticket(l, hallID, r)
			t.Ahead = ahead[r.Prefix]
			ahead[r.Prefix]++
			v.Waiting = append(v.Waiting, *t)
		case QueueCalled:
			v.Serving = append(v.Serving, *s.ticket(l, hallID, r))
		}
		if r.CalledAt != nil {
			waited += r.CalledAt.Sub(r.CheckedInAt)
			called++
		}
	}
	if called > 0 {
		v.AverageWaitMinutes = math.Round(waited.Minutes()/float64(called)*10) / 10
	}
	from, to := day.In(s.loc).UTC(), day.AddDays(1).In(s.loc).UTC()
	if err := s.db.SelectContext(ctx, &v.Expected, s.db.Rebind(`SELECT id, starts_at, guide_name, lane FROM appointments
		WHERE hall_id = ? AND status = 'booked' AND starts_at >= ? AND starts_at < ? ORDER BY starts_at, id`), hallID, from, to); err != nil {
		return nil, db.MapErrorIn("booking.Queue", err, nil, nil)
	}
	for i := range v.Expected {
		v.Expected[i].StartsAt = v.Expected[i].StartsAt.In(s.loc)
	}
	v.Counts["expected"] = len(v.Expected)
	var noShows int
	if err := s.db.GetContext(ctx, &noShows, s.db.Rebind(`SELECT COUNT(*) FROM appointments WHERE hall_id = ? AND status = 'no_show'
		AND starts_at >= ? AND starts_at < ?`), hallID, from, to); err != nil {
		return nil, db.MapErrorIn("booking.Queue", err, nil, nil)
	}
	v.Counts["no_show"] = noShows
	return v, nil
}
