// Package push is the one pipeline for every message govapp sends a resident:
// a message per cause, fanned out in batches on durable jobs to one delivery
// per recipient (unique per cause: at most one send each), paid for by the
// resident's one-time subscribe grants, capped in rate across all instances,
// retried on transient errors, and recorded with its outcome.
package push

import (
	"context"
	"encoding/json"
	"time"

	"govapp/internal/platform/errs"
)

// Delivery statuses.
const (
	StatusPending = "pending"
	StatusSending = "sending" // claimed by a send job; its outcome is being recorded
	StatusSent    = "sent"
	StatusNoGrant = "no_grant" // no one-time grant and no other channel: nothing sent
	StatusRefused = "refused"  // WeChat answered 43101 (or the user no longer follows)
	StatusFailed  = "failed"   // permanent error, attempts exhausted, or outcome unknown after a crash
	StatusSkipped = "skipped"  // the resident turned this kind of message off
)

// Channels a delivery went through.
const (
	ChannelSubscribe = "subscribe" // mini-program subscribe message
	ChannelTemplate  = "template"  // official-account template message
)

// errUnknownOutcome marks deliveries found claimed after a crash: they may
// have been sent, so they are never sent again.
const errUnknownOutcome = -2

// Message is what a cause wants sent.
type Message struct {
	// Cause is the dedup key, e.g. "policy:42" or "ticket:MB…:replied": one
	// send per recipient per cause, ever.
	Cause    string
	Template string            // a key of push.templates in the configuration
	Page     string            // mini-program page (with query) opened from the message; default: the template's
	Data     map[string]string // template fields
	Audience Audience
}

// Audience says who receives a message.
type Audience struct {
	// Kind names a registered Resolver; "residents" is built in.
	Kind string `json:"kind"`
	// ResidentIDs lists the recipients of kind "residents".
	ResidentIDs []int64 `json:"resident_ids,omitempty"`
	// Params are the resolver's parameters (e.g. topic ids).
	Params json.RawMessage `json:"params,omitempty"`
}

// Resolver pages through the recipients of an audience kind, by resident id.
type Resolver interface {
	// Recipients returns up to limit resident ids greater than after, ascending.
	Recipients(ctx context.Context, a Audience, after int64, limit int) ([]int64, error)
}

// Attempt is one send to WeChat.
type Attempt struct {
	Channel     string
	OpenID      string // mini-program openid, or official-account openid for templates
	TemplateID  string
	Page        string
	Data        map[string]string
	ClientMsgID string // de-duplication key WeChat honours for template messages
}

// Outcome classifies a send.
type Outcome int

// Outcomes.
const (
	Sent      Outcome = iota
	Refused           // 43101 / not following: never retried
	Permanent         // template or data error: never retried
	Transient         // busy, quota, timeout, network: retried with backoff
)

// Result is the outcome of one Attempt.
type Result struct {
	Outcome Outcome
	ErrCode int64
	Err     error
}

// Sender sends one message through WeChat (the app adapts the WeChat client).
type Sender interface {
	Send(ctx context.Context, a Attempt) Result
}

// Followers links residents to official-account followers by unionid.
type Followers interface {
	// FollowerOpenID returns the official-account openid of the follower with
	// this unionid, if they follow the account.
	FollowerOpenID(ctx context.Context, unionid string) (string, bool, error)
}

// Throttle caps the send rate.
type Throttle interface {
	Wait(ctx context.Context) error
}

// Settings is what a resident chose to receive.
type Settings struct {
	Tickets      bool `db:"tickets" json:"tickets"`
	Appointments bool `db:"appointments" json:"appointments"`
	Policies     bool `db:"policies" json:"policies"`
}

func (s Settings) allows(setting string) bool {
	switch setting {
	case "tickets":
		return s.Tickets
	case "appointments":
		return s.Appointments
	case "policies":
		return s.Policies
	}
	return true
}

// Errors.
var (
	ErrUnknownTemplate = errs.InvalidField("template_id", "未知的订阅消息模板")
	ErrBadCount        = errs.InvalidField("count", "须为 1–50")
	ErrMessageNotFound = errs.New(errs.KindNotFound, "push_message_not_found", "推送记录不存在")
)

// Stats are the totals of one message's deliveries.
type Stats struct {
	Cause      string           `json:"cause"`
	Recipients int              `json:"recipients"`
	FanoutDone bool             `json:"fanout_done"`
	ByStatus   map[string]int   `json:"by_status"`
	Failures   []FailureSummary `json:"failures"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
	// Rate is the sends per second over the message's life so far.
	Rate float64 `json:"rate"`
}

// FailureSummary counts failed deliveries by WeChat errcode.
type FailureSummary struct {
	ErrCode int `db:"errcode" json:"errcode"`
	Count   int `db:"n" json:"count"`
}
