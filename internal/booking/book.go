package booking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
)

// Book takes a place in a slot for a resident and an item. The person is the
// resident's verified phone (一号申请): at most one active appointment per
// item and max_active in all, never more than the slot's capacity — each
// held by the database in the one transaction (or statement) that inserts
// the appointment. Errors: ErrSlotFull, ErrSlotNotReleased, ErrSlotUnavailable,
// ErrSlotNotFound, ErrGuideNotHere, ErrPhoneRequired, ErrAlreadyBooked,
// ErrActiveLimit, ErrBarred.
func (s *Service) Book(ctx context.Context, residentID, slotID int64, guideCode string) (*Appointment, error) {
	if slotID <= 0 || guideCode == "" || len(guideCode) > 64 {
		f := map[string]string{}
		if slotID <= 0 {
			f["slot_id"] = "须为正整数"
		}
		if guideCode == "" || len(guideCode) > 64 {
			f["guide_code"] = "不能为空"
		}
		return nil, errs.Invalid(f)
	}
	if s.knownFull(ctx, slotID) {
		return nil, ErrSlotFull
	}
	a := bookArgs{resident: residentID, slot: slotID, guide: guideCode, maxActive: s.cfg.MaxActive, pin: newPin(), now: s.now()}
	var r *apptRow
	var full bool
	var err error
	if s.oneStatement {
		r, full, err = s.bookOne(ctx, a)
	} else {
		if err := s.precheck(ctx, &a); err != nil {
			return nil, err
		}
		r, full, err = s.bookTx(ctx, a)
	}
	if err != nil {
		return nil, s.explain(ctx, err, a)
	}
	if full {
		s.markFull(ctx, a.slot)
	}
	s.dropDay(ctx, r.HallID, localDay(r.StartsAt, s.loc))
	return s.present(ctx, r), nil
}

// precheck reads, before the portable form's write transaction, who the
// person is and whether the slot's time is visibly full already (every
// window's slot of it): a sold-out answer
// then costs one read, not a turn at the write lock. The transaction still
// decides every booking.
func (s *Service) precheck(ctx context.Context, a *bookArgs) error {
	var pre struct {
		Person sql.NullString `db:"person"`
		Full   sql.NullBool   `db:"full"`
	}
	const q = `SELECT (SELECT phone_hash FROM residents WHERE id = ? AND phone_verified_at IS NOT NULL) AS person,
		(SELECT SUM(CASE WHEN o.status = 'open' THEN 1 ELSE 0 END) > 0
		   AND SUM(CASE WHEN o.status = 'open' AND o.booked < o.capacity THEN 1 ELSE 0 END) = 0
		 FROM slots x JOIN slots o ON ` + sameTime + ` WHERE x.id = ?) AS full`
	if err := s.db.GetContext(ctx, &pre, s.db.Rebind(q), a.resident, a.slot); err != nil {
		return db.MapErrorIn("booking.precheck", err, nil, nil)
	}
	if !pre.Person.Valid {
		return ErrPhoneRequired
	}
	a.person = pre.Person.String
	if pre.Full.Bool {
		s.markFull(ctx, a.slot)
		return ErrSlotFull
	}
	return nil
}

// personOf returns the resident's person key: the hash of the verified phone.
func (s *Service) personOf(ctx context.Context, residentID int64) (string, error) {
	var key sql.NullString
	err := s.db.GetContext(ctx, &key, s.db.Rebind(`SELECT phone_hash FROM residents WHERE id = ? AND phone_verified_at IS NOT NULL`), residentID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !key.Valid) {
		return "", ErrPhoneRequired
	}
	if err != nil {
		return "", db.MapErrorIn("booking.personOf", err, nil, nil)
	}
	return key.String, nil
}

// explain turns an attempt that changed nothing into the reason a resident reads.
func (s *Service) explain(ctx context.Context, err error, a bookArgs) error {
	switch {
	case errors.Is(err, errNoPlace):
		return s.whyNoPlace(ctx, a)
	case errors.Is(err, errPersonRefused):
		return s.whyRefused(ctx, a)
	}
	return err
}

// whyNoPlace reads why a slot gave no place (only after a failed attempt).
func (s *Service) whyNoPlace(ctx context.Context, a bookArgs) error {
	if s.knownFull(ctx, a.slot) { // filled by another booking meanwhile
		return ErrSlotFull
	}
	if a.person == "" {
		if _, err := s.personOf(ctx, a.resident); err != nil {
			return err
		}
	}
	var sl struct {
		Lane       string         `db:"lane"`
		Status     string         `db:"status"`
		StartsAt   time.Time      `db:"starts_at"`
		ReleasedAt time.Time      `db:"released_at"`
		GuideLane  sql.NullString `db:"guide_lane"`
	}
	const q = `SELECT s.lane, s.status, s.starts_at, s.released_at, g.lane AS guide_lane
		FROM slots s LEFT JOIN hall_guides g ON g.hall_id = s.hall_id AND g.guide_code = ? WHERE s.id = ?`
	if err := s.db.GetContext(ctx, &sl, s.db.Rebind(q), a.guide, a.slot); err != nil {
		return db.MapError(err, ErrSlotNotFound, nil)
	}
	switch {
	case sl.GuideLane.String != sl.Lane:
		return ErrGuideNotHere
	case sl.Status != "open" || !sl.StartsAt.After(a.now):
		return ErrSlotUnavailable
	case sl.ReleasedAt.After(a.now):
		return ErrSlotNotReleased.WithMessage(fmt.Sprintf("该时段将于 %s 开放预约", chineseTime(sl.ReleasedAt, s.loc)))
	}
	s.markFull(ctx, a.slot)
	return ErrSlotFull
}

