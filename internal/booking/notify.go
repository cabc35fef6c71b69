package booking

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/push"
)

// thing cuts a template field to WeChat's 20 characters.
func thing(s string) string {
	r := []rune(s)
	if len(r) > 20 {
		return string(append(r[:19], '…'))
	}
	return s
}

func page(id int64) string { return "pages/appointment/detail?id=" + strconv.FormatInt(id, 10) }

// notifyClosed tells a resident their appointment was cancelled by the
// office, offering the nearest free slots (in the message and the page it opens).
func (s *Service) notifyClosed(ctx context.Context, tx *sqlx.Tx, r *apptRow, hallName, reason string, offers []time.Time) error {
	if s.push == nil {
		return nil
	}
	offer := "请重新选择时段预约"
	pg := page(r.ID)
	if len(offers) > 0 {
		parts := make([]string, len(offers))
		for i, t := range offers {
			parts[i] = chineseTime(t, s.loc)
		}
		offer = "可改约：" + strings.Join(parts, "、")
		pg += "&rebook=" + strconv.FormatInt(r.HallID, 10)
	}
	_, err := s.push.EnqueueTx(ctx, tx, push.Message{
		Cause:    fmt.Sprintf("appointment:%d:closed", r.ID),
		Template: "appointment_change",
		Page:     pg,
		Data: map[string]string{"thing1": thing(hallName), "thing2": thing(r.GuideName),
			"time3": r.StartsAt.In(s.loc).Format("2006-01-02 15:04"), "phrase4": "已取消",
			"thing5": thing("闭厅：" + reason), "thing6": thing(offer)},
		Audience: push.Audience{Kind: "residents", ResidentIDs: []int64{r.ResidentID}},
	})
	return err
}

// remindRow is an appointment a reminder goes to.
type remindRow struct {
	ID         int64     `db:"id"`
	ResidentID int64     `db:"resident_id"`
	HallID     int64     `db:"hall_id"`
	GuideName  string    `db:"guide_name"`
	StartsAt   time.Time `db:"starts_at"`
	Pin        string    `db:"pin"`
}

// notifyReminder enqueues one reminder; cause names the appointment and which reminder.
func (s *Service) notifyReminder(ctx context.Context, tx *sqlx.Tx, r remindRow, which, hallName string) error {
	if s.push == nil {
		return nil
	}
	note := "请按时到大厅签到，过时未到将记爽约"
	if which == "eve" {
		note = "明天请按时到大厅签到，不能前往请提前取消"
	}
	_, err := s.push.EnqueueTx(ctx, tx, push.Message{
		Cause:    fmt.Sprintf("appointment:%d:%s", r.ID, which),
		Template: "appointment_reminder",
		Page:     page(r.ID),
		Data: map[string]string{"thing1": thing(hallName), "thing2": thing(r.GuideName),
			"time3": r.StartsAt.In(s.loc).Format("2006-01-02 15:04"), "character_string4": checkinCode(r.ID, r.Pin),
			"thing5": thing(note)},
		Audience: push.Audience{Kind: "residents", ResidentIDs: []int64{r.ResidentID}},
	})
	return err
}
