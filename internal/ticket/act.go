package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"govapp/internal/audit"
	"govapp/internal/platform/errs"
)

// ActInput carries what an action needs.
type ActInput struct {
	Note          string  `json:"note"`           // reason, question, answer to a question, review remark; dispatch: 派单意见 for the handler; callback: the caller's comment
	Reply         string  `json:"reply"`          // the answer for the submitter (answer, reply; review_pass: the reviewer's edit, optional)
	InternalNote  string  `json:"internal_note"`  // reply: for the operator only; dispatch: a remark for staff only
	DepartmentID  int64   `json:"department_id"`  // dispatch: the lead department (主办)
	CoDepartments []int64 `json:"co_departments"` // dispatch: co-departments (协办)
	Days          int     `json:"days"`           // request_extension
	Rating        int     `json:"rating"`         // rate: 1–5
	ParentNo      string  `json:"parent"`         // merge: the ticket this one joins
	Satisfied     *bool   `json:"satisfied"`      // callback: the caller is satisfied (满意) or not
	Resolved      *bool   `json:"resolved"`       // callback: the caller's problem is solved (已解决) or not
}

func (s *Service) checkNeeds(r rule, in *ActInput) error {
	f := map[string]string{}
	// a browser sends a textarea's line breaks as CRLF: a reviewer who passes
	// the reply unchanged must not count as having edited it
	crlf := strings.NewReplacer("\r\n", "\n")
	in.Note, in.Reply, in.InternalNote = strings.TrimSpace(in.Note), strings.TrimSpace(crlf.Replace(in.Reply)), strings.TrimSpace(in.InternalNote)
	for _, need := range r.needs {
		switch need {
		case "note":
			textLen(f, "note", in.Note, 2, 1000)
		case "reply":
			textLen(f, "reply", in.Reply, 5, 5000)
		case "edited_reply":
			if in.Reply != "" {
				textLen(f, "reply", in.Reply, 5, 5000)
			}
		case "callback":
			checkCallback(f, in)
		case "department":
			if in.DepartmentID <= 0 {
				f["department_id"] = "请选择主办单位"
			}
			textLen(f, "note", in.Note, 0, 1000)
			if len(in.CoDepartments) > 10 {
				f["co_departments"] = "协办单位最多 10 个"
			}
		case "days":
			if in.Days < 1 || in.Days > s.cfg.MaxExtension {
				f["days"] = fmt.Sprintf("须为 1–%d 个工作日", s.cfg.MaxExtension)
			}
		case "rating":
			if in.Rating < 1 || in.Rating > 5 {
				f["rating"] = "须为 1–5"
			}
			textLen(f, "note", in.Note, 0, 500)
		case "parent":
			if in.ParentNo == "" {
				f["parent"] = "请指定合并到的工单"
			}
		}
	}
	if utf8.RuneCountInString(in.InternalNote) > 1000 {
		f["internal_note"] = "不能超过 1000 个字"
	}
	if len(f) > 0 {
		return errs.Invalid(f)
	}
	return nil
}

// Act takes an action on a ticket: the actor must be the one the table names
// (403 otherwise, 404 if they may not even see it), the ticket must be in a
// state the table allows (409 invalid_transition otherwise), and the change,
// its timeline row, its audit row and its notification commit together.
func (s *Service) Act(ctx context.Context, a Actor, no string, act Action, in ActInput) (*Ticket, error) {
	rl, ok := transitions[act]
	if !ok {
		return nil, ErrInvalidTransition
	}
	var out *row
	var co []int64
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		r, ids, _, err := s.load(ctx, tx, a, no, true)
		if err != nil {
			return err
		}
		if !may(a, rl.who, r) {
			return ErrNotYours
		}
		if !rl.allowedFrom(r.Status) {
			return ErrInvalidTransition
		}
		if err := s.checkNeeds(rl, &in); err != nil {
			return err
		}
		to, note, internal, err := s.apply(ctx, tx, a, r, act, rl, &in)
		if err != nil {
			return err
		}
		now := s.now()
		if err := insertTimeline(ctx, tx, r.ID, a, string(act), r.Status, to, note, internal, now); err != nil {
			return err
		}
		if extra := staffNote(act, r, &in); extra != "" { // what staff (not the submitter) read about the action
			if err := insertTimeline(ctx, tx, r.ID, a, string(act), to, to, extra, true, now); err != nil {
				return err
			}
		}
		if a.IsStaff() {
			if err := audit.Record(ctx, tx, a.Audit("ticket."+string(act), "ticket", r.TrackingNo, string(r.Status)+"→"+string(to))); err != nil {
				return err
			}
		}
		if err := s.notify(ctx, tx, r, act, to); err != nil {
			return err
		}
		out, co = r, ids
		return nil
	})
	if err != nil {
		return nil, err
	}
	fresh, err := getRow(ctx, s.db, out.TrackingNo, false)
	if err != nil {
		return nil, err
	}
	_ = co
	cos, _, err := coDepartments(ctx, s.db, fresh.ID)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, a, fresh, cos)
}

