package oaserver_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"govapp/internal/platform/cache"
	"govapp/internal/wechat/oaserver"
)

// recorder is a Handler that counts its calls, remembers the messages and
// answers text (once gate is closed, when set; failing the first failFirst calls).
type recorder struct {
	calls     atomic.Int64
	text      string
	gate      chan struct{}
	failFirst int64
	mu        sync.Mutex
	got       []oaserver.Message
}

func (r *recorder) HandleMessage(ctx context.Context, m oaserver.Message) (oaserver.Reply, error) {
	n := r.calls.Add(1)
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return oaserver.Reply{}, ctx.Err()
		}
	}
	if n <= r.failFirst {
		return oaserver.Reply{}, errors.New("database unavailable")
	}
	return oaserver.Reply{Text: r.text}, nil
}

func (r *recorder) last() oaserver.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[len(r.got)-1]
}

// sender is a CustomSender that records what it sent.
type sender struct {
	mu   sync.Mutex
	sent []string // openid + "|" + text
}

func (s *sender) SendCustomText(_ context.Context, openID, content string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, openID+"|"+content)
	return nil
}

func (s *sender) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

// newServer returns a server of the test account, in safe mode unless o
// says otherwise (a plaintext push needs Mode: oaserver.ModeCompatible).
func newServer(t *testing.T, o oaserver.Options) *oaserver.Server {
	t.Helper()
	if o.AppID == "" {
		o.AppID, o.Token, o.EncodingAESKey = testAppID, testToken, testAESKey
	}
	if o.Cache == nil {
		o.Cache = cache.NewMemory(0)
	}
	s, err := oaserver.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Wait(context.Background()) })
	return s
}

func TestURLVerification(t *testing.T) {
	h := &recorder{}
	s := newServer(t, oaserver.Options{Handler: h})
	now := time.Now()
	tests := []struct {
		name   string
		q      func() url.Values
		status int
		body   string
	}{
		{"a valid signature echoes echostr", func() url.Values {
			q := query(now, "1405")
			q.Set("echostr", "5838479218127813673")
			return q
		}, 200, "5838479218127813673"},
		{"a bad signature is refused", func() url.Values {
			q := query(now, "1405")
			q.Set("echostr", "x")
			q.Set("signature", wxSign("wrong-token", q.Get("timestamp"), "1405"))
			return q
		}, 403, "invalid signature"},
		{"a signature of other parameters is refused", func() url.Values {
			q := query(now, "1405")
			q.Set("nonce", "1406")
			q.Set("echostr", "x")
			return q
		}, 403, "invalid signature"},
		{"a timestamp older than 5 minutes is refused", func() url.Values {
			q := query(now.Add(-5*time.Minute-5*time.Second), "1405")
			q.Set("echostr", "x")
			return q
		}, 400, "stale or invalid timestamp"},
		{"a timestamp more than 5 minutes ahead is refused", func() url.Values {
			q := query(now.Add(5*time.Minute+5*time.Second), "1405")
			q.Set("echostr", "x")
			return q
		}, 400, "stale or invalid timestamp"},
		{"a timestamp within the window is accepted", func() url.Values {
			q := query(now.Add(-4*time.Minute), "1405")
			q.Set("echostr", "ok")
			return q
		}, 200, "ok"},
		{"no echostr", func() url.Values { return query(now, "1405") }, 400, "echostr missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, s, "GET", tc.q(), nil)
			if r.status != tc.status || r.body != tc.body || !strings.HasPrefix(r.ctype, "text/plain") {
				t.Fatalf("GET = %d %q (%s), want %d %q", r.status, r.body, r.ctype, tc.status, tc.body)
			}
		})
	}
	if n := h.calls.Load(); n != 0 {
		t.Fatalf("a verification ran the handler %d times", n)
	}
}

