// Package ticket is the one engine of the 12345 hotline and the mayor's
// mailbox: tickets with tracking numbers, the transition table of SPEC §5
// checked in one place, a timeline row for every transition, working-time SLA
// clocks, ratings, merging, and redacted publication.
package ticket

import (
	"time"
	"unicode"

	"govapp/internal/platform/errs"
)

// Channels.
const (
	ChannelHotline = "hotline"
	ChannelMailbox = "mailbox"
)

// channelPrefix starts a tracking number.
var channelPrefix = map[string]string{ChannelHotline: "HL", ChannelMailbox: "MB"}

// Kinds.
const (
	KindConsultation = "consultation" // 咨询
	KindHelp         = "help"         // 求助
	KindComplaint    = "complaint"    // 投诉
	KindReport       = "report"       // 举报
	KindSuggestion   = "suggestion"   // 建议
	KindPraise       = "praise"       // 表扬
)

// Kinds lists every kind with its Chinese name.
var Kinds = map[string]string{
	KindConsultation: "咨询", KindHelp: "求助", KindComplaint: "投诉",
	KindReport: "举报", KindSuggestion: "建议", KindPraise: "表扬",
}

// KindOrder lists the kinds in the order forms offer them.
var KindOrder = []string{KindConsultation, KindHelp, KindComplaint, KindReport, KindSuggestion, KindPraise}

// Priorities.
const (
	PriorityNormal = "normal"
	PriorityUrgent = "urgent"
)

// Status is where a ticket stands.
type Status string

// Statuses.
const (
	Submitted  Status = "submitted"
	Accepted   Status = "accepted"
	Rejected   Status = "rejected"
	Cancelled  Status = "cancelled"
	Dispatched Status = "dispatched"
	Returned   Status = "returned"
	Handling   Status = "handling"
	NeedInfo   Status = "need_info"
	Replied    Status = "replied"
	Visiting   Status = "visiting"
	Closed     Status = "closed"
	Merged     Status = "merged"
)

// Statuses lists every status.
var Statuses = []Status{Submitted, Accepted, Rejected, Cancelled, Dispatched, Returned, Handling, NeedInfo, Replied, Visiting, Closed, Merged}

// open reports whether work on the ticket is still to be done.
func (s Status) open() bool {
	switch s {
	case Rejected, Cancelled, Closed, Merged:
		return false
	}
	return true
}

// Ticket is a ticket as staff see it.
type Ticket struct {
	ID            int64      `json:"id"`
	TrackingNo    string     `json:"tracking_no"`
	Channel       string     `json:"channel"`
	Kind          string     `json:"kind"`
	Priority      string     `json:"priority"`
	Category      string     `json:"category"`
	Title         string     `json:"title"`
	Content       string     `json:"content"`
	Location      string     `json:"location"`
	Lat           *float64   `json:"lat"`
	Lng           *float64   `json:"lng"`
	ContactPhone  string     `json:"contact_phone"` // masked unless the viewer may see it
	CallerName    string     `json:"caller_name,omitempty"`
	Anonymous     bool       `json:"anonymous"`
	PublicConsent bool       `json:"public_consent"`
	Status        Status     `json:"status"`
	StatusLabel   string     `json:"status_label"` // e.g. 已派单待签收
	Held          bool       `json:"held"`         // content check asked for a person's review
	SubmitterID   int64      `json:"submitter_id,omitempty"`
	DepartmentID  int64      `json:"department_id,omitempty"`
	Department    string     `json:"department,omitempty"`
	CoDepartments []int64    `json:"co_departments"`
	ParentNo      string     `json:"merged_into,omitempty"`
	Reply         string     `json:"reply,omitempty"`
	Rating        int        `json:"rating,omitempty"`
	RatingComment string     `json:"rating_comment,omitempty"`
	Reopened      bool       `json:"reopened"`
	Extension     *Extension `json:"extension,omitempty"`
	Deadlines     Deadlines  `json:"deadlines"`
	Attachments   []int64    `json:"attachments"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`

	deptPath  string // the lead department's place in the tree (ActionsFor)
	submitter int64  // the resident who filed it, 0 for a call (ActionsFor)

	// CurrentDeadline is the deadline of the step the ticket waits on now (nil when none).
	CurrentDeadline *CurrentDeadline `json:"current_deadline"`
}

