package fakewechat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/wechat/fakewechat"
)

const (
	pathSubscribe = "/cgi-bin/message/subscribe/send"
	pathTemplate  = "/cgi-bin/message/template/send"
	pathSecCheck  = "/wxa/msg_sec_check"
	pathCustom    = "/cgi-bin/message/custom/send"
	pathMenu      = "/cgi-bin/menu/create"
)

// msgAnswer is the answer of the message routes.
type msgAnswer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	MsgID   int64  `json:"msgid"`
	TraceID string `json:"trace_id"`
	Result  struct {
		Suggest string `json:"suggest"`
		Label   int    `json:"label"`
	} `json:"result"`
	Detail []struct {
		Strategy string `json:"strategy"`
		Suggest  string `json:"suggest"`
		Keyword  string `json:"keyword"`
	} `json:"detail"`
}

// client calls the fake in process with a token of the app.
type client struct {
	t     *testing.T
	hc    *http.Client
	token string
}

func newClient(t *testing.T, f *fakewechat.Fake) client {
	a := api{t: t, base: "https://api.weixin.qq.com", hc: &http.Client{Transport: f.Transport()}}
	return client{t: t, hc: a.hc, token: a.stable(false).AccessToken}
}

func (c client) post(path string, body any) msgAnswer {
	c.t.Helper()
	var b []byte
	if s, ok := body.(string); ok {
		b = []byte(s)
	} else {
		b, _ = json.Marshal(body)
	}
	resp, err := c.hc.Post("https://api.weixin.qq.com"+path+"?"+url.Values{"access_token": {c.token}}.Encode(),
		"application/json", strings.NewReader(string(b)))
	if err != nil {
		c.t.Error(err)
		return msgAnswer{ErrCode: -999}
	}
	defer resp.Body.Close()
	var out msgAnswer
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		c.t.Error(err)
		return msgAnswer{ErrCode: -999}
	}
	return out
}

func subscribe(openid string) map[string]any {
	return map[string]any{"touser": openid, "template_id": "tpl", "page": "pages/a",
		"miniprogram_state": "formal", "lang": "zh_CN",
		"data": map[string]any{"thing1": map[string]any{"value": "通知"}, "number2": map[string]any{"value": 42}}}
}

func TestSubscribeSend(t *testing.T) {
	f := fakewechat.New(appID, secret)
	c := newClient(t, f)
	if got := c.post(pathSubscribe, subscribe("o-1")); got.ErrCode != 0 {
		t.Fatalf("send: %+v", got)
	}
	s := f.Subscribes()
	if len(s) != 1 || s[0].App != appID || s[0].ToOpenID != "o-1" || s[0].TemplateID != "tpl" || s[0].Page != "pages/a" ||
		s[0].Data["thing1"] != "通知" || s[0].Data["number2"] != "42" || s[0].At.IsZero() {
		t.Fatalf("recorded %+v", s)
	}
	for name, tc := range map[string]struct {
		body any
		code int
	}{
		"no touser":       {map[string]any{"template_id": "t", "data": map[string]any{}}, 40003},
		"no template":     {map[string]any{"touser": "o", "data": map[string]any{}}, 40037},
		"data a string":   {map[string]any{"touser": "o", "template_id": "t", "data": `{"a":{"value":"b"}}`}, 47003},
		"data an array":   {map[string]any{"touser": "o", "template_id": "t", "data": []int{1}}, 47003},
		"no data":         {map[string]any{"touser": "o", "template_id": "t"}, 47003},
		"item not object": {map[string]any{"touser": "o", "template_id": "t", "data": map[string]any{"a": "b"}}, 47003},
		"bad state":       {map[string]any{"touser": "o", "template_id": "t", "data": map[string]any{}, "miniprogram_state": "x"}, 47003},
		"not json":        {"{", 47001},
	} {
		if got := c.post(pathSubscribe, tc.body); got.ErrCode != tc.code {
			t.Errorf("%s: errcode %d, want %d", name, got.ErrCode, tc.code)
		}
	}
	f.Refuse("o-no")
	if got := c.post(pathSubscribe, subscribe("o-no")); got.ErrCode != 43101 || !strings.Contains(got.ErrMsg, "refuse") {
		t.Fatalf("refused: %+v", got)
	}
	if f.SubscribeTotal() != 1 || f.SubscribeCount("o-no") != 0 {
		t.Fatal("a failed send was recorded")
	}
	c.token = "forged"
	if got := c.post(pathSubscribe, subscribe("o-1")); got.ErrCode != 40001 {
		t.Fatalf("forged token: %+v", got)
	}
	f.Reset()
	if f.SubscribeTotal() != 0 || len(f.Subscribes()) != 0 || f.SubscribeCount("o-1") != 0 {
		t.Fatal("Reset kept messages")
	}
}