func TestRefusedPushesRunNoHandler(t *testing.T) {
	now := time.Now()
	msg := textXML("o-user", 1001, "公积金提取", now)
	tests := []struct {
		name   string
		mode   oaserver.Mode
		req    func(t *testing.T) (url.Values, []byte)
		status int
	}{
		{"bad signature", oaserver.ModeCompatible, func(*testing.T) (url.Values, []byte) {
			q := query(now, "n1")
			q.Set("signature", strings.Repeat("0", 40))
			return q, msg
		}, 403},
		{"no signature", oaserver.ModeCompatible, func(*testing.T) (url.Values, []byte) {
			q := query(now, "n1")
			q.Del("signature")
			return q, msg
		}, 403},
		{"timestamp older than 5 minutes, correctly signed", oaserver.ModeCompatible, func(*testing.T) (url.Values, []byte) {
			return query(now.Add(-6*time.Minute), "n1"), msg
		}, 400},
		{"timestamp not a number", oaserver.ModeCompatible, func(*testing.T) (url.Values, []byte) {
			q := query(now, "n1")
			q.Set("timestamp", "soon")
			q.Set("signature", wxSign(testToken, "soon", "n1"))
			return q, msg
		}, 400},
		{"safe mode with a bad msg_signature", oaserver.ModeSafe, func(t *testing.T) (url.Values, []byte) {
			q, body := seal(t, testAppID, query(now, "n1"), msg)
			q.Set("msg_signature", wxSign("other", "x"))
			return q, body
		}, 403},
		{"safe mode sealed for another app id", oaserver.ModeSafe, func(t *testing.T) (url.Values, []byte) {
			return seal(t, "wxanotherapp00000", query(now, "n1"), msg)
		}, 400},
		{"safe mode with a body that is not an envelope", oaserver.ModeSafe, func(*testing.T) (url.Values, []byte) {
			q := query(now, "n1")
			q.Set("encrypt_type", "aes")
			return q, []byte("not xml")
		}, 400},
		{"plaintext in safe mode", oaserver.ModeSafe, func(*testing.T) (url.Values, []byte) {
			return query(now, "n1"), msg
		}, 400},
		{"a message without a sender", oaserver.ModeCompatible, func(*testing.T) (url.Values, []byte) {
			return query(now, "n1"), []byte("<xml><MsgType>text</MsgType></xml>")
		}, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &recorder{text: "不应回复"}
			s := newServer(t, oaserver.Options{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey,
				Mode: tc.mode, Handler: h})
			q, body := tc.req(t)
			r := send(t, s, "POST", q, body)
			if r.status != tc.status || strings.Contains(r.body, "不应回复") {
				t.Fatalf("POST = %d %q, want %d", r.status, r.body, tc.status)
			}
			if n := h.calls.Load(); n != 0 {
				t.Fatalf("the handler ran %d times", n)
			}
		})
	}
}

func TestMessagesAndEventsAreParsed(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	tests := []struct {
		name string
		body []byte
		want oaserver.Message
	}{
		{"text", textXML("o-a", 42, "公积金提取 & 其他", now),
			oaserver.Message{MsgType: "text", MsgID: 42, Content: "公积金提取 & 其他"}},
		{"subscribe from a QR code", eventXML("o-a", "subscribe", "qrscene_123", now),
			oaserver.Message{MsgType: "event", Event: oaserver.EventSubscribe, EventKey: "qrscene_123"}},
		{"unsubscribe", eventXML("o-a", "unsubscribe", "", now), oaserver.Message{MsgType: "event", Event: oaserver.EventUnsubscribe}},
		{"menu click", eventXML("o-a", "CLICK", "HOTLINE", now), oaserver.Message{MsgType: "event", Event: oaserver.EventClick, EventKey: "HOTLINE"}},
		{"menu view", eventXML("o-a", "VIEW", "https://www.gov.cn/", now),
			oaserver.Message{MsgType: "event", Event: oaserver.EventView, EventKey: "https://www.gov.cn/"}},
		{"scan", eventXML("o-a", "SCAN", "123", now), oaserver.Message{MsgType: "event", Event: oaserver.EventScan, EventKey: "123"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &recorder{}
			s := newServer(t, oaserver.Options{Mode: oaserver.ModeCompatible, Handler: h})
			if r := send(t, s, "POST", query(now, "n"+string(rune('a'+i))), tc.body); r.status != 200 || r.body != "success" {
				t.Fatalf("POST = %d %q", r.status, r.body)
			}
			got := h.last()
			tc.want.ToUserName, tc.want.FromUserName, tc.want.CreateTime = "gh_test", "o-a", now.Unix()
			if got != tc.want {
				t.Fatalf("handler got %+v\nwant %+v", got, tc.want)
			}
			if !got.Time().Equal(now) {
				t.Fatalf("Time = %v, want %v", got.Time(), now)
			}
		})
	}
}

