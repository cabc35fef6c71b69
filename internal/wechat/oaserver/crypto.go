package oaserver

import (
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // WeChat signs its callbacks with SHA-1: the protocol, not a choice
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"
)

// signature is WeChat's sha1(sort(parts) joined), in lower-case hex.
func signature(parts ...string) string {
	sorted := append([]string(nil), parts...)
	sort.Strings(sorted)
	sum := sha1.Sum([]byte(strings.Join(sorted, ""))) //nolint:gosec // the protocol's SHA-1 (see the import)
	return hex.EncodeToString(sum[:])
}

// validSignature compares got with the signature of parts in constant time.
func validSignature(got string, parts ...string) bool {
	want := signature(parts...)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// errBadKey reports an EncodingAESKey that is not 43 base64 characters.
var errBadKey = errors.New("oaserver: the EncodingAESKey must be 43 characters of base64")

func checkAESKey(key string) error {
	if len(key) != 43 {
		return errBadKey
	}
	if k, err := base64.StdEncoding.DecodeString(key + "="); err != nil || len(k) != 32 {
		return errBadKey
	}
	return nil
}

// envelope is the body of a safe-mode push.
type envelope = message.EncryptedXMLMsg

// decrypt opens the Encrypt field of a safe-mode push: AES-256-CBC with the
// key base64(EncodingAESKey+"="), IV = key[:16], PKCS#7 to 32 bytes; the
// plaintext is 16 random bytes, a 4-byte big-endian length, the message and
// the app id, which must be ours.
func decrypt(appID, aesKey, encrypted string) ([]byte, error) {
	_, raw, err := util.DecryptMsg(appID, encrypted, aesKey)
	if err != nil {
		return nil, fmt.Errorf("oaserver: decrypt: %w", err)
	}
	return raw, nil
}

// sealReply wraps a plaintext reply for safe mode: encrypted with fresh
// random bytes, signed (msg_signature over token, timestamp, nonce, Encrypt).
func sealReply(appID, token, aesKey string, plain []byte, now time.Time) ([]byte, error) {
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return nil, err
	}
	enc, err := util.EncryptMsg(random, plain, appID, aesKey)
	if err != nil {
		return nil, fmt.Errorf("oaserver: encrypt reply: %w", err)
	}
	nonce := randomDigits(10)
	ts := now.Unix()
	out, err := xml.Marshal(message.ResponseEncryptedXMLMsg{
		EncryptedMsg: string(enc),
		MsgSignature: signature(token, strconv.FormatInt(ts, 10), nonce, string(enc)),
		Timestamp:    ts,
		Nonce:        nonce,
	})
	if err != nil {
		return nil, fmt.Errorf("oaserver: marshal encrypted reply: %w", err)
	}
	return out, nil
}

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}