func TestGenericScriptingAppliesToMessageRoutes(t *testing.T) {
	f := fakewechat.New(appID, secret)
	c := newClient(t, f)
	f.FailNext(pathSubscribe, 45011, 1)
	f.SetQuota(pathTemplate, 1)
	if got := c.post(pathSubscribe, subscribe("o")); got.ErrCode != 45011 {
		t.Fatalf("FailNext: %+v", got)
	}
	tpl := map[string]any{"touser": "f", "template_id": "t", "data": map[string]any{}}
	if a, b := c.post(pathTemplate, tpl), c.post(pathTemplate, tpl); a.ErrCode != 0 || b.ErrCode != 45009 {
		t.Fatalf("SetQuota: %+v %+v", a, b)
	}
	f.SetLatency(pathSecCheck, 100*time.Millisecond)
	start := time.Now()
	c.post(pathSecCheck, map[string]any{"version": 2, "openid": "o", "scene": 1, "content": "x"})
	if time.Since(start) < 100*time.Millisecond {
		t.Fatal("SetLatency not applied")
	}
}

func TestFailRate(t *testing.T) {
	f := fakewechat.New(appID, secret)
	c := newClient(t, f)
	f.FailRate(pathSubscribe, -1, 3)
	var codes []int
	for i := range 9 {
		codes = append(codes, c.post(pathSubscribe, subscribe(fmt.Sprint("o-", i))).ErrCode)
	}
	if fmt.Sprint(codes) != "[0 0 -1 0 0 -1 0 0 -1]" {
		t.Fatalf("codes = %v", codes)
	}
	if f.SubscribeTotal() != 6 || f.SubscribeRecipients() != 6 {
		t.Fatalf("delivered = %d", f.SubscribeTotal())
	}
	f.FailRate(pathSubscribe, 0, 0)
	for range 5 {
		if got := c.post(pathSubscribe, subscribe("o-x")); got.ErrCode != 0 {
			t.Fatalf("after clearing: %+v", got)
		}
	}
}

func TestRetainedMessagesAreCappedButCountsExact(t *testing.T) {
	f := fakewechat.New(appID, secret)
	c := newClient(t, f)
	const n = 10005
	for i := range n {
		if got := c.post(pathSubscribe, subscribe(fmt.Sprintf("o-%d", i%7))); got.ErrCode != 0 {
			t.Fatalf("send %d: %+v", i, got)
		}
	}
	s := f.Subscribes()
	if len(s) != 10000 || f.SubscribeTotal() != n {
		t.Fatalf("retained %d, total %d", len(s), f.SubscribeTotal())
	}
	if s[0].ToOpenID != fmt.Sprintf("o-%d", 5%7) || s[len(s)-1].ToOpenID != fmt.Sprintf("o-%d", (n-1)%7) {
		t.Fatalf("not the last 10000: first %s, last %s", s[0].ToOpenID, s[len(s)-1].ToOpenID)
	}
	total := 0
	for i := range 7 {
		total += f.SubscribeCount(fmt.Sprintf("o-%d", i))
	}
	if total != n || f.SubscribeCount("o-0") != 1430 {
		t.Fatalf("counts sum to %d, o-0 = %d", total, f.SubscribeCount("o-0"))
	}
}

