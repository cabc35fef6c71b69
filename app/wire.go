package app

// The adapters of the composition root: each turns an edge the app owns (the
// WeChat clients, the guide search) into the small interface a domain
// service declares, so that no domain imports another's client. app.go
// builds the services with them; nothing else in app/ defines one.

import (
	"context"
	"errors"
	"strings"

	"govapp/internal/account"
	"govapp/internal/guide"
	"govapp/internal/oa"
	"govapp/internal/push"
	"govapp/internal/wechat"
	"govapp/internal/wechat/oaserver"
)

// wxAccount adapts the WeChat client to what the account service needs.
// With refuseDevCodes (the built-in fake WeChat while dev login is off) it
// refuses the fake's "dev:" and "dev-phone:" codes, which sign anyone in as
// anyone with any phone, before they reach it; live WeChat judges its codes.
type wxAccount struct {
	c              *wechat.Client
	refuseDevCodes bool
}

// devCode reports whether code is one of the fake's dev codes and they are off.
func (w wxAccount) devCode(code string) bool {
	return w.refuseDevCodes && (strings.HasPrefix(code, "dev:") || strings.HasPrefix(code, "dev-phone:"))
}

func (w wxAccount) Login(ctx context.Context, code string) (account.WeChatIdentity, error) {
	if w.devCode(code) {
		return account.WeChatIdentity{}, wechat.ErrInvalidCode
	}
	s, err := w.c.Code2Session(ctx, code)
	if err != nil {
		return account.WeChatIdentity{}, err
	}
	return account.WeChatIdentity{OpenID: s.OpenID, UnionID: s.UnionID, SessionKey: s.SessionKey}, nil
}

func (w wxAccount) PhoneNumber(ctx context.Context, code string) (string, error) {
	if w.devCode(code) {
		return "", wechat.ErrInvalidPhoneCode
	}
	return w.c.PhoneNumber(ctx, code)
}

// wxSender sends push attempts through WeChat: subscribe messages through the
// mini-program, template messages through the official account.
type wxSender struct {
	mp    *wechat.Client
	oa    *wechat.OfficialAccount // nil when no official account is configured
	mpApp string
	state string
}

var _ push.Sender = wxSender{}

func (w wxSender) Send(ctx context.Context, a push.Attempt) push.Result {
	var err error
	switch a.Channel {
	case push.ChannelTemplate:
		if w.oa == nil {
			return push.Result{Outcome: push.Permanent, ErrCode: -4}
		}
		_, err = w.oa.SendTemplate(ctx, wechat.TemplateMessage{ToOpenID: a.OpenID, TemplateID: a.TemplateID, Data: a.Data,
			ClientMsgID: a.ClientMsgID, MiniProgram: &wechat.MiniProgramLink{AppID: w.mpApp, PagePath: a.Page}})
	default:
		err = w.mp.SendSubscribe(ctx, wechat.SubscribeMessage{ToOpenID: a.OpenID, TemplateID: a.TemplateID, Page: a.Page,
			Data: a.Data, MiniprogramState: w.state})
	}
	code, class := wechat.Classify(err)
	r := push.Result{ErrCode: code, Err: err}
	switch class {
	case wechat.SendOK:
		r.Outcome = push.Sent
	case wechat.SendRefused:
		r.Outcome = push.Refused
	case wechat.SendPermanent:
		r.Outcome = push.Permanent
	default:
		r.Outcome = push.Transient
	}
	return r
}

// contentChecker is WeChat's msgSecCheck as the ticket service's content check.
type contentChecker struct{ wx *wechat.Client }

func (c contentChecker) Check(ctx context.Context, openid, text string) (string, error) {
	v, err := c.wx.MsgSecCheck(ctx, openid, text, wechat.SceneForum)
	if err != nil {
		return "", err
	}
	return v.Suggest, nil
}

// oaSender is the official-account client as the callback server's
// CustomSender: nil (late answers dropped, logged) when there is no client.
func oaSender(c *wechat.OfficialAccount) oaserver.CustomSender {
	if c == nil {
		return nil
	}
	return c
}

// oaHandler answers the official account's messages with the oa service.
type oaHandler struct{ svc *oa.Service }

var _ oaserver.Handler = oaHandler{}

func (h oaHandler) HandleMessage(ctx context.Context, m oaserver.Message) (oaserver.Reply, error) {
	text, err := h.svc.Handle(ctx, oa.Inbound{OpenID: m.FromUserName, Type: m.MsgType, Event: m.Event,
		Key: m.EventKey, Content: m.Content, At: m.Time()})
	return oaserver.Reply{Text: text}, err
}

// oaGuides is the guide search as the official account uses it.
type oaGuides struct{ g *guide.Service }

var _ oa.GuideSearcher = oaGuides{}

// Search returns the best published guides for q; a query the search
// refuses (only punctuation) has no matches.
func (s oaGuides) Search(q string, limit int) ([]oa.Match, error) {
	p, err := s.g.List(guide.ListQuery{Q: q, Limit: limit})
	if errors.Is(err, guide.ErrBadQuery) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]oa.Match, 0, len(p.Items))
	for _, h := range p.Items {
		out = append(out, oa.Match{Code: h.Code, Name: h.Name})
	}
	return out, nil
}
