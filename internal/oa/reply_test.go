package oa_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"govapp/internal/oa"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
)

var housingFund = []oa.Match{
	{Code: "GJJ-0001", Name: "住房公积金提取（购房）"},
	{Code: "GJJ-0002", Name: "住房公积金提取（租房）"},
	{Code: "GJJ-0003", Name: "住房公积金提取（离职）"},
	{Code: "GJJ-0004", Name: "住房公积金提取（退休）"},
	{Code: "GA 01/<x>", Name: `居民身份证<换领>"加急"`},
}

const mpAppID = "wxminiprogram00"

func newService(t *testing.T, c *catalogue, menu oa.Menu) *oa.Service {
	t.Helper()
	return oa.NewService(dbtest.Open(t, db.SQLite), c, nil, oa.Options{MiniProgramAppID: mpAppID, Menu: menu})
}

func handle(t *testing.T, svc *oa.Service, in oa.Inbound) string {
	t.Helper()
	if in.OpenID == "" {
		in.OpenID = "o-user"
	}
	text, err := svc.Handle(context.Background(), in)
	if err != nil {
		t.Fatalf("Handle(%+v): %v", in, err)
	}
	return text
}

func wantAll(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("answer lacks %q:\n%s", w, text)
		}
	}
}

func TestTextMessagesSearchTheGuides(t *testing.T) {
	c := &catalogue{guides: housingFund}
	svc := newService(t, c, oa.Menu{FallbackURL: "https://www.gov.cn/"})

	t.Run("公积金提取 lists the best three as mini-program links", func(t *testing.T) {
		text := handle(t, svc, oa.Inbound{Type: oa.TypeText, Content: "公积金提取"})
		wantAll(t, text, "为您找到以下办事指南",
			`1. <a href="https://www.gov.cn/" data-miniprogram-appid="wxminiprogram00" data-miniprogram-path="pages/guide/detail?code=GJJ-0001">住房公积金提取（购房）</a>`,
			"住房公积金提取（租房）", "住房公积金提取（离职）")
		if strings.Contains(text, "退休") {
			t.Errorf("more than three guides:\n%s", text)
		}
	})
	t.Run("a guide's code and name cannot break the link markup", func(t *testing.T) {
		text := handle(t, svc, oa.Inbound{Type: oa.TypeText, Content: "身份证"})
		wantAll(t, text, `data-miniprogram-path="pages/guide/detail?code=GA+01%2F%3Cx%3E"`, ">居民身份证换领加急</a>")
	})
	t.Run("no match answers the fallback with the hotline", func(t *testing.T) {
		text := handle(t, svc, oa.Inbound{Type: oa.TypeText, Content: "火星移民"})
		wantAll(t, text, "抱歉", "12345", `data-miniprogram-path="pages/guide/index"`)
	})
	for _, tc := range []struct{ name, text, want string }{
		{"an empty text asks for an item name", "   \n", "请直接发送想办理的事项名称"},
		{"an over-long text asks for keywords", strings.Repeat("我想咨询一下公积金怎么提取", 6), "内容较长"},
		{"help answers the welcome", "帮助", "欢迎关注"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := c.calls
			if text := handle(t, svc, oa.Inbound{Type: oa.TypeText, Content: tc.text}); !strings.Contains(text, tc.want) {
				t.Fatalf("answer %q lacks %q", text, tc.want)
			}
			if c.calls != before {
				t.Fatal("the guides were searched")
			}
		})
	}
	t.Run("a failing search answers politely, not with an error", func(t *testing.T) {
		svc := newService(t, &catalogue{err: errors.New("catalogue not loaded")}, oa.Menu{})
		wantAll(t, handle(t, svc, oa.Inbound{Type: oa.TypeText, Content: "公积金提取"}), "系统繁忙", "12345")
	})
	t.Run("without a mini-program app id the guides are named without links", func(t *testing.T) {
		svc := oa.NewService(nil, c, nil, oa.Options{})
		text := handle(t, svc, oa.Inbound{Type: oa.TypeText, Content: "公积金提取"})
		if !strings.Contains(text, "住房公积金提取（购房）") || strings.Contains(text, "<a") {
			t.Fatalf("answer:\n%s", text)
		}
	})
	t.Run("the configured hotline replaces 12345", func(t *testing.T) {
		svc := newService(t, c, oa.Menu{Hotline: "0731-12345"})
		wantAll(t, handle(t, svc, oa.Inbound{Type: oa.TypeText, Content: "火星移民"}), "0731-12345")
	})
}

