package booking_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/booking"
	"govapp/internal/config"
	"govapp/internal/platform/db"
)

// concurrently runs fn n times at once and counts the answers by code.
func concurrently(n int, fn func(i int) error) map[string]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			err := fn(i)
			mu.Lock()
			got[code(err)]++
			mu.Unlock()
		}(i)
	}
	close(start)
	wg.Wait()
	return got
}

func TestPersonLimitsHoldUnderConcurrency(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := w.newHall("市民之家", []string{"G1", "G2", "G3", "G4", "G5"}, nil)
		w.schedule(h, "综合窗口1", "workdays", "09:00", "17:00", 30, 5)
		slots := w.slots(h, "2026-11-17")
		ctx := context.Background()

		t.Run("one active appointment per item: ten slots of one item at once give one", func(t *testing.T) {
			r := w.resident("o-one", "13800000001")
			got := concurrently(10, func(i int) error { _, err := w.s.Book(ctx, r, slots[i], "G1"); return err })
			if got["ok"] != 1 || got["already_booked"] != 9 {
				t.Fatalf("answers %v, want 1 ok and 9 already_booked", got)
			}
			w.checkCounts()
		})
		t.Run("three active in all: five items at once give three", func(t *testing.T) {
			r := w.resident("o-three", "13800000002")
			got := concurrently(5, func(i int) error { _, err := w.s.Book(ctx, r, slots[i], fmt.Sprintf("G%d", i+1)); return err })
			if got["ok"] != 3 || got["active_limit"] != 2 {
				t.Fatalf("answers %v, want 3 ok and 2 active_limit", got)
			}
			_, err := w.s.Book(ctx, r, slots[9], "G5")
			if code(err) != "active_limit" || !strings.Contains(err.Error(), "上限 3 个") {
				t.Fatalf("the limit's message: %v", err)
			}
			w.checkCounts()
		})
		t.Run("the limits are the person's, whatever the WeChat account", func(t *testing.T) {
			a := w.resident("o-phone-a", "13800000003")
			b := w.resident("o-phone-b", "13800000003")
			got := concurrently(2, func(i int) error { _, err := w.s.Book(ctx, []int64{a, b}[i], slots[10+i], "G2"); return err })
			if got["ok"] != 1 || got["already_booked"] != 1 {
				t.Fatalf("answers %v, want 1 ok and 1 already_booked", got)
			}
			w.checkCounts()
		})
	})
}

func TestCancelAndReschedule(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := w.newHall("市民之家", []string{"G1", "G2"}, nil)
		w.schedule(h, "综合窗口1", "workdays", "09:00", "17:00", 30, 2)
		slots := w.slots(h, "2026-11-17") // 09:00, 09:30, …
		ctx := context.Background()
		alice, bob, carol := w.resident("o-alice", "13800000001"), w.resident("o-bob", "13800000002"), w.resident("o-carol", "13800000003")
		booked := func(slot int64) int { return w.count(`SELECT booked FROM slots WHERE id = ?`, slot) }

		t.Run("another resident's appointment does not exist for them", func(t *testing.T) {
			a := w.book(alice, slots[0], "G1")
			if _, err := w.s.Cancel(ctx, bob, a.ID); code(err) != "appointment_not_found" {
				t.Fatalf("bob cancels alice's appointment: %v", err)
			}
			if _, err := w.s.Reschedule(ctx, bob, a.ID, slots[1]); code(err) != "appointment_not_found" {
				t.Fatalf("bob moves alice's appointment: %v", err)
			}
		})
		t.Run("rescheduling to a full slot keeps the old appointment", func(t *testing.T) {
			w.book(bob, slots[2], "G1")
			w.book(carol, slots[2], "G1")
			mine, _, _ := w.s.Mine(ctx, alice, "", 10)
			_, err := w.s.Reschedule(ctx, alice, mine[0].ID, slots[2])
			if code(err) != "slot_full" {
				t.Fatalf("reschedule to a full slot: %v", err)
			}
			if got, _ := w.s.Get(ctx, alice, mine[0].ID); got.Status != booking.StatusBooked || booked(slots[0]) != 1 || booked(slots[2]) != 2 {
				t.Fatalf("after a refused reschedule: %s, counts %d and %d", got.Status, booked(slots[0]), booked(slots[2]))
			}
			w.checkCounts()
		})
		t.Run("a reschedule takes the new place and gives back the old, in one step", func(t *testing.T) {
			mine, _, _ := w.s.Mine(ctx, alice, "", 10)
			moved, err := w.s.Reschedule(ctx, alice, mine[0].ID, slots[3])
			if err != nil {
				t.Fatal(err)
			}
			if moved.SlotID != slots[3] || moved.RescheduledFrom == nil || *moved.RescheduledFrom != mine[0].ID || moved.Code == mine[0].Code {
				t.Fatalf("the new appointment: %+v", moved)
			}
			old, _ := w.s.Get(ctx, alice, mine[0].ID)
			if old.Status != booking.StatusRescheduled || booked(slots[0]) != 0 || booked(slots[3]) != 1 {
				t.Fatalf("old %s, counts %d and %d", old.Status, booked(slots[0]), booked(slots[3]))
			}
			w.checkCounts()
		})
		t.Run("cancel until one hour before the start", func(t *testing.T) {
			a := w.book(alice, slots[4], "G2") // 11:00
			b := w.book(bob, slots[4], "G2")
			w.set(at(2026, 11, 17, 9, 59))
			if _, err := w.s.Cancel(ctx, alice, a.ID); err != nil {
				t.Fatalf("61 minutes before: %v", err)
			}
			w.set(at(2026, 11, 17, 10, 1))
			_, err := w.s.Cancel(ctx, bob, b.ID)
			if code(err) != "cancel_too_late" || !strings.Contains(err.Error(), "1 小时") {
				t.Fatalf("59 minutes before: %v", err)
			}
			if _, err := w.s.Cancel(ctx, alice, a.ID); code(err) != "appointment_not_booked" {
				t.Fatalf("cancelled twice: %v", err)
			}
			if booked(slots[4]) != 1 {
				t.Fatalf("slot count %d after one cancellation", booked(slots[4]))
			}
			if _, err := w.s.Book(ctx, carol, slots[4], "G2"); err != nil {
				t.Fatalf("the returned place is bookable again: %v", err)
			}
			w.checkCounts()
			w.set(at(2026, 11, 10, 8, 0))
		})
	})
}

