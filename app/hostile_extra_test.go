package app

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostileWeChatCallback sends WeChat's callback what WeChat never would:
// no or a forged signature, a stale timestamp, and correctly signed bodies
// that are not messages. Each is refused with a 4xx in plain text (the
// answer goes to WeChat, not to a resident, so there is no JSON envelope)
// and nothing changes in the database.
func TestHostileWeChatCallback(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		before := dbSnapshot(t, a)
		signed := func(nonce string) string { return "/wechat/oa" + a.oaQuery(nonce) }
		stale := func() string {
			ts := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
			parts := []string{a.cfg.WeChat.OA.Token, ts, "stale"}
			sort.Strings(parts)
			sum := sha1.Sum([]byte(strings.Join(parts, "")))
			return "/wechat/oa?" + url.Values{"timestamp": {ts}, "nonce": {"stale"}, "signature": {hex.EncodeToString(sum[:])}}.Encode()
		}
		msg := oaText("o-hostile", time.Now().UnixNano(), "公积金")
		cases := []struct {
			name, method, target, body string
			want                       int
		}{
			{"an unsigned verification", "GET", "/wechat/oa?echostr=1", "", 403},
			{"an unsigned push", "POST", "/wechat/oa", msg, 403},
			{"a forged signature", "POST", strings.Replace(signed("f1"), "signature=", "signature=f", 1), msg, 403},
			{"a signature over other parameters", "POST", strings.Replace(signed("f2"), "nonce=f2", "nonce=f3", 1), msg, 403},
			{"a correctly signed stale timestamp", "POST", stale(), msg, 400},
			{"a signed push that is not XML", "POST", signed("x1"), "' OR 1=1; DROP TABLE oa_followers; --", 400},
			{"a signed push that is JSON", "POST", signed("x2"), `{"FromUserName":"o","MsgType":"text"}`, 400},
			{"a signed push without a sender", "POST", signed("x3"), `<xml><MsgType>text</MsgType><Content>x</Content></xml>`, 400},
			{"a signed push with an external entity", "POST", signed("x4"),
				`<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><FromUserName>&x;</FromUserName><MsgType>text</MsgType></xml>`, 400},
			{"a signed push with a number that is not one", "POST", signed("x5"),
				`<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>`, 400},
			{"a signed push over the size limit", "POST", signed("x6"), "<xml><Content>" + strings.Repeat("长", 100_000) + "</Content></xml>", 400},
			{"a signed safe-mode push that is not an envelope", "POST", signed("x7") + "&encrypt_type=aes&msg_signature=0", msg, 400},
		}
		for _, tc := range cases {
			r := a.do(tc.method, tc.target, "", tc.body, "Content-Type", "text/xml")
			if r.Status != tc.want || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("%s: %d %s %.200q, want %d in text/plain", tc.name, r.Status, r.Header.Get("Content-Type"), r.Body, tc.want)
			}
		}
		// The same hostile messages sealed in valid safe-mode envelopes (with
		// an AES key, plaintext is refused before the parser sees it).
		for _, tc := range cases {
			if !strings.HasPrefix(tc.name, "a signed push") || strings.Contains(tc.name, "size limit") {
				continue
			}
			q, body := a.oaPush(tc.body)
			r := a.do("POST", "/wechat/oa"+q, "", body, "Content-Type", "text/xml")
			if r.Status != 400 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("sealed: %s: %d %s %.200q, want 400 in text/plain", tc.name, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
		}
		if diff := diffSnapshots(before, dbSnapshot(t, a)); len(diff) > 0 {
			t.Errorf("hostile callbacks changed the database:\n%s", strings.Join(diff, "\n"))
		}
	})
}

// TestOversizedRequestLineAnswersInTheEnvelope sends, over a real
// connection, a query string larger than the server's read buffer: fasthttp
// refuses it before any handler, and the answer must still be a 4xx in the
// envelope with a Chinese message.
func TestOversizedRequestLineAnswersInTheEnvelope(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	base := a.listen(t)
	client := &http.Client{Timeout: 30 * time.Second}
	res, err := client.Get(base + "/api/v1/guides?q=" + strings.Repeat("%E9%95%BF", 20_000))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var env struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if res.StatusCode < 400 || res.StatusCode >= 500 || json.Unmarshal(body, &env) != nil || env.Error.Code == "" || !hasHan(env.Error.Message) {
		t.Fatalf("oversized request line: %d %.300s", res.StatusCode, body)
	}
}

func TestJSONHasNUL(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{
		`{"a":"x\u0000y"}`:  true,
		`{"a":"\\u0000"}`:   false, // an escaped backslash, then the text u0000
		`{"a":"\\\u0000"}`:  true,
		`{"a":"u0000"}`:     false,
		`{"a":"\u00001"}`:   true,
		`{"a":"\u0001"}`:    false,
		`{"a":"\\\\u0000"}`: false,
	} {
		if got := jsonHasNUL([]byte(body)); got != want {
			t.Errorf("jsonHasNUL(%s) = %v, want %v", body, got, want)
		}
	}
}
