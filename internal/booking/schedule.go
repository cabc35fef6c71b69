package booking

import (
	"context"
	"fmt"
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

// ScheduleInput describes a new schedule.
type ScheduleInput struct {
	WindowID    int64  `json:"window_id"`
	Days        string `json:"days"`
	Start       string `json:"start"`
	End         string `json:"end"`
	SlotMinutes int    `json:"slot_minutes"`
	Capacity    int    `json:"capacity"`
}

func (in *ScheduleInput) validate() error {
	f := map[string]string{}
	if in.Days == "" {
		in.Days = "workdays"
	}
	if in.Days != "workdays" {
		for _, p := range strings.Split(in.Days, ",") {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 7 || len(p) != 1 {
				f["days"] = "须为 workdays（按节假日日历的工作日）或星期 1–7，如 6,7"
			}
		}
	}
	start, err1 := parseClock(in.Start)
	end, err2 := parseClock(in.End)
	switch {
	case err1 != nil:
		f["start"] = "须为 HH:MM"
	case err2 != nil:
		f["end"] = "须为 HH:MM"
	case end-start < in.SlotMinutes:
		f["end"] = "须晚于开始时间至少一个时段"
	}
	if in.SlotMinutes < 5 || in.SlotMinutes > 240 {
		f["slot_minutes"] = "须为 5–240 分钟"
	}
	if in.Capacity < 1 || in.Capacity > 500 {
		f["capacity"] = "须为 1–500"
	}
	if len(f) > 0 {
		return errs.Invalid(f)
	}
	return nil
}

// AddSchedule adds a weekly schedule to one window of a hall and makes its
// slots for the days already within the release horizon.
func (s *Service) AddSchedule(ctx context.Context, p account.Principal, hallID int64, in ScheduleInput) (*Schedule, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var sc Schedule
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM hall_windows WHERE id = ? AND hall_id = ?`), in.WindowID, hallID); err != nil {
			return err
		}
		if n == 0 {
			if err := hallExists(ctx, tx, hallID); err != nil {
				return err
			}
			return errs.InvalidField("window_id", "本大厅没有这个窗口")
		}
		const stmt = `INSERT INTO hall_schedules (hall_id, window_id, days, start_time, end_time, slot_minutes, capacity, active, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?) RETURNING id, hall_id, window_id, days, start_time, end_time, slot_minutes, capacity, active`
		if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), hallID, in.WindowID, in.Days, in.Start, in.End, in.SlotMinutes,
			in.Capacity, s.now()).StructScan(&sc); err != nil {
			return db.MapErrorIn("booking.AddSchedule", err, nil, nil)
		}
		return audit.Record(ctx, tx, staffEntry(p, "hall.schedule_add", "hall", strconv.FormatInt(hallID, 10),
			fmt.Sprintf("window %d %s %s-%s", in.WindowID, in.Days, in.Start, in.End)))
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.Release(ctx); err != nil {
		return nil, err
	}
	return &sc, nil
}

// RemoveSchedule stops a schedule: its future slots nobody booked close;
// booked ones stay (close the day to cancel them).
func (s *Service) RemoveSchedule(ctx context.Context, p account.Principal, hallID, id int64) error {
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE hall_schedules SET active = FALSE WHERE id = ? AND hall_id = ?`), id, hallID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrScheduleNotFound
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE slots SET status = 'closed' WHERE schedule_id = ? AND booked = 0 AND starts_at > ?`),
			id, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, staffEntry(p, "hall.schedule_remove", "hall", strconv.FormatInt(hallID, 10), strconv.FormatInt(id, 10)))
	})
	if err != nil {
		return err
	}
	s.dropDays(ctx, hallID)
	return nil
}

// Schedules lists a hall's schedules.
func (s *Service) Schedules(ctx context.Context, hallID int64) ([]Schedule, error) {
	if err := hallExists(ctx, s.db, hallID); err != nil {
		return nil, err
	}
	out := []Schedule{}
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT id, hall_id, window_id, days, start_time, end_time, slot_minutes, capacity, active
		FROM hall_schedules WHERE hall_id = ? ORDER BY window_id, start_time, id`), hallID)
	return out, db.MapErrorIn("booking.Schedules", err, nil, nil)
}

type scheduleRow struct {
	Schedule
	Lane string `db:"prefix"`
}

