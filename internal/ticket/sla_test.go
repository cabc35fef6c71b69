package ticket_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/ticket"
)

func TestReplyDeadlinesRunOnWorkingDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		cases := []struct {
			name     string
			accepted time.Time
			want     time.Time
		}{
			// the make-up Sunday 2026-09-20 counts; 2026-09-25…27 and Oct 1–7 do not
			{"complaint accepted Friday 2026-09-18 16:00", at(2026, 9, 18, 16, 0), at(2026, 10, 9, 16, 0)},
			// the make-up Saturday 2026-10-10 counts (without it: 10-21)
			{"complaint accepted Wednesday 2026-09-30 10:00", at(2026, 9, 30, 10, 0), at(2026, 10, 20, 10, 0)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				w.now = c.accepted.Add(-time.Hour)
				tk := w.submit(w.alice, "小区电梯停运两周")
				w.now = c.accepted
				got := w.must(w.act(w.operator, tk.TrackingNo, ticket.ActAccept, ticket.ActInput{}))
				if got.Deadlines.ReplyBy == nil || !got.Deadlines.ReplyBy.Equal(c.want) {
					t.Fatalf("reply due %s, want %s", fmtLocal(got.Deadlines.ReplyBy), fmtLocal(&c.want))
				}
			})
		}
	})
}

func TestNeedInfoPausesTheClock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.now = at(2026, 11, 2, 10, 0) // Monday
		tk := w.submit(w.alice, "路灯不亮已一周")
		w.must(w.act(w.operator, tk.TrackingNo, ticket.ActAccept, ticket.ActInput{}))
		w.must(w.act(w.operator, tk.TrackingNo, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.lead}))
		got := w.must(w.act(w.handler, tk.TrackingNo, ticket.ActSign, ticket.ActInput{}))
		before := *got.Deadlines.ReplyBy
		if want := at(2026, 11, 16, 10, 0); !before.Equal(want) {
			t.Fatalf("due %s, want %s", fmtLocal(&before), fmtLocal(&want))
		}
		w.now = at(2026, 11, 3, 10, 0) // Tuesday: ask the submitter
		w.must(w.act(w.handler, tk.TrackingNo, ticket.ActAskInfo, ticket.ActInput{Note: "请提供具体位置"}))
		paused := w.must(w.s.Get(context.Background(), w.alice, tk.TrackingNo))
		if !paused.Deadlines.Paused {
			t.Fatal("need_info must show the clock paused")
		}
		w.now = at(2026, 11, 6, 10, 0) // Friday: 3 working days later
		got = w.must(w.act(w.alice, tk.TrackingNo, ticket.ActProvideInfo, ticket.ActInput{Note: "幸福路 28 号门口"}))
		if want := at(2026, 11, 19, 10, 0); !got.Deadlines.ReplyBy.Equal(want) {
			t.Fatalf("after a 3-working-day pause: due %s, want %s", fmtLocal(got.Deadlines.ReplyBy), fmtLocal(&want))
		}
	})
}

func TestExtensionOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.now = at(2026, 11, 2, 10, 0)
		tk := w.submit(w.alice, "噪音扰民")
		w.must(w.act(w.operator, tk.TrackingNo, ticket.ActAccept, ticket.ActInput{}))
		w.must(w.act(w.operator, tk.TrackingNo, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.lead}))
		w.must(w.act(w.handler, tk.TrackingNo, ticket.ActSign, ticket.ActInput{}))
		w.must(w.act(w.handler, tk.TrackingNo, ticket.ActRequestExtension, ticket.ActInput{Note: "需协调多部门", Days: 5}))
		got := w.must(w.act(w.operator, tk.TrackingNo, ticket.ActApproveExtension, ticket.ActInput{}))
		if want := at(2026, 11, 23, 10, 0); !got.Deadlines.ReplyBy.Equal(want) {
			t.Fatalf("extended due %s, want %s", fmtLocal(got.Deadlines.ReplyBy), fmtLocal(&want))
		}
		if _, err := w.act(w.handler, tk.TrackingNo, ticket.ActRequestExtension, ticket.ActInput{Note: "再延", Days: 2}); err != ticket.ErrExtensionUsed {
			t.Fatalf("second extension: %v", err)
		}
	})
}

func TestRemindersAndOverdueFlagsHappenOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.now = at(2026, 11, 2, 10, 0)
		tk := w.submit(w.alice, "占道经营")
		w.must(w.act(w.operator, tk.TrackingNo, ticket.ActAccept, ticket.ActInput{}))
		ctx := context.Background()
		w.now = at(2026, 11, 12, 10, 0) // 8 of 10 working days
		var wg sync.WaitGroup
		counts := make([]int, 4)
		for i := range counts {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				n, err := w.s.RemindDue(ctx)
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			}(i)
		}
		wg.Wait()
		if total := counts[0] + counts[1] + counts[2] + counts[3]; total != 1 {
			t.Fatalf("four concurrent sweeps reminded %d times, want 1", total)
		}
		if n, _ := w.s.FlagOverdue(ctx); n != 0 {
			t.Fatal("flagged overdue before the deadline")
		}
		w.now = at(2026, 11, 16, 10, 1)
		if n, _ := w.s.FlagOverdue(ctx); n != 1 {
			t.Fatalf("overdue flagged %d times", n)
		}
		if n, _ := w.s.FlagOverdue(ctx); n != 0 {
			t.Fatal("overdue flagged twice")
		}
		got := w.must(w.s.Get(ctx, w.operator, tk.TrackingNo))
		if !got.Deadlines.Overdue || got.Deadlines.SecondsLeft >= 0 {
			t.Fatalf("deadlines: %+v", got.Deadlines)
		}
	})
}

func TestAutoCloseAfterSevenDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.now = at(2026, 11, 2, 10, 0)
		tk := w.submit(w.alice, "咨询公积金提取")
		w.must(w.act(w.operator, tk.TrackingNo, ticket.ActAccept, ticket.ActInput{}))
		w.must(w.act(w.operator, tk.TrackingNo, ticket.ActAnswer, ticket.ActInput{Reply: "可通过小程序办理租房提取。"}))
		ctx := context.Background()
		w.now = at(2026, 11, 8, 10, 0)
		if n, _ := w.s.AutoClose(ctx); n != 0 {
			t.Fatal("closed before seven days")
		}
		w.now = at(2026, 11, 9, 10, 1)
		if n, _ := w.s.AutoClose(ctx); n != 1 {
			t.Fatalf("auto-closed %d", n)
		}
		got := w.must(w.s.Get(ctx, w.alice, tk.TrackingNo))
		if got.Status != ticket.Closed {
			t.Fatalf("status %s", got.Status)
		}
	})
}

func TestUnsatisfiedRatingReopensOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		tk := w.submit(w.alice, "物业乱收费")
		w.must(w.act(w.operator, tk.TrackingNo, ticket.ActAccept, ticket.ActInput{}))
		w.must(w.act(w.operator, tk.TrackingNo, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.lead}))
		w.must(w.act(w.handler, tk.TrackingNo, ticket.ActSign, ticket.ActInput{}))
		for round := 1; round <= 2; round++ {
			w.must(w.act(w.handler, tk.TrackingNo, ticket.ActReply, ticket.ActInput{Reply: "已责令物业整改。"}))
			w.must(w.act(w.operator, tk.TrackingNo, ticket.ActReviewPass, ticket.ActInput{}))
			if _, err := w.act(w.bob, tk.TrackingNo, ticket.ActRate, ticket.ActInput{Rating: 1}); err != ticket.ErrNotFound {
				t.Fatalf("another resident rated: %v", err)
			}
			got := w.must(w.act(w.alice, tk.TrackingNo, ticket.ActRate, ticket.ActInput{Rating: 1, Note: "没有解决"}))
			want := ticket.Handling
			if round == 2 {
				want = ticket.Closed
			}
			if got.Status != want || got.DepartmentID != w.lead {
				t.Fatalf("round %d: %s (department %d)", round, got.Status, got.DepartmentID)
			}
		}
	})
}

// A deadline passed after working hours is late by no working time yet; the
// ticket still reads as overdue (it read "0分钟" with seconds_left 0 at
// night, and the queue showed a late ticket as on time).
func TestDeadlinePassedAfterHoursReadsOverdue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.now = at(2026, 11, 2, 16, 30) // Monday afternoon
		tk := w.submit(w.alice, "路灯不亮已一周")
		due := at(2026, 11, 2, 17, 30) // after the working day ends at 17:00
		if _, err := d.Exec(d.Rebind(`UPDATE tickets SET accept_due_at = ? WHERE tracking_no = ?`), due, tk.TrackingNo); err != nil {
			t.Fatal(err)
		}
		w.now = at(2026, 11, 2, 22, 0) // that night: no working time since the deadline
		got := w.must(w.s.Get(context.Background(), w.operator, tk.TrackingNo))
		cd := got.CurrentDeadline
		if cd == nil || !cd.Overdue || cd.SecondsLeft >= 0 || cd.TimeLeft != "超期 不足1分钟" {
			t.Fatalf("current deadline at night %+v, want overdue, negative seconds, 超期 不足1分钟", cd)
		}
		if dl := got.Deadlines; !dl.Overdue || dl.SecondsLeft >= 0 || dl.TimeLeft != "超期 不足1分钟" {
			t.Fatalf("deadlines at night %+v, want overdue", dl)
		}
		w.now = at(2026, 11, 3, 9, 45) // the next morning: 45 working minutes late
		cd = w.must(w.s.Get(context.Background(), w.operator, tk.TrackingNo)).CurrentDeadline
		if cd.SecondsLeft != -45*60 || cd.TimeLeft != "超期 45分钟" {
			t.Fatalf("next morning %+v, want -2700 s, 超期 45分钟", cd)
		}
	})
}
