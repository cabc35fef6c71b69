package booking_test

import (
	"context"
	"fmt"
	"testing"

	"govapp/internal/booking"
	"govapp/internal/platform/db"
)

// twoWindows makes a hall whose item G1 is served by two comprehensive
// windows, each with a schedule 09:00–10:00 in 30-minute slots: capacity c1
// at 综合窗口1, c2 at 综合窗口2.
func (w *world) twoWindows(name string, c1, c2 int) hall {
	w.t.Helper()
	h := w.newHall(name, []string{"G1"}, nil)
	win, err := w.s.AddWindow(context.Background(), w.admin, h.id, booking.WindowInput{Name: "综合窗口2", Kind: booking.KindComprehensive})
	if err != nil {
		w.t.Fatal(err)
	}
	h.windows["综合窗口2"] = win.ID
	w.schedule(h, "综合窗口1", "workdays", "09:00", "10:00", 30, c1)
	w.schedule(h, "综合窗口2", "workdays", "09:00", "10:00", 30, c2)
	return h
}

// TestSlotsMergedPerTime: the slots of one time at two windows show as one
// entry with the places summed; booking it takes a place at whichever
// window has one, until both are full; a place given back at either window
// can be booked again through the entry at once.
func TestSlotsMergedPerTime(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		h := w.twoWindows("双窗口大厅", 2, 3)
		got, err := w.s.Slots(ctx, h.id, "G1", "2026-11-17")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Items) != 2 {
			t.Fatalf("%d entries, want one per time (2): %+v", len(got.Items), got.Items)
		}
		e := got.Items[0]
		if e.Capacity != 5 || e.Remaining != 5 || e.Windows != 2 || e.WindowID != 0 || e.Window != "综合窗口1、综合窗口2" {
			t.Fatalf("merged entry %+v, want capacity and remaining 5 over 2 windows", e)
		}
		residents := w.residents("merged", 6)
		var apps []*booking.Appointment
		for _, r := range residents[:5] {
			apps = append(apps, w.book(r, e.ID, "G1"))
		}
		if _, err := w.s.Book(ctx, residents[5], e.ID, "G1"); code(err) != "slot_full" {
			t.Fatalf("a sixth booking of 5 places: %v, want slot_full", err)
		}
		per := func(window string) int {
			return w.count(`SELECT booked FROM slots WHERE window_id = ? AND starts_at = ?`, h.windows[window], e.StartsAt.UTC())
		}
		if per("综合窗口1") != 2 || per("综合窗口2") != 3 {
			t.Fatalf("places taken %d and %d, want every window filled (2 and 3)", per("综合窗口1"), per("综合窗口2"))
		}
		if again, _ := w.s.Slots(ctx, h.id, "G1", "2026-11-17"); again.Items[0].Remaining != 0 || again.Items[1].Remaining != 5 {
			t.Fatalf("after five bookings: %+v", again.Items)
		}
		// give back a place at the window that is not the entry's own slot
		var other *booking.Appointment
		for _, a := range apps {
			if a.SlotID != e.ID {
				other = a
			}
		}
		if other == nil {
			t.Fatal("no booking went to the second window")
		}
		if _, err := w.s.Cancel(ctx, residents[slicesIndex(apps, other)], other.ID); err != nil {
			t.Fatal(err)
		}
		a := w.book(residents[5], e.ID, "G1")
		if a.SlotID != other.SlotID {
			t.Fatalf("the returned place is at slot %d, booked %d", other.SlotID, a.SlotID)
		}
		w.checkCounts()
	})
}

func slicesIndex(apps []*booking.Appointment, a *booking.Appointment) int {
	for i := range apps {
		if apps[i] == a {
			return i
		}
	}
	return -1
}

// TestMergedRushExactCapacity: 400 residents rush the two merged times of a
// hall with two windows (7 + 5 places a time), half of them naming the
// second window's slot: exactly 24 are booked, every window's slot is
// exactly full, every other answer is a clean slot_full. On PostgreSQL both
// booking forms run.
func TestMergedRushExactCapacity(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		forms := []bool{false}
		if d.Dialect == db.Postgres {
			forms = []bool{true, false}
		}
		for i, one := range forms {
			t.Run(fmt.Sprint("one statement=", one), func(t *testing.T) {
				w.s.SetOneStatement(one)
				h := w.twoWindows(fmt.Sprint("合并抢号大厅", i), 7, 5)
				slots := w.slots(h, "2026-11-17") // by start, then window: 4 slots
				if len(slots) != 4 {
					t.Fatalf("%d slots, want 4", len(slots))
				}
				residents := w.residents(fmt.Sprint("mrush", i), 400)
				attempts := make([]attempt, len(residents))
				for j, r := range residents {
					attempts[j] = attempt{resident: r, slot: slots[j%4]}
				}
				got, _ := rush(w, "G1", attempts)
				if got["ok"] != 24 || got["slot_full"] != 376 || len(got) != 2 {
					t.Fatalf("answers %v, want 24 ok and 376 slot_full", got)
				}
				if n := w.count(`SELECT COUNT(*) FROM slots WHERE hall_id = ? AND day = '2026-11-17' AND booked <> capacity`, h.id); n != 0 {
					t.Fatalf("%d slots not exactly full", n)
				}
				w.checkCounts()
			})
		}
	})
}

// TestRescheduleWithinTheTime: moving to another window's slot of the same
// time is no move (same_slot); moving to the next time takes a place there.
func TestRescheduleWithinTheTime(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		h := w.twoWindows("改约大厅", 1, 1)
		slots := w.slots(h, "2026-11-17")
		r := w.resident("o-move", "13600000001")
		a := w.book(r, slots[0], "G1")
		if _, err := w.s.Reschedule(ctx, r, a.ID, slots[1]); code(err) != "same_slot" {
			t.Fatalf("to the other window at the same time: %v, want same_slot", err)
		}
		moved, err := w.s.Reschedule(ctx, r, a.ID, slots[3])
		if err != nil || !moved.StartsAt.Equal(a.StartsAt.Add(30*60e9)) {
			t.Fatalf("to the next time: %+v %v", moved, err)
		}
		w.checkCounts()
	})
}