// whyRefused reads why the person limits refused a booking.
func (s *Service) whyRefused(ctx context.Context, a bookArgs) error {
	person := a.person
	if person == "" {
		var err error
		if person, err = s.personOf(ctx, a.resident); err != nil {
			return err
		}
	}
	var p struct {
		Active      int          `db:"active"`
		BarredUntil sql.NullTime `db:"barred_until"`
	}
	if err := s.db.GetContext(ctx, &p, s.db.Rebind(`SELECT active, barred_until FROM booking_persons WHERE person_key = ?`), person); err != nil {
		return db.MapErrorIn("booking.whyRefused", err, nil, nil)
	}
	if p.BarredUntil.Valid && p.BarredUntil.Time.After(a.now) {
		return s.barred(p.BarredUntil.Time)
	}
	return ErrActiveLimit.WithMessage(fmt.Sprintf("您已有 %d 个有效预约（上限 %d 个），请办结或取消后再预约", p.Active, s.cfg.MaxActive))
}

func (s *Service) barred(until time.Time) error {
	days := int(s.cfg.NoShowWindow.D() / (24 * time.Hour))
	return ErrBarred.WithMessage(fmt.Sprintf("您在 %d 天内有 %d 次预约未按时签到（爽约），%s 前暂停预约",
		days, s.cfg.NoShowLimit, chineseDate(until, s.loc))).WithRetryAfter(until.Sub(s.now()))
}

// own returns a resident's appointment; another's does not exist for them.
func (s *Service) own(ctx context.Context, residentID, id int64) (*apptRow, error) {
	r, err := getAppt(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if r.ResidentID != residentID {
		return nil, ErrAppointmentNotFound
	}
	return r, nil
}

// changeable checks that an appointment may still be cancelled or moved.
func (s *Service) changeable(r *apptRow, now time.Time) error {
	if r.Status != StatusBooked {
		return ErrNotBooked
	}
	if now.After(r.StartsAt.Add(-s.cfg.CancelCutoff.D())) {
		return ErrCancelTooLate.WithMessage(fmt.Sprintf("预约开始前 %s 内不能取消或改约", humanDuration(s.cfg.CancelCutoff.D())))
	}
	return nil
}

// leave moves a booked appointment out of booked (to cancelled or
// rescheduled) before its cut-off, giving its place back now or, with a
// return delay, later; it reports whether the place went back now.
func (s *Service) leave(ctx context.Context, tx *sqlx.Tx, r *apptRow, status string, now time.Time) (bool, error) {
	delay := s.cfg.ReturnDelay.D()
	var returnsAt any
	if delay > 0 {
		returnsAt = now.Add(delay)
	}
	const stmt = `UPDATE appointments SET status = ?, place_held = ?, place_returns_at = ?, updated_at = ?
		WHERE id = ? AND status = 'booked' AND starts_at >= ?`
	res, err := tx.ExecContext(ctx, tx.Rebind(stmt), status, delay > 0, returnsAt, now, r.ID, now.Add(s.cfg.CancelCutoff.D()))
	if err != nil {
		return false, fmt.Errorf("booking: leave %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, ErrNotBooked
	}
	if delay > 0 {
		return false, nil
	}
	return true, releasePlace(ctx, tx, r.SlotID)
}

// Cancel cancels a resident's appointment until the cut-off.
func (s *Service) Cancel(ctx context.Context, residentID, id int64) (*Appointment, error) {
	now := s.now()
	r, err := s.own(ctx, residentID, id)
	if err != nil {
		return nil, err
	}
	if err := s.changeable(r, now); err != nil {
		return nil, err
	}
	var returned bool
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := lockSlots(ctx, tx, r.SlotID); err != nil {
			return err
		}
		var err error
		if returned, err = s.leave(ctx, tx, r, StatusCancelled, now); err != nil {
			return err
		}
		return countOut(ctx, tx, r.PersonKey, 1, now)
	})
	if err != nil {
		return nil, err
	}
	s.afterLeave(ctx, r, returned)
	return s.Get(ctx, residentID, id)
}

func (s *Service) afterLeave(ctx context.Context, r *apptRow, returned bool) {
	if returned {
		s.placeReturned(ctx, r.SlotID, r.HallID, localDay(r.StartsAt, s.loc))
	}
}