// set updates the ticket if it is still in the status it was read in.
func set(ctx context.Context, tx *sqlx.Tx, r *row, to Status, now time.Time, assignments string, args ...any) error {
	q := `UPDATE tickets SET status = ?, updated_at = ?`
	if assignments != "" {
		q += `, ` + assignments
	}
	q += ` WHERE id = ? AND status = ?`
	all := append([]any{string(to), now}, args...)
	all = append(all, r.ID, string(r.Status))
	res, err := tx.ExecContext(ctx, tx.Rebind(q), all...)
	if err != nil {
		return fmt.Errorf("ticket: update %s: %w", r.TrackingNo, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrInvalidTransition
	}
	return nil
}

// apply makes the action's changes and returns the new status and the
// timeline note (and whether the note is internal).
func (s *Service) apply(ctx context.Context, tx *sqlx.Tx, a Actor, r *row, act Action, rl rule, in *ActInput) (Status, string, bool, error) {
	now := s.now()
	c := s.clock()
	to := rl.to
	switch act {
	case ActAccept:
		due := s.replyDue(r.Kind, r.Priority, now)
		return to, "", false, set(ctx, tx, r, to, now, `clock_started_at = ?, reply_due_at = ?, remind_at = ?, held = FALSE`,
			now, due, s.remindAt(now, due))
	case ActReject, ActWithdraw:
		return to, in.Note, false, set(ctx, tx, r, to, now, `closed_at = ?`, now)
	case ActAnswer:
		return to, "", false, set(ctx, tx, r, to, now, `reply = ?, replied_at = ?, visiting_since = ?`, in.Reply, now, now)
	case ActDispatch:
		name, err := s.dispatchTo(ctx, tx, r, in)
		if err != nil {
			return "", "", false, err
		}
		verb := "转办至"
		if r.Status == Dispatched {
			verb = "改派至"
		}
		return to, verb + name, false, set(ctx, tx, r, to, now, `department_id = ?, sign_due_at = ?`,
			in.DepartmentID, c.AddWorkingDays(now, s.cfg.SignWithinDays))
	case ActSign:
		return to, "", false, set(ctx, tx, r, to, now, "")
	case ActReturn:
		return to, in.Note, true, set(ctx, tx, r, to, now, "")
	case ActAskInfo:
		return to, in.Note, false, set(ctx, tx, r, to, now, `paused_at = ?`, now)
	case ActProvideInfo:
		return to, in.Note, false, s.resume(ctx, tx, r, now)
	case ActRequestExtension:
		if r.ExtensionDays > 0 {
			return "", "", false, ErrExtensionUsed
		}
		return to, fmt.Sprintf("申请延期 %d 个工作日：%s", in.Days, in.Note), true,
			set(ctx, tx, r, to, now, `extension_days = ?, extension_reason = ?`, in.Days, in.Note)
	case ActApproveExtension:
		if r.ExtensionDays == 0 || r.ExtensionApproved {
			return "", "", false, ErrExtensionUsed
		}
		due := c.AddWorkingDays(r.ReplyDueAt.Time, r.ExtensionDays)
		return to, fmt.Sprintf("同意延期 %d 个工作日", r.ExtensionDays), true,
			set(ctx, tx, r, to, now, `extension_approved = TRUE, reply_due_at = ?, remind_at = ?, reminded_at = NULL`,
				due, s.remindAt(r.ClockStartedAt.Time, due))
	case ActReply:
		return to, in.InternalNote, true, set(ctx, tx, r, to, now, `reply = ?, reply_note = ?, replied_at = ?`, in.Reply, in.InternalNote, now)
	case ActReviewPass:
		if in.Reply != "" && in.Reply != r.Reply { // the reviewer's edit replaces the handler's text
			return to, "", false, set(ctx, tx, r, to, now, `visiting_since = ?, reply = ?`, now, in.Reply)
		}
		return to, "", false, set(ctx, tx, r, to, now, `visiting_since = ?`, now)
	case ActReviewFail:
		return to, in.Note, true, set(ctx, tx, r, to, now, `replied_at = NULL`)
	case ActRate:
		return s.rate(ctx, tx, r, in, now)
	case ActCallback:
		return s.callback(ctx, tx, r, in, now)
	case ActAutoClose:
		return to, "答复后 7 日内未评价，自动办结", false, set(ctx, tx, r, to, now, `closed_at = ?`, now)
	case ActMerge:
		return s.merge(ctx, tx, a, r, in, now)
	}
	return "", "", false, ErrInvalidTransition
}

func (s *Service) dispatchTo(ctx context.Context, tx *sqlx.Tx, r *row, in *ActInput) (string, error) {
	var name string
	if err := tx.GetContext(ctx, &name, tx.Rebind(`SELECT name FROM departments WHERE id = ?`), in.DepartmentID); err != nil {
		return "", errs.InvalidField("department_id", "部门不存在")
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM ticket_codepartments WHERE ticket_id = ?`), r.ID); err != nil {
		return "", err
	}
	seen := map[int64]bool{in.DepartmentID: true}
	for _, d := range in.CoDepartments {
		if seen[d] {
			continue
		}
		seen[d] = true
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO ticket_codepartments (ticket_id, department_id) VALUES (?, ?)`), r.ID, d); err != nil {
			return "", errs.InvalidField("co_departments", "协办单位不存在")
		}
	}
	return name, nil
}

