package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Bounds of an Idempotency-Key.
const (
	MinKeyLen = 8
	MaxKeyLen = 128
)

// ValidKey reports whether key is an acceptable Idempotency-Key: 8 to 128
// characters, each a letter, a digit or one of - _ . : (what UUIDs, ULIDs
// and the usual client-generated keys are made of).
func ValidKey(key string) bool {
	if len(key) < MinKeyLen || len(key) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// Scope returns whose keys a request's key belongs to: the signed-in
// account ("resident:42", "staff:7") or, for anonymous requests (id 0), the
// client address ("ip:203.0.113.9").
func Scope(kind string, id int64, ip string) string {
	if id != 0 {
		return kind + ":" + strconv.FormatInt(id, 10)
	}
	return "ip:" + ip
}

// RequestHash returns the hex SHA-256 that identifies a request under a key:
// method, path and body, so that a key reused with another request is told
// apart (ErrReused) from a repeat of the same one. It is never stored as
// such: the Store keeps only an HMAC of it (see Store).
func RequestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
