package booking_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"govapp/internal/booking"
	"govapp/internal/platform/db"
)

// TestNoShowRule: not checked in by the end of the slot plus grace is a
// no-show; the third within 90 days bars booking for 30 days, and the error
// names the last day of the bar; an office closure never counts.
func TestNoShowRule(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.set(at(2026, 11, 12, 8, 0)) // the 17th, 18th and 19th are open
		x := w.newHall("市民之家", []string{"G1", "G2", "G3"}, nil)
		y := w.newHall("城东区政务服务中心", []string{"G1", "G2", "G3"}, nil)
		for _, h := range []hall{x, y} {
			w.schedule(h, "综合窗口1", "workdays", "09:00", "09:30", 30, 5)
		}
		late, closed := w.resident("o-late", "13800000001"), w.resident("o-closed", "13800000002")
		days := []string{"2026-11-17", "2026-11-18", "2026-11-19"}
		var lateAppts []int64
		for i, day := range days {
			g := []string{"G1", "G2", "G3"}[i]
			lateAppts = append(lateAppts, w.book(late, w.slots(x, day)[0], g).ID)
			w.book(closed, w.slots(y, day)[0], g)
		}
		cl, err := w.s.Close(ctx, w.admin, y.id, booking.ClosureInput{Date: "2026-11-19", Reason: "系统升级"})
		if err != nil || cl.Cancelled != 1 {
			t.Fatalf("closure: %+v %v", cl, err)
		}
		if n := w.count(`SELECT COUNT(*) FROM push_messages WHERE cause LIKE 'appointment:%:closed' AND template = 'appointment_change'`); n != 1 {
			t.Fatalf("%d closure notices, want 1", n)
		}

		w.set(at(2026, 11, 17, 9, 44)) // the slot ended 09:30; grace 15 minutes
		if n, _ := w.s.MarkNoShows(ctx); n != 0 {
			t.Fatalf("%d no-shows within the grace", n)
		}
		w.set(at(2026, 11, 17, 9, 45))
		if n, _ := w.s.MarkNoShows(ctx); n != 2 {
			t.Fatalf("%d no-shows at the end of the grace, want 2", n)
		}
		if n, _ := w.s.MarkNoShows(ctx); n != 0 {
			t.Fatalf("marked twice: %d", n)
		}
		w.set(at(2026, 11, 19, 18, 0))
		if n, _ := w.s.MarkNoShows(ctx); n != 3 {
			t.Fatalf("%d no-shows on the 18th and 19th, want 3 (the closed day is not one)", n)
		}
		w.checkCounts()
		if got, _ := w.s.Get(ctx, late, lateAppts[2]); got.Status != booking.StatusNoShow {
			t.Fatalf("status %s", got.Status)
		}
		w.set(at(2026, 11, 20, 8, 0))
		if _, err := w.s.Release(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = w.s.Book(ctx, late, w.slots(x, "2026-11-27")[0], "G1")
		if code(err) != "booking_barred" || !strings.Contains(err.Error(), "2026年12月19日") || !strings.Contains(err.Error(), "3 次") {
			t.Fatalf("the third no-show bars booking until 19 December: %v", err)
		}
		if _, err := w.s.Book(ctx, closed, w.slots(y, "2026-11-27")[0], "G1"); err != nil {
			t.Fatalf("two no-shows and a closure do not bar: %v", err)
		}
		w.set(at(2026, 12, 19, 18, 0))
		if _, err := w.s.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Book(ctx, late, w.slots(x, "2026-12-21")[0], "G1"); err != nil {
			t.Fatalf("the bar ends after 30 days: %v", err)
		}
	})
}

