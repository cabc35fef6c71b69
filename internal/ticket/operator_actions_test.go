package ticket_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
	"govapp/internal/ticket"
)

// toVisiting takes a ticket (recorded by the operator, or submitted by
// alice) through accept, dispatch, sign, reply and review to 待回访.
func (w *world) toVisiting(byPhone bool) string {
	w.t.Helper()
	by := w.alice
	if byPhone {
		by = w.operator
	}
	no := w.submit(by, "小区电梯停运两周").TrackingNo
	w.must(w.act(w.operator, no, ticket.ActAccept, ticket.ActInput{}))
	w.must(w.act(w.operator, no, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.lead}))
	w.must(w.act(w.handler, no, ticket.ActSign, ticket.ActInput{}))
	w.must(w.act(w.handler, no, ticket.ActReply, ticket.ActInput{Reply: "已督促物业更换电梯主板，电梯已恢复运行。"}))
	w.must(w.act(w.operator, no, ticket.ActReviewPass, ticket.ActInput{}))
	return no
}

func (w *world) entries(a ticket.Actor, no string) []ticket.Entry {
	w.t.Helper()
	tl, err := w.s.Timeline(context.Background(), a, no)
	if err != nil {
		w.t.Fatal(err)
	}
	return tl
}

func noteOf(tl []ticket.Entry, act ticket.Action, internal bool) string {
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Action == string(act) && tl[i].Internal == internal {
			return tl[i].Note
		}
	}
	return ""
}

func (w *world) resolved(no string) *bool {
	w.t.Helper()
	var v *bool
	if err := w.d.Get(&v, w.d.Rebind(`SELECT resolved FROM tickets WHERE tracking_no = ?`), no); err != nil {
		w.t.Fatal(err)
	}
	return v
}

