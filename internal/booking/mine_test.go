package booking_test

import (
	"context"
	"testing"

	"govapp/internal/platform/db"
)

// TestMyAppointmentAndCallingWindow: a resident reads one appointment of
// theirs (another's does not exist for them), the list counts them all
// whatever the page, and once called the appointment names the window that
// called the resident.
func TestMyAppointmentAndCallingWindow(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		h := w.twoWindows("叫号大厅", 2, 2)
		slots := w.slots(h, "2026-11-17")
		alice, bob := w.resident("o-alice", "13800000011"), w.resident("o-bob", "13800000012")
		first := w.book(alice, slots[2], "G1")
		if _, err := w.s.Cancel(ctx, alice, first.ID); err != nil {
			t.Fatal(err)
		}
		a := w.book(alice, slots[0], "G1")
		w.book(bob, slots[0], "G1")
		if _, err := w.s.Get(ctx, bob, a.ID); code(err) != "appointment_not_found" {
			t.Fatalf("another resident's appointment: %v, want appointment_not_found", err)
		}
		page, err := w.s.MyAppointments(ctx, alice, "", 1)
		if err != nil || page.Total != 2 || len(page.Items) != 1 || page.NextCursor == "" || page.Items[0].ID != a.ID {
			t.Fatalf("a page of one of alice's two (one cancelled): %+v %v", page, err)
		}
		if page, _ = w.s.MyAppointments(ctx, bob, "", 10); page.Total != 1 || len(page.Items) != 1 {
			t.Fatalf("bob's list: %+v", page)
		}

		w.set(at(2026, 11, 17, 9, 0))
		if _, err := w.s.CheckIn(ctx, w.admin, h.id, a.Code); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.s.Get(ctx, alice, a.ID); got.WindowName != "" || got.QueueNumber == "" {
			t.Fatalf("checked in, not yet called: %+v", got)
		}
		if _, err := w.s.CallNext(ctx, w.admin, h.id, h.windows["综合窗口2"]); err != nil {
			t.Fatal(err)
		}
		got, err := w.s.Get(ctx, alice, a.ID)
		if err != nil || got.WindowName != "综合窗口2" {
			t.Fatalf("called at 综合窗口2: %+v %v", got, err)
		}
	})
}

// TestHallsForGuide: halls filtered by an item list only the halls that
// take bookings for it; no item lists every hall.
func TestHallsForGuide(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		one := w.newHall("一号大厅", []string{"G1"}, nil)
		two := w.newHall("二号大厅", []string{"G2"}, nil)
		for _, c := range []struct {
			guide string
			want  []int64
		}{
			{"G1", []int64{one.id}},
			{"G2", []int64{two.id}},
			{"G9", nil},
			{"", []int64{one.id, two.id}},
		} {
			halls, err := w.s.HallsFor(ctx, c.guide, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, h := range halls {
				ids = append(ids, h.ID)
			}
			if len(ids) != len(c.want) || (len(ids) > 0 && (ids[0] != c.want[0] || ids[len(ids)-1] != c.want[len(c.want)-1])) {
				t.Errorf("guide_code=%q: halls %v, want %v", c.guide, ids, c.want)
			}
		}
	})
}
