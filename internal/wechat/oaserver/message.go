package oaserver

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/message"
)

// Message types and events WeChat pushes (the ones govapp handles; others
// arrive with their WeChat names).
const (
	MsgTypeText  = "text"
	MsgTypeEvent = "event"

	EventSubscribe   = "subscribe"
	EventUnsubscribe = "unsubscribe"
	EventClick       = "CLICK"
	EventView        = "VIEW"
	EventScan        = "SCAN"
)

// Message is one message or event WeChat pushed to the account.
type Message struct {
	ToUserName   string // the account's original id (gh_…)
	FromUserName string // the sender's openid
	CreateTime   int64  // unix seconds
	MsgType      string // MsgTypeText, MsgTypeEvent, "image", "voice", …
	MsgID        int64  // messages only
	Content      string // text
	Event        string // events: EventSubscribe, EventClick, …
	EventKey     string // click key, view URL, or scene (qrscene_…)
	Ticket       string // QR-code ticket of subscribe/scan
}

// Time returns CreateTime as a time.
func (m Message) Time() time.Time { return time.Unix(m.CreateTime, 0).UTC() }

// dedupID identifies m across WeChat's retries: MsgId for messages,
// FromUserName+CreateTime (and the event) for events, which carry no MsgId.
func (m Message) dedupID() string {
	if m.MsgType != MsgTypeEvent && m.MsgID != 0 {
		return "m:" + strconv.FormatInt(m.MsgID, 10)
	}
	return "e:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + m.Event
}

// Reply is the answer to a message: a text, which may hold <a> links
// (data-miniprogram-appid/-path for mini-program pages). The zero Reply
// answers nothing ("success").
type Reply struct {
	Text string
}

// IsZero reports whether r answers nothing.
func (r Reply) IsZero() bool { return r.Text == "" }

// Handler answers one message. ctx is not the request's: it outlives the
// 5-second budget (so a slow answer can still be sent through the
// CustomSender) and ends at Options.LateTimeout. A Handler must be safe for
// concurrent use; an error before the budget makes WeChat retry the message.
type Handler interface {
	HandleMessage(ctx context.Context, m Message) (Reply, error)
}

// HandlerFunc is a function Handler.
type HandlerFunc func(ctx context.Context, m Message) (Reply, error)

// HandleMessage calls f.
func (f HandlerFunc) HandleMessage(ctx context.Context, m Message) (Reply, error) { return f(ctx, m) }

// CustomSender sends a reply that missed the 5-second budget through the
// customer-service API (message/custom/send). The official-account client
// implements it.
type CustomSender interface {
	SendCustomText(ctx context.Context, openID, content string) error
}

// parseMessage decodes the plaintext XML of a message.
func parseMessage(raw []byte) (Message, error) {
	var mm message.MixMessage
	if err := xml.Unmarshal(raw, &mm); err != nil {
		return Message{}, fmt.Errorf("oaserver: parse message: %w", err)
	}
	m := Message{
		ToUserName: string(mm.ToUserName), FromUserName: string(mm.FromUserName), CreateTime: mm.CreateTime,
		MsgType: string(mm.MsgType), MsgID: mm.MsgID, Content: mm.Content,
		Event: string(mm.Event), EventKey: mm.EventKey, Ticket: mm.Ticket,
	}
	if m.FromUserName == "" || m.MsgType == "" {
		return Message{}, fmt.Errorf("oaserver: parse message: FromUserName or MsgType missing")
	}
	return m, nil
}

// textReply returns the passive-reply XML of a text answering m.
func textReply(m Message, text string, now time.Time) ([]byte, error) {
	t := message.NewText(text)
	t.SetToUserName(message.CDATA(m.FromUserName))
	t.SetFromUserName(message.CDATA(m.ToUserName))
	t.SetMsgType(message.MsgTypeText)
	t.SetCreateTime(now.Unix())
	b, err := xml.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("oaserver: marshal reply: %w", err)
	}
	return b, nil
}
