package fakewechat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Paths served by the message routes.
const (
	pathSubscribeSend = "/cgi-bin/message/subscribe/send"
	pathTemplateSend  = "/cgi-bin/message/template/send"
	pathMsgSecCheck   = "/wxa/msg_sec_check"
)

// Errcodes of the message and official-account routes.
const (
	codeInvalidOpenID     = 40003
	codeInvalidMsgType    = 40008
	codeInvalidButtonSize = 40016
	codeInvalidButtonName = 40018
	codeInvalidTemplateID = 40037
	codeNotFollowing      = 43004
	codeSubscribeRefused  = 43101
	codeArgumentInvalid   = 47003
)

func init() {
	for code, msg := range map[int]string{
		codeInvalidOpenID:     "invalid openid",
		codeInvalidMsgType:    "invalid message type",
		codeInvalidButtonSize: "invalid button size",
		codeInvalidButtonName: "invalid button name size",
		codeInvalidTemplateID: "invalid template_id",
		codeNotFollowing:      "require subscribe",
		codeSubscribeRefused:  "user refuse to accept the msg",
		codeArgumentInvalid:   "argument invalid!",
		41030:                 "invalid page",
		43108:                 "concurrent send to the same user",
		45168:                 "keyword hit",
		61010:                 "user visit record expired",
	} {
		errMsgs[code] = msg
	}
}

const (
	// keep is how many messages of each kind the fake retains for
	// Subscribes, Templates and Customs; counts stay exact beyond it.
	keep = 10000
	// dedupWindow is how long a template message's client_msg_id de-duplicates.
	dedupWindow = 10 * time.Minute
	// secCheckMaxRunes is msgSecCheck's limit; longer content answers 47001.
	secCheckMaxRunes = 2500
)

// Default word lists of the fake msgSecCheck (SetRiskyWords, SetReviewWords).
var (
	DefaultRiskyWords  = []string{"违禁词测试"}
	DefaultReviewWords = []string{"待审核词测试"}
)

// Labels the fake msgSecCheck answers.
const (
	labelNormal = 100
	labelRisky  = 20006 // 违法犯罪
	labelReview = 21000 // 其他
)

// SentSubscribe is a subscribe message the fake accepted.
type SentSubscribe struct {
	App              string // app id of the access token used
	ToOpenID         string
	TemplateID       string
	Page             string
	MiniprogramState string
	Lang             string
	Data             map[string]string // keyword → value
	At               time.Time
}

// SentTemplate is an official-account template message the fake accepted
// (once per client_msg_id and recipient within 10 minutes).
type SentTemplate struct {
	App                 string
	ToOpenID            string
	TemplateID          string
	URL                 string
	MiniProgramAppID    string
	MiniProgramPagePath string
	Data                map[string]string
	ClientMsgID         string
	MsgID               int64
	At                  time.Time
}

// recent keeps the last keep items in amortised O(1) per add.
type recent[T any] struct{ items []T }

func (r *recent[T]) add(v T) {
	r.items = append(r.items, v)
	if len(r.items) >= 2*keep {
		r.items = slices.Clone(r.items[len(r.items)-keep:])
	}
}

func (r *recent[T]) list() []T {
	s := r.items
	if len(s) > keep {
		s = s[len(s)-keep:]
	}
	return slices.Clone(s)
}

// rate makes every nth call fail with code.
type rate struct {
	code, every, calls int
}

type dedupEntry struct {
	msgID int64
	at    time.Time
}

// messageState records the messages and content checks the fake received.
// Guarded by Fake.mu.
type messageState struct {
	subscribes      recent[SentSubscribe]
	subscribeCounts map[string]int // openid → accepted subscribe messages
	subscribeTotal  int
	refused         map[string]bool
	refusals        map[string]int // 43101 answers given, per openid

	templates      recent[SentTemplate]
	templateCounts map[string]int
	templateTotal  int
	dedup          map[string]dedupEntry // touser \x00 client_msg_id
	dedupSweepAt   int                   // sweep expired entries beyond this size
	msgSeq         int64

	riskyWords, reviewWords []string
	secChecks               int

	rates       map[string]*rate // path → FailRate
	clockOffset time.Duration
}

