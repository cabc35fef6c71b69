package ticket_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/ticket"
)

// TestDailyCap: a resident files at most tickets.per_resident_per_day (10)
// tickets a local calendar day; operators' recorded calls do not count.
func TestDailyCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var w *world
		submit := func(a ticket.Actor) error {
			_, err := w.s.Submit(ctx, a, ticket.Input{Kind: ticket.KindComplaint, Category: "住房城建", Title: "电梯停运",
				Content: "小区电梯已经停运两周，物业一直不修，老人上下楼困难。"})
			return err
		}

		w = newWorld(t, d)
		t.Run("the count starts from the tickets the day already has", func(t *testing.T) {
			w.now = at(2026, 9, 14, 23, 30)
			for i := 0; i < 7; i++ { // filed before the day's count was kept (as on the day of the upgrade)
				if _, err := d.Exec(d.Rebind(`INSERT INTO tickets (tracking_no, channel, kind, category, title, content, submitter_id, status, created_at, updated_at)
					VALUES (?, 'mailbox', 'complaint', '住房城建', '电梯停运', '小区电梯停运两周无人维修。', ?, 'submitted', ?, ?)`),
					fmt.Sprintf("MY20260914%07d", i+1), w.alice.ID, w.now.Add(-time.Duration(i)*time.Hour), w.now); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 3; i++ {
				if err := submit(w.alice); err != nil {
					t.Fatalf("submission %d of the day: %v", 8+i, err)
				}
			}
			if err := submit(w.alice); !errors.Is(err, ticket.ErrTooManyToday) {
				t.Fatalf("the 11th submission of the day: %v, want ErrTooManyToday", err)
			}
			if err := submit(w.bob); err != nil {
				t.Fatalf("another resident: %v", err)
			}
			w.submit(w.operator, "来电登记")  // calls recorded by operators are not counted
			w.now = at(2026, 9, 15, 0, 5) // the next day in the city (still the 14th in UTC)
			if err := submit(w.alice); err != nil {
				t.Fatalf("the first submission of the next day: %v", err)
			}
		})

		t.Run("counts of past days are purged", func(t *testing.T) {
			w.now = at(2026, 9, 16, 10, 0) // alice counted on the 14th and the 15th, bob on the 14th
			n, err := w.s.PurgeDailyCounts(ctx)
			if err != nil || n != 2 {
				t.Fatalf("purged %d rows (%v), want 2 (the 14th's; yesterday's stays)", n, err)
			}
			var left []string
			if err := d.Select(&left, `SELECT day FROM ticket_daily_counts ORDER BY day`); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(left) != "[2026-09-15]" {
				t.Fatalf("days left %v", left)
			}
		})
	})
}