func TestPlainReply(t *testing.T) {
	h := &recorder{text: `为您找到：<a data-miniprogram-appid="wxmp" data-miniprogram-path="pages/guide/detail?code=A">住房公积金提取</a>`}
	s := newServer(t, oaserver.Options{Mode: oaserver.ModeCompatible, Handler: h})
	now := time.Now()
	r := send(t, s, "POST", query(now, "n"), textXML("o-user", 7, "公积金", now))
	if r.status != 200 || !strings.HasPrefix(r.ctype, "application/xml") {
		t.Fatalf("POST = %d %s %q", r.status, r.ctype, r.body)
	}
	rep := parseReply(t, r.body)
	if rep.ToUserName != "o-user" || rep.FromUserName != "gh_test" || rep.Content != h.text {
		t.Fatalf("reply %+v", rep)
	}
	if d := time.Since(time.Unix(rep.CreateTime, 0)); d < -time.Second || d > 5*time.Second {
		t.Fatalf("reply CreateTime off by %v", d)
	}
}

func TestSafeModeRoundTrip(t *testing.T) {
	h := &recorder{text: "您好，已收到：公积金提取"}
	s := newServer(t, oaserver.Options{Handler: h})
	now := time.Now()
	q, body := seal(t, testAppID, query(now, "38472"), textXML("o-safe", 88, "公积金提取", now))
	r := send(t, s, "POST", q, body)
	if r.status != 200 {
		t.Fatalf("POST = %d %q", r.status, r.body)
	}
	if got := h.last(); got.Content != "公积金提取" || got.FromUserName != "o-safe" || got.MsgID != 88 {
		t.Fatalf("the handler got %+v", got)
	}
	rep := openSealed(t, r.body)
	if rep.Content != h.text || rep.ToUserName != "o-safe" {
		t.Fatalf("decrypted reply %+v", rep)
	}

	t.Run("no answer in safe mode is a plain success, not an encrypted empty reply", func(t *testing.T) {
		quiet := &recorder{}
		s := newServer(t, oaserver.Options{Handler: quiet})
		q, body := seal(t, testAppID, query(now, "38473"), eventXML("o-safe", "VIEW", "https://www.gov.cn/", now))
		if r := send(t, s, "POST", q, body); r.status != 200 || r.body != "success" {
			t.Fatalf("POST = %d %q", r.status, r.body)
		}
		if quiet.calls.Load() != 1 {
			t.Fatal("the handler did not run")
		}
	})
}

func TestNewRefusesIncompleteOptions(t *testing.T) {
	h := &recorder{}
	c := cache.NewMemory(0)
	for name, o := range map[string]oaserver.Options{
		"no token":                           {AppID: testAppID, Handler: h, Cache: c},
		"no handler":                         {AppID: testAppID, Token: testToken, Cache: c},
		"no cache":                           {AppID: testAppID, Token: testToken, Handler: h},
		"short AES key":                      {AppID: testAppID, Token: testToken, Handler: h, Cache: c, EncodingAESKey: "abc"},
		"AES key not base64":                 {AppID: testAppID, Token: testToken, Handler: h, Cache: c, EncodingAESKey: strings.Repeat("!", 43)},
		"safe mode without AES key":          {AppID: testAppID, Token: testToken, Handler: h, Cache: c, Mode: oaserver.ModeSafe},
		"compatibility mode without AES key": {AppID: testAppID, Token: testToken, Handler: h, Cache: c, Mode: oaserver.ModeCompatible},
		"plain mode with an AES key":         {AppID: testAppID, Token: testToken, Handler: h, Cache: c, Mode: oaserver.ModePlain, EncodingAESKey: testAESKey},
		"an unknown mode":                    {AppID: testAppID, Token: testToken, Handler: h, Cache: c, Mode: "aes", EncodingAESKey: testAESKey},
	} {
		if _, err := oaserver.New(o); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}
