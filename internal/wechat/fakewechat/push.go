package fakewechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file builds what WeChat sends to an official account's callback URL
// (消息加解密说明), for the tests of govapp's callback server: signed
// queries, safe-mode (AES) pushes, and the opening of safe-mode replies.

// Sign is WeChat's signature: sha1 over the sorted, concatenated parts, in hex.
func Sign(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

// PlainQuery is the query of a callback at ts with nonce: timestamp, nonce
// and signature over token, timestamp and nonce (a URL verification adds
// echostr; a plaintext push is posted under it as it is).
func PlainQuery(token string, ts time.Time, nonce string) url.Values {
	s := strconv.FormatInt(ts.Unix(), 10)
	return url.Values{"timestamp": {s}, "nonce": {nonce}, "signature": {Sign(token, s, nonce)}}
}

// SafePush returns the plaintext message plain as WeChat pushes it in safe
// mode to the account appID: the query (PlainQuery plus encrypt_type=aes and
// msg_signature) and the envelope body holding the encrypted message.
func SafePush(appID, token, aesKey string, ts time.Time, nonce string, plain []byte) (url.Values, []byte, error) {
	enc, err := Encrypt(appID, aesKey, plain)
	if err != nil {
		return nil, nil, err
	}
	q := PlainQuery(token, ts, nonce)
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", Sign(token, q.Get("timestamp"), nonce, enc))
	body := fmt.Appendf(nil, "<xml><ToUserName><![CDATA[gh_fake]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", enc)
	return q, body, nil
}

// OpenReply checks a safe-mode reply's msg_signature and app id and returns
// its plaintext XML.
func OpenReply(appID, token, aesKey string, body []byte) ([]byte, error) {
	var env struct {
		Encrypt      string `xml:"Encrypt"`
		MsgSignature string `xml:"MsgSignature"`
		TimeStamp    string `xml:"TimeStamp"`
		Nonce        string `xml:"Nonce"`
	}
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		return nil, fmt.Errorf("fakewechat: not an encrypted reply: %q", body)
	}
	if Sign(token, env.TimeStamp, env.Nonce, env.Encrypt) != env.MsgSignature {
		return nil, errors.New("fakewechat: reply msg_signature does not match")
	}
	key, err := aesKeyBytes(aesKey)
	if err != nil {
		return nil, err
	}
	ct, err := base64.StdEncoding.DecodeString(env.Encrypt)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("fakewechat: reply ciphertext: %v", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 || pad > len(pt) {
		return nil, errors.New("fakewechat: reply padding")
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return nil, errors.New("fakewechat: reply too short")
	}
	n := int(binary.BigEndian.Uint32(pt[16:20]))
	if 20+n > len(pt) || string(pt[20+n:]) != appID {
		return nil, errors.New("fakewechat: reply length or app id does not match")
	}
	return pt[20 : 20+n], nil
}

// Encrypt is WeChat's message encryption, as WeChat's servers apply it: AES-256-CBC with the key
// base64(aesKey+"="), IV its first 16 bytes, over 16 random bytes, the
// message length (4 bytes, big-endian), the message and the app id,
// PKCS#7-padded to a multiple of 32 bytes; base64.
func Encrypt(appID, aesKey string, msg []byte) (string, error) {
	key, err := aesKeyBytes(aesKey)
	if err != nil {
		return "", err
	}
	var p bytes.Buffer
	random := make([]byte, 16)
	_, _ = rand.Read(random)
	p.Write(random)
	_ = binary.Write(&p, binary.BigEndian, uint32(len(msg)))
	p.Write(msg)
	p.WriteString(appID)
	pad := 32 - p.Len()%32
	p.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, p.Len())
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, p.Bytes())
	return base64.StdEncoding.EncodeToString(out), nil
}

func aesKeyBytes(aesKey string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(aesKey + "=")
	if err != nil || len(k) != 32 {
		return nil, errors.New("fakewechat: the EncodingAESKey must be 43 characters of base64")
	}
	return k, nil
}
