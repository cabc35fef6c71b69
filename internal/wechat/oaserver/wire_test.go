package oaserver_test

// What WeChat sends and expects, written here from WeChat's documentation
// (消息加解密说明) with the standard library only — never through the code
// under test — so that the tests check the server against the protocol.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"govapp/internal/wechat/fakewechat"
)

const (
	testAppID = "wx5823bf96d3bd56c7"
	testToken = "QDG6eK"
)

// testAESKey is a 43-character EncodingAESKey: base64 of 32 bytes without the '='.
var testAESKey = strings.TrimSuffix(base64.StdEncoding.EncodeToString([]byte("govapp-test-aes-key-32-bytes-!!!")), "=")

// wxSign is sha1 over the sorted, concatenated parts, in hex.
func wxSign(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

func aesKey(t *testing.T) []byte {
	t.Helper()
	k, err := base64.StdEncoding.DecodeString(testAESKey + "=")
	if err != nil || len(k) != 32 {
		t.Fatalf("bad test key: %v (%d bytes)", err, len(k))
	}
	return k
}

// wxEncrypt is WeChat's encryption (the fake WeChat's, written from the
// documentation with the standard library, not the code under test).
func wxEncrypt(t *testing.T, appID string, msg []byte) string {
	t.Helper()
	out, err := fakewechat.Encrypt(appID, testAESKey, msg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wxDecrypt reverses wxEncrypt and returns the message and the app id.
func wxDecrypt(t *testing.T, encrypted string) ([]byte, string) {
	t.Helper()
	key := aesKey(t)
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct) == 0 || len(ct)%32 != 0 {
		t.Fatalf("ciphertext: %v, %d bytes", err, len(ct))
	}
	block, _ := aes.NewCipher(key)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 || !bytes.Equal(pt[len(pt)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		t.Fatalf("bad PKCS#7 padding %d", pad)
	}
	pt = pt[:len(pt)-pad]
	n := int(binary.BigEndian.Uint32(pt[16:20]))
	return pt[20 : 20+n], string(pt[20+n:])
}

// query is a signed callback query at ts.
func query(ts time.Time, nonce string) url.Values {
	s := strconv.FormatInt(ts.Unix(), 10)
	return url.Values{"timestamp": {s}, "nonce": {nonce}, "signature": {wxSign(testToken, s, nonce)}, "openid": {"o-user"}}
}

// seal turns a plaintext push into a safe-mode push: the envelope body and
// the query with encrypt_type=aes and msg_signature.
func seal(t *testing.T, appID string, q url.Values, plain []byte) (url.Values, []byte) {
	t.Helper()
	enc := wxEncrypt(t, appID, plain)
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	q2.Set("encrypt_type", "aes")
	q2.Set("msg_signature", wxSign(testToken, q.Get("timestamp"), q.Get("nonce"), enc))
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", enc)
	return q2, []byte(body)
}

func textXML(from string, msgID int64, content string, created time.Time) []byte {
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(content))
	return fmt.Appendf(nil, `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>%s</Content><MsgId>%d</MsgId></xml>`,
		from, created.Unix(), esc.String(), msgID)
}

func eventXML(from, event, key string, created time.Time) []byte {
	return fmt.Appendf(nil, `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[%s]]></Event>`+
		`<EventKey><![CDATA[%s]]></EventKey></xml>`, from, created.Unix(), event, key)
}

type result struct {
	status int
	ctype  string
	body   string
}

func send(t *testing.T, h http.Handler, method string, q url.Values, body []byte) result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, "/wechat/oa?"+q.Encode(), rd)
	req.Header.Set("Content-Type", "text/xml")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return result{status: rec.Code, ctype: rec.Header().Get("Content-Type"), body: rec.Body.String()}
}

// replyXML is a passive text reply.
type replyXML struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
}

func parseReply(t *testing.T, body string) replyXML {
	t.Helper()
	var r replyXML
	if err := xml.Unmarshal([]byte(body), &r); err != nil || r.MsgType != "text" {
		t.Fatalf("not a text reply (%v): %s", err, body)
	}
	return r
}

// anyReply returns the text reply in body, opening it first when it is a
// safe-mode (encrypted) reply.
func anyReply(t *testing.T, body string) replyXML {
	t.Helper()
	if strings.Contains(body, "<Encrypt>") {
		return openSealed(t, body)
	}
	return parseReply(t, body)
}

// openSealed checks a safe-mode reply's msg_signature and app id and returns its plaintext reply.
func openSealed(t *testing.T, body string) replyXML {
	t.Helper()
	var env struct {
		Encrypt      string `xml:"Encrypt"`
		MsgSignature string `xml:"MsgSignature"`
		TimeStamp    string `xml:"TimeStamp"`
		Nonce        string `xml:"Nonce"`
	}
	if err := xml.Unmarshal([]byte(body), &env); err != nil || env.Encrypt == "" {
		t.Fatalf("not an encrypted reply (%v): %s", err, body)
	}
	if want := wxSign(testToken, env.TimeStamp, env.Nonce, env.Encrypt); env.MsgSignature != want {
		t.Fatalf("reply msg_signature %s, want %s", env.MsgSignature, want)
	}
	plain, appID := wxDecrypt(t, env.Encrypt)
	if appID != testAppID {
		t.Fatalf("reply sealed for app %q", appID)
	}
	return parseReply(t, string(plain))
}
