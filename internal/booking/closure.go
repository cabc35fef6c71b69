package booking

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/calendar"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
)

// ClosureInput closes a hall (WindowID 0) or one window for a day.
type ClosureInput struct {
	Date     string `json:"date"`
	WindowID int64  `json:"window_id,omitempty"`
	Reason   string `json:"reason"`
}

// Close closes a hall or a window for a day: its slots stop taking bookings
// and every booked appointment in them becomes cancelled_by_office — never a
// no-show — and its resident is notified, with the nearest free slots for
// the same item, in the same transaction. It returns the closure with the
// number of appointments cancelled.
func (s *Service) Close(ctx context.Context, p account.Principal, hallID int64, in ClosureInput) (*Closure, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	f := map[string]string{}
	d, err := calendar.ParseDate(in.Date)
	if err != nil {
		f["date"] = "须为日期，如 2026-11-12"
	} else if d.Before(s.today()) {
		f["date"] = "不能早于今天"
	}
	textLen(f, "reason", in.Reason, 2, 60)
	if len(f) > 0 {
		return nil, errs.Invalid(f)
	}
	l, err := s.layout(ctx)
	if err != nil {
		return nil, err
	}
	hall, ok := l.hall(hallID)
	if !ok {
		return nil, ErrHallNotFound
	}
	var window any
	if in.WindowID != 0 {
		if l.windowName(hallID, in.WindowID) == "" {
			return nil, errs.InvalidField("window_id", "本大厅没有这个窗口")
		}
		window = in.WindowID
	}
	var by any
	if p.Kind == account.KindStaff && p.ID != 0 {
		by = p.ID
	}
	now := s.now()
	var c Closure
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		const ins = `INSERT INTO hall_closures (hall_id, window_id, day, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
			RETURNING id, hall_id, window_id, day, reason, cancelled, created_at`
		if err := tx.QueryRowxContext(ctx, tx.Rebind(ins), hallID, window, d.String(), in.Reason, by, now).StructScan(&c); err != nil {
			return db.MapErrorIn("booking.Close", err, nil, nil)
		}
		n, err := s.cancelByOffice(ctx, tx, hall.Name, hallID, in.WindowID, d.String(), in.Reason, now)
		if err != nil {
			return err
		}
		c.Cancelled = n
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE hall_closures SET cancelled = ? WHERE id = ?`), n, c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, staffEntry(p, "hall.close", "hall", strconv.FormatInt(hallID, 10),
			fmt.Sprintf("%s window=%d cancelled=%d: %s", d, in.WindowID, n, in.Reason)))
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx)
	s.dropDay(ctx, hallID, d.String())
	c.CreatedAt = c.CreatedAt.In(s.loc)
	return &c, nil
}

// cancelByOffice closes the day's slots (all, or one window's) and cancels
// their booked appointments, notifying each resident.
func (s *Service) cancelByOffice(ctx context.Context, tx *sqlx.Tx, hallName string, hallID, windowID int64, day, reason string, now time.Time) (int, error) {
	var slotIDs []int64
	const closeSlots = `UPDATE slots SET status = 'closed' WHERE hall_id = ? AND day = ? AND (? = 0 OR window_id = ?) AND status = 'open' RETURNING id`
	if err := tx.SelectContext(ctx, &slotIDs, tx.Rebind(closeSlots), hallID, day, windowID, windowID); err != nil {
		return 0, fmt.Errorf("booking: close slots: %w", err)
	}
	if len(slotIDs) == 0 {
		return 0, nil
	}
	var cancelled []apptRow
	const cancel = `UPDATE appointments SET status = 'cancelled_by_office', place_held = FALSE, place_returns_at = NULL,
		cancel_reason = ?, updated_at = ? WHERE status = 'booked' AND slot_id IN
		(SELECT id FROM slots WHERE hall_id = ? AND day = ? AND (? = 0 OR window_id = ?)) RETURNING ` + apptCols
	if err := tx.SelectContext(ctx, &cancelled, tx.Rebind(cancel), "大厅闭厅："+reason, now, hallID, day, windowID, windowID); err != nil {
		return 0, fmt.Errorf("booking: cancel by office: %w", err)
	}
	perPerson := map[string]int{}
	for _, r := range cancelled {
		perPerson[r.PersonKey]++
	}
	keys := make([]string, 0, len(perPerson))
	for k := range perPerson {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := countOut(ctx, tx, k, perPerson[k], now); err != nil {
			return 0, err
		}
	}
	offers := map[string][]time.Time{}
	for i := range cancelled {
		r := &cancelled[i]
		if _, ok := offers[r.GuideCode]; !ok {
			var err error
			if offers[r.GuideCode], err = nearestFree(ctx, tx, hallID, r.GuideCode, day, now); err != nil {
				return 0, err
			}
		}
		if err := s.notifyClosed(ctx, tx, r, hallName, reason, offers[r.GuideCode]); err != nil {
			return 0, err
		}
	}
	return len(cancelled), nil
}

// nearestFree returns the start of up to three open slots with a place left
// for the item at the hall, soonest first, outside the closed day.
func nearestFree(ctx context.Context, tx *sqlx.Tx, hallID int64, guide, closedDay string, now time.Time) ([]time.Time, error) {
	const q = `SELECT s.starts_at FROM slots s JOIN hall_guides g ON g.hall_id = s.hall_id AND g.guide_code = ? AND g.lane = s.lane
		WHERE s.hall_id = ? AND s.day <> ? AND s.status = 'open' AND s.booked < s.capacity AND s.released_at <= ? AND s.starts_at > ?
		ORDER BY s.starts_at LIMIT 3`
	var out []time.Time
	if err := tx.SelectContext(ctx, &out, tx.Rebind(q), guide, hallID, closedDay, now, now); err != nil {
		return nil, fmt.Errorf("booking: nearest free slots: %w", err)
	}
	return out, nil
}

// Closures lists a hall's closures from today on.
func (s *Service) Closures(ctx context.Context, hallID int64) ([]Closure, error) {
	if err := hallExists(ctx, s.db, hallID); err != nil {
		return nil, err
	}
	out := []Closure{}
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT id, hall_id, window_id, day, reason, cancelled, created_at
		FROM hall_closures WHERE hall_id = ? AND day >= ? ORDER BY day, id`), hallID, s.today().String())
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.In(s.loc)
	}
	return out, db.MapErrorIn("booking.Closures", err, nil, nil)
}
