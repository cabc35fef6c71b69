// Package pii protects personal data: AES-256-GCM encryption at rest with a key
// derived from GOVAPP_SECRET_KEY, keyed hashes for look-up, and masking for output.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// version prefixes every ciphertext so that keys can rotate later.
const version byte = 1

// ErrCiphertext is returned for data that does not decrypt.
var ErrCiphertext = errors.New("pii: ciphertext invalid or key wrong")

// Box encrypts, decrypts and hashes personal data.
type Box struct {
	aead     cipher.AEAD
	hashKey  []byte
	tokenKey []byte
	signKey  []byte
}

// New derives the encryption and hashing keys from secret.
func New(secret string) (*Box, error) {
	if len(secret) < 16 {
		return nil, errors.New("pii: secret key too short")
	}
	derive := func(label string) ([]byte, error) {
		return hkdf.Key(sha256.New, []byte(secret), []byte("govapp"), label, 32)
	}
	encKey, err := derive("govapp personal data encryption v1")
	if err != nil {
		return nil, err
	}
	hashKey, err := derive("govapp personal data lookup v1")
	if err != nil {
		return nil, err
	}
	tokenKey, err := derive("govapp session tokens v1")
	if err != nil {
		return nil, err
	}
	signKey, err := derive("govapp session token signature v1")
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, hashKey: hashKey, tokenKey: tokenKey, signKey: signKey}, nil
}

// Encrypt returns version || nonce || sealed plaintext. The empty string
// encrypts to nil.
func (b *Box) Encrypt(plain string) ([]byte, error) {
	if plain == "" {
		return nil, nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("pii: nonce: %w", err)
	}
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, []byte(plain), []byte{version}), nil
}

// Decrypt reverses Encrypt; nil decrypts to "".
func (b *Box) Decrypt(ct []byte) (string, error) {
	if len(ct) == 0 {
		return "", nil
	}
	ns := b.aead.NonceSize()
	if len(ct) < 1+ns+b.aead.Overhead() || ct[0] != version {
		return "", ErrCiphertext
	}
	plain, err := b.aead.Open(nil, ct[1:1+ns], ct[1+ns:], []byte{version})
	if err != nil {
		return "", ErrCiphertext
	}
	return string(plain), nil
}

// Hash returns the keyed look-up hash of a value of a kind ("phone", "id"):
// equal inputs give equal hashes, and nothing about the value can be learned
// without the key.
func (b *Box) Hash(kind, value string) string {
	m := hmac.New(sha256.New, b.hashKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// TokenHash returns the stored form of a session token.
func (b *Box) TokenHash(token string) string {
	m := hmac.New(sha256.New, b.tokenKey)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// TokenMACSize is the length of a session token's signature.
const TokenMACSize = 16

// TokenMAC signs the payload of a session token (HMAC-SHA-256, truncated to
// TokenMACSize bytes) with a key of its own.
func (b *Box) TokenMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, b.signKey)
	m.Write(payload)
	return m.Sum(nil)[:TokenMACSize]
}

// NormalizePhone returns the 11-digit mainland mobile number in s (spaces,
// dashes and a +86/86 prefix removed), or an error.
func NormalizePhone(s string) (string, error) {
	r := strings.NewReplacer(" ", "", "-", "", "\u00a0", "")
	p := r.Replace(strings.TrimSpace(s))
	p = strings.TrimPrefix(p, "+")
	if len(p) == 13 && strings.HasPrefix(p, "86") {
		p = p[2:]
	}
	if len(p) != 11 || p[0] != '1' || p[1] < '3' || p[1] > '9' {
		return "", errors.New("pii: not a mainland mobile number")
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return "", errors.New("pii: not a mainland mobile number")
		}
	}
	return p, nil
}

// MaskPhone shows the first three and last four digits: 138****8000.
func MaskPhone(p string) string {
	if p == "" {
		return ""
	}
	if utf8.RuneCountInString(p) <= 7 {
		return "****" // three plus four would show every character
	}
	r := []rune(p)
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}
