// Package idempotency stores the first response to a write sent with an
// Idempotency-Key header so that a repeat (same key, same request) within the
// retention period gets that response again and changes nothing.
package idempotency

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/pii"
)

// Errors.
var (
	ErrInProgress = errs.New(errs.KindConflict, "idempotency_in_progress", "相同的请求正在处理中，请稍后再试")
	ErrReused     = errs.New(errs.KindUnprocessable, "idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求")
)

// Response is a stored response.
type Response struct {
	Status      int    `db:"status_code"`
	ContentType string `db:"content_type"`
	Body        []byte `db:"response_body"`
	RequestHash string `db:"request_hash"`
}

// Store keeps responses in the idempotency_keys table. A stored response
// repeats what its request sent (a ticket's contact phone and content), so
// its body is sealed with the personal-data key and the request hash is
// keyed: neither can be read or brute-forced from the table without
// GOVAPP_SECRET_KEY.
type Store struct {
	db    *db.DB
	box   *pii.Box
	ttl   time.Duration
	lease time.Duration // see WithClaimLease
	now   func() time.Time
}

// NewStore returns a store keeping responses for ttl, sealed with box.
func NewStore(d *db.DB, box *pii.Box, ttl time.Duration) *Store {
	return &Store{db: d, box: box, ttl: ttl, lease: DefaultClaimLease, now: func() time.Time { return time.Now().UTC() }}
}

// sealedMark starts every stored body written by this version: a NUL, which
// no response of ours (JSON, text) starts with, then the pii ciphertext. A
// body without it is a plaintext one written before bodies were sealed; it
// is replayed as stored until it expires (within the retention, 24 h by
// default), so a retry across the upgrade still gets its first answer.
const sealedMark = 0x00

// seal returns the stored form of a response body (nil for an empty one).
func (s *Store) seal(body []byte) ([]byte, error) {
	if len(body) == 0 {
		return nil, nil
	}
	ct, err := s.box.Encrypt(string(body))
	if err != nil {
		return nil, err
	}
	return append([]byte{sealedMark}, ct...), nil
}

// open reverses seal; a body without the mark is returned as stored.
func (s *Store) open(stored []byte) ([]byte, error) {
	if len(stored) == 0 || stored[0] != sealedMark {
		return stored, nil
	}
	plain, err := s.box.Decrypt(stored[1:])
	if err != nil {
		return nil, err
	}
	return []byte(plain), nil
}

// keyedHash returns the stored form of a request hash: an HMAC under the
// personal-data look-up key, so that the hash of a short body (a rating, a
// phone number) cannot be reversed by trying every candidate.
func (s *Store) keyedHash(reqHash string) string {
	return s.box.Hash("idempotency request", reqHash)
}

// sameRequest reports whether a stored hash is that of reqHash: keyed, or,
// for a row written before hashes were keyed, the plain hash itself.
func (s *Store) sameRequest(stored, reqHash string) bool {
	return stored == s.keyedHash(reqHash) || stored == reqHash
}

// DefaultClaimLease is how long a claim without a response blocks a retry
// unless WithClaimLease says otherwise.
const DefaultClaimLease = time.Minute

// WithClaimLease sets how long a claimed key without a response answers
// ErrInProgress: longer than any request runs. A claim older than that was
// left by a process that died while handling the request (SIGKILL, a crash),
// and a retry takes it over instead of being refused until the key expires.
func (s *Store) WithClaimLease(d time.Duration) *Store {
	if d > 0 {
		s.lease = d
	}
	return s
}

// Begin claims key for a request. It returns (nil, nil) when the caller owns the
// key and must Complete or Release it; the stored response when the same request
// already completed; ErrInProgress while the first is still running; ErrReused
// when the key came with a different request.
func (s *Store) Begin(ctx context.Context, scope, key, method, path, reqHash string) (*Response, error) {
	now := s.now()
	keyed := s.keyedHash(reqHash)
	for attempt := 0; attempt < 2; attempt++ {
		const ins = `INSERT INTO idempotency_keys (scope, idem_key, method, path, request_hash, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, idem_key) DO NOTHING`
		res, err := s.db.ExecContext(ctx, s.db.Rebind(ins), scope, key, method, path, keyed, now, now.Add(s.ttl))
		if err != nil {
			return nil, db.MapErrorIn("idempotency.Store.Begin", err, nil, nil)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil, nil
		}
		var r Response
		var expires, created time.Time
		row := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT status_code, content_type, response_body, request_hash, expires_at, created_at
			FROM idempotency_keys WHERE scope = ? AND idem_key = ?`), scope, key)
		if err := row.Scan(&r.Status, &r.ContentType, &r.Body, &r.RequestHash, &expires, &created); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				continue // released meanwhile: try to claim again
			}
			return nil, db.MapErrorIn("idempotency.Store.Begin", err, nil, nil)
		}
		if !expires.After(now) {
			_, _ = s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND expires_at <= ?`), scope, key, now)
			continue
		}
		if !s.sameRequest(r.RequestHash, reqHash) {
			return nil, ErrReused
		}
		if r.Status == 0 && created.After(now.Add(-s.lease)) {
			return nil, ErrInProgress
		}
		if r.Status == 0 { // abandoned by a dead process: take it over, once
			res, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE idempotency_keys SET created_at = ?
				WHERE scope = ? AND idem_key = ? AND status_code = 0 AND created_at <= ?`), now, scope, key, now.Add(-s.lease))
			if err != nil {
				return nil, db.MapErrorIn("idempotency.Store.Begin", err, nil, nil)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return nil, nil
			}
			continue
		}
		if r.Body, err = s.open(r.Body); err != nil {
			return nil, fmt.Errorf("idempotency: open stored response of %s %s: %w", method, path, err)
		}
		return &r, nil
	}
	return nil, ErrInProgress
}

// Complete stores the response of a claimed key, its body sealed.
func (s *Store) Complete(ctx context.Context, scope, key string, status int, contentType string, body []byte) error {
	sealed, err := s.seal(body)
	if err != nil {
		return fmt.Errorf("idempotency: complete: seal: %w", err)
	}
	const stmt = `UPDATE idempotency_keys SET status_code = ?, content_type = ?, response_body = ? WHERE scope = ? AND idem_key = ?`
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(stmt), status, contentType, sealed, scope, key); err != nil {
		return fmt.Errorf("idempotency: complete: %w", err)
	}
	return nil
}

// Release forgets a claimed key whose request failed, so that a retry runs again.
func (s *Store) Release(ctx context.Context, scope, key string) error {
	const stmt = `DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND status_code = 0`
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(stmt), scope, key); err != nil {
		return fmt.Errorf("idempotency: release: %w", err)
	}
	return nil
}

// PurgeExpired deletes expired keys and returns how many.
func (s *Store) PurgeExpired(ctx context.Context) (int64, error) {
	n, err := s.db.DeleteInBatches(ctx, "idempotency_keys", "scope, idem_key", "expires_at <= ?", db.PurgeBatch, s.now())
	if err != nil {
		return n, fmt.Errorf("idempotency: %w", err)
	}
	return n, nil
}
