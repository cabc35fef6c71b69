package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"govapp/internal/config"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/errs"
	"govapp/internal/wechat"
)

const (
	testOAAppID  = "wxtestofficialacct"
	testOASecret = "test-oa-secret"

	pathTemplate = "/cgi-bin/message/template/send"
	pathCustom   = "/cgi-bin/message/custom/send"
	pathMenu     = "/cgi-bin/menu/create"
)

func newOA(t *testing.T, c cache.Cache, timeout time.Duration) *wechat.OfficialAccount {
	t.Helper()
	fake.AddApp(testOAAppID, testOASecret)
	cfg := config.WeChat{HTTPTimeout: config.Duration(timeout),
		MP: config.App{AppID: testAppID, Secret: testSecret},
		OA: config.OA{App: config.App{AppID: testOAAppID, Secret: testOASecret}}}
	oa, err := wechat.NewOfficialAccount(cfg, c, nil)
	if err != nil {
		t.Fatalf("NewOfficialAccount: %v", err)
	}
	return oa
}

func templateMsg(openid string) wechat.TemplateMessage {
	return wechat.TemplateMessage{
		ToOpenID:   openid,
		TemplateID: "oa-tpl-1",
		Data:       map[string]string{"first": "您的办件有新进展", "keyword1": "MB20260301001"},
	}
}

func TestNewOfficialAccountNeedsCredentials(t *testing.T) {
	for _, oa := range []config.OA{{}, {App: config.App{AppID: "wx"}}, {App: config.App{Secret: "s"}}} {
		if _, err := wechat.NewOfficialAccount(config.WeChat{OA: oa}, cache.NewMemory(0), nil); err == nil {
			t.Fatalf("%+v accepted", oa)
		}
	}
	cfg := config.WeChat{OA: config.OA{App: config.App{AppID: "wx", Secret: "s"}}}
	if _, err := wechat.NewOfficialAccount(cfg, nil, nil); err == nil {
		t.Fatal("nil cache accepted")
	}
}

func TestSendTemplate(t *testing.T) {
	setup(t)
	shared := cache.NewMemory(0)
	oa := newOA(t, shared, time.Second)
	ctx := context.Background()
	if oa.AppID() != testOAAppID {
		t.Fatalf("app id = %s", oa.AppID())
	}
	m := templateMsg("f-alice")
	m.URL = "https://gov.example.cn/t/1"
	m.MiniProgram = &wechat.MiniProgramLink{AppID: testAppID, PagePath: "pages/ticket/detail?id=1"}
	id, err := oa.SendTemplate(ctx, m)
	if err != nil || id == 0 {
		t.Fatalf("msgid = %d, err = %v", id, err)
	}
	got := fake.Templates()
	if len(got) != 1 {
		t.Fatalf("templates = %d", len(got))
	}
	s := got[0]
	if s.App != testOAAppID || s.ToOpenID != "f-alice" || s.TemplateID != "oa-tpl-1" || s.MsgID != id ||
		s.URL != m.URL || s.MiniProgramAppID != testAppID || s.MiniProgramPagePath != "pages/ticket/detail?id=1" ||
		s.Data["keyword1"] != "MB20260301001" {
		t.Fatalf("received %+v", s)
	}
	// The OA token lives under its own app id in the shared cache.
	if _, err := shared.Get(ctx, "wechat:token:"+testOAAppID); err != nil {
		t.Fatalf("OA token not cached under its app id: %v", err)
	}
	if _, err := shared.Get(ctx, "wechat:token:"+testAppID); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("the mini-program token was fetched: %v", err)
	}
}

