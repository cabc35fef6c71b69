package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/pii"
)

// A session token is "gv_" and the URL-safe base64 of a signed payload:
//
//	version(1) kind(1) subject(8) expires(8, Unix seconds) random(16) | MAC(16)
//
// The database keeps the token's keyed hash (sessions.token_hash) as before.
// A resident's token is accepted on its signature and expiry alone, unless it
// is revoked: logout and rotation write the token's hash to
// session_revocations, which every instance keeps in memory (revocations)
// and reads again every auth.revocation_sync. So the rush of a popular
// booking costs no database read per request, and a logout reaches every
// instance within that interval (at once on the instance that served it).
// Staff tokens are always checked against the database: disabling a staff
// member, or changing their role, must act at once everywhere.
const (
	tokenVersion   = 1
	tokenPayload   = 1 + 1 + 8 + 8 + 16
	tokenKindRes   = 'r'
	tokenKindStaff = 's'
)

// newToken makes a signed token for subject, valid until exp.
func newToken(box *pii.Box, kind string, subject int64, exp time.Time) (string, error) {
	buf := make([]byte, tokenPayload, tokenPayload+pii.TokenMACSize)
	buf[0] = tokenVersion
	buf[1] = tokenKindStaff
	if kind == KindResident {
		buf[1] = tokenKindRes
	}
	binary.BigEndian.PutUint64(buf[2:10], uint64(subject))
	binary.BigEndian.PutUint64(buf[10:18], uint64(exp.Unix()))
	if _, err := rand.Read(buf[18:tokenPayload]); err != nil {
		return "", fmt.Errorf("account: token: %w", err)
	}
	buf = append(buf, box.TokenMAC(buf)...)
	return "gv_" + base64.RawURLEncoding.EncodeToString(buf), nil
}

// signedResident returns the resident a signed resident token names and
// whether the token is one; ok with a nil error means it may be used
// (signature good, not expired, not revoked).
func (s *Service) signedResident(token, hash string, now time.Time) (p Principal, ok bool, err error) {
	raw, derr := base64.RawURLEncoding.DecodeString(token[3:])
	if derr != nil || len(raw) != tokenPayload+pii.TokenMACSize || raw[0] != tokenVersion {
		return Principal{}, false, nil // not a signed token: look it up
	}
	// One spelling per token: base64's spare bits in the last character (and
	// the line breaks the decoder skips) must not make a revoked token new.
	if base64.RawURLEncoding.EncodeToString(raw) != token[3:] {
		return Principal{}, true, ErrInvalidToken
	}
	if !hmac.Equal(raw[tokenPayload:], s.box.TokenMAC(raw[:tokenPayload])) {
		return Principal{}, true, ErrInvalidToken
	}
	if raw[1] != tokenKindRes {
		return Principal{}, false, nil
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(raw[10:18])), 0)
	if !now.Before(exp) || s.revoked.has(hash) {
		return Principal{}, true, ErrInvalidToken
	}
	id := int64(binary.BigEndian.Uint64(raw[2:10]))
	return Principal{Kind: KindResident, ID: id, Role: RoleResident}, true, nil
}

// revocations is this instance's copy of session_revocations: the first
// 16 bytes of each revoked token's hash and when that token expires anyway
// (about 40 bytes an entry).
type revocations struct {
	mu      sync.RWMutex
	keys    map[[16]byte]int64 // → expiry, Unix seconds
	lastID  int64
	loaded  bool
	pruneAt time.Time
}

func revocationKey(hash string) (k [16]byte) {
	_, _ = hex.Decode(k[:], []byte(hash[:32]))
	return k
}

func (r *revocations) has(hash string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.keys[revocationKey(hash)]
	return ok
}

func (r *revocations) add(hash string, exp time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addLocked(hash, exp)
}

func (r *revocations) addLocked(hash string, exp time.Time) {
	if r.keys == nil {
		r.keys = map[[16]byte]int64{}
	}
	r.keys[revocationKey(hash)] = exp.Unix()
}

// revoke records a revoked resident token in the database, for every
// instance (this one adds it to memory once the transaction has committed).
// Staff tokens are checked in the database on every request: deleting the
// session is enough for them.
func (s *Service) revoke(ctx context.Context, q db.Queryer, hash string, exp time.Time) error {
	const stmt = `INSERT INTO session_revocations (token_hash, expires_at, created_at) VALUES (?, ?, ?)`
	if _, err := q.ExecContext(ctx, q.Rebind(stmt), hash, exp, s.now()); err != nil {
		return fmt.Errorf("account: revoke session: %w", err)
	}
	return nil
}

// revocationLookBack is how far back, by created_at, each read looks again
// besides the ids above the highest seen: a revocation whose transaction
// committed after later ones (ids are taken at insert, seen at commit) is
// still picked up, as in the guide change feed.
const revocationLookBack = 15 * time.Second

// SyncRevocations reads the revocations written since the last read (all
// unexpired ones the first time).
func (s *Service) SyncRevocations(ctx context.Context) error {
	type rev struct {
		ID        int64     `db:"id"`
		TokenHash string    `db:"token_hash"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	now := s.now()
	s.revoked.mu.RLock()
	from, loaded := s.revoked.lastID, s.revoked.loaded
	s.revoked.mu.RUnlock()
	var rows []rev
	var err error
	if !loaded {
		err = s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT id, token_hash, expires_at FROM session_revocations WHERE expires_at > ? ORDER BY id`), now)
	} else {
		err = s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT id, token_hash, expires_at FROM session_revocations
			WHERE id > ? OR created_at > ? ORDER BY id`), from, now.Add(-revocationLookBack))
	}
	if err != nil {
		return fmt.Errorf("account: read revocations: %w", err)
	}
	r := &s.revoked
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range rows {
		if len(x.TokenHash) >= 32 {
			r.addLocked(x.TokenHash, x.ExpiresAt)
		}
		r.lastID = max(r.lastID, x.ID)
	}
	r.loaded = true
	if now.After(r.pruneAt) {
		for k, exp := range r.keys {
			if now.Unix() >= exp {
				delete(r.keys, k)
			}
		}
		r.pruneAt = now.Add(time.Minute)
	}
	return nil
}
