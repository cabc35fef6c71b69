package booking_test

import (
	"context"
	"sync/atomic"
	"testing"

	"govapp/internal/booking"
	"govapp/internal/platform/db"
)

// TestSlotsFollowTheHolidayCalendar: a "workdays" schedule makes no slots
// during the National Day holiday (2026-10-01…07) and makes them on the
// make-up Saturday 2026-10-10; a weekday schedule skips public holidays.
func TestSlotsFollowTheHolidayCalendar(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.set(at(2026, 9, 30, 9, 0))
		ctx := context.Background()
		h := w.newHall("市民之家", []string{"G1"}, map[string]string{"周末窗口": "W"})
		w.schedule(h, "综合窗口1", "workdays", "09:00", "12:00", 30, 3)
		w.schedule(h, "周末窗口", "6,7", "09:00", "12:00", 30, 3)
		w.set(at(2026, 10, 3, 9, 0))
		if _, err := w.s.Release(ctx); err != nil {
			t.Fatal(err)
		}
		days := map[string]int{}
		var rows []struct {
			Day  string `db:"day"`
			Lane string `db:"lane"`
			N    int    `db:"n"`
		}
		if err := d.Select(&rows, `SELECT day, lane, COUNT(*) AS n FROM slots GROUP BY day, lane`); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			days[r.Day+r.Lane] = r.N
		}
		for day := 1; day <= 7; day++ {
			for _, lane := range []string{"A", "W"} {
				if n := days["2026-10-0"+itoa(int64(day))+lane]; n != 0 {
					t.Errorf("%d slots of lane %s on the holiday 2026-10-%02d", n, lane, day)
				}
			}
		}
		if days["2026-10-08A"] != 6 || days["2026-10-09A"] != 6 || days["2026-10-10A"] != 6 {
			t.Errorf("working days after the holiday: %v", days)
		}
		if days["2026-10-10W"] != 6 || days["2026-10-08W"] != 0 {
			t.Errorf("the Saturday schedule: %v", days)
		}
		var released string
		_ = d.Get(&released, `SELECT MIN(released_at) FROM slots WHERE day = '2026-10-10'`)
		if n := w.count(`SELECT COUNT(*) FROM slots WHERE day = '2026-10-10' AND released_at = ?`, at(2026, 10, 3, 8, 0)); n != 12 {
			t.Errorf("the make-up Saturday's slots open a week ahead at 08:00: %d of 12 (%s)", n, released)
		}
	})
}

func TestReleaseMakesEachDayOnce(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		h := w.newHall("市民之家", []string{"G1"}, nil)
		w.schedule(h, "综合窗口1", "workdays", "09:00", "12:00", 30, 3)
		before := w.count(`SELECT COUNT(*) FROM slots`)
		w.set(at(2026, 11, 13, 7, 0)) // three days later: the 18th, 19th and 20th come within reach
		var made atomic.Int64
		concurrently(4, func(int) error { // four instances at once
			n, err := w.s.Release(ctx)
			made.Add(int64(n))
			return err
		})
		if after := w.count(`SELECT COUNT(*) FROM slots`); after != before+18 || made.Load() != 18 {
			t.Fatalf("slots %d → %d, %d made; want three new days of 6", before, after, made.Load())
		}
	})
}

