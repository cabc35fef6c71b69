package booking_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/booking"
	"govapp/internal/platform/db"
)

func clerkOf(h hall) account.Principal {
	return account.Principal{Kind: account.KindStaff, ID: 1, Role: account.RoleClerk, Name: "clerk", HallID: h.id}
}

func TestQueue(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		h := w.newHall("市民之家", []string{"G1"}, map[string]string{"不动产专窗": "B"})
		other := w.newHall("高新区政务服务中心", []string{"G1"}, nil)
		w.schedule(h, "综合窗口1", "workdays", "09:00", "10:00", 30, 10)
		w.schedule(h, "不动产专窗", "workdays", "09:00", "10:00", 30, 10)
		w.schedule(other, "综合窗口1", "workdays", "09:00", "10:00", 30, 10)
		people := w.residents("q", 4)
		slot := w.laneSlots(h, "2026-11-17", "A")[0]
		a1 := w.book(people[0], slot, "G1")
		a2 := w.book(people[1], slot, "G1")
		b1 := w.book(people[2], w.laneSlots(h, "2026-11-17", "B")[0], "BDC")
		elsewhere := w.book(people[3], w.slots(other, "2026-11-17")[0], "G1")
		clerk := clerkOf(h)
		win := h.windows["综合窗口1"]

		t.Run("check-in opens 30 minutes before the start", func(t *testing.T) {
			w.set(at(2026, 11, 17, 8, 29))
			_, err := w.s.CheckIn(ctx, clerk, h.id, a1.Code)
			if code(err) != "checkin_closed" || !strings.Contains(err.Error(), "08:30") {
				t.Fatalf("at 08:29: %v", err)
			}
		})
		t.Run("codes of another hall, mistyped or guessed are refused alike", func(t *testing.T) {
			w.set(at(2026, 11, 17, 8, 39))
			for _, c := range []string{elsewhere.Code, a1.Code[:len(a1.Code)-1] + "x", "1234", fmt.Sprint(a1.ID) + "000000"} {
				if _, err := w.s.CheckIn(ctx, clerk, h.id, c); code(err) != "checkin_code_invalid" {
					t.Errorf("code %q: %v", c, err)
				}
			}
		})
		var order []string
		t.Run("numbers carry the lane's prefix", func(t *testing.T) {
			w.set(time.Date(2026, 11, 17, 8, 39, 59, 0, shanghai).UTC())
			walk1, err := w.s.WalkIn(ctx, clerk, h.id, booking.WalkInInput{})
			if err != nil || walk1.Number != "A001" {
				t.Fatalf("first walk-in: %+v %v", walk1, err)
			}
			w.set(time.Date(2026, 11, 17, 8, 40, 10, 0, shanghai).UTC())
			walk2, _ := w.s.WalkIn(ctx, clerk, h.id, booking.WalkInInput{GuideCode: "G1"})
			w.set(time.Date(2026, 11, 17, 8, 40, 50, 0, shanghai).UTC())
			t1, err := w.s.CheckIn(ctx, clerk, h.id, a1.Code)
			if err != nil || t1.Number != "A003" || t1.Kind != booking.QueueAppointment {
				t.Fatalf("check-in: %+v %v", t1, err)
			}
			tb, _ := w.s.CheckIn(ctx, clerk, h.id, b1.Code)
			if tb.Number != "B001" {
				t.Fatalf("the dedicated lane's number: %s", tb.Number)
			}
			if _, err := w.s.CheckIn(ctx, clerk, h.id, a1.Code); code(err) != "already_checked_in" || !strings.Contains(err.Error(), "A003") {
				t.Fatalf("checked in twice: %v", err)
			}
			w.set(time.Date(2026, 11, 17, 8, 41, 5, 0, shanghai).UTC())
			t2, _ := w.s.CheckIn(ctx, clerk, h.id, a2.Code)
			// FIFO by check-in minute, appointments before walk-ins of the same minute.
			order = []string{walk1.Number, t1.Number, walk2.Number, t2.Number}
		})
		t.Run("call next follows the order", func(t *testing.T) {
			w.set(at(2026, 11, 17, 8, 45))
			for i, want := range order {
				c, err := w.s.CallNext(ctx, clerk, h.id, win)
				if err != nil || c.Number != want || c.Window != "综合窗口1" {
					t.Fatalf("call %d: %+v %v, want %s", i, c, err, want)
				}
				if i == 0 {
					if _, err := w.s.CallNext(ctx, clerk, h.id, win); code(err) != "window_busy" {
						t.Fatalf("calling over the current number: %v", err)
					}
				}
				if i == len(order)-1 {
					break
				}
				if _, err := w.s.Complete(ctx, clerk, h.id, win); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := w.s.Get(ctx, people[0], a1.ID); got.Status != booking.StatusDone || got.QueueNumber != "A003" {
				t.Fatalf("the served appointment: %+v", got)
			}
		})
		t.Run("absent only after three calls", func(t *testing.T) {
			if _, err := w.s.Absent(ctx, clerk, h.id, win); code(err) != "absent_too_soon" {
				t.Fatalf("absent after one call: %v", err)
			}
			for i := 2; i <= 3; i++ {
				c, err := w.s.Recall(ctx, clerk, h.id, win)
				if err != nil || c.Calls != i {
					t.Fatalf("recall: %+v %v", c, err)
				}
			}
			if _, err := w.s.Recall(ctx, clerk, h.id, win); code(err) != "recall_limit" {
				t.Fatalf("a fourth call: %v", err)
			}
			if c, err := w.s.Absent(ctx, clerk, h.id, win); err != nil || c.Status != booking.QueueAbsent {
				t.Fatalf("absent: %+v %v", c, err)
			}
			if got, _ := w.s.Get(ctx, people[1], a2.ID); got.Status != booking.StatusAbsent {
				t.Fatalf("the absent appointment: %s", got.Status)
			}
			if _, err := w.s.CallNext(ctx, clerk, h.id, win); code(err) != "queue_empty" {
				t.Fatalf("an empty lane: %v", err)
			}
		})
		t.Run("the live queue", func(t *testing.T) {
			v, err := w.s.Queue(ctx, clerk, h.id)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Waiting) != 1 || v.Waiting[0].Number != "B001" || v.Counts["done"] != 3 || v.Counts["absent"] != 1 || v.AverageWaitMinutes <= 0 {
				t.Fatalf("queue: %+v", v)
			}
		})
		t.Run("a clerk works only their hall", func(t *testing.T) {
			for _, err := range []error{
				func() error { _, err := w.s.Queue(ctx, clerk, other.id); return err }(),
				func() error { _, err := w.s.CheckIn(ctx, clerk, other.id, elsewhere.Code); return err }(),
				func() error { _, err := w.s.CallNext(ctx, clerk, other.id, other.windows["综合窗口1"]); return err }(),
				func() error { _, err := w.s.CallNext(ctx, clerk, h.id, other.windows["综合窗口1"]); return err }(),
			} {
				if c := code(err); c != "other_hall" && c != "window_not_found" {
					t.Errorf("another hall: %v", err)
				}
			}
			if _, err := w.s.Queue(ctx, w.admin, other.id); err != nil {
				t.Errorf("an admin sees every hall: %v", err)
			}
		})
	})
}