func TestCallbackRecordsThePhonedInVerdictAsARating(t *testing.T) {
	yes, no := true, false
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()

		t.Run("satisfied and resolved closes the ticket, rated 5, in the statistics", func(t *testing.T) {
			tn := w.toVisiting(true)
			got := w.must(w.act(w.operator, tn, ticket.ActCallback, ticket.ActInput{Satisfied: &yes, Resolved: &yes, Note: "来电人表示电梯已修好"}))
			if got.Status != ticket.Closed || got.Rating != 5 || got.RatingComment != "来电人表示电梯已修好" {
				t.Fatalf("after the callback: %s rated %d %q", got.Status, got.Rating, got.RatingComment)
			}
			if r := w.resolved(tn); r == nil || !*r {
				t.Fatalf("resolved = %v, want true", r)
			}
			note := noteOf(w.entries(w.operator, tn), ticket.ActCallback, false)
			if !strings.Contains(note, "电话回访：满意") || !strings.Contains(note, "已解决") || !strings.Contains(note, "电梯已修好") {
				t.Fatalf("timeline note %q", note)
			}
			st, err := w.s.Stats(ctx, w.now.Add(-1e12), w.now.Add(1e12))
			if err != nil {
				t.Fatal(err)
			}
			if st.Departments[0].Rated < 1 {
				t.Fatalf("the callback's rating is not counted: %+v", st.Departments)
			}
		})

		t.Run("not satisfied reopens once to the same department, like a rating of 2 or less", func(t *testing.T) {
			tn := w.toVisiting(true)
			got := w.must(w.act(w.operator, tn, ticket.ActCallback, ticket.ActInput{Satisfied: &no, Resolved: &no}))
			if got.Status != ticket.Handling || got.Rating != 1 || !got.Reopened || got.DepartmentID != w.lead {
				t.Fatalf("after an unsatisfied callback: %s rated %d reopened %v dept %d", got.Status, got.Rating, got.Reopened, got.DepartmentID)
			}
			if r := w.resolved(tn); r == nil || *r {
				t.Fatalf("resolved = %v, want false", r)
			}
			w.must(w.act(w.handler, tn, ticket.ActReply, ticket.ActInput{Reply: "已再次督促物业并现场核实。"}))
			w.must(w.act(w.operator, tn, ticket.ActReviewPass, ticket.ActInput{}))
			got = w.must(w.act(w.operator, tn, ticket.ActCallback, ticket.ActInput{Satisfied: &no, Resolved: &yes, Rating: 2}))
			if got.Status != ticket.Closed || got.Rating != 2 {
				t.Fatalf("the second unsatisfied verdict: %s rated %d, want closed (reopens once)", got.Status, got.Rating)
			}
		})

		t.Run("the verdict must be complete and consistent", func(t *testing.T) {
			tn := w.toVisiting(true)
			for name, in := range map[string]ticket.ActInput{
				"no satisfied":                {Resolved: &yes},
				"no resolved":                 {Satisfied: &yes},
				"satisfied but rated 1":       {Satisfied: &yes, Resolved: &yes, Rating: 1},
				"unsatisfied but rated 4":     {Satisfied: &no, Resolved: &yes, Rating: 4},
				"a comment of 501 characters": {Satisfied: &yes, Resolved: &yes, Note: strings.Repeat("好", 501)},
				"a rating off the 1–5 scale":  {Satisfied: &yes, Resolved: &yes, Rating: 6},
			} {
				_, err := w.act(w.operator, tn, ticket.ActCallback, in)
				var e *errs.Error
				if !errors.As(err, &e) || e.Kind != errs.KindInvalid {
					t.Errorf("%s: %v, want invalid input", name, err)
				}
			}
			if s := w.snapshot(tn); s.status != ticket.Visiting {
				t.Fatalf("refused callbacks changed the ticket: %+v", s)
			}
		})

		t.Run("a ticket the resident rates in the app takes no callback", func(t *testing.T) {
			tn := w.toVisiting(false)
			before := w.snapshot(tn)
			if _, err := w.act(w.operator, tn, ticket.ActCallback, ticket.ActInput{Satisfied: &yes, Resolved: &yes}); !errors.Is(err, ticket.ErrNotPhonedIn) {
				t.Fatalf("callback on alice's mailbox ticket: %v, want not_phoned_in", err)
			}
			if after := w.snapshot(tn); after != before {
				t.Fatalf("the refused callback changed the ticket")
			}
		})

		t.Run("handlers may not record a callback", func(t *testing.T) {
			tn := w.toVisiting(true)
			if _, err := w.act(w.handler, tn, ticket.ActCallback, ticket.ActInput{Satisfied: &yes, Resolved: &yes}); !errors.Is(err, ticket.ErrNotYours) {
				t.Fatalf("a handler's callback: %v, want forbidden", err)
			}
		})
	})
}

func TestDispatchNotesReachTheHandlerNotTheResident(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		tn := w.submit(w.alice, "小区电梯停运两周").TrackingNo
		w.must(w.act(w.operator, tn, ticket.ActAccept, ticket.ActInput{}))
		w.must(w.act(w.operator, tn, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.lead,
			Note: "请三日内到现场核实并联系物业", InternalNote: "该小区本月第三次来电"}))

		staff := w.entries(w.handler, tn)
		if n := noteOf(staff, ticket.ActDispatch, false); n != "转办至市住建局" {
			t.Fatalf("the public dispatch row reads %q", n)
		}
		n := noteOf(staff, ticket.ActDispatch, true)
		if !strings.Contains(n, ticket.DispatchNotePrefix+"请三日内到现场核实并联系物业") || !strings.Contains(n, "该小区本月第三次来电") {
			t.Fatalf("the handler reads %q, want the 派单意见 and the remark", n)
		}
		for _, e := range w.entries(w.alice, tn) {
			if strings.Contains(e.Note, "现场核实") || strings.Contains(e.Note, "第三次来电") {
				t.Fatalf("the resident reads the operator's instruction: %+v", e)
			}
		}
		if noteOf(w.entries(w.alice, tn), ticket.ActDispatch, false) != "转办至市住建局" {
			t.Fatal("the resident no longer sees where the ticket went")
		}
		second := w.submit(w.alice, "又一件电梯问题").TrackingNo
		w.must(w.act(w.operator, second, ticket.ActAccept, ticket.ActInput{}))
		_, err := w.act(w.operator, second, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.lead, Note: strings.Repeat("长", 1001)})
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.KindInvalid || e.Fields["note"] == "" {
			t.Fatalf("an overlong 派单意见: %v, want invalid note", err)
		}
	})
}

