package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	oacontext "github.com/silenceper/wechat/v2/officialaccount/context"
	"github.com/silenceper/wechat/v2/officialaccount/message"

	"govapp/internal/config"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/errs"
)

// Paths of the official-account APIs.
const (
	pathTemplateSend = "/cgi-bin/message/template/send"
	pathCustomSend   = "/cgi-bin/message/custom/send"
	pathMenuCreate   = "/cgi-bin/menu/create"
)

// Limits checked before a call (WeChat's documented ones where it has some).
const (
	maxURLLen           = 1024
	maxClientMsgIDLen   = 128
	maxCustomTextBytes  = 2048
	maxMenuButtons      = 3
	maxMenuSubButtons   = 5
	maxMenuNameBytes    = 16 // top level, UTF-8
	maxMenuSubNameBytes = 60
	maxMenuKeyBytes     = 128
)

// OfficialAccount calls the official-account (公众号) APIs: template and
// customer-service messages, the menu. Its access token is shared and fetched
// once like the mini-program's (stable_token, cache key
// wechat:token:<official account app id>). It is safe for concurrent use.
type OfficialAccount struct {
	// api holds the official account's token source and runs the token-retry
	// wrapper; it is a Client for the official account's app id whose
	// mini-program handle is nil (only its direct calls are used).
	api *Client
	// lib is the library's official-account context (credentials, callback
	// token and AES key, our token handle), built once: hand it to the
	// library's sub-package constructors (server.NewServer, …). The root
	// package officialaccount is not used: it imports officialaccount/server,
	// hence logrus, and its lazy getters race.
	lib *oacontext.Context
	// thumb is the media id of the picture of mini-program cards.
	thumb atomic.Pointer[string]
}