func TestSendTemplateClientMsgIDDeduplicates(t *testing.T) {
	setup(t)
	oa := newOA(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()
	m := templateMsg("f-bob")
	m.ClientMsgID = "policy:42:f-bob"
	first, err := oa.SendTemplate(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	second, err := oa.SendTemplate(ctx, m)
	if err != nil || second != first {
		t.Fatalf("repeat: msgid %d (first %d), err %v", second, first, err)
	}
	if fake.Calls(pathTemplate) != 2 || len(fake.Templates()) != 1 || fake.TemplateCount("f-bob") != 1 {
		t.Fatalf("calls %d, recorded %d", fake.Calls(pathTemplate), len(fake.Templates()))
	}
	// Another id, or the same id for another recipient, is a new message.
	m2 := m
	m2.ClientMsgID = "policy:43:f-bob"
	m3 := templateMsg("f-carol")
	m3.ClientMsgID = m.ClientMsgID
	for _, mm := range []wechat.TemplateMessage{m2, m3} {
		if _, err := oa.SendTemplate(ctx, mm); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.TemplateTotal(); n != 3 {
		t.Fatalf("recorded %d, want 3", n)
	}
	// After the 10-minute window the id no longer de-duplicates.
	fake.AdvanceClock(11 * time.Minute)
	if third, err := oa.SendTemplate(ctx, m); err != nil || third == first {
		t.Fatalf("after the window: msgid %d, err %v", third, err)
	}
	if fake.TemplateCount("f-bob") != 3 {
		t.Fatalf("f-bob count = %d", fake.TemplateCount("f-bob"))
	}
}

func TestSendTemplateErrors(t *testing.T) {
	setup(t)
	oa := newOA(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()

	fake.Unfollow("f-gone")
	_, err := oa.SendTemplate(ctx, templateMsg("f-gone"))
	if !errors.Is(err, wechat.ErrNotFollowing) {
		t.Fatalf("err = %v", err)
	}
	wantClass(t, err, 43004, wechat.SendRefused)

	for code, class := range map[int]wechat.SendClass{40037: wechat.SendPermanent, 47001: wechat.SendPermanent,
		43101: wechat.SendRefused, -1: wechat.SendTransient, 45009: wechat.SendTransient} {
		fake.FailNext(pathTemplate, code, 1)
		_, err := oa.SendTemplate(ctx, templateMsg("f-1"))
		wantClass(t, err, int64(code), class)
	}
	if fake.TemplateTotal() != 0 {
		t.Fatal("failed messages recorded")
	}

	before := fake.Calls(pathTemplate)
	bad := templateMsg("f-1")
	bad.MiniProgram = &wechat.MiniProgramLink{AppID: testAppID}
	if _, err := oa.SendTemplate(ctx, bad); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("incomplete mini-program link: %v", err)
	}
	if fake.Calls(pathTemplate) != before {
		t.Fatal("WeChat called for an invalid message")
	}

	t.Run("an invalid token is refreshed once", func(t *testing.T) {
		fetches := fake.TokenFetches()
		fake.FailNext(pathTemplate, 40014, 1)
		if _, err := oa.SendTemplate(ctx, templateMsg("f-2")); err != nil {
			t.Fatal(err)
		}
		if n := fake.TokenFetches() - fetches; n != 1 {
			t.Fatalf("token fetches = %d, want 1", n)
		}
	})
	t.Run("a timeout is transient", func(t *testing.T) {
		slow := newOA(t, cache.NewMemory(0), 100*time.Millisecond)
		if _, err := slow.AccessToken(ctx); err != nil {
			t.Fatal(err)
		}
		fake.SetLatency(pathTemplate, 3*time.Second)
		defer fake.SetLatency(pathTemplate, 0)
		_, err := slow.SendTemplate(ctx, templateMsg("f-3"))
		wantClass(t, err, 0, wechat.SendTransient)
	})
}

func TestSendCustom(t *testing.T) {
	setup(t)
	oa := newOA(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()
	if err := oa.SendCustomText(ctx, "f-alice", "您查询的“公积金提取”办事指南如下"); err != nil {
		t.Fatal(err)
	}
	oa.SetMiniProgramThumb("media-thumb-1")
	if err := oa.SendCustomMiniProgramPage(ctx, "f-alice", "住房公积金提取", testAppID, "pages/guide/detail?id=7"); err != nil {
		t.Fatal(err)
	}
	got := fake.Customs()
	if len(got) != 2 {
		t.Fatalf("customs = %d", len(got))
	}
	if got[0].App != testOAAppID || got[0].MsgType != "text" || got[0].ToOpenID != "f-alice" ||
		got[0].Text != "您查询的“公积金提取”办事指南如下" {
		t.Fatalf("text: %+v", got[0])
	}
	if p := got[1]; p.MsgType != "miniprogrampage" || p.Title != "住房公积金提取" || p.AppID != testAppID ||
		p.PagePath != "pages/guide/detail?id=7" || p.ThumbMediaID != "media-thumb-1" {
		t.Fatalf("card: %+v", p)
	}

	fake.FailNext(pathCustom, 45015, 1)
	err := oa.SendCustomText(ctx, "f-alice", "迟到的回复")
	if !errors.Is(err, wechat.ErrRecipientUnreachable) {
		t.Fatalf("45015: %v", err)
	}
	wantClass(t, err, 45015, wechat.SendPermanent)
	fake.Unfollow("f-gone")
	wantClass(t, oa.SendCustomText(ctx, "f-gone", "你好"), 43004, wechat.SendRefused)
	before := fake.Calls(pathCustom)
	if err := oa.SendCustomText(ctx, "f-alice", ""); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("empty text: %v", err)
	}
	if err := oa.SendCustomMiniProgramPage(ctx, "f-alice", "t", "", "p"); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("no app id: %v", err)
	}
	if fake.Calls(pathCustom) != before || fake.CustomTotal() != 2 {
		t.Fatal("invalid messages reached WeChat")
	}
}

func TestCreateMenu(t *testing.T) {
	setup(t)
	oa := newOA(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()
	buttons := []wechat.MenuButton{
		{Type: wechat.MenuMiniProgram, Name: "办事指南", URL: "https://gov.example.cn/", AppID: testAppID, PagePath: "pages/guide/index"},
		{Name: "互动", SubButtons: []wechat.MenuButton{
			{Type: wechat.MenuClick, Name: "12345热线", Key: "HOTLINE"},
			{Type: wechat.MenuView, Name: "政策文件", URL: "https://gov.example.cn/policies"},
		}},
	}
	if err := oa.CreateMenu(ctx, buttons); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Button []wechat.MenuButton `json:"button"`
	}
	if err := json.Unmarshal(fake.Menu(), &got); err != nil {
		t.Fatalf("menu %s: %v", fake.Menu(), err)
	}
	want, _ := json.Marshal(buttons)
	have, _ := json.Marshal(got.Button)
	if string(have) != string(want) {
		t.Fatalf("menu = %s\nwant   %s", have, want)
	}
	raw := string(fake.Menu())
	for _, part := range []string{`"type":"miniprogram"`, `"pagepath":"pages/guide/index"`, `"sub_button":[`, `"key":"HOTLINE"`} {
		if !strings.Contains(raw, part) {
			t.Fatalf("menu body %s lacks %s", raw, part)
		}
	}

	t.Run("invalid menus are refused before the call", func(t *testing.T) {
		before := fake.Calls(pathMenu)
		for name, bad := range map[string][]wechat.MenuButton{
			"empty":          nil,
			"four buttons":   {buttons[0], buttons[0], buttons[0], buttons[0]},
			"click no key":   {{Type: wechat.MenuClick, Name: "x"}},
			"view bad url":   {{Type: wechat.MenuView, Name: "x", URL: "javascript:alert(1)"}},
			"unknown type":   {{Type: "scancode_push", Name: "x", Key: "k"}},
			"long name":      {{Type: wechat.MenuClick, Name: "一二三四五六", Key: "k"}},
			"six sub":        {{Name: "x", SubButtons: make([]wechat.MenuButton, 6)}},
			"mp no pagepath": {{Type: wechat.MenuMiniProgram, Name: "x", URL: "https://a/", AppID: "wx"}},
		} {
			err := oa.CreateMenu(ctx, bad)
			e, ok := errs.As(err)
			if !errors.Is(err, wechat.ErrMenuInvalid) || !ok || len(e.Fields) == 0 {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if fake.Calls(pathMenu) != before {
			t.Fatal("WeChat called")
		}
	})
	t.Run("WeChat's rejection", func(t *testing.T) {
		fake.FailNext(pathMenu, 40018, 1)
		if err := oa.CreateMenu(ctx, buttons); !errors.Is(err, wechat.ErrMenuInvalid) {
			t.Fatalf("40018: %v", err)
		}
		fake.FailNext(pathMenu, -1, 1)
		if err := oa.CreateMenu(ctx, buttons); !errors.Is(err, wechat.ErrUnavailable) {
			t.Fatalf("-1: %v", err)
		}
	})
}
