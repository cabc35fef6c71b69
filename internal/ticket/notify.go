package ticket

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"govapp/internal/push"
)

// events names what the submitter is told after an action.
var events = map[Action]string{
	ActAccept:     "已受理",
	ActReject:     "不予受理",
	ActAnswer:     "已答复",
	ActAskInfo:    "待补充",
	ActReviewPass: "已答复",
	ActAutoClose:  "已办结",
}

// notify enqueues the submitter's message (and, for a reply, the messages of
// the submitters of merged tickets) in the action's transaction.
func (s *Service) notify(ctx context.Context, tx *sqlx.Tx, r *row, act Action, to Status) error {
	if s.push == nil {
		return nil
	}
	label, ok := events[act]
	if act == ActRate {
		label, ok = "已办结", true
		if to == Handling {
			label = "重新办理"
		}
	}
	if !ok {
		return nil
	}
	recipients := []int64{}
	if r.SubmitterID.Valid {
		recipients = append(recipients, r.SubmitterID.Int64)
	}
	if act == ActReviewPass || act == ActAnswer {
		var children []int64
		if err := tx.SelectContext(ctx, &children, tx.Rebind(`SELECT submitter_id FROM tickets WHERE parent_id = ? AND submitter_id IS NOT NULL`), r.ID); err != nil {
			return err
		}
		recipients = append(recipients, children...)
	}
	if len(recipients) == 0 {
		return nil
	}
	var seq int64
	if err := tx.GetContext(ctx, &seq, tx.Rebind(`SELECT COUNT(*) FROM ticket_timeline WHERE ticket_id = ?`), r.ID); err != nil {
		return err
	}
	title := []rune(r.Title)
	if len(title) > 20 {
		title = append(title[:19], '…')
	}
	_, err := s.push.EnqueueTx(ctx, tx, push.Message{
		Cause:    fmt.Sprintf("ticket:%s:%s:%d", r.TrackingNo, act, seq),
		Template: "ticket_update",
		Page:     "pages/ticket/detail?no=" + r.TrackingNo,
		Data: map[string]string{"character_string1": r.TrackingNo, "thing2": string(title), "phrase3": label,
			"time4": s.now().In(s.loc).Format("2006-01-02 15:04")},
		Audience: push.Audience{Kind: "residents", ResidentIDs: recipients},
	})
	return err
}
