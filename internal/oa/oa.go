// Package oa is the official account's domain: its followers (kept by the
// subscribe and unsubscribe events, linked to residents by unionid) and what
// the account answers — a welcome on subscribe, the configured reply of a menu
// click, and for a text message the best matching service guides as links into
// the mini-program, or a polite fallback with the 12345 hotline.
//
// The WeChat protocol (signatures, encryption, de-duplication, the 5-second
// budget) is internal/wechat/oaserver's; this package knows neither it nor the
// WeChat library.
package oa

import (
	"context"
	"time"

	"govapp/internal/platform/errs"
)

// Message types and events of an Inbound, as WeChat names them.
const (
	TypeText  = "text"
	TypeEvent = "event"

	EventSubscribe   = "subscribe"
	EventUnsubscribe = "unsubscribe"
	EventClick       = "CLICK"
	EventView        = "VIEW"
	EventScan        = "SCAN"
)

// Inbound is one message or event a follower sent to the account.
type Inbound struct {
	OpenID  string    // the follower
	Type    string    // TypeText, TypeEvent, or another WeChat message type (image, voice…)
	Event   string    // for TypeEvent: EventSubscribe, EventClick…
	Key     string    // the click key, or the scene of a subscribe or scan (qrscene_…)
	Content string    // for TypeText: what the follower typed
	At      time.Time // when WeChat received it (CreateTime); zero means now
}

// Follower is one official-account follower, past or present.
type Follower struct {
	OpenID         string
	UnionID        string // "" until known
	Subscribed     bool
	SubscribedAt   time.Time // the latest subscribe; zero if never seen
	UnsubscribedAt time.Time // the latest unsubscribe; zero if never seen
	UpdatedAt      time.Time
}

// ErrFollowerNotFound is returned for an openid that never followed the account.
var ErrFollowerNotFound = errs.New(errs.KindNotFound, "oa_follower_not_found", "该用户未关注公众号")

// Match is one guide a text search found.
type Match struct {
	Code string
	Name string
}

// GuideSearcher finds published service guides for what a follower typed (the
// app implements it with the guide service's search). A query the search
// refuses (only punctuation, say) should answer no matches rather than an error.
type GuideSearcher interface {
	Search(q string, limit int) ([]Match, error)
}

// UnionIDResolver looks up a follower's unionid (the official account's user
// info API); it is optional.
type UnionIDResolver interface {
	UnionID(ctx context.Context, openID string) (string, error)
}