func TestEvents(t *testing.T) {
	menu := oa.Menu{Clicks: map[string]oa.Answer{
		"HOTLINE": {Text: "拨打 12345", Links: []oa.Link{{Title: "在线留言", Path: "pages/hotline/index"}, {Title: "官网", URL: "https://www.gov.cn/"}}},
	}}
	svc := newService(t, &catalogue{}, menu)

	t.Run("subscribe welcomes with what the account can do, linked into the mini-program", func(t *testing.T) {
		text := handle(t, svc, oa.Inbound{Type: oa.TypeEvent, Event: oa.EventSubscribe, OpenID: "o-new"})
		wantAll(t, text, "办事指南查询", "12345 热线", "预约办事", "政策订阅",
			`data-miniprogram-appid="wxminiprogram00"`, `data-miniprogram-path="pages/booking/index"`)
		f, err := svc.Follower(context.Background(), "o-new")
		if err != nil || !f.Subscribed {
			t.Fatalf("follower %+v, %v", f, err)
		}
	})
	t.Run("a configured welcome replaces the built-in one", func(t *testing.T) {
		svc := newService(t, &catalogue{}, oa.Menu{Welcome: &oa.Answer{Text: "欢迎来到示范市"}})
		if text := handle(t, svc, oa.Inbound{Type: oa.TypeEvent, Event: oa.EventSubscribe}); text != "欢迎来到示范市" {
			t.Fatalf("welcome %q", text)
		}
	})
	t.Run("a click answers its configured reply", func(t *testing.T) {
		text := handle(t, svc, oa.Inbound{Type: oa.TypeEvent, Event: oa.EventClick, Key: "HOTLINE"})
		want := "拨打 12345\n\n" +
			`<a data-miniprogram-appid="wxminiprogram00" data-miniprogram-path="pages/hotline/index">在线留言</a>` + "\n" +
			`<a href="https://www.gov.cn/">官网</a>`
		if text != want {
			t.Fatalf("answer\n%s\nwant\n%s", text, want)
		}
	})
	for _, in := range []oa.Inbound{
		{Type: oa.TypeEvent, Event: oa.EventClick, Key: "UNKNOWN"},
		{Type: oa.TypeEvent, Event: oa.EventView, Key: "https://www.gov.cn/"},
		{Type: oa.TypeEvent, Event: oa.EventScan, Key: "123"},
		{Type: oa.TypeEvent, Event: oa.EventUnsubscribe},
		{Type: "image"},
		{Type: "voice"},
	} {
		t.Run("no answer to "+in.Type+" "+in.Event+" "+in.Key, func(t *testing.T) {
			if text := handle(t, svc, in); text != "" {
				t.Fatalf("answered %q", text)
			}
		})
	}
	t.Run("a subscribe without an openid is an error", func(t *testing.T) {
		if _, err := svc.Handle(context.Background(), oa.Inbound{Type: oa.TypeEvent, Event: oa.EventSubscribe}); err == nil {
			t.Fatal("accepted")
		}
	})
}

func TestLongAnswersStayWithinAReply(t *testing.T) {
	long := strings.Repeat("很长的说明文字。", 200)
	svc := newService(t, &catalogue{}, oa.Menu{Clicks: map[string]oa.Answer{
		"LONG": {Text: long, Links: []oa.Link{{Title: "办事指南", Path: "pages/guide/index"}}},
	}})
	text := handle(t, svc, oa.Inbound{Type: oa.TypeEvent, Event: oa.EventClick, Key: "LONG"})
	if len(text) > 2048 || strings.Count(text, "<a") != strings.Count(text, "</a>") || !strings.HasPrefix(text, "很长") {
		t.Fatalf("%d bytes, links open %d close %d", len(text), strings.Count(text, "<a"), strings.Count(text, "</a>"))
	}
}