// Reschedule moves a resident's appointment to another slot for the same
// item, atomically: the new place is taken before the old one is given
// back, in one transaction; no place in the new slot keeps the old one.
func (s *Service) Reschedule(ctx context.Context, residentID, id, slotID int64) (*Appointment, error) {
	now := s.now()
	old, err := s.own(ctx, residentID, id)
	if err != nil {
		return nil, err
	}
	if err := s.changeable(old, now); err != nil {
		return nil, err
	}
	if slotID <= 0 {
		return nil, errs.InvalidField("slot_id", "须为正整数")
	}
	if err := s.notSameTime(ctx, old.SlotID, slotID); err != nil {
		return nil, err
	}
	if s.knownFull(ctx, slotID) {
		return nil, ErrSlotFull
	}
	a := bookArgs{resident: residentID, person: old.PersonKey, slot: slotID, guide: old.GuideCode, pin: newPin(), now: now}
	var r apptRow
	var returned, full bool
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := lockSlotsAt(ctx, tx, old.SlotID, slotID); err != nil {
			return err
		}
		picked, f, err := takePlace(ctx, tx, slotID, old.GuideCode, now)
		if err != nil {
			return err
		}
		full = f
		if returned, err = s.leave(ctx, tx, old, StatusRescheduled, now); err != nil {
			return err
		}
		at := a
		at.slot = picked
		return insertAppt(ctx, tx, &r, at, &old.ID)
	})
	if err != nil {
		return nil, s.explain(ctx, err, a)
	}
	s.afterLeave(ctx, old, returned)
	if full {
		s.markFull(ctx, slotID)
	}
	s.dropDay(ctx, r.HallID, localDay(r.StartsAt, s.loc))
	return s.present(ctx, &r), nil
}

// notSameTime refuses a move to the slot of the appointment or to another
// window's slot of the same time (one merged slot to the resident).
func (s *Service) notSameTime(ctx context.Context, old, slotID int64) error {
	if slotID == old {
		return ErrSameSlot
	}
	var n int
	const q = `SELECT COUNT(*) FROM slots x JOIN slots o ON ` + sameTime + ` WHERE x.id = ? AND o.id = ?`
	if err := s.db.GetContext(ctx, &n, s.db.Rebind(q), old, slotID); err != nil {
		return db.MapErrorIn("booking.notSameTime", err, nil, nil)
	}
	if n > 0 {
		return ErrSameSlot
	}
	return nil
}

// Get returns a resident's appointment.
func (s *Service) Get(ctx context.Context, residentID, id int64) (*Appointment, error) {
	r, err := s.own(ctx, residentID, id)
	if err != nil {
		return nil, err
	}
	return s.present(ctx, r), nil
}

// Mine lists a resident's appointments, newest first.
func (s *Service) Mine(ctx context.Context, residentID int64, cursor string, limit int) ([]Appointment, string, error) {
	var before int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return nil, "", ErrBadCursor
		}
		before = n
	}
	q := selectAppt + ` WHERE a.resident_id = ?`
	args := []any{residentID}
	if before > 0 {
		q += ` AND a.id < ?`
		args = append(args, before)
	}
	var rows []apptRow
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q+` ORDER BY a.id DESC LIMIT ?`), append(args, limit+1)...); err != nil {
		return nil, "", db.MapErrorIn("booking.Mine", err, nil, nil)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = strconv.FormatInt(rows[limit-1].ID, 10)
	}
	out := make([]Appointment, len(rows))
	for i := range rows {
		out[i] = *s.present(ctx, &rows[i])
	}
	return out, next, nil
}

// present is an appointment as its resident reads it.
func (s *Service) present(ctx context.Context, r *apptRow) *Appointment {
	a := &Appointment{ID: r.ID, Code: checkinCode(r.ID, r.Pin), Status: r.Status, HallID: r.HallID, GuideCode: r.GuideCode,
		GuideName: r.GuideName, SlotID: r.SlotID, StartsAt: r.StartsAt.In(s.loc), EndsAt: r.EndsAt.In(s.loc),
		CancelUntil:  r.StartsAt.Add(-s.cfg.CancelCutoff.D()).In(s.loc),
		CheckinFrom:  r.StartsAt.Add(-s.cfg.CheckinOpens.D()).In(s.loc),
		CheckinUntil: r.EndsAt.Add(s.cfg.Grace.D()).In(s.loc),
		QueueNumber:  r.QueueNumber.String, WindowName: r.WindowName.String, RescheduledFrom: r.RescheduledFrom, CancelReason: r.CancelReason, CreatedAt: r.CreatedAt.In(s.loc)}
	a.Hall = r.Hall
	if a.Hall == "" {
		if l, err := s.layout(ctx); err == nil {
			if h, ok := l.hall(r.HallID); ok {
				a.Hall = h.Name
			}
		}
	}
	return a
}

// humanDuration writes 1h as "1 小时" and 30m as "30 分钟".
func humanDuration(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d 小时", int(d/time.Hour))
	}
	return fmt.Sprintf("%d 分钟", int(d/time.Minute))
}
