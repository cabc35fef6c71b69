package wechat

import (
	"context"
	"errors"
	"unicode/utf8"

	"govapp/internal/platform/errs"
)

// pathSubscribeSend is the mini-program's subscribeMessage.send.
const pathSubscribeSend = "/cgi-bin/message/subscribe/send"

// Mini-program versions a subscribe message may open (SubscribeMessage.MiniprogramState).
const (
	StateFormal    = "formal"
	StateTrial     = "trial"
	StateDeveloper = "developer"
)

// Limits checked before a send, so that an obviously bad message fails as a
// permanent error without a call. WeChat checks the rest (47003 etc.).
const (
	maxOpenIDLen     = 128
	maxTemplateIDLen = 128
	maxPageLen       = 1024
	maxDataKeys      = 64
	maxDataValueLen  = 1024 // runes
)

// SubscribeMessage is one mini-program subscribe message (订阅消息).
type SubscribeMessage struct {
	ToOpenID   string
	TemplateID string
	// Page opens when the card is tapped (e.g. "pages/ticket/detail?id=42");
	// empty for none.
	Page string
	// Data fills the template's keywords: {"thing1": "…"} is sent as
	// {"thing1": {"value": "…"}}.
	Data map[string]string
	// MiniprogramState is the version Page opens: StateFormal (default when
	// empty), StateTrial or StateDeveloper.
	MiniprogramState string
}

// subscribeBody is the JSON of subscribeMessage.send.
type subscribeBody struct {
	ToUser           string               `json:"touser"`
	TemplateID       string               `json:"template_id"`
	Page             string               `json:"page,omitempty"`
	Data             map[string]dataValue `json:"data"`
	MiniprogramState string               `json:"miniprogram_state,omitempty"`
	Lang             string               `json:"lang"`
}

// dataValue is one keyword of a subscribe or template message.
type dataValue struct {
	Value string `json:"value"`
}

func dataValues(d map[string]string) map[string]dataValue {
	out := make(map[string]dataValue, len(d))
	for k, v := range d {
		out[k] = dataValue{Value: v}
	}
	return out
}

// validate checks what WeChat would reject for sure.
func (m SubscribeMessage) validate() error {
	fields := map[string]string{}
	if m.ToOpenID == "" || len(m.ToOpenID) > maxOpenIDLen {
		fields["to_openid"] = "接收者 openid 无效"
	}
	if m.TemplateID == "" || len(m.TemplateID) > maxTemplateIDLen {
		fields["template_id"] = "模板 ID 无效"
	}
	if len(m.Page) > maxPageLen {
		fields["page"] = "跳转页面过长"
	}
	switch m.MiniprogramState {
	case "", StateFormal, StateTrial, StateDeveloper:
	default:
		fields["miniprogram_state"] = "小程序版本只能是 formal、trial 或 developer"
	}
	if err := validateData(m.Data); err != "" {
		fields["data"] = err
	}
	if len(fields) > 0 {
		return errs.Invalid(fields)
	}
	return nil
}

func validateData(d map[string]string) string {
	if len(d) == 0 {
		return "模板数据不能为空"
	}
	if len(d) > maxDataKeys {
		return "模板数据项过多"
	}
	for k, v := range d {
		if k == "" || utf8.RuneCountInString(v) > maxDataValueLen {
			return "模板数据项无效"
		}
	}
	return ""
}

// SendSubscribe sends a subscribe message through subscribeMessage.send, one
// attempt (plus one after an access-token refresh). The user must hold a
// grant for the template (each wx.requestSubscribeMessage tap grants one
// send) unless it is a long-term template.
//
// Errors (sort them with Classify):
//   - a validation error (errs KindInvalid) for a message WeChat would refuse
//     for sure: nothing is sent; SendPermanent;
//   - ErrSubscribeRefused (43101): no grant, refused or revoked; SendRefused;
//   - ErrTemplateInvalid (40037, 47003, 41030, 43107, 45168, …) and
//     ErrRecipientUnreachable (40003, 40038, 50002): SendPermanent;
//   - ErrUnavailable (-1, 45009, timeout, network, no token, token still
//     rejected after one refresh) and ErrRateLimited (45011, 43108):
//     SendTransient.
//
// Each wraps the *APIError (or the transport error) it stems from.
func (c *Client) SendSubscribe(ctx context.Context, m SubscribeMessage) error {
	if err := m.validate(); err != nil {
		return err
	}
	body := subscribeBody{
		ToUser: m.ToOpenID, TemplateID: m.TemplateID, Page: m.Page,
		Data: dataValues(m.Data), MiniprogramState: m.MiniprogramState, Lang: "zh_CN",
	}
	if err := c.postJSON(ctx, "subscribe_send", pathSubscribeSend, body, nil); err != nil {
		return c.sendFailed(ctx, "subscribe_send", classify(err, sendErrors))
	}
	return nil
}

// sendFailed logs a failed send at a level fitting its cause and returns err:
// refusals and unreachable users are routine, transient failures are retried
// by the caller, anything else points at a configuration mistake.
func (c *Client) sendFailed(ctx context.Context, api string, err error) error {
	code, class := Classify(err)
	switch {
	case class == SendRefused, errors.Is(err, ErrRecipientUnreachable):
		c.log.DebugContext(ctx, "wechat: recipient cannot receive", "api", api, "errcode", code)
	case class == SendTransient:
		c.log.InfoContext(ctx, "wechat: send failed, retryable", "api", api, "app_id", c.appID, "errcode", code, "err", err)
	default:
		c.log.WarnContext(ctx, "wechat: send rejected", "api", api, "app_id", c.appID, "errcode", code, "err", err)
	}
	return err
}
