package booking_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/platform/db"
)

// attempt is one resident's try at one slot.
type attempt struct {
	resident, slot int64
}

// rush runs every attempt at once (released together) and counts the
// answers by code; it returns the counts and how long the burst took.
func rush(w *world, guide string, attempts []attempt) (map[string]int, time.Duration) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	start := make(chan struct{})
	for _, a := range attempts {
		wg.Add(1)
		go func(a attempt) {
			defer wg.Done()
			<-start
			_, err := w.s.Book(context.Background(), a.resident, a.slot, guide)
			mu.Lock()
			got[code(err)]++
			mu.Unlock()
		}(a)
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	return got, time.Since(t0)
}

// TestRushNeverOverbooks: 2,000 residents (each with a verified phone) try at
// once to book one of 20 slots of capacity 10: exactly 200 are booked, every
// other answer is a clean slot_full, and no slot's count exceeds its
// capacity or differs from its appointments. On PostgreSQL both booking
// forms run: the one-statement CTE and the portable transaction.
func TestRushNeverOverbooks(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		forms := []bool{false}
		if d.Dialect == db.Postgres {
			forms = []bool{true, false}
		}
		for i, one := range forms {
			name := "portable transaction"
			if one {
				name = "one statement"
			}
			t.Run(name, func(t *testing.T) {
				w.s.SetOneStatement(one)
				h := w.newHall(fmt.Sprintf("抢号大厅%d", i), []string{"G1"}, nil)
				w.schedule(h, "综合窗口1", "workdays", "09:00", "19:00", 30, 10)
				slots := w.slots(h, "2026-11-17")
				if len(slots) != 20 {
					t.Fatalf("%d slots, want 20", len(slots))
				}
				residents := w.residents(fmt.Sprintf("rush%d", i), 2000)
				attempts := make([]attempt, len(residents))
				for j, r := range residents {
					attempts[j] = attempt{resident: r, slot: slots[j%len(slots)]}
				}
				got, took := rush(w, "G1", attempts)
				t.Logf("%s, %s: 2,000 attempts in %v (%.0f answers/s): %v", d.Dialect, name, took.Round(time.Millisecond),
					2000/took.Seconds(), got)
				if got["ok"] != 200 || got["slot_full"] != 1800 || len(got) != 2 {
					t.Fatalf("answers %v, want 200 ok and 1,800 slot_full", got)
				}
				if n := w.count(`SELECT COUNT(*) FROM appointments WHERE hall_id = ? AND status = 'booked'`, h.id); n != 200 {
					t.Fatalf("%d booked appointments in the database, want 200", n)
				}
				if n := w.count(`SELECT COUNT(*) FROM slots WHERE hall_id = ? AND day = '2026-11-17' AND booked <> 10`, h.id); n != 0 {
					t.Fatalf("%d slots not exactly full", n)
				}
				w.checkCounts()
			})
		}
	})
}

// TestBookingFormsAgree runs the same refusals through both booking forms:
// each answers with the same code and changes nothing.
func TestBookingFormsAgree(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		forms := []bool{false}
		if d.Dialect == db.Postgres {
			forms = []bool{true, false}
		}
		for _, one := range forms {
			t.Run(fmt.Sprint("one statement=", one), func(t *testing.T) {
				w := newWorld(t, d)
				w.s.SetOneStatement(one)
				h := w.newHall(fmt.Sprint("大厅", one), []string{"G1", "G2", "G3", "G4"}, map[string]string{"不动产专窗": "B"})
				w.schedule(h, "综合窗口1", "workdays", "09:00", "12:00", 30, 2)
				w.schedule(h, "不动产专窗", "workdays", "09:00", "12:00", 30, 2)
				a := w.laneSlots(h, "2026-11-17", "A")
				b := w.laneSlots(h, "2026-11-17", "B")
				// At 07:59 the day a week ahead exists but is not open yet.
				w.set(at(2026, 11, 11, 7, 59))
				if _, err := w.s.Release(context.Background()); err != nil {
					t.Fatal(err)
				}
				next := w.laneSlots(h, "2026-11-18", "A")
				p := fmt.Sprint(one)
				alice, bob := w.resident("o-alice"+p, "1380000000"+p), w.resident("o-bob"+p, "1390000000"+p)
				twin := w.resident("o-alice-2"+p, "1380000000"+p) // the same person on a second WeChat account
				w.book(alice, a[0], "G1")
				w.book(bob, a[0], "G1")
				for _, c := range []struct {
					rule     string
					resident int64
					slot     int64
					guide    string
					want     string
				}{
					{"a full slot", w.resident("o-carol"+p, "1370000000"+p), a[0], "G2", "slot_full"},
					{"a second active appointment for one item", alice, a[1], "G1", "already_booked"},
					{"one item per person, across WeChat accounts", twin, a[2], "G1", "already_booked"},
					{"no bound phone", w.resident("o-nophone"+p, ""), a[1], "G2", "phone_required"},
					{"a slot not yet open", bob, next[0], "G2", "slot_not_released"},
					{"an item the hall does not take", bob, a[1], "G9", "guide_not_bookable_here"},
					{"a dedicated lane for another item", bob, b[0], "G2", "guide_not_bookable_here"},
					{"no such slot", bob, 999999, "G2", "slot_not_found"},
				} {
					before := w.count(`SELECT COALESCE(SUM(booked), 0) FROM slots`)
					_, err := w.s.Book(context.Background(), c.resident, c.slot, c.guide)
					if code(err) != c.want {
						t.Errorf("%s: %v, want %s", c.rule, err, c.want)
					}
					if after := w.count(`SELECT COALESCE(SUM(booked), 0) FROM slots`); after != before {
						t.Errorf("%s changed the slot counts (%d → %d)", c.rule, before, after)
					}
				}
				_, err := w.s.Book(context.Background(), bob, next[0], "G2")
				if !strings.Contains(fmt.Sprint(err), "11月11日 08:00") {
					t.Errorf("a slot not yet open should say when it opens: %v", err)
				}
				w.set(at(2026, 11, 17, 9, 31))
				if _, err := w.s.Book(context.Background(), bob, a[1], "G2"); code(err) != "slot_unavailable" {
					t.Errorf("a past slot: %v", err)
				}
				w.set(at(2026, 11, 11, 7, 59))
				w.book(alice, b[0], "BDC")
				w.checkCounts()
			})
		}
	})
}