// addMessageRoutes registers subscribeMessage.send, template send and msgSecCheck.
func (f *Fake) addMessageRoutes() {
	f.routes[pathSubscribeSend] = route{method: http.MethodPost, needToken: true, handle: f.subscribeSend}
	f.routes[pathTemplateSend] = route{method: http.MethodPost, needToken: true, handle: f.templateSend}
	f.routes[pathMsgSecCheck] = route{method: http.MethodPost, needToken: true, handle: f.msgSecCheck}
}

// resetMessages forgets what was received (called with f.mu held).
func (f *Fake) resetMessages() {
	f.msgs = messageState{
		subscribeCounts: map[string]int{},
		refused:         map[string]bool{},
		refusals:        map[string]int{},
		templateCounts:  map[string]int{},
		dedup:           map[string]dedupEntry{},
		dedupSweepAt:    1024,
		riskyWords:      slices.Clone(DefaultRiskyWords),
		reviewWords:     slices.Clone(DefaultReviewWords),
		rates:           map[string]*rate{},
	}
}

// FailRate makes every every-th call to path (the every-th, 2×every-th, …
// since this call) answer errcode, deterministically; every <= 0 clears it.
// It applies to the routes of this file and oa.go (subscribe, template and
// customer-service sends, msgSecCheck, menu creation), after the access-token
// check, and adds to FailNext, SetQuota and SetLatency, which apply to every
// path.
func (f *Fake) FailRate(path string, errcode int, every int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if every <= 0 {
		delete(f.msgs.rates, path)
		return
	}
	f.msgs.rates[path] = &rate{code: errcode, every: every}
}

// rateFailure counts a call to path and returns the errcode FailRate imposes
// on it, or 0 (called with f.mu held).
func (f *Fake) rateFailure(path string) int {
	r := f.msgs.rates[path]
	if r == nil {
		return 0
	}
	r.calls++
	if r.calls%r.every == 0 {
		return r.code
	}
	return 0
}

// Refuse makes subscribe sends to openid answer 43101 (no grant), as if the
// user never accepted or had spent every grant.
func (f *Fake) Refuse(openid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs.refused[openid] = true
}

// SetRiskyWords replaces the words that make msgSecCheck answer "risky"
// (DefaultRiskyWords after Reset).
func (f *Fake) SetRiskyWords(words ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs.riskyWords = nonEmpty(words)
}

// SetReviewWords replaces the words that make msgSecCheck answer "review"
// (DefaultReviewWords after Reset).
func (f *Fake) SetReviewWords(words ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs.reviewWords = nonEmpty(words)
}

func nonEmpty(words []string) []string {
	return slices.DeleteFunc(slices.Clone(words), func(w string) bool { return w == "" })
}

// AdvanceClock moves the fake's clock forward by d (e.g. past the 10-minute
// client_msg_id window). Reset puts it back.
func (f *Fake) AdvanceClock(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs.clockOffset += d
}

// now returns the fake's time (called with f.mu held).
func (f *Fake) now() time.Time { return time.Now().Add(f.msgs.clockOffset) }

// Subscribes returns the last 10,000 subscribe messages accepted, oldest first.
func (f *Fake) Subscribes() []SentSubscribe {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs.subscribes.list()
}

// SubscribeCount returns how many subscribe messages to toOpenID were accepted.
func (f *Fake) SubscribeCount(toOpenID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs.subscribeCounts[toOpenID]
}

// SubscribeTotal returns how many subscribe messages were accepted in all.
func (f *Fake) SubscribeTotal() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs.subscribeTotal
}

// SubscribeRecipients returns how many distinct openids received a subscribe message.
func (f *Fake) SubscribeRecipients() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.msgs.subscribeCounts)
}

// Templates returns the last 10,000 template messages accepted, oldest first
// (a repeat de-duplicated by client_msg_id is not among them).
func (f *Fake) Templates() []SentTemplate {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs.templates.list()
}

