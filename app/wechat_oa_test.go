package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/oa"
	"govapp/internal/wechat/fakewechat"
	"govapp/internal/wechat/oaserver"
)

// countingHandler counts the messages that reach the domain.
type countingHandler struct {
	next  oaserver.Handler
	calls atomic.Int64
}

func (h *countingHandler) HandleMessage(ctx context.Context, m oaserver.Message) (oaserver.Reply, error) {
	h.calls.Add(1)
	return h.next.HandleMessage(ctx, m)
}

// mountOA builds n official-account servers the way New does — sharing the
// app's cache, over one oa service — and mounts them at /test/oa/0…n-1
// (paths of their own: the route table serves /wechat/oa with the app's server).
func (a *testApp) mountOA(n int) (*countingHandler, []string) {
	a.t.Helper()
	svc, err := newOAService(a.DB(), a.Guides(), a.cfg.WeChat, filepath.Join("..", OAMenuFile), nil, a.log)
	if err != nil {
		a.t.Fatal(err)
	}
	h := &countingHandler{next: oaHandler{svc}}
	var paths []string
	for i := range n {
		s, err := newOAServer(a.cfg.WeChat, a.cache, h, nil, a.log)
		if err != nil {
			a.t.Fatal(err)
		}
		a.t.Cleanup(func() { _ = s.Wait(context.Background()) })
		p := "/test/oa/" + strconv.Itoa(i)
		a.Fiber().All(p, wechatOA(s))
		paths = append(paths, p)
	}
	return h, paths
}

// oaQuery is a callback query signed with the app's token, as WeChat sends
// it: now, with a nonce of its own (nonce and a random suffix — a
// (timestamp, nonce) signs one request only).
func (a *testApp) oaQuery(nonce string) string {
	return "?" + fakewechat.PlainQuery(a.cfg.WeChat.OA.Token, time.Now(), nonce+"-"+randomHex(4)).Encode()
}

// oaPush is msg as WeChat pushes it in safe mode (the account has an AES
// key): the signed query, with a nonce of its own, and the encrypted body.
func (a *testApp) oaPush(msg string) (string, []byte) {
	a.t.Helper()
	return a.oaPushAt(time.Now(), "p-"+randomHex(6), msg)
}

func (a *testApp) oaPushAt(ts time.Time, nonce, msg string) (string, []byte) {
	a.t.Helper()
	oa := a.cfg.WeChat.OA
	q, body, err := fakewechat.SafePush(oa.AppID, oa.Token, oa.AESKey, ts, nonce, []byte(msg))
	if err != nil {
		a.t.Fatal(err)
	}
	return "?" + q.Encode(), body
}

// oaReplyText returns the text of a reply (opened first when encrypted), or
// "" for "success".
func (a *testApp) oaReplyText(body []byte) string {
	a.t.Helper()
	if string(body) == "success" {
		return ""
	}
	if bytes.Contains(body, []byte("<Encrypt>")) {
		oa := a.cfg.WeChat.OA
		plain, err := fakewechat.OpenReply(oa.AppID, oa.Token, oa.AESKey, body)
		if err != nil {
			a.t.Fatal(err)
		}
		body = plain
	}
	var rep struct {
		MsgType string `xml:"MsgType"`
		Content string `xml:"Content"`
	}
	if err := xml.Unmarshal(body, &rep); err != nil || rep.MsgType != "text" {
		a.t.Fatalf("not a text reply: %s", body)
	}
	return rep.Content
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func oaText(from string, msgID int64, content string) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_govapp]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId></xml>`,
		from, time.Now().Unix(), content, msgID)
}

func oaEvent(from, event string, created int64) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_govapp]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[%s]]></Event></xml>`, from, created, event)
}

// deliverThrice pushes msg three times in safe mode, each freshly signed
// and encrypted, alternating between paths, and returns the text replies
// (the other answers must be "success").
func (a *testApp) deliverThrice(paths []string, msg string) []string {
	a.t.Helper()
	var replies []string
	for i := range 3 {
		q, body := a.oaPush(msg)
		r := a.do("POST", paths[i%len(paths)]+q, "", body)
		if r.Status != 200 {
			a.t.Fatalf("delivery %d: %d %s", i, r.Status, r.Body)
		}
		if text := a.oaReplyText(r.Body); text != "" {
			replies = append(replies, text)
		}
	}
	return replies
}

func TestOfficialAccountOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		ed := a.staffToken("editor1", account.RoleEditor, "市住房公积金管理中心")
		dept := a.deptID("市住房公积金管理中心")
		for code, name := range map[string]string{"GJJ-0001": "住房公积金提取（购房）", "GJJ-0002": "住房公积金提取（租房）", "GA-0001": "居民身份证换领"} {
			body := guideBody(code, name, dept)
			body["keywords"] = []string{}
			if r := a.do("POST", "/api/v1/admin/guides", ed, body); r.Status != 201 {
				t.Fatalf("create %s: %d %s", code, r.Status, r.Body)
			}
			if r := a.do("POST", "/api/v1/admin/guides/"+code+"/publish", ed, nil); r.Status != 200 {
				t.Fatalf("publish %s: %d %s", code, r.Status, r.Body)
			}
		}
		h, paths := a.mountOA(2)
		follower := "o-follower-" + strconv.FormatInt(time.Now().UnixNano(), 36)

		t.Run("a GET with a valid signature echoes echostr", func(t *testing.T) {
			r := a.do("GET", paths[0]+a.oaQuery("e1")+"&echostr=8821734", "", nil)
			if r.Status != 200 || string(r.Body) != "8821734" {
				t.Fatalf("GET = %d %s", r.Status, r.Body)
			}
		})
		t.Run("a bad signature is refused without running the handler", func(t *testing.T) {
			q := strings.Replace(a.oaQuery("e2"), "signature=", "signature=0", 1)
			if r := a.do("POST", paths[0]+q, "", oaText("o-x", 1, "公积金提取")); r.Status != 403 {
				t.Fatalf("POST = %d %s", r.Status, r.Body)
			}
			if h.calls.Load() != 0 {
				t.Fatal("the handler ran")
			}
		})
		t.Run("公积金提取 is answered once, naming the matching guides", func(t *testing.T) {
			h.calls.Store(0)
			// Unique ids: Redis outlives the test, and remembers ids for minutes.
			replies := a.deliverThrice(paths, oaText("o-resident", time.Now().UnixNano(), "公积金提取"))
			if len(replies) != 1 || h.calls.Load() != 1 {
				t.Fatalf("%d replies, %d handler runs over two instances", len(replies), h.calls.Load())
			}
			for _, want := range []string{"住房公积金提取（购房）", "住房公积金提取（租房）",
				`data-miniprogram-appid="` + a.cfg.WeChat.MP.AppID + `"`, "pages/guide/detail?code=GJJ-000"} {
				if !strings.Contains(replies[0], want) {
					t.Errorf("reply lacks %q:\n%s", want, replies[0])
				}
			}
			if strings.Contains(replies[0], "身份证") {
				t.Errorf("reply names an unrelated guide:\n%s", replies[0])
			}
		})
		t.Run("a subscribe is recorded once and welcomed once", func(t *testing.T) {
			h.calls.Store(0)
			replies := a.deliverThrice(paths, oaEvent(follower, "subscribe", time.Now().Unix()))
			if len(replies) != 1 || h.calls.Load() != 1 || !strings.Contains(replies[0], "欢迎关注") {
				t.Fatalf("replies %q, %d handler runs", replies, h.calls.Load())
			}
			var rows []struct {
				Subscribed bool `db:"subscribed"`
			}
			if err := a.DB().Select(&rows, a.DB().Rebind(`SELECT subscribed FROM oa_followers WHERE openid = ?`), follower); err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || !rows[0].Subscribed {
				t.Fatalf("follower rows %+v", rows)
			}
		})
		t.Run("a menu click answers from configs/oa_menu.yaml", func(t *testing.T) {
			body := strings.Replace(oaEvent(follower, "CLICK", time.Now().Unix()), "</xml>", "<EventKey><![CDATA[HOTLINE]]></EventKey></xml>", 1)
			replies := a.deliverThrice(paths[:1], body)
			if len(replies) != 1 || !strings.Contains(replies[0], "12345") || !strings.Contains(replies[0], "pages/hotline/index") {
				t.Fatalf("replies %q", replies)
			}
		})
	})
}

func TestWeChatOAWithoutServerIsNotFound(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	a.Fiber().All("/test/oa/none", wechatOA(nil))
	if r := a.do("GET", "/test/oa/none", "", nil); r.Status != 404 || r.errorCode(t) != "route_not_found" {
		t.Fatalf("GET = %d %s", r.Status, r.Body)
	}
}

// menuRecorder is a fake OAMenuCreator.
type menuRecorder struct {
	buttons []oa.MenuButton
	err     error
}