func TestAvailability(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.set(at(2026, 11, 10, 7, 0))
		h := w.newHall("市民之家", []string{"G1"}, map[string]string{"不动产专窗": "B"})
		w.schedule(h, "综合窗口1", "workdays", "09:00", "10:00", 30, 2)
		w.schedule(h, "不动产专窗", "workdays", "09:00", "10:00", 30, 2)

		got, err := w.s.Slots(ctx, h.id, "G1", "2026-11-17")
		if err != nil || len(got.Items) != 0 || got.ReleasesAt == nil || !got.ReleasesAt.Equal(at(2026, 11, 10, 8, 0)) {
			t.Fatalf("before 08:00 the day shows when it opens: %+v %v", got, err)
		}
		w.set(at(2026, 11, 10, 8, 0))
		got, _ = w.s.Slots(ctx, h.id, "G1", "2026-11-17")
		if len(got.Items) != 2 || got.Items[0].Remaining != 2 || got.Items[0].Window != "综合窗口1" {
			t.Fatalf("at 08:00: %+v", got)
		}
		if bdc, _ := w.s.Slots(ctx, h.id, "BDC", "2026-11-17"); len(bdc.Items) != 2 || bdc.Items[0].Window != "不动产专窗" {
			t.Fatalf("the dedicated lane's item sees its own window: %+v", bdc)
		}
		w.book(w.resident("o-a", "13800000001"), got.Items[0].ID, "G1")
		if again, _ := w.s.Slots(ctx, h.id, "G1", "2026-11-17"); again.Items[0].Remaining != 1 {
			t.Fatalf("a booking refreshes the cached day: %+v", again.Items[0])
		}
		for _, c := range []struct{ guide, date, want string }{
			{"G1", "2026-11-18", "invalid_request"}, // beyond the horizon
			{"G1", "2026-11-09", "invalid_request"}, // yesterday
			{"G1", "17/11/2026", "invalid_request"},
			{"G9", "2026-11-17", "guide_not_bookable_here"},
		} {
			if _, err := w.s.Slots(ctx, h.id, c.guide, c.date); code(err) != c.want {
				t.Errorf("%s on %s: %v, want %s", c.guide, c.date, err, c.want)
			}
		}
		if _, err := w.s.Slots(ctx, 9999, "G1", "2026-11-17"); code(err) != "hall_not_found" {
			t.Errorf("no such hall: %v", err)
		}
	})
}

func TestAdminValidation(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		h := w.newHall("市民之家", []string{"G1"}, nil)
		if _, err := w.s.SaveHall(ctx, w.admin, 0, booking.HallInput{Name: "市民之家"}); code(err) != "invalid_request" {
			t.Errorf("a second hall of the same name: %v", err)
		}
		if _, err := w.s.SaveHall(ctx, w.admin, 0, booking.HallInput{Name: "新大厅", Hours: map[string]string{"8": "09:00-17:00"}}); code(err) != "invalid_request" {
			t.Errorf("hours of weekday 8: %v", err)
		}
		if _, err := w.s.SetGuides(ctx, w.admin, h.id, []booking.GuideLane{{Code: "OFF"}}); code(err) != "invalid_request" {
			t.Errorf("an item not bookable: %v", err)
		}
		if _, err := w.s.SetGuides(ctx, w.admin, h.id, []booking.GuideLane{{Code: "G1", Lane: "Z"}}); code(err) != "invalid_request" {
			t.Errorf("a lane without windows: %v", err)
		}
		if _, err := w.s.AddWindow(ctx, w.admin, h.id, booking.WindowInput{Name: "专窗", Kind: booking.KindDedicated, Prefix: "A"}); code(err) != "invalid_request" {
			t.Errorf("a dedicated window on the comprehensive prefix: %v", err)
		}
		for _, in := range []booking.ScheduleInput{
			{WindowID: h.windows["综合窗口1"], Start: "09:00", End: "09:10", SlotMinutes: 30, Capacity: 1},
			{WindowID: h.windows["综合窗口1"], Start: "09:00", End: "12:00", SlotMinutes: 30, Capacity: 0},
			{WindowID: h.windows["综合窗口1"], Days: "0,8", Start: "09:00", End: "12:00", SlotMinutes: 30, Capacity: 1},
			{WindowID: 9999, Start: "09:00", End: "12:00", SlotMinutes: 30, Capacity: 1},
		} {
			if _, err := w.s.AddSchedule(ctx, w.admin, h.id, in); code(err) != "invalid_request" {
				t.Errorf("schedule %+v: %v", in, err)
			}
		}
		if _, err := w.s.Close(ctx, w.admin, h.id, booking.ClosureInput{Date: "2026-11-09", Reason: "过去的日子"}); code(err) != "invalid_request" {
			t.Errorf("closing a past day: %v", err)
		}
		if n := w.count(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'hall.%'`); n != 3 {
			t.Errorf("%d audited hall changes, want the hall, its window and its items", n)
		}
	})
}