func TestConcurrentReschedulesAndCancelsKeepCountsExact(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := w.newHall("市民之家", []string{"G1"}, nil)
		w.schedule(h, "综合窗口1", "workdays", "09:00", "11:00", 30, 10)
		slots := w.slots(h, "2026-11-17") // four slots of 10
		ctx := context.Background()
		people := w.residents("move", 40)
		appts := make([]int64, len(people))
		for i, r := range people {
			appts[i] = w.book(r, slots[i%4], "G1").ID // every slot full
		}
		// Everyone at once: even ones cancel, odd ones move to the next slot
		// (places there appear only as cancellations land).
		got := concurrently(len(people), func(i int) error {
			if i%2 == 0 {
				_, err := w.s.Cancel(ctx, people[i], appts[i])
				return err
			}
			_, err := w.s.Reschedule(ctx, people[i], appts[i], slots[(i+1)%4])
			return err
		})
		t.Logf("answers: %v", got)
		if got["ok"]+got["slot_full"] != len(people) || got["ok"] < 20 {
			t.Fatalf("answers %v: only ok and slot_full expected, every cancel ok", got)
		}
		w.checkCounts()
		// 20 cancelled; each mover holds one place, old or new.
		if n := w.count(`SELECT COUNT(*) FROM appointments WHERE status = 'booked'`); n != 20 {
			t.Fatalf("%d booked appointments after %v, want 20", n, got)
		}
	})
}

func TestReturnDelay(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, func(b *config.Booking) { b.ReturnDelay = config.Duration(10 * time.Minute) })
		h := w.newHall("市民之家", []string{"G1"}, nil)
		w.schedule(h, "综合窗口1", "workdays", "09:00", "09:30", 30, 1)
		slot := w.slots(h, "2026-11-17")[0]
		ctx := context.Background()
		alice, bob := w.resident("o-alice", "13800000001"), w.resident("o-bob", "13800000002")
		a := w.book(alice, slot, "G1")
		if _, err := w.s.Cancel(ctx, alice, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Book(ctx, bob, slot, "G1"); code(err) != "slot_full" {
			t.Fatalf("a cancelled place is back before the delay: %v", err)
		}
		w.set(at(2026, 11, 10, 8, 9))
		if n, _ := w.s.ReturnPlaces(ctx); n != 0 {
			t.Fatalf("%d places returned before the delay", n)
		}
		w.set(at(2026, 11, 10, 8, 10))
		if n, _ := w.s.ReturnPlaces(ctx); n != 1 {
			t.Fatalf("%d places returned after the delay, want 1", n)
		}
		if n, _ := w.s.ReturnPlaces(ctx); n != 0 {
			t.Fatalf("a place returned twice")
		}
		if _, err := w.s.Book(ctx, bob, slot, "G1"); err != nil {
			t.Fatalf("the returned place: %v", err)
		}
		w.checkCounts()
	})
}