func (m *menuRecorder) CreateMenu(_ context.Context, buttons []oa.MenuButton) error {
	m.buttons = buttons
	return m.err
}

func TestCreateOAMenu(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join("..", OAMenuFile)
	t.Run("the shipped menu is created with the mini-program's app id", func(t *testing.T) {
		rec := &menuRecorder{}
		if err := CreateOAMenu(ctx, path, "wxmp", rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.buttons) == 0 || len(rec.buttons) > 3 {
			t.Fatalf("%d top-level buttons", len(rec.buttons))
		}
		mini := 0
		for _, b := range rec.buttons {
			for _, s := range b.SubButtons {
				if s.Type == "miniprogram" {
					mini++
					if s.AppID != "wxmp" || s.URL == "" {
						t.Errorf("button %+v", s)
					}
				}
			}
		}
		if mini == 0 {
			t.Fatal("no mini-program button")
		}
	})
	t.Run("a missing file, an invalid file or a WeChat error is an error", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "menu.yaml")
		if err := os.WriteFile(bad, []byte("buttons:\n  - {type: click, name: 热线, key: NOPE}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		wxErr := errors.New("40016 invalid button size")
		for name, tc := range map[string]struct {
			path string
			rec  *menuRecorder
		}{
			"missing": {"no-such.yaml", &menuRecorder{}},
			"invalid": {bad, &menuRecorder{}},
			"wechat":  {path, &menuRecorder{err: wxErr}},
		} {
			err := CreateOAMenu(ctx, tc.path, "wxmp", tc.rec)
			if err == nil || (name == "wechat" && !errors.Is(err, wxErr)) || (name != "wechat" && tc.rec.buttons != nil) {
				t.Errorf("%s: err = %v, buttons sent %v", name, err, tc.rec.buttons != nil)
			}
		}
	})
}

func TestMissingMenuFileKeepsTheAccountAnswering(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	m, err := loadOAMenu(filepath.Join(t.TempDir(), "absent.yaml"), a.log)
	if err != nil || len(m.Buttons) != 0 {
		t.Fatalf("menu %+v, %v", m, err)
	}
	if !strings.Contains(a.logs.String(), "menu file not found") {
		t.Fatal("no warning logged")
	}
}

func TestLateAnswerReachesTheResidentThroughCustomerService(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	svc, err := newOAService(a.DB(), a.Guides(), a.cfg.WeChat, filepath.Join("..", OAMenuFile), nil, a.log)
	if err != nil {
		t.Fatal(err)
	}
	// The handler is held until the answer is in: the answer cannot have waited for it.
	release := make(chan struct{})
	slow := oaserver.HandlerFunc(func(ctx context.Context, m oaserver.Message) (oaserver.Reply, error) {
		<-release
		return oaHandler{svc}.HandleMessage(ctx, m)
	})
	wc := a.cfg.WeChat.OA
	s, err := oaserver.New(oaserver.Options{AppID: wc.AppID, Token: wc.Token, EncodingAESKey: wc.AESKey,
		Handler: slow, Cache: a.cache, Sender: oaSender(a.oaClient), Log: a.log, Budget: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a.Fiber().All("/test/oa/slow", wechatOA(s))
	openid := "o-late-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	q, body := a.oaPush(oaText(openid, time.Now().UnixNano(), "公积金提取"))
	r := a.do("POST", "/test/oa/slow"+q, "", body)
	close(release)
	if r.Status != 200 || string(r.Body) != "success" {
		t.Fatalf("answered %d %q", r.Status, r.Body)
	}
	if err := s.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range fake.Customs() {
		if c.ToOpenID == openid {
			got = append(got, c.MsgType+": "+c.Text)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], "text: ") || !strings.Contains(got[0], "12345") {
		t.Fatalf("customer-service messages to %s: %q", openid, got)
	}
}

func TestPublishOAMenuThroughTheOfficialAccount(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	if err := a.PublishOAMenu(context.Background(), filepath.Join("..", OAMenuFile)); err != nil {
		t.Fatal(err)
	}
	menu := string(fake.Menu())
	for _, want := range []string{`"appid":"` + a.cfg.WeChat.MP.AppID + `"`, `"pagepath":"pages/guide/index"`, `"key":"HOTLINE"`, `"sub_button"`} {
		if !strings.Contains(menu, want) {
			t.Errorf("menu sent lacks %s: %s", want, menu)
		}
	}
}