// TemplateCount returns how many template messages to toOpenID were accepted.
func (f *Fake) TemplateCount(toOpenID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs.templateCounts[toOpenID]
}

// TemplateTotal returns how many template messages were accepted in all.
func (f *Fake) TemplateTotal() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs.templateTotal
}

// SecChecks returns how many msgSecCheck calls were answered with a verdict.
func (f *Fake) SecChecks() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs.secChecks
}

// decodeData reads a message's data, {"key": {"value": …}}, into key → value
// (non-string values as their JSON). ok is false unless data is an object of
// objects.
func decodeData(raw json.RawMessage) (map[string]string, bool) {
	var items map[string]map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &items) != nil || items == nil {
		return nil, false
	}
	out := make(map[string]string, len(items))
	for k, item := range items {
		if item == nil {
			return nil, false
		}
		v := item["value"]
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		out[k] = s
	}
	return out, true
}

func (f *Fake) subscribeSend(r *http.Request, app string) any {
	var in struct {
		ToUser           string          `json:"touser"`
		TemplateID       string          `json:"template_id"`
		Page             string          `json:"page"`
		Data             json.RawMessage `json:"data"`
		MiniprogramState string          `json:"miniprogram_state"`
		Lang             string          `json:"lang"`
	}
	decodeErr := readJSON(r, &in)
	f.mu.Lock()
	defer f.mu.Unlock()
	if code := f.rateFailure(pathSubscribeSend); code != 0 {
		return errBody(code)
	}
	if decodeErr != nil {
		return errBody(codeBadBody)
	}
	data, ok := decodeData(in.Data)
	switch {
	case in.ToUser == "":
		return errBody(codeInvalidOpenID)
	case in.TemplateID == "":
		return errBody(codeInvalidTemplateID)
	case !ok:
		return errBody(codeArgumentInvalid)
	case !slices.Contains([]string{"", "developer", "trial", "formal"}, in.MiniprogramState):
		return errBody(codeArgumentInvalid)
	case f.msgs.refused[in.ToUser]:
		f.msgs.refusals[in.ToUser]++
		return errBody(codeSubscribeRefused)
	}
	f.msgs.subscribes.add(SentSubscribe{App: app, ToOpenID: in.ToUser, TemplateID: in.TemplateID,
		Page: in.Page, MiniprogramState: in.MiniprogramState, Lang: in.Lang, Data: data, At: f.now()})
	f.msgs.subscribeCounts[in.ToUser]++
	f.msgs.subscribeTotal++
	return errBody(0)
}

func (f *Fake) templateSend(r *http.Request, app string) any {
	var in struct {
		ToUser      string          `json:"touser"`
		TemplateID  string          `json:"template_id"`
		URL         string          `json:"url"`
		Data        json.RawMessage `json:"data"`
		ClientMsgID string          `json:"client_msg_id"`
		MiniProgram *struct {
			AppID    string `json:"appid"`
			PagePath string `json:"pagepath"`
		} `json:"miniprogram"`
	}
	decodeErr := readJSON(r, &in)
	f.mu.Lock()
	defer f.mu.Unlock()
	if code := f.rateFailure(pathTemplateSend); code != 0 {
		return errBody(code)
	}
	if decodeErr != nil {
		return errBody(codeBadBody)
	}
	data, ok := decodeData(in.Data)
	switch {
	case in.ToUser == "":
		return errBody(codeInvalidOpenID)
	case in.TemplateID == "":
		return errBody(codeInvalidTemplateID)
	case !ok:
		return errBody(codeBadBody)
	case f.oa.unfollowed[in.ToUser]:
		return errBody(codeNotFollowing)
	}
	now := f.now()
	key := in.ToUser + "\x00" + in.ClientMsgID
	if in.ClientMsgID != "" {
		if d, ok := f.msgs.dedup[key]; ok && now.Sub(d.at) < dedupWindow {
			return templateAnswer(d.msgID)
		}
	}
	f.msgs.msgSeq++
	sent := SentTemplate{App: app, ToOpenID: in.ToUser, TemplateID: in.TemplateID, URL: in.URL,
		Data: data, ClientMsgID: in.ClientMsgID, MsgID: f.msgs.msgSeq, At: now}
	if in.MiniProgram != nil {
		sent.MiniProgramAppID, sent.MiniProgramPagePath = in.MiniProgram.AppID, in.MiniProgram.PagePath
	}
	f.msgs.templates.add(sent)
	f.msgs.templateCounts[in.ToUser]++
	f.msgs.templateTotal++
	if in.ClientMsgID != "" {
		f.msgs.dedup[key] = dedupEntry{msgID: sent.MsgID, at: now}
		f.sweepDedup(now)
	}
	return templateAnswer(sent.MsgID)
}