// NewOfficialAccount returns a client for the official account in cfg.OA whose
// access token lives in c (shared by all instances). Like New it leaves the
// HTTP client alone (see SetHTTPClient). It returns an error when the app id
// or secret is missing.
func NewOfficialAccount(cfg config.WeChat, c cache.Cache, logger *slog.Logger) (*OfficialAccount, error) {
	if cfg.OA.AppID == "" || cfg.OA.Secret == "" {
		return nil, errors.New("wechat: official account app id and secret are required")
	}
	if c == nil {
		return nil, errors.New("wechat: a cache is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	timeout := cfg.HTTPTimeout.D()
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	ts := newTokenSource(cfg.OA.AppID, cfg.OA.Secret, c, logger, timeout)
	lib := &oacontext.Context{
		Config: &oaconfig.Config{
			AppID:          cfg.OA.AppID,
			AppSecret:      cfg.OA.Secret,
			Token:          cfg.OA.Token,
			EncodingAESKey: cfg.OA.AESKey,
			Cache:          tokenCache{c: c},
			UseStableAK:    true,
		},
		AccessTokenHandle: tokenHandle{s: ts},
	}
	return &OfficialAccount{
		api: &Client{appID: cfg.OA.AppID, tokens: ts, timeout: timeout, log: logger},
		lib: lib,
	}, nil
}

// AppID returns the official account's app id.
func (o *OfficialAccount) AppID() string { return o.api.appID }

// AccessToken returns the official account's access token, from the shared
// cache or freshly fetched; ErrUnavailable when none can be obtained.
func (o *OfficialAccount) AccessToken(ctx context.Context) (string, error) {
	return o.api.AccessToken(ctx)
}

// SetMiniProgramThumb sets the media id (a permanent image material) shown
// on the mini-program cards SendCustomMiniProgramPage sends. WeChat documents
// it as required; without one the card is sent with an empty thumb_media_id.
func (o *OfficialAccount) SetMiniProgramThumb(mediaID string) { o.thumb.Store(&mediaID) }

// MiniProgramLink makes a template message open a mini-program page.
type MiniProgramLink struct {
	AppID    string `json:"appid"`
	PagePath string `json:"pagepath"`
}

// TemplateMessage is one official-account template message (模板消息).
type TemplateMessage struct {
	ToOpenID   string
	TemplateID string
	// URL opens when the message is tapped (ignored by WeChat when
	// MiniProgram is set and the client can open it); empty for none.
	URL         string
	MiniProgram *MiniProgramLink
	// Data fills the template's keywords: {"first": "…"} is sent as
	// {"first": {"value": "…"}}.
	Data map[string]string
	// ClientMsgID makes WeChat send at most one message per recipient and id
	// within 10 minutes (a repeat answers success); empty for none.
	ClientMsgID string
}

type templateBody struct {
	ToUser      string               `json:"touser"`
	TemplateID  string               `json:"template_id"`
	URL         string               `json:"url,omitempty"`
	MiniProgram *MiniProgramLink     `json:"miniprogram,omitempty"`
	Data        map[string]dataValue `json:"data"`
	ClientMsgID string               `json:"client_msg_id,omitempty"`
}

func (m TemplateMessage) validate() error {
	fields := map[string]string{}
	if m.ToOpenID == "" || len(m.ToOpenID) > maxOpenIDLen {
		fields["to_openid"] = "接收者 openid 无效"
	}
	if m.TemplateID == "" || len(m.TemplateID) > maxTemplateIDLen {
		fields["template_id"] = "模板 ID 无效"
	}
	if len(m.URL) > maxURLLen {
		fields["url"] = "跳转链接过长"
	}
	if mp := m.MiniProgram; mp != nil && (mp.AppID == "" || mp.PagePath == "" || len(mp.PagePath) > maxPageLen) {
		fields["miniprogram"] = "小程序跳转需要 appid 和页面路径"
	}
	if len(m.ClientMsgID) > maxClientMsgIDLen {
		fields["client_msg_id"] = "防重入 ID 过长"
	}
	if err := validateData(m.Data); err != "" {
		fields["data"] = err
	}
	if len(fields) > 0 {
		return errs.Invalid(fields)
	}
	return nil
}

// SendTemplate sends a template message and returns WeChat's msgid. Errors,
// sorted by Classify: a validation error (nothing sent; SendPermanent);
// ErrNotFollowing (43004) and ErrSubscribeRefused (43101: the user blocks
// the account's messages): SendRefused; ErrTemplateInvalid (40037, 47001,
// 47003, 40165, …) and ErrRecipientUnreachable (40003, 50002): SendPermanent;
// ErrUnavailable (-1, 45009, timeout, network, no token, token still rejected
// after one refresh) and ErrRateLimited (45011): SendTransient.
func (o *OfficialAccount) SendTemplate(ctx context.Context, m TemplateMessage) (msgID int64, err error) {
	if err := m.validate(); err != nil {
		return 0, err
	}
	body := templateBody{ToUser: m.ToOpenID, TemplateID: m.TemplateID, URL: m.URL,
		MiniProgram: m.MiniProgram, Data: dataValues(m.Data), ClientMsgID: m.ClientMsgID}
	var res struct {
		MsgID int64 `json:"msgid"`
	}
	if err := o.api.postJSON(ctx, "template_send", pathTemplateSend, body, &res); err != nil {
		return 0, o.api.sendFailed(ctx, "template_send", classify(err, sendErrors))
	}
	return res.MsgID, nil
}

// SendCustomText sends a customer-service text message (客服消息), allowed
// within 48 hours of the user's last message or event. Errors as SendTemplate;
// a closed window or spent reply quota is ErrRecipientUnreachable (45015,
// 45047).
func (o *OfficialAccount) SendCustomText(ctx context.Context, toOpenID, text string) error {
	fields := map[string]string{}
	if toOpenID == "" || len(toOpenID) > maxOpenIDLen {
		fields["to_openid"] = "接收者 openid 无效"
	}
	if text == "" || len(text) > maxCustomTextBytes || !utf8.ValidString(text) {
		fields["text"] = "消息内容为空或过长"
	}
	if len(fields) > 0 {
		return errs.Invalid(fields)
	}
	return o.sendCustom(ctx, message.NewCustomerTextMessage(toOpenID, text))
}

// SendCustomMiniProgramPage sends a customer-service mini-program card that
// opens pagePath of the mini-program appID (see SetMiniProgramThumb). Errors
// as SendCustomText.
func (o *OfficialAccount) SendCustomMiniProgramPage(ctx context.Context, toOpenID, title, appID, pagePath string) error {
	fields := map[string]string{}
	if toOpenID == "" || len(toOpenID) > maxOpenIDLen {
		fields["to_openid"] = "接收者 openid 无效"
	}
	if title == "" || utf8.RuneCountInString(title) > 64 {
		fields["title"] = "卡片标题为空或过长"
	}
	if appID == "" {
		fields["appid"] = "缺少小程序 appid"
	}
	if pagePath == "" || len(pagePath) > maxPageLen {
		fields["pagepath"] = "小程序页面路径无效"
	}
	if len(fields) > 0 {
		return errs.Invalid(fields)
	}
	thumb := ""
	if p := o.thumb.Load(); p != nil {
		thumb = *p
	}
	return o.sendCustom(ctx, message.NewCustomerMiniprogrampageMessage(toOpenID, title, appID, pagePath, thumb))
}

func (o *OfficialAccount) sendCustom(ctx context.Context, msg *message.CustomerMessage) error {
	if err := o.api.postJSON(ctx, "custom_send", pathCustomSend, msg, nil); err != nil {
		return o.api.sendFailed(ctx, "custom_send", classify(err, sendErrors))
	}
	return nil
}

// Menu button types CreateMenu accepts.
const (
	MenuClick       = "click"       // sends a CLICK event with Key
	MenuView        = "view"        // opens URL
	MenuMiniProgram = "miniprogram" // opens PagePath of AppID (URL for old clients)
)

// MenuButton is one button of the official account's menu: a top-level
// button either has a Type or SubButtons (up to 5), never both.
type MenuButton struct {
	Type       string       `json:"type,omitempty" yaml:"type"`
	Name       string       `json:"name" yaml:"name"`
	Key        string       `json:"key,omitempty" yaml:"key"`
	URL        string       `json:"url,omitempty" yaml:"url"`
	AppID      string       `json:"appid,omitempty" yaml:"appid"`
	PagePath   string       `json:"pagepath,omitempty" yaml:"pagepath"`
	SubButtons []MenuButton `json:"sub_button,omitempty" yaml:"sub_button"`
}

// CreateMenu replaces the official account's custom menu with buttons (1 to 3
// top-level buttons). Errors: ErrMenuInvalid (our checks, with the faulty
// fields, or WeChat's 40015–40027, 40054, 40055, …); ErrUnavailable;
// ErrRateLimited; an *APIError for other errcodes (e.g. 48001: the account
// may not use the API).
func (o *OfficialAccount) CreateMenu(ctx context.Context, buttons []MenuButton) error {
	if fields := validateMenu(buttons); len(fields) > 0 {
		e := ErrMenuInvalid.Wrap(nil)
		e.Fields = fields
		return e
	}
	body := struct {
		Button []MenuButton `json:"button"`
	}{buttons}
	if err := o.api.postJSON(ctx, "menu_create", pathMenuCreate, body, nil); err != nil {
		return o.api.failed(ctx, "menu_create", classify(err, menuErrors))
	}
	return nil
}

// validateMenu returns the faulty fields of a menu, by path ("button[1].sub_button[0].url").
func validateMenu(buttons []MenuButton) map[string]string {
	fields := map[string]string{}
	if len(buttons) == 0 || len(buttons) > maxMenuButtons {
		fields["button"] = fmt.Sprintf("一级菜单应有 1 至 %d 个", maxMenuButtons)
	}
	for i, b := range buttons {
		p := fmt.Sprintf("button[%d]", i)
		if len(b.SubButtons) == 0 {
			validateMenuButton(fields, p, b, maxMenuNameBytes)
			continue
		}
		if b.Name == "" || len(b.Name) > maxMenuNameBytes {
			fields[p+".name"] = "一级菜单名称为空或超过 16 字节"
		}
		if b.Type != "" {
			fields[p+".type"] = "含子菜单的按钮不能设置类型"
		}
		if len(b.SubButtons) > maxMenuSubButtons {
			fields[p+".sub_button"] = fmt.Sprintf("子菜单最多 %d 个", maxMenuSubButtons)
		}
		for j, s := range b.SubButtons {
			sp := fmt.Sprintf("%s.sub_button[%d]", p, j)
			if len(s.SubButtons) > 0 {
				fields[sp+".sub_button"] = "菜单最多两级"
			}
			validateMenuButton(fields, sp, s, maxMenuSubNameBytes)
		}
	}
	return fields
}

func validateMenuButton(fields map[string]string, p string, b MenuButton, maxName int) {
	if b.Name == "" || len(b.Name) > maxName {
		fields[p+".name"] = fmt.Sprintf("菜单名称为空或超过 %d 字节", maxName)
	}
	switch b.Type {
	case MenuClick:
		if b.Key == "" || len(b.Key) > maxMenuKeyBytes {
			fields[p+".key"] = "点击菜单需要 key（最多 128 字节）"
		}
	case MenuView:
		if !validMenuURL(b.URL) {
			fields[p+".url"] = "链接菜单需要 http(s) 链接"
		}
	case MenuMiniProgram:
		if !validMenuURL(b.URL) {
			fields[p+".url"] = "小程序菜单需要备用网页链接"
		}
		if b.AppID == "" {
			fields[p+".appid"] = "小程序菜单需要 appid"
		}
		if b.PagePath == "" || len(b.PagePath) > maxPageLen {
			fields[p+".pagepath"] = "小程序菜单需要页面路径"
		}
	default:
		fields[p+".type"] = "菜单类型只能是 click、view 或 miniprogram"
	}
}

func validMenuURL(u string) bool {
	return len(u) <= maxURLLen && (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://"))
}
