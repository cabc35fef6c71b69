package oaserver_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"testing"
	"time"

	"govapp/internal/platform/cache"
	"govapp/internal/wechat/oaserver"
)

// everyMessage is a cache that never reports a duplicate, so that each fuzz
// input is judged on its own.
type everyMessage struct{ cache.Cache }

func (everyMessage) SetNX(context.Context, string, []byte, time.Duration) (bool, error) {
	return true, nil
}
func (everyMessage) Delete(context.Context, ...string) error { return nil }

// refPush is the part of a push the handler sees, decoded with the standard
// library from WeChat's documented format (not through the code under test).
type refPush struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	MsgID        int64    `xml:"MsgId"`
	Content      string   `xml:"Content"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	Ticket       string   `xml:"Ticket"`
}

// pushOutcome is what one push did: the answer and the messages the handler got.
type pushOutcome struct {
	status int
	body   string
	got    []oaserver.Message
}

func push(t *testing.T, q url.Values, body []byte) pushOutcome {
	t.Helper()
	h := &recorder{}
	s, err := oaserver.New(oaserver.Options{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey,
		Mode: oaserver.ModeCompatible, Handler: h, Cache: everyMessage{cache.NewMemory(16)}})
	if err != nil {
		t.Fatal(err)
	}
	r := send(t, s, "POST", q, body)
	if err := s.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return pushOutcome{status: r.status, body: r.body, got: append([]oaserver.Message(nil), h.got...)}
}

// FuzzPush sends arbitrary bytes through the whole callback path — signature
// and timestamp check, then the plaintext as a plain-mode push, sealed as a
// safe-mode push, and as the Encrypt field of a safe-mode envelope — and
// checks that the server never panics or answers 5xx, runs the handler
// exactly for the pushes it accepts, hands it what WeChat's format says, and
// treats a plaintext the same whether it came in plain or sealed.
func FuzzPush(f *testing.F) {
	now := time.Now()
	valid := [][]byte{textXML("o-user", 1001, "公积金提取", now), eventXML("o-user", "subscribe", "qrscene_123", now),
		eventXML("o-user", "CLICK", "HOTLINE", now)}
	for _, v := range valid {
		f.Add(v)
	}
	f.Add([]byte(`<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>' OR 1=1; DROP TABLE oa_followers; --</Content></xml>`))
	f.Add([]byte(`<xml><FromUserName>o</FromUserName><MsgType>location</MsgType><Location_X>north</Location_X></xml>`))
	f.Add([]byte(`<xml><MsgType>text</MsgType></xml>`))
	f.Add([]byte(`<xml><Encrypt>AAAA</Encrypt></xml>`))
	f.Add([]byte("not xml at all"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		q := query(time.Now(), "fuzz")
		plain := push(t, q, raw)
		checkPush(t, "plain", raw, plain)
		for _, v := range valid {
			if bytes.Equal(raw, v) && plain.status != 200 {
				t.Fatalf("a valid push was refused: %d %q", plain.status, plain.body)
			}
		}

		sq, sealed := seal(t, testAppID, q, raw)
		safe := push(t, sq, sealed)
		checkPush(t, "sealed", raw, safe)
		if safe.status != plain.status || len(safe.got) != len(plain.got) || (len(safe.got) == 1 && safe.got[0] != plain.got[0]) {
			t.Fatalf("sealed push answered %d %v, the same plaintext in plain mode %d %v", safe.status, safe.got, plain.status, plain.got)
		}

		// raw as the ciphertext: a correctly signed envelope around garbage.
		var enc bytes.Buffer
		_ = xml.EscapeText(&enc, raw)
		env := fmt.Appendf(nil, "<xml><ToUserName>gh_test</ToUserName><Encrypt>%s</Encrypt></xml>", enc.String())
		gq := url.Values{}
		for k, v := range q {
			gq[k] = v
		}
		gq.Set("encrypt_type", "aes")
		gq.Set("msg_signature", wxSign(testToken, q.Get("timestamp"), q.Get("nonce"), string(raw)))
		garbage := push(t, gq, env)
		if garbage.status < 400 || garbage.status >= 500 || len(garbage.got) != 0 {
			t.Fatalf("an envelope around %q answered %d %q and ran the handler %d times", raw, garbage.status, garbage.body, len(garbage.got))
		}
	})
}

func checkPush(t *testing.T, mode string, raw []byte, o pushOutcome) {
	t.Helper()
	switch o.status {
	case 200:
		if len(o.got) != 1 {
			t.Fatalf("%s: answered 200 but ran the handler %d times for %q", mode, len(o.got), raw)
		}
		var ref refPush
		if err := xml.Unmarshal(raw, &ref); err != nil {
			t.Fatalf("%s: accepted %q, which WeChat's format does not decode: %v", mode, raw, err)
		}
		want := oaserver.Message{ToUserName: ref.ToUserName, FromUserName: ref.FromUserName, CreateTime: ref.CreateTime,
			MsgType: ref.MsgType, MsgID: ref.MsgID, Content: ref.Content, Event: ref.Event, EventKey: ref.EventKey, Ticket: ref.Ticket}
		if got := o.got[0]; got != want || got.FromUserName == "" || got.MsgType == "" {
			t.Fatalf("%s: the handler got %+v\nWeChat's format says %+v", mode, got, want)
		}
	case 400:
		if len(o.got) != 0 {
			t.Fatalf("%s: refused %q (%s) but ran the handler", mode, raw, o.body)
		}
	default:
		t.Fatalf("%s: %q answered %d %q", mode, raw, o.status, o.body)
	}
}