func TestQueueNumbersUniqueUnderConcurrentCheckIns(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		h := w.newHall("市民之家", []string{"G1"}, nil)
		w.schedule(h, "综合窗口1", "workdays", "09:00", "09:30", 30, 60)
		slot := w.slots(h, "2026-11-17")[0]
		people := w.residents("ci", 60)
		codes := make([]string, len(people))
		for i, r := range people {
			codes[i] = w.book(r, slot, "G1").Code
		}
		w.set(at(2026, 11, 17, 8, 50))
		var mu sync.Mutex
		var numbers []string
		got := concurrently(len(people)+20, func(i int) error {
			var t *booking.QueueTicket
			var err error
			if i < len(people) {
				t, err = w.s.CheckIn(ctx, clerkOf(h), h.id, codes[i])
			} else {
				t, err = w.s.WalkIn(ctx, clerkOf(h), h.id, booking.WalkInInput{})
			}
			if err == nil {
				mu.Lock()
				numbers = append(numbers, t.Number)
				mu.Unlock()
			}
			return err
		})
		if got["ok"] != 80 {
			t.Fatalf("answers %v", got)
		}
		sort.Strings(numbers)
		for i, n := range numbers {
			if want := fmt.Sprintf("A%03d", i+1); n != want {
				t.Fatalf("numbers %v: %s at %d, want %s", numbers, n, i, want)
			}
		}
		w.checkCounts()
	})
}
