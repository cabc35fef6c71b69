package fakewechat_test

import (
	"context"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"govapp/internal/platform/cache"
	"govapp/internal/wechat/fakewechat"
	"govapp/internal/wechat/oaserver"
)

// A safe-mode push built by the fake is accepted by govapp's callback server,
// and the server's encrypted reply opens.
func TestSafePushRoundTrip(t *testing.T) {
	const app, token = "wxoa", "tok"
	key := strings.TrimSuffix(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")), "=")
	h := oaserver.HandlerFunc(func(_ context.Context, m oaserver.Message) (oaserver.Reply, error) {
		return oaserver.Reply{Text: "收到：" + m.Content}, nil
	})
	s, err := oaserver.New(oaserver.Options{AppID: app, Token: token, EncodingAESKey: key, Handler: h, Cache: cache.NewMemory(0)})
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(`<xml><ToUserName>gh_fake</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime>` +
		`<MsgType>text</MsgType><Content>公积金</Content><MsgId>7</MsgId></xml>`)
	q, body, err := fakewechat.SafePush(app, token, key, time.Now(), "n1", msg)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/wechat/oa?"+q.Encode(), strings.NewReader(string(body))))
	if rec.Code != 200 {
		t.Fatalf("POST = %d %s", rec.Code, rec.Body)
	}
	plain, err := fakewechat.OpenReply(app, token, key, rec.Body.Bytes())
	if err != nil || !strings.Contains(string(plain), "收到：公积金") {
		t.Fatalf("reply %s, %v", plain, err)
	}
}