func TestClosures(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		h := w.newHall("市民之家", []string{"G1", "G2"}, map[string]string{"不动产专窗": "B"})
		w.schedule(h, "综合窗口1", "workdays", "09:00", "10:00", 30, 5)
		w.schedule(h, "不动产专窗", "workdays", "09:00", "10:00", 30, 5)
		a := w.laneSlots(h, "2026-11-17", "A")
		b := w.laneSlots(h, "2026-11-17", "B")
		people := w.residents("close", 3)
		onA := w.book(people[0], a[0], "G1")
		onB := w.book(people[1], b[0], "BDC")
		w.book(people[2], w.laneSlots(h, "2026-11-16", "A")[0], "G1")

		cl, err := w.s.Close(ctx, w.admin, h.id, booking.ClosureInput{Date: "2026-11-17", WindowID: h.windows["不动产专窗"], Reason: "设备检修"})
		if err != nil || cl.Cancelled != 1 {
			t.Fatalf("closing a window: %+v %v", cl, err)
		}
		if got, _ := w.s.Get(ctx, people[1], onB.ID); got.Status != booking.StatusCancelledByOffice || !strings.Contains(got.CancelReason, "设备检修") {
			t.Fatalf("the window's appointment: %+v", got)
		}
		if got, _ := w.s.Get(ctx, people[0], onA.ID); got.Status != booking.StatusBooked {
			t.Fatalf("another window's appointment: %s", got.Status)
		}
		if _, err := w.s.Book(ctx, people[1], b[1], "BDC"); code(err) != "slot_unavailable" {
			t.Fatalf("booking a closed window: %v", err)
		}
		cl, err = w.s.Close(ctx, w.admin, h.id, booking.ClosureInput{Date: "2026-11-17", Reason: "停电"})
		if err != nil || cl.Cancelled != 1 {
			t.Fatalf("closing the hall: %+v %v", cl, err)
		}
		var data string
		_ = d.Get(&data, d.Rebind(`SELECT data FROM push_messages WHERE cause = ?`), "appointment:"+itoa(onA.ID)+":closed")
		if !strings.Contains(data, "可改约：11月10日 09:00") {
			t.Fatalf("the notice offers no nearest free slot: %s", data)
		}
		w.checkCounts()
		w.set(at(2026, 11, 17, 23, 0))
		if n, _ := w.s.MarkNoShows(ctx); n != 1 { // the 16th's, not the closed day's
			t.Fatalf("%d no-shows, want 1", n)
		}
		if n := w.count(`SELECT COUNT(*) FROM appointments WHERE id IN (?, ?) AND status = 'cancelled_by_office'`, onA.ID, onB.ID); n != 2 {
			t.Fatalf("closed-day appointments turned no_show")
		}
		w.set(at(2026, 11, 10, 8, 0))
		today, _ := w.s.Halls(ctx, nil, nil)
		if len(today) != 1 || !today[0].Today.Open {
			t.Fatalf("today's opening: %+v", today)
		}
		if _, err := w.s.Close(ctx, w.admin, h.id, booking.ClosureInput{Date: "2026-11-10", Reason: "临时闭厅"}); err != nil {
			t.Fatal(err)
		}
		if today, _ := w.s.Halls(ctx, nil, nil); today[0].Today.Open || !strings.Contains(today[0].Today.Note, "临时闭厅") {
			t.Fatalf("a closed day: %+v", today[0].Today)
		}
	})
}

// TestReminders: the evening before from 18:00 and one hour before, once each.
func TestReminders(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		h := w.newHall("市民之家", []string{"G1"}, nil)
		w.schedule(h, "综合窗口1", "workdays", "09:00", "09:30", 30, 5)
		a := w.book(w.resident("o-alice", "13800000001"), w.slots(h, "2026-11-17")[0], "G1")
		step := func(when [5]int, want int) {
			t.Helper()
			w.set(at(2026, 11, when[0], when[1], when[2]))
			var mu sync.Mutex
			total := 0
			concurrently(3, func(int) error { // three instances sweeping at once
				n, err := w.s.Remind(ctx)
				mu.Lock()
				total += n
				mu.Unlock()
				return err
			})
			if total != want {
				t.Fatalf("at %v: %d reminders, want %d", when, total, want)
			}
		}
		step([5]int{16, 17, 59}, 0)
		step([5]int{16, 18, 0}, 1)
		step([5]int{16, 21, 0}, 0)
		step([5]int{17, 7, 59}, 0)
		step([5]int{17, 8, 0}, 1)
		step([5]int{17, 8, 30}, 0)
		for _, which := range []string{"eve", "hour"} {
			if n := w.count(`SELECT COUNT(*) FROM push_messages WHERE cause = ? AND template = 'appointment_reminder'`,
				"appointment:"+itoa(a.ID)+":"+which); n != 1 {
				t.Fatalf("%d %s reminders enqueued", n, which)
			}
		}
	})
}