func TestRedispatchBeforeSigning(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		tn := w.submit(w.alice, "小区电梯停运两周").TrackingNo
		w.must(w.act(w.operator, tn, ticket.ActAccept, ticket.ActInput{}))
		w.must(w.act(w.operator, tn, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.other, CoDepartments: []int64{w.lead}}))
		got := w.must(w.act(w.operator, tn, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.lead, Note: "应由住建局主办"}))
		if got.Status != ticket.Dispatched || got.DepartmentID != w.lead || len(got.CoDepartments) != 0 {
			t.Fatalf("after re-dispatch: %s dept %d co %v", got.Status, got.DepartmentID, got.CoDepartments)
		}
		if n := noteOf(w.entries(w.operator, tn), ticket.ActDispatch, false); n != "改派至市住建局" {
			t.Fatalf("the re-dispatch reads %q", n)
		}
		if _, err := w.s.Get(context.Background(), w.stranger, tn); !errors.Is(err, ticket.ErrNotFound) {
			t.Fatalf("the first department still sees the ticket: %v", err)
		}
		w.must(w.act(w.handler, tn, ticket.ActSign, ticket.ActInput{}))
		if _, err := w.act(w.operator, tn, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.other}); !errors.Is(err, ticket.ErrInvalidTransition) {
			t.Fatalf("re-dispatch after signing: %v, want invalid_transition", err)
		}
	})
}

func TestReviewerEditsTheReply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		tn := w.submit(w.alice, "小区电梯停运两周").TrackingNo
		w.must(w.act(w.operator, tn, ticket.ActAccept, ticket.ActInput{}))
		w.must(w.act(w.operator, tn, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.lead}))
		w.must(w.act(w.handler, tn, ticket.ActSign, ticket.ActInput{}))
		w.must(w.act(w.handler, tn, ticket.ActReply, ticket.ActInput{Reply: "已处理，经办人李四 13912345678。"}))
		if _, err := w.act(w.operator, tn, ticket.ActReviewPass, ticket.ActInput{Reply: "短"}); err == nil {
			t.Fatal("a reply edited to one character passed")
		}
		got := w.must(w.act(w.operator, tn, ticket.ActReviewPass, ticket.ActInput{Reply: "已督促物业更换电梯主板，电梯已恢复运行。"}))
		if got.Status != ticket.Visiting || got.Reply != "已督促物业更换电梯主板，电梯已恢复运行。" {
			t.Fatalf("after the edited review: %s %q", got.Status, got.Reply)
		}
		mine := w.must(w.s.Get(context.Background(), w.alice, tn))
		if mine.Reply != got.Reply {
			t.Fatalf("the resident reads %q", mine.Reply)
		}
		if n := noteOf(w.entries(w.operator, tn), ticket.ActReviewPass, true); !strings.Contains(n, "修改了答复") || !strings.Contains(n, "李四 13912345678") {
			t.Fatalf("the timeline keeps %q, want the handler's original", n)
		}
		for _, e := range w.entries(w.alice, tn) {
			if strings.Contains(e.Note, "13912345678") {
				t.Fatalf("the resident reads the original reply: %+v", e)
			}
		}
	})
}

