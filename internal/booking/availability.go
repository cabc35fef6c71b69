package booking

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"govapp/internal/calendar"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
)

// slotRow is a stored slot as the availability view caches it.
type slotRow struct {
	ID         int64     `db:"id" json:"id"`
	WindowID   int64     `db:"window_id" json:"window_id"`
	Lane       string    `db:"lane" json:"lane"`
	StartsAt   time.Time `db:"starts_at" json:"starts_at"`
	EndsAt     time.Time `db:"ends_at" json:"ends_at"`
	Capacity   int       `db:"capacity" json:"capacity"`
	Booked     int       `db:"booked" json:"booked"`
	ReleasedAt time.Time `db:"released_at" json:"released_at"`
	Status     string    `db:"status" json:"status"`
}

func (s *Service) dayKey(hallID int64, day string) string {
	return s.space + "booking:day:" + strconv.FormatInt(hallID, 10) + ":" + day
}

func (s *Service) fullKey(slotID int64) string {
	return s.space + "booking:full:" + strconv.FormatInt(slotID, 10)
}

// Slots returns the slots of a hall on a date that serve an item, with what
// remains of each. The day's slots come from the cache (slots_cache_ttl),
// dropped on every change; the count shown may lag a booking by that long,
// booking itself never does.
func (s *Service) Slots(ctx context.Context, hallID int64, guideCode, date string) (*DaySlots, error) {
	d, err := calendar.ParseDate(date)
	today := s.today()
	if err != nil {
		return nil, errs.InvalidField("date", "须为日期，如 2026-11-12")
	}
	if d.Before(today) || d.After(today.AddDays(s.cfg.ReleaseDaysAhead)) {
		return nil, errs.InvalidField("date", fmt.Sprintf("只能查询今天起 %d 天内的号源", s.cfg.ReleaseDaysAhead))
	}
	l, err := s.layout(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := l.hall(hallID); !ok {
		return nil, ErrHallNotFound
	}
	g, ok := l.guide(hallID, guideCode)
	if !ok {
		return nil, ErrGuideNotHere.WithMessage("该大厅不办理此事项的预约")
	}
	rows, err := s.day(ctx, hallID, d.String())
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &DaySlots{HallID: hallID, GuideCode: guideCode, Date: d.String(), Items: []Slot{}}
	for _, r := range rows {
		if r.Lane != g.Lane || r.Status != "open" || !r.StartsAt.After(now) {
			continue
		}
		if r.ReleasedAt.After(now) {
			at := r.ReleasedAt.In(s.loc)
			out.ReleasesAt = &at
			continue
		}
		out.Items = merge(out.Items, r, l.windowName(hallID, r.WindowID), s.loc)
	}
	return out, nil
}

// merge adds a window's slot to the day's list: to the entry of the same
// time when there is one (rows come by start, then window), else as a new
// entry named by this slot's id (sameTime in the store is the same rule).
func merge(items []Slot, r slotRow, window string, loc *time.Location) []Slot {
	left := max(r.Capacity-r.Booked, 0)
	for i := len(items) - 1; i >= 0 && items[i].StartsAt.Equal(r.StartsAt); i-- {
		if !items[i].EndsAt.Equal(r.EndsAt) {
			continue
		}
		e := &items[i]
		e.WindowID = 0
		e.Window += "、" + window
		e.Windows++
		e.Capacity += r.Capacity
		e.Remaining += left
		return items
	}
	return append(items, Slot{ID: r.ID, WindowID: r.WindowID, Window: window, Windows: 1,
		StartsAt: r.StartsAt.In(loc), EndsAt: r.EndsAt.In(loc), Capacity: r.Capacity, Remaining: left})
}

// day returns a hall's slots on a local date: from the cache, or loaded once
// for any number of concurrent callers.
func (s *Service) day(ctx context.Context, hallID int64, day string) ([]slotRow, error) {
	key := s.dayKey(hallID, day)
	if b, err := s.cache.Get(ctx, key); err == nil {
		var rows []slotRow
		if json.Unmarshal(b, &rows) == nil {
			return rows, nil
		}
	}
	v, err, _ := s.sf.Do(key, func() (any, error) {
		var rows []slotRow
		const q = `SELECT id, window_id, lane, starts_at, ends_at, capacity, booked, released_at, status
			FROM slots WHERE hall_id = ? AND day = ? ORDER BY starts_at, window_id`
		if err := s.db.SelectContext(context.WithoutCancel(ctx), &rows, s.db.Rebind(q), hallID, day); err != nil {
			return nil, db.MapErrorIn("booking.day", err, nil, nil)
		}
		if b, err := json.Marshal(rows); err == nil {
			_ = s.cache.Set(ctx, key, b, s.cfg.SlotsCacheTTL.D())
		}
		return rows, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]slotRow), nil
}

// dropDay makes the next availability read of a hall's day go to the database.
func (s *Service) dropDay(ctx context.Context, hallID int64, day string) {
	_ = s.cache.Delete(context.WithoutCancel(ctx), s.dayKey(hallID, day))
}

// dropDays drops every day of a hall within the release horizon.
func (s *Service) dropDays(ctx context.Context, hallID int64) {
	today := s.today()
	keys := make([]string, 0, s.cfg.ReleaseDaysAhead+1)
	for d := today; !d.After(today.AddDays(s.cfg.ReleaseDaysAhead)); d = d.AddDays(1) {
		keys = append(keys, s.dayKey(hallID, d.String()))
	}
	_ = s.cache.Delete(context.WithoutCancel(ctx), keys...)
}

// knownFull reports whether a booking found the slot full a moment ago: a
// sold-out answer that spares the database. It only ever refuses, and is
// dropped when a place returns. The note is kept in the shared cache for
// slots_cache_ttl and, so that a rush on a sold-out slot costs no network
// round trip, in this process as well (copied from the shared note, it
// lives slots_cache_ttl from the copy): a place returned through another
// instance is seen here after at most twice slots_cache_ttl.
func (s *Service) knownFull(ctx context.Context, slotID int64) bool {
	if _, ok := s.fullHere.GetIfPresent(slotID); ok {
		return true
	}
	if _, err := s.cache.Get(ctx, s.fullKey(slotID)); err != nil {
		return false
	}
	s.fullHere.Set(slotID, struct{}{})
	return true
}

func (s *Service) markFull(ctx context.Context, slotID int64) {
	s.fullHere.Set(slotID, struct{}{})
	_ = s.cache.Set(context.WithoutCancel(ctx), s.fullKey(slotID), []byte{'1'}, s.cfg.SlotsCacheTTL.D())
}

// placeReturned drops the caches a returned place makes stale: the day's
// view and the "full" notes of every slot of the same time and lane (a
// booking through any of them may now take the place).
func (s *Service) placeReturned(ctx context.Context, slotID, hallID int64, day string) {
	ctx = context.WithoutCancel(ctx)
	ids := []int64{slotID}
	var same []int64
	if err := s.db.SelectContext(ctx, &same, s.db.Rebind(sameTimeIDsSQL), slotID); err == nil && len(same) > 0 {
		ids = same
	}
	keys := []string{s.dayKey(hallID, day)}
	for _, id := range ids {
		s.fullHere.Invalidate(id)
		keys = append(keys, s.fullKey(id))
	}
	_ = s.cache.Delete(ctx, keys...)
}
