package console

import (
	"time"

	"govapp/internal/ticket"
)

// stepSLA is the deadline of the step a ticket waits on, as the queue shows it.
type stepSLA struct {
	Step      string // accept, sign, reply, review; "" when none
	StepLabel string
	Text      string // "剩余 1小时20分", "超期 2天1小时", "已暂停（待补充）", "—"
	DueAt     *time.Time
	Overdue   bool // past the step's deadline, or flagged overdue (督办)
	Paused    bool
}

// currentSLA turns the ticket's current deadline into the queue's 办理时限.
func currentSLA(d *ticket.CurrentDeadline, flagged bool) stepSLA {
	if d == nil {
		return stepSLA{Text: "—", Overdue: flagged}
	}
	s := stepSLA{Step: d.Step, StepLabel: d.StepLabel, DueAt: &d.DueAt, Overdue: d.Overdue || flagged, Paused: d.Paused}
	switch {
	case d.Paused:
		s.Text = "已暂停（待补充）"
	case d.Overdue:
		s.Text = d.TimeLeft // "超期 …"
	default:
		s.Text = "剩余 " + d.TimeLeft
	}
	return s
}