func TestDepartmentSuggestionLearnsFromSignedTickets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		fresh := w.submit(w.alice, "小区电梯停运两周").TrackingNo
		if _, found, err := w.s.SuggestDepartment(ctx, w.operator, fresh); err != nil || found {
			t.Fatalf("with no past tickets: found %v, %v", found, err)
		}
		// 住房城建: two signed by 市住建局, one by 市人社局, three only dispatched to 市人社局 (not counted)
		for _, c := range []struct {
			st   ticket.Status
			dept int64
		}{{ticket.Handling, w.lead}, {ticket.Closed, w.lead}, {ticket.Visiting, w.other},
			{ticket.Dispatched, w.other}, {ticket.Returned, w.other}, {ticket.Dispatched, w.other}} {
			no := w.forced(c.st, "")
			if _, err := d.Exec(d.Rebind(`UPDATE tickets SET department_id = ? WHERE tracking_no = ?`), c.dept, no); err != nil {
				t.Fatal(err)
			}
		}
		sg, found, err := w.s.SuggestDepartment(ctx, w.operator, fresh)
		if err != nil || !found || sg.DepartmentID != w.lead || sg.Department != "市住建局" || sg.Tickets != 2 {
			t.Fatalf("suggestion %+v found %v err %v, want 市住建局 from 2 tickets", sg, found, err)
		}
		if _, _, err := w.s.SuggestDepartment(ctx, w.handler, fresh); !errors.Is(err, ticket.ErrNotYours) {
			t.Fatalf("a handler asks for a suggestion: %v", err)
		}
	})
}

func TestAllowedActionsComeInAFixedOrder(t *testing.T) {
	for _, st := range ticket.Statuses {
		first := ticket.AllowedActions(st)
		for i := 0; i < 20; i++ {
			if again := ticket.AllowedActions(st); !reflect.DeepEqual(first, again) {
				t.Fatalf("%s: %v then %v", st, first, again)
			}
		}
	}
	if got := ticket.AllowedActions(ticket.Visiting); !reflect.DeepEqual(got, []ticket.Action{ticket.ActCallback, ticket.ActRate}) {
		t.Fatalf("in visiting: %v", got)
	}
	if got := ticket.AllowedActions(ticket.Dispatched); !reflect.DeepEqual(got, []ticket.Action{ticket.ActDispatch, ticket.ActSign, ticket.ActReturn, ticket.ActMerge}) {
		t.Fatalf("in dispatched: %v", got)
	}
}

// TestRedispatchRacingTheSign: when the first department signs at the moment
// the operator re-dispatches, exactly one wins and the ticket agrees with it:
// signed by the department that holds it, or re-dispatched and unsigned.
func TestRedispatchRacingTheSign(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for i := 0; i < 8; i++ {
			tn := w.submit(w.alice, "小区电梯停运两周").TrackingNo
			w.must(w.act(w.operator, tn, ticket.ActAccept, ticket.ActInput{}))
			w.must(w.act(w.operator, tn, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.other}))
			var signErr, moveErr error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); _, signErr = w.act(w.stranger, tn, ticket.ActSign, ticket.ActInput{}) }()
			go func() {
				defer wg.Done()
				_, moveErr = w.act(w.operator, tn, ticket.ActDispatch, ticket.ActInput{DepartmentID: w.lead})
			}()
			wg.Wait()
			got := w.must(w.s.Get(context.Background(), w.operator, tn))
			switch {
			case signErr == nil && moveErr == nil:
				t.Fatalf("both the sign and the re-dispatch succeeded: the ticket is %s at %d", got.Status, got.DepartmentID)
			case signErr == nil:
				if !errors.Is(moveErr, ticket.ErrInvalidTransition) || got.Status != ticket.Handling || got.DepartmentID != w.other {
					t.Fatalf("the sign won, but: re-dispatch %v, ticket %s at %d", moveErr, got.Status, got.DepartmentID)
				}
			case moveErr == nil:
				if got.Status != ticket.Dispatched || got.DepartmentID != w.lead {
					t.Fatalf("the re-dispatch won, but the ticket is %s at %d (sign: %v)", got.Status, got.DepartmentID, signErr)
				}
			default:
				t.Fatalf("neither won: sign %v, re-dispatch %v", signErr, moveErr)
			}
		}
	})
}