// sweepDedup drops expired client_msg_ids once the map has doubled since the
// last sweep (amortised O(1) per send; called with f.mu held).
func (f *Fake) sweepDedup(now time.Time) {
	if len(f.msgs.dedup) < f.msgs.dedupSweepAt {
		return
	}
	maps.DeleteFunc(f.msgs.dedup, func(_ string, d dedupEntry) bool { return now.Sub(d.at) >= dedupWindow })
	f.msgs.dedupSweepAt = max(1024, 2*len(f.msgs.dedup))
}

func templateAnswer(msgID int64) map[string]any {
	return map[string]any{"errcode": 0, "errmsg": "ok", "msgid": msgID}
}

// secDetail is one entry of msgSecCheck's detail list.
type secDetail struct {
	Strategy string `json:"strategy"`
	ErrCode  int    `json:"errcode"`
	Suggest  string `json:"suggest"`
	Label    int    `json:"label"`
	Prob     int    `json:"prob,omitempty"`
	Level    int    `json:"level,omitempty"`
	Keyword  string `json:"keyword,omitempty"`
}

func (f *Fake) msgSecCheck(r *http.Request, _ string) any {
	var in struct {
		Version int    `json:"version"`
		OpenID  string `json:"openid"`
		Scene   int    `json:"scene"`
		Content string `json:"content"`
	}
	decodeErr := readJSON(r, &in)
	f.mu.Lock()
	defer f.mu.Unlock()
	if code := f.rateFailure(pathMsgSecCheck); code != 0 {
		return errBody(code)
	}
	switch {
	case decodeErr != nil, in.Version != 2:
		return errBody(codeBadBody)
	case in.OpenID == "":
		return errBody(codeInvalidOpenID)
	case in.Scene < 1 || in.Scene > 4, in.Content == "", utf8.RuneCountInString(in.Content) > secCheckMaxRunes:
		return errBody(codeBadBody)
	}
	f.msgs.secChecks++
	suggest, label := "pass", labelNormal
	details := []secDetail{{Strategy: "content_model", Suggest: "pass", Label: labelNormal, Prob: 90}}
	if w := firstIn(in.Content, f.msgs.riskyWords); w != "" {
		suggest, label = "risky", labelRisky
		details = append(details, secDetail{Strategy: "keyword", Suggest: "risky", Label: labelRisky, Level: 20, Keyword: w})
	} else if w := firstIn(in.Content, f.msgs.reviewWords); w != "" {
		suggest, label = "review", labelReview
		details = append(details, secDetail{Strategy: "keyword", Suggest: "review", Label: labelReview, Level: 10, Keyword: w})
	}
	f.seq++
	return map[string]any{
		"errcode":  0,
		"errmsg":   "ok",
		"trace_id": fmt.Sprintf("fake-trace-%d", f.seq),
		"result":   map[string]any{"suggest": suggest, "label": label},
		"detail":   details,
	}
}

// firstIn returns the first of words that s contains, or "".
func firstIn(s string, words []string) string {
	for _, w := range words {
		if strings.Contains(s, w) {
			return w
		}
	}
	return ""
}

// Refusals returns how many times subscribe sends to openid were answered
// 43101 (a caller that retries refusals would make it exceed one).
func (f *Fake) Refusals(openid string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs.refusals[openid]
}