func TestConcurrentSubscribeSends(t *testing.T) {
	f := fakewechat.New(appID, secret)
	c := newClient(t, f)
	f.Refuse("o-no")
	f.FailRate(pathSubscribe, -1, 10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for i := range 200 {
		wg.Go(func() {
			to := "o-same"
			if i%50 == 0 {
				to = "o-no"
			}
			if got := c.post(pathSubscribe, subscribe(to)); got.ErrCode != 0 {
				mu.Lock()
				failed++
				mu.Unlock()
			}
			_ = f.SubscribeCount("o-same")
			_ = f.Subscribes()
		})
	}
	wg.Wait()
	if f.SubscribeCount("o-same")+failed != 200 || f.SubscribeTotal() != f.SubscribeCount("o-same") {
		t.Fatalf("delivered %d + failed %d != 200", f.SubscribeCount("o-same"), failed)
	}
	if f.Calls(pathSubscribe) != 200 {
		t.Fatalf("calls = %d", f.Calls(pathSubscribe))
	}
}

func TestTemplateSendDeduplicates(t *testing.T) {
	f := fakewechat.New(appID, secret)
	c := newClient(t, f)
	tpl := func(to, id string) map[string]any {
		return map[string]any{"touser": to, "template_id": "t", "client_msg_id": id, "url": "https://x/",
			"miniprogram": map[string]any{"appid": "wxmp", "pagepath": "pages/a"},
			"data":        map[string]any{"first": map[string]any{"value": "你好"}}}
	}
	a := c.post(pathTemplate, tpl("f-1", "k1"))
	b := c.post(pathTemplate, tpl("f-1", "k1"))
	if a.ErrCode != 0 || a.MsgID == 0 || b.ErrCode != 0 || b.MsgID != a.MsgID {
		t.Fatalf("answers %+v %+v", a, b)
	}
	if f.TemplateTotal() != 1 || len(f.Templates()) != 1 {
		t.Fatalf("recorded %d", f.TemplateTotal())
	}
	s := f.Templates()[0]
	if s.ToOpenID != "f-1" || s.ClientMsgID != "k1" || s.MiniProgramAppID != "wxmp" || s.MiniProgramPagePath != "pages/a" ||
		s.URL != "https://x/" || s.Data["first"] != "你好" || s.MsgID != a.MsgID {
		t.Fatalf("recorded %+v", s)
	}
	c.post(pathTemplate, tpl("f-2", "k1")) // same id, other recipient
	c.post(pathTemplate, tpl("f-1", ""))   // no id: never de-duplicated
	c.post(pathTemplate, tpl("f-1", ""))
	if f.TemplateTotal() != 4 || f.TemplateCount("f-1") != 3 {
		t.Fatalf("total %d, f-1 %d", f.TemplateTotal(), f.TemplateCount("f-1"))
	}
	f.AdvanceClock(10 * time.Minute)
	if got := c.post(pathTemplate, tpl("f-1", "k1")); got.MsgID == a.MsgID {
		t.Fatal("de-duplicated after 10 minutes")
	}
	f.Unfollow("f-gone")
	if got := c.post(pathTemplate, tpl("f-gone", "")); got.ErrCode != 43004 {
		t.Fatalf("unfollowed: %+v", got)
	}
	if got := c.post(pathTemplate, map[string]any{"touser": "f", "data": map[string]any{}}); got.ErrCode != 40037 {
		t.Fatalf("no template: %+v", got)
	}
}

func TestMsgSecCheck(t *testing.T) {
	f := fakewechat.New(appID, secret)
	c := newClient(t, f)
	check := func(content string) msgAnswer {
		return c.post(pathSecCheck, map[string]any{"version": 2, "openid": "o", "scene": 2, "content": content})
	}
	if got := check("你好"); got.ErrCode != 0 || got.Result.Suggest != "pass" || got.Result.Label != 100 || got.TraceID == "" {
		t.Fatalf("pass: %+v", got)
	}
	got := check("含有" + fakewechat.DefaultRiskyWords[0])
	if got.Result.Suggest != "risky" || len(got.Detail) != 2 || got.Detail[1].Keyword != fakewechat.DefaultRiskyWords[0] {
		t.Fatalf("risky: %+v", got)
	}
	if got := check(fakewechat.DefaultReviewWords[0]); got.Result.Suggest != "review" {
		t.Fatalf("review: %+v", got)
	}
	f.SetReviewWords("慎重")
	f.SetRiskyWords("危险", "")
	if check("危险").Result.Suggest != "risky" || check("慎重").Result.Suggest != "review" ||
		check(fakewechat.DefaultRiskyWords[0]).Result.Suggest != "pass" {
		t.Fatal("scripted words not applied")
	}
	for name, body := range map[string]map[string]any{
		"v1":        {"content": "x"},
		"no openid": {"version": 2, "scene": 1, "content": "x"},
		"scene 0":   {"version": 2, "openid": "o", "scene": 0, "content": "x"},
		"empty":     {"version": 2, "openid": "o", "scene": 1, "content": ""},
		"too long":  {"version": 2, "openid": "o", "scene": 1, "content": strings.Repeat("长", 2501)},
	} {
		if got := c.post(pathSecCheck, body); got.ErrCode == 0 {
			t.Errorf("%s accepted", name)
		}
	}
	if got := check(strings.Repeat("长", 2500)); got.ErrCode != 0 {
		t.Fatalf("2500 characters: %+v", got)
	}
	if n := f.SecChecks(); n != 7 {
		t.Fatalf("checks = %d, want 7", n)
	}
}

func TestCustomSendAndMenu(t *testing.T) {
	f := fakewechat.New(appID, secret)
	c := newClient(t, f)
	if got := c.post(pathCustom, map[string]any{"touser": "f-1", "msgtype": "text", "text": map[string]any{"content": "你好"}}); got.ErrCode != 0 {
		t.Fatalf("text: %+v", got)
	}
	page := map[string]any{"touser": "f-1", "msgtype": "miniprogrampage", "miniprogrampage": map[string]any{
		"title": "指南", "appid": "wxmp", "pagepath": "pages/g", "thumb_media_id": "m1"}}
	if got := c.post(pathCustom, page); got.ErrCode != 0 {
		t.Fatalf("card: %+v", got)
	}
	cs := f.Customs()
	if len(cs) != 2 || cs[0].Text != "你好" || cs[1].Title != "指南" || cs[1].PagePath != "pages/g" || cs[1].ThumbMediaID != "m1" ||
		!strings.Contains(string(cs[1].Raw), `"miniprogrampage"`) {
		t.Fatalf("customs %+v", cs)
	}
	for name, tc := range map[string]struct {
		body map[string]any
		code int
	}{
		"unknown type": {map[string]any{"touser": "f", "msgtype": "hologram"}, 40008},
		"empty text":   {map[string]any{"touser": "f", "msgtype": "text", "text": map[string]any{}}, 47001},
		"no touser":    {map[string]any{"msgtype": "text", "text": map[string]any{"content": "x"}}, 40003},
	} {
		if got := c.post(pathCustom, tc.body); got.ErrCode != tc.code {
			t.Errorf("%s: %+v, want %d", name, got, tc.code)
		}
	}
	f.Unfollow("f-1")
	if got := c.post(pathCustom, page); got.ErrCode != 43004 || f.CustomTotal() != 2 {
		t.Fatalf("unfollowed: %+v", got)
	}

	if f.Menu() != nil {
		t.Fatal("menu before any was created")
	}
	menu := `{ "button": [ {"type": "click", "name": "热线", "key": "HOTLINE"} ] }`
	if got := c.post(pathMenu, menu); got.ErrCode != 0 {
		t.Fatalf("menu: %+v", got)
	}
	if string(f.Menu()) != `{"button":[{"type":"click","name":"热线","key":"HOTLINE"}]}` {
		t.Fatalf("menu = %s", f.Menu())
	}
	if got := c.post(pathMenu, `{"button":[]}`); got.ErrCode != 40016 {
		t.Fatalf("empty menu: %+v", got)
	}
	if got := c.post(pathMenu, `{"button":[{"type":"click","key":"k"}]}`); got.ErrCode != 40018 {
		t.Fatalf("nameless button: %+v", got)
	}
	if !strings.Contains(string(f.Menu()), "HOTLINE") {
		t.Fatal("a rejected menu replaced the last one")
	}
}
