package fakewechat

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Paths served by the official-account routes.
const (
	pathCustomSend = "/cgi-bin/message/custom/send"
	pathMenuCreate = "/cgi-bin/menu/create"
)

// SentCustom is a customer-service message the fake accepted. Text is set
// for msgtype text; Title, AppID, PagePath and ThumbMediaID for
// miniprogrampage; Raw holds the request body for any type.
type SentCustom struct {
	App          string
	ToOpenID     string
	MsgType      string
	Text         string
	Title        string
	AppID        string
	PagePath     string
	ThumbMediaID string
	Raw          []byte
	At           time.Time
}

// oaState records what the official-account APIs received. Guarded by Fake.mu.
type oaState struct {
	unionIDs    map[string]string
	customs     recent[SentCustom]
	customTotal int
	menu        []byte          // the last menu/create body accepted
	unfollowed  map[string]bool // openids answered 43004
}

// addOARoutes registers the official-account APIs (customer-service messages, menu).
func (f *Fake) addOARoutes() {
	f.routes[pathCustomSend] = route{method: http.MethodPost, needToken: true, handle: f.customSend}
	f.routes[pathMenuCreate] = route{method: http.MethodPost, needToken: true, handle: f.menuCreate}
	f.routes[pathUserInfo] = route{method: http.MethodGet, needToken: true, handle: f.userInfo}
}

const pathUserInfo = "/cgi-bin/user/info"

// SetUnionID makes the user-info API answer unionid for openid. Unscripted
// follower openids "oa-<x>" answer unionid "u-<x>" (the same convention as
// the mini-program's dev login codes, so that a follower and a resident link).
func (f *Fake) SetUnionID(openid, unionid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.oa.unionIDs == nil {
		f.oa.unionIDs = map[string]string{}
	}
	f.oa.unionIDs[openid] = unionid
}

func (f *Fake) userInfo(r *http.Request, _ string) any {
	openid := r.URL.Query().Get("openid")
	if openid == "" {
		return errBody(40003)
	}
	f.mu.Lock()
	u, ok := f.oa.unionIDs[openid]
	f.mu.Unlock()
	if !ok && strings.HasPrefix(openid, "oa-") {
		u = "u-" + strings.TrimPrefix(openid, "oa-")
	}
	return map[string]any{"subscribe": 1, "openid": openid, "unionid": u, "nickname": ""}
}

// resetOA forgets what was received (called with f.mu held).
func (f *Fake) resetOA() { f.oa = oaState{unfollowed: map[string]bool{}} }

// Unfollow makes template and customer-service sends to openid answer 43004
// (the user does not follow the official account).
func (f *Fake) Unfollow(openid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.oa.unfollowed[openid] = true
}

// Customs returns the last 10,000 customer-service messages accepted, oldest first.
func (f *Fake) Customs() []SentCustom {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.oa.customs.list()
}

// CustomTotal returns how many customer-service messages were accepted in all.
func (f *Fake) CustomTotal() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.oa.customTotal
}

// Menu returns the body of the last menu/create call accepted ({"button":[…]},
// compacted), or nil.
func (f *Fake) Menu() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.oa.menu)
}

func (f *Fake) customSend(r *http.Request, app string) any {
	var raw json.RawMessage
	decodeErr := readJSON(r, &raw)
	var in struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    *struct {
			Content string `json:"content"`
		} `json:"text"`
		Page *struct {
			Title        string `json:"title"`
			AppID        string `json:"appid"`
			PagePath     string `json:"pagepath"`
			ThumbMediaID string `json:"thumb_media_id"`
		} `json:"miniprogrampage"`
	}
	if decodeErr == nil {
		decodeErr = json.Unmarshal(raw, &in)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if code := f.rateFailure(pathCustomSend); code != 0 {
		return errBody(code)
	}
	if decodeErr != nil {
		return errBody(codeBadBody)
	}
	sent := SentCustom{App: app, ToOpenID: in.ToUser, MsgType: in.MsgType, Raw: compact(raw), At: f.now()}
	switch in.MsgType {
	case "text":
		if in.Text == nil || in.Text.Content == "" {
			return errBody(codeBadBody)
		}
		sent.Text = in.Text.Content
	case "miniprogrampage":
		if p := in.Page; p == nil || p.Title == "" || p.AppID == "" || p.PagePath == "" {
			return errBody(codeBadBody)
		}
		sent.Title, sent.AppID, sent.PagePath, sent.ThumbMediaID = in.Page.Title, in.Page.AppID, in.Page.PagePath, in.Page.ThumbMediaID
	case "image", "voice", "video", "music", "news", "mpnews", "mpnewsarticle", "msgmenu", "wxcard":
	default:
		return errBody(codeInvalidMsgType)
	}
	switch {
	case in.ToUser == "":
		return errBody(codeInvalidOpenID)
	case f.oa.unfollowed[in.ToUser]:
		return errBody(codeNotFollowing)
	}
	f.oa.customs.add(sent)
	f.oa.customTotal++
	return errBody(0)
}

func (f *Fake) menuCreate(r *http.Request, _ string) any {
	var raw json.RawMessage
	decodeErr := readJSON(r, &raw)
	var in struct {
		Button []menuButton `json:"button"`
	}
	if decodeErr == nil {
		decodeErr = json.Unmarshal(raw, &in)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if code := f.rateFailure(pathMenuCreate); code != 0 {
		return errBody(code)
	}
	switch {
	case decodeErr != nil:
		return errBody(codeBadBody)
	case len(in.Button) == 0 || len(in.Button) > 3:
		return errBody(codeInvalidButtonSize)
	case slices.ContainsFunc(in.Button, func(b menuButton) bool { return b.Name == "" }):
		return errBody(codeInvalidButtonName)
	}
	f.oa.menu = compact(raw)
	return errBody(0)
}

// menuButton is what the fake checks of a top-level menu button.
type menuButton struct {
	Name string `json:"name"`
}

// compact returns raw without insignificant white space (raw itself when it
// is not valid JSON).
func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return bytes.Clone(raw)
	}
	return b.Bytes()
}