// Extension is a handler's request for more time, approved once by an operator.
type Extension struct {
	Days     int    `json:"days"`
	Reason   string `json:"reason"`
	Approved bool   `json:"approved"`
}

// Deadlines are the ticket's SLA instants and where it stands against them.
type Deadlines struct {
	AcceptBy    *time.Time `json:"accept_by"`
	SignBy      *time.Time `json:"sign_by"`
	ReplyBy     *time.Time `json:"reply_by"`
	Paused      bool       `json:"paused"`
	Overdue     bool       `json:"overdue"`
	TimeLeft    string     `json:"time_left"`    // working time left to the next deadline, e.g. "3天2小时"
	SecondsLeft int64      `json:"seconds_left"` // working seconds left (negative when overdue)
}

// Entry is one row of a ticket's timeline.
type Entry struct {
	ID        int64     `db:"id" json:"id"`
	Action    string    `db:"action" json:"action"`
	Label     string    `db:"-" json:"label"` // what happened, in Chinese (派单, 审核通过…)
	From      string    `db:"from_status" json:"from"`
	To        string    `db:"to_status" json:"to"`
	Note      string    `db:"note" json:"note"`
	Internal  bool      `db:"internal" json:"internal"`
	ActorKind string    `db:"actor_kind" json:"actor_kind"`
	ActorName string    `db:"actor_name" json:"actor_name,omitempty"`
	At        time.Time `db:"created_at" json:"at"`
}

// Errors.
var (
	ErrNotFound          = errs.New(errs.KindNotFound, "ticket_not_found", "工单不存在")
	ErrInvalidTransition = errs.New(errs.KindConflict, "invalid_transition", "当前状态下不能执行该操作")
	ErrNotYours          = errs.New(errs.KindForbidden, "forbidden", "没有权限执行此操作")
	ErrTooManyToday      = errs.New(errs.KindTooMany, "ticket_daily_limit", "今天提交的诉求已达上限，请明天再试或拨打 12345 热线")
	ErrRisky             = errs.New(errs.KindInvalid, "content_rejected", "内容含有不当信息，请修改后再提交")
	ErrExtensionUsed     = errs.New(errs.KindConflict, "extension_used", "该工单已延期过一次，不能再次延期")
	ErrNoConsent         = errs.New(errs.KindConflict, "no_public_consent", "提交人未同意公开，不能发布")
	ErrAlreadyRated      = errs.New(errs.KindConflict, "already_rated", "已评价")
	ErrBadAttachment     = errs.InvalidField("attachment_ids", "附件不存在或不属于您")
)

func isWordRune(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// ParseTrackingNo splits a tracking number into its channel, local date and
// daily sequence, reporting whether it has the shape this server issues
// (e.g. MB202611250001234: prefix, yyyymmdd, seven digits).
func ParseTrackingNo(no string) (channel string, day time.Time, seq int, ok bool) {
	if len(no) != 17 {
		return "", time.Time{}, 0, false
	}
	for ch, p := range channelPrefix {
		if no[:2] == p {
			channel = ch
		}
	}
	if channel == "" {
		return "", time.Time{}, 0, false
	}
	d, err := time.Parse("20060102", no[2:10])
	if err != nil {
		return "", time.Time{}, 0, false
	}
	for _, c := range no[10:] {
		if c < '0' || c > '9' {
			return "", time.Time{}, 0, false
		}
		seq = seq*10 + int(c-'0')
	}
	return channel, d, seq, seq > 0
}
