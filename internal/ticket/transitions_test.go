package ticket_test

import (
	"errors"
	"fmt"
	"testing"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/ticket"
)

// spec is SPEC §5's table, written out again here as the oracle the
// engine's own table is tested against.
var spec = map[ticket.Action]struct {
	from []ticket.Status
	to   ticket.Status
	who  string
}{
	ticket.ActAccept:           {[]ticket.Status{ticket.Submitted}, ticket.Accepted, "operator"},
	ticket.ActReject:           {[]ticket.Status{ticket.Submitted}, ticket.Rejected, "operator"},
	ticket.ActWithdraw:         {[]ticket.Status{ticket.Submitted, ticket.Accepted}, ticket.Cancelled, "submitter"},
	ticket.ActAnswer:           {[]ticket.Status{ticket.Accepted}, ticket.Visiting, "operator"},
	ticket.ActDispatch:         {[]ticket.Status{ticket.Accepted, ticket.Returned, ticket.Dispatched}, ticket.Dispatched, "operator"}, // 改派 before signing (issue 14)
	ticket.ActSign:             {[]ticket.Status{ticket.Dispatched}, ticket.Handling, "lead"},
	ticket.ActReturn:           {[]ticket.Status{ticket.Dispatched}, ticket.Returned, "lead"},
	ticket.ActAskInfo:          {[]ticket.Status{ticket.Handling}, ticket.NeedInfo, "lead"},
	ticket.ActProvideInfo:      {[]ticket.Status{ticket.NeedInfo}, ticket.Handling, "submitter"},
	ticket.ActRequestExtension: {[]ticket.Status{ticket.Handling}, ticket.Handling, "lead"},
	ticket.ActApproveExtension: {[]ticket.Status{ticket.Handling}, ticket.Handling, "operator"},
	ticket.ActReply:            {[]ticket.Status{ticket.Handling}, ticket.Replied, "lead"},
	ticket.ActReviewPass:       {[]ticket.Status{ticket.Replied}, ticket.Visiting, "operator"},
	ticket.ActReviewFail:       {[]ticket.Status{ticket.Replied}, ticket.Handling, "operator"},
	ticket.ActRate:             {[]ticket.Status{ticket.Visiting}, ticket.Closed, "submitter"},
	ticket.ActCallback:         {[]ticket.Status{ticket.Visiting}, ticket.Closed, "operator"}, // 电话回访 of a phoned-in ticket (issue 14)
	ticket.ActAutoClose:        {[]ticket.Status{ticket.Visiting}, ticket.Closed, "system"},
	ticket.ActMerge: {[]ticket.Status{ticket.Submitted, ticket.Accepted, ticket.Dispatched, ticket.Returned, ticket.Handling,
		ticket.NeedInfo, ticket.Replied}, ticket.Merged, "operator"},
}

func validInput(act ticket.Action, w *world, parent string) ticket.ActInput {
	switch act {
	case ticket.ActReject, ticket.ActReturn, ticket.ActAskInfo, ticket.ActProvideInfo, ticket.ActReviewFail:
		return ticket.ActInput{Note: "说明理由或补充的信息"}
	case ticket.ActAnswer, ticket.ActReply:
		return ticket.ActInput{Reply: "您好，经核实，您反映的问题已安排处理。"}
	case ticket.ActDispatch:
		return ticket.ActInput{DepartmentID: w.lead}
	case ticket.ActRequestExtension:
		return ticket.ActInput{Note: "需现场勘查", Days: 3}
	case ticket.ActRate:
		return ticket.ActInput{Rating: 5}
	case ticket.ActMerge:
		return ticket.ActInput{ParentNo: parent}
	case ticket.ActCallback:
		yes := true
		return ticket.ActInput{Satisfied: &yes, Resolved: &yes}
	}
	return ticket.ActInput{}
}

func TestTransitionTable(t *testing.T) {
	if got, want := len(ticket.Actions()), len(spec); got != want {
		t.Fatalf("the engine knows %d actions, the spec %d", got, want)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		parent := w.forced(ticket.Handling, "")
		actors := map[string]ticket.Actor{"operator": w.operator, "lead": w.handler, "stranger": w.stranger,
			"submitter": w.alice, "other resident": w.bob, "system": ticket.System}
		checked := 0
		for act, want := range spec {
			for _, st := range ticket.Statuses {
				for name, actor := range actors {
					no := w.forced(st, string(act))
					before := w.snapshot(no)
					_, err := w.act(actor, no, act, validInput(act, w, parent))
					after := w.snapshot(no)
					label := fmt.Sprintf("%s by %s in %s", act, name, st)
					switch {
					case name == "stranger" || name == "other resident":
						if !errors.Is(err, ticket.ErrNotFound) {
							t.Errorf("%s: %v, want not found (no leak)", label, err)
						}
					case name != want.who:
						if !errors.Is(err, ticket.ErrNotYours) {
							t.Errorf("%s: %v, want forbidden", label, err)
						}
					case !contains(want.from, st):
						if !errors.Is(err, ticket.ErrInvalidTransition) {
							t.Errorf("%s: %v, want invalid_transition", label, err)
						}
					default:
						if err != nil {
							t.Errorf("%s: %v, want success", label, err)
							continue
						}
						if after.status != want.to || after.timeline != before.timeline+1 {
							t.Errorf("%s: now %s with %d timeline rows, want %s and %d", label, after.status, after.timeline, want.to, before.timeline+1)
						}
						checked++
						continue
					}
					if after != before {
						t.Errorf("%s was refused but changed the ticket: %+v → %+v", label, before, after)
					}
				}
			}
		}
		if checked < 20 {
			t.Fatalf("only %d allowed transitions exercised", checked)
		}
	})
}

func contains(xs []ticket.Status, s ticket.Status) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

type snap struct {
	status   ticket.Status
	updated  string
	timeline int
	rating   int
}

func (w *world) snapshot(no string) snap {
	w.t.Helper()
	var s snap
	var rating *int
	if err := w.d.QueryRowx(w.d.Rebind(`SELECT status, updated_at, rating FROM tickets WHERE tracking_no = ?`), no).Scan(&s.status, &s.updated, &rating); err != nil {
		w.t.Fatal(err)
	}
	if rating != nil {
		s.rating = *rating
	}
	s.timeline = w.timelineLen(no)
	return s
}

var forcedSeq int

// forced inserts a ticket of alice's, led by 市住建局, already in status st
// (with what that status implies), ready for action act.
func (w *world) forced(st ticket.Status, act string) string {
	w.t.Helper()
	forcedSeq++
	no := fmt.Sprintf("MX20260914%07d", forcedSeq)
	ext := 0
	if act == string(ticket.ActApproveExtension) {
		ext = 3
	}
	channel := "mailbox"
	if act == string(ticket.ActCallback) { // a verdict taken by phone
		channel = "hotline"
	}
	due := w.now.Add(240 * 3600e9)
	_, err := w.d.Exec(w.d.Rebind(`INSERT INTO tickets (tracking_no, channel, kind, priority, category, title, content, submitter_id,
		status, department_id, clock_started_at, reply_due_at, paused_at, visiting_since, extension_days, created_at, updated_at)
		VALUES (?, ?, 'complaint', 'normal', '住房城建', '电梯停运', '小区电梯停运两周无人维修。', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		no, channel, w.alice.ID, string(st), w.lead, w.now, due, w.now, w.now, ext, w.now, w.now)
	if err != nil {
		w.t.Fatal(err)
	}
	return no
}
