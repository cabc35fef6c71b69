package ticket

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/errs"
)

// ErrNotPhonedIn refuses a callback on a ticket its submitter rates in the app.
var ErrNotPhonedIn = errs.New(errs.KindConflict, "not_phoned_in", "该诉求由诉求人在线评价，不能登记电话回访")

// Callback ratings: a caller asked by phone answers 满意 or 不满意; unless the
// operator records the caller's own score, the verdict counts as the top or
// the bottom of the resident's 1–5 scale (so that 不满意 reopens as a rating
// of 2 or less does).
const (
	callbackSatisfied   = 5
	callbackUnsatisfied = 1
)

// PhonedIn reports whether a ticket's verdict is taken by phone (回访): a
// hotline ticket, or one with no resident account to rate it in the app.
func (t *Ticket) PhonedIn() bool {
	return t.Channel == ChannelHotline || t.SubmitterID == 0
}

func (r *row) phonedIn() bool {
	return r.Channel == ChannelHotline || !r.SubmitterID.Valid
}

func checkCallback(f map[string]string, in *ActInput) {
	if in.Satisfied == nil {
		f["satisfied"] = "请选择来电人是否满意"
	}
	if in.Resolved == nil {
		f["resolved"] = "请选择问题是否解决"
	}
	textLen(f, "note", in.Note, 0, 500)
	switch {
	case in.Rating == 0 || in.Satisfied == nil:
	case in.Rating < 1 || in.Rating > 5:
		f["rating"] = "须为 1–5"
	case *in.Satisfied && in.Rating <= 2:
		f["rating"] = "满意时评分须为 3–5"
	case !*in.Satisfied && in.Rating > 2:
		f["rating"] = "不满意时评分须为 1–2"
	}
}

// callback records the verdict an operator took by phone: counted as a
// rating (the same statistics, the same reopen rule), with the caller's
// answer to 问题是否解决.
func (s *Service) callback(ctx context.Context, tx *sqlx.Tx, r *row, in *ActInput, now time.Time) (Status, string, bool, error) {
	if !r.phonedIn() {
		return "", "", false, ErrNotPhonedIn
	}
	v := verdict{rating: in.Rating, comment: in.Note, resolved: in.Resolved}
	if v.rating == 0 {
		v.rating = callbackUnsatisfied
		if *in.Satisfied {
			v.rating = callbackSatisfied
		}
	}
	parts := []string{"不满意", "未解决"}
	if *in.Satisfied {
		parts[0] = "满意"
	}
	if *in.Resolved {
		parts[1] = "已解决"
	}
	v.note = fmt.Sprintf("电话回访：%s（%d 星），%s", parts[0], v.rating, parts[1])
	if in.Note != "" {
		v.note += "：" + in.Note
	}
	return s.settle(ctx, tx, r, v, now)
}

// staffNote is what staff, not the submitter, read about an action: the
// operator's 派单意见 and internal remark on a dispatch (the handler reads
// them on the ticket), the handler's original text when the reviewer edited
// the reply.
func staffNote(act Action, r *row, in *ActInput) string {
	switch act {
	case ActDispatch:
		var parts []string
		if in.Note != "" {
			parts = append(parts, DispatchNotePrefix+in.Note)
		}
		if in.InternalNote != "" {
			parts = append(parts, "内部备注："+in.InternalNote)
		}
		return strings.Join(parts, "\n")
	case ActReviewPass:
		if in.Reply != "" && in.Reply != r.Reply {
			return "审核时修改了答复。原答复：" + r.Reply
		}
	}
	return ""
}

// DispatchNotePrefix starts the timeline note that carries a dispatch's 派单意见.
const DispatchNotePrefix = "派单意见："