// resume restarts the clock after need_info: the deadlines move by the
// working time the ticket waited for the submitter.
func (s *Service) resume(ctx context.Context, tx *sqlx.Tx, r *row, now time.Time) error {
	c := s.clock()
	waited := c.WorkingTimeBetween(r.PausedAt.Time, now)
	due := c.AddWorkingHours(r.ReplyDueAt.Time, waited)
	return set(ctx, tx, r, Handling, now, `paused_at = NULL, reply_due_at = ?, remind_at = ?`, due, s.remindAt(r.ClockStartedAt.Time, due))
}

// rate records the submitter's rating.
func (s *Service) rate(ctx context.Context, tx *sqlx.Tx, r *row, in *ActInput, now time.Time) (Status, string, bool, error) {
	note := fmt.Sprintf("评价 %d 星", in.Rating)
	if in.Note != "" {
		note += "：" + in.Note
	}
	return s.settle(ctx, tx, r, verdict{rating: in.Rating, comment: in.Note, note: note}, now)
}

// verdict is a rating, the resident's own or recorded by phone (callback).
type verdict struct {
	rating   int
	comment  string
	note     string // the timeline's note
	resolved *bool  // callback: the caller's answer to 问题是否解决 (nil: not asked)
}

// settle records a verdict: unsatisfied (≤ 2) within the reopen window, the
// first time, sends the ticket back to the same department; otherwise it closes.
func (s *Service) settle(ctx context.Context, tx *sqlx.Tx, r *row, v verdict, now time.Time) (Status, string, bool, error) {
	reopen := v.rating <= 2 && !r.Reopened && r.DepartmentID.Valid && r.VisitingSince.Valid &&
		now.Sub(r.VisitingSince.Time) <= s.cfg.ReopenWithin.D()
	if reopen {
		due := s.replyDue(r.Kind, r.Priority, now)
		return Handling, v.note + "，不满意，退回重办", false, set(ctx, tx, r, Handling, now,
			`rating = ?, rating_comment = ?, resolved = ?, reopened = TRUE, reply_due_at = ?, remind_at = ?, reminded_at = NULL, overdue_at = NULL, replied_at = NULL`,
			v.rating, v.comment, v.resolved, due, s.remindAt(now, due))
	}
	return Closed, v.note, false, set(ctx, tx, r, Closed, now, `rating = ?, rating_comment = ?, resolved = ?, closed_at = ?`,
		v.rating, v.comment, v.resolved, now)
}

func (s *Service) merge(ctx context.Context, tx *sqlx.Tx, a Actor, r *row, in *ActInput, now time.Time) (Status, string, bool, error) {
	p, err := getRow(ctx, tx, in.ParentNo, true)
	if err != nil {
		return "", "", false, errs.InvalidField("parent", "要合并到的工单不存在")
	}
	if p.ID == r.ID || !p.Status.open() || p.ParentID.Valid {
		return "", "", false, errs.InvalidField("parent", "只能合并到另一张未办结的工单")
	}
	if err := set(ctx, tx, r, Merged, now, `parent_id = ?`, p.ID); err != nil {
		return "", "", false, err
	}
	if err := insertTimeline(ctx, tx, p.ID, a, "merge_child", p.Status, p.Status, "合并重复诉求 "+r.TrackingNo, true, now); err != nil {
		return "", "", false, err
	}
	return Merged, "与 " + p.TrackingNo + " 合并办理", false, nil
}

// replyDue is the reply deadline of a ticket accepted at start.
func (s *Service) replyDue(kind, priority string, start time.Time) time.Time {
	if priority == PriorityUrgent {
		return start.Add(s.cfg.UrgentWithin.D())
	}
	return s.clock().AddWorkingDays(start, s.cfg.ReplyDays[kind])
}

// remindAt is the instant at cfg.ReminderAt of the working time between start and due.
func (s *Service) remindAt(start, due time.Time) time.Time {
	c := s.clock()
	total := c.WorkingTimeBetween(start, due)
	if total <= 0 {
		return due
	}
	return c.AddWorkingHours(start, time.Duration(float64(total)*s.cfg.ReminderAt))
}

var _ = sql.ErrNoRows
var _ = strconv.Itoa