// opens reports whether a schedule's days include d: "workdays" follows the
// holiday calendar (make-up Saturdays included); weekday lists skip public holidays.
func opens(cal Calendar, days string, d calendar.Date) bool {
	if days == "workdays" {
		return cal.IsWorkingDate(d)
	}
	if e, ok := cal.Lookup(d); ok && e.Kind == calendar.Off {
		return false
	}
	wd := int(d.Weekday())
	if wd == 0 {
		wd = 7
	}
	return strings.Contains(","+days+",", ","+strconv.Itoa(wd)+",")
}

// Release makes the slots of every active schedule from today to the last
// day of the release horizon, each schedule-day once however many instances
// run, and returns how many slots it made. A day's slots open (released_at)
// release_days_ahead days before it at release_time.
func (s *Service) Release(ctx context.Context) (int, error) {
	today := s.today()
	var scheds []scheduleRow
	if err := s.db.SelectContext(ctx, &scheds, `SELECT sc.id, sc.hall_id, sc.window_id, sc.days, sc.start_time, sc.end_time,
		sc.slot_minutes, sc.capacity, sc.active, w.prefix FROM hall_schedules sc JOIN hall_windows w ON w.id = sc.window_id
		WHERE sc.active AND w.active`); err != nil {
		return 0, fmt.Errorf("booking: schedules: %w", err)
	}
	var done []struct {
		ID  int64  `db:"schedule_id"`
		Day string `db:"day"`
	}
	if err := s.db.SelectContext(ctx, &done, s.db.Rebind(`SELECT schedule_id, day FROM schedule_days WHERE day >= ?`), today.String()); err != nil {
		return 0, fmt.Errorf("booking: schedule days: %w", err)
	}
	var closures []struct {
		HallID   int64  `db:"hall_id"`
		WindowID *int64 `db:"window_id"`
		Day      string `db:"day"`
	}
	if err := s.db.SelectContext(ctx, &closures, s.db.Rebind(`SELECT hall_id, window_id, day FROM hall_closures WHERE day >= ?`), today.String()); err != nil {
		return 0, fmt.Errorf("booking: closures: %w", err)
	}
	skip := map[string]bool{}
	for _, d := range done {
		skip[fmt.Sprint(d.ID, d.Day)] = true
	}
	for _, c := range closures {
		if c.WindowID == nil {
			skip[fmt.Sprint("hall", c.HallID, c.Day)] = true
		} else {
			skip[fmt.Sprint("window", *c.WindowID, c.Day)] = true
		}
	}
	cal, made := s.cal(), 0
	for d := today; !d.After(today.AddDays(s.cfg.ReleaseDaysAhead)); d = d.AddDays(1) {
		day := d.String()
		for _, sc := range scheds {
			if skip[fmt.Sprint(sc.ID, day)] || skip[fmt.Sprint("hall", sc.HallID, day)] || skip[fmt.Sprint("window", sc.WindowID, day)] ||
				!opens(cal, sc.Days, d) {
				continue
			}
			n, err := s.generate(ctx, sc, d)
			if err != nil {
				return made, err
			}
			made += n
		}
	}
	return made, nil
}

// generate makes one schedule's slots for day d, once (the schedule_days row
// is the claim).
func (s *Service) generate(ctx context.Context, sc scheduleRow, d calendar.Date) (int, error) {
	start, _ := parseClock(sc.Start)
	end, _ := parseClock(sc.End)
	released := s.at(d.AddDays(-s.cfg.ReleaseDaysAhead), s.cfg.ReleaseTime)
	midnight := d.In(s.loc)
	now := s.now()
	made := 0
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO schedule_days (schedule_id, day) VALUES (?, ?) ON CONFLICT DO NOTHING`), sc.ID, d.String())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		const stmt = `INSERT INTO slots (hall_id, window_id, schedule_id, lane, day, starts_at, ends_at, capacity, booked, released_at, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'open', ?) ON CONFLICT (window_id, starts_at) DO NOTHING`
		for m := start; m+sc.SlotMinutes <= end; m += sc.SlotMinutes {
			from := midnight.Add(time.Duration(m) * time.Minute).UTC()
			to := from.Add(time.Duration(sc.SlotMinutes) * time.Minute)
			res, err := tx.ExecContext(ctx, tx.Rebind(stmt), sc.HallID, sc.WindowID, sc.ID, sc.Lane, d.String(), from, to, sc.Capacity, released, now)
			if err != nil {
				return fmt.Errorf("booking: slot %s %s: %w", d, from, err)
			}
			n, _ := res.RowsAffected()
			made += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.dropDay(ctx, sc.HallID, d.String())
	return made, nil
}
