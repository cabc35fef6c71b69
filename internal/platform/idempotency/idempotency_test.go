package idempotency_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/idempotency"
	"govapp/internal/platform/pii"
)

const (
	scope = "resident:42"
	hashA = "hash-of-request-a"
	hashB = "hash-of-request-b"
)

func box(t *testing.T) *pii.Box {
	t.Helper()
	b, err := pii.New("idempotency-test-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func begin(ctx context.Context, s *idempotency.Store, key, hash string) (*idempotency.Response, error) {
	return s.Begin(ctx, scope, key, "POST", "/api/v1/tickets", hash)
}

func wantClaimed(t *testing.T, r *idempotency.Response, err error) {
	t.Helper()
	if err != nil || r != nil {
		t.Fatalf("Begin = %+v, %v; want the key claimed (nil, nil)", r, err)
	}
}

func wantErr(t *testing.T, r *idempotency.Response, err, want error) {
	t.Helper()
	if !errors.Is(err, want) || r != nil {
		t.Fatalf("Begin = %+v, %v; want %v", r, err, want)
	}
}

func TestIdempotencyKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := idempotency.NewStore(d, box(t), time.Hour)

		t.Run("the first Begin claims the key", func(t *testing.T) {
			r, err := begin(ctx, s, "claim", hashA)
			wantClaimed(t, r, err)
		})

		t.Run("a second Begin while the first runs is in progress", func(t *testing.T) {
			r, err := begin(ctx, s, "running", hashA)
			wantClaimed(t, r, err)
			r, err = begin(ctx, s, "running", hashA)
			wantErr(t, r, err, idempotency.ErrInProgress)
		})

		t.Run("after Complete, Begin returns the stored response", func(t *testing.T) {
			r, err := begin(ctx, s, "done", hashA)
			wantClaimed(t, r, err)
			body := []byte(`{"id":7,"title":"路灯不亮"}`)
			if err := s.Complete(ctx, scope, "done", 201, "application/json", body); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				r, err = begin(ctx, s, "done", hashA)
				if err != nil || r == nil {
					t.Fatalf("Begin = %+v, %v; want the stored response", r, err)
				}
				if r.Status != 201 || r.ContentType != "application/json" || string(r.Body) != string(body) {
					t.Fatalf("stored response = %d %q %s", r.Status, r.ContentType, r.Body)
				}
			}
		})

		t.Run("an empty response body is replayed too", func(t *testing.T) {
			r, err := begin(ctx, s, "no-content", hashA)
			wantClaimed(t, r, err)
			if err := s.Complete(ctx, scope, "no-content", 204, "", nil); err != nil {
				t.Fatal(err)
			}
			r, err = begin(ctx, s, "no-content", hashA)
			if err != nil || r == nil || r.Status != 204 || len(r.Body) != 0 {
				t.Fatalf("Begin = %+v, %v; want the stored 204", r, err)
			}
		})

		t.Run("the key with another request is ErrReused, running or done", func(t *testing.T) {
			r, err := begin(ctx, s, "reused", hashA)
			wantClaimed(t, r, err)
			r, err = begin(ctx, s, "reused", hashB)
			wantErr(t, r, err, idempotency.ErrReused)
			if err := s.Complete(ctx, scope, "reused", 200, "application/json", []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
			r, err = begin(ctx, s, "reused", hashB)
			wantErr(t, r, err, idempotency.ErrReused)
		})

		t.Run("the same key in another scope is another key", func(t *testing.T) {
			r, err := begin(ctx, s, "scoped", hashA)
			wantClaimed(t, r, err)
			r, err = s.Begin(ctx, "resident:43", "scoped", "POST", "/api/v1/tickets", hashB)
			wantClaimed(t, r, err)
		})

		t.Run("Release lets the next Begin claim the key again", func(t *testing.T) {
			r, err := begin(ctx, s, "released", hashA)
			wantClaimed(t, r, err)
			if err := s.Release(ctx, scope, "released"); err != nil {
				t.Fatal(err)
			}
			r, err = begin(ctx, s, "released", hashA)
			wantClaimed(t, r, err)
		})

		t.Run("Release keeps a completed response", func(t *testing.T) {
			r, err := begin(ctx, s, "kept", hashA)
			wantClaimed(t, r, err)
			if err := s.Complete(ctx, scope, "kept", 200, "text/plain", []byte("ok")); err != nil {
				t.Fatal(err)
			}
			if err := s.Release(ctx, scope, "kept"); err != nil {
				t.Fatal(err)
			}
			r, err = begin(ctx, s, "kept", hashA)
			if err != nil || r == nil || string(r.Body) != "ok" {
				t.Fatalf("Begin after Release of a completed key = %+v, %v; want the stored response", r, err)
			}
		})

		t.Run("an expired key can be claimed anew", func(t *testing.T) {
			short := idempotency.NewStore(d, box(t), time.Millisecond)
			r, err := begin(ctx, short, "expired", hashA)
			wantClaimed(t, r, err)
			if err := short.Complete(ctx, scope, "expired", 200, "text/plain", []byte("old")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
			// Even with another request: the old one is forgotten.
			r, err = begin(ctx, s, "expired", hashB)
			wantClaimed(t, r, err)
			r, err = begin(ctx, s, "expired", hashB)
			wantErr(t, r, err, idempotency.ErrInProgress)
		})
	})
}

func TestPurgeExpiredDeletesOnlyExpiredKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		short := idempotency.NewStore(d, box(t), time.Millisecond)
		long := idempotency.NewStore(d, box(t), time.Hour)
		for i := range 3 {
			r, err := begin(ctx, short, fmt.Sprint("old-", i), hashA)
			wantClaimed(t, r, err)
		}
		r, err := begin(ctx, long, "live-running", hashA)
		wantClaimed(t, r, err)
		r, err = begin(ctx, long, "live-done", hashA)
		wantClaimed(t, r, err)
		if err := long.Complete(ctx, scope, "live-done", 200, "text/plain", []byte("ok")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)

		n, err := long.PurgeExpired(ctx)
		if err != nil || n != 3 {
			t.Fatalf("PurgeExpired = %d, %v; want 3", n, err)
		}
		var left []string
		if err := d.SelectContext(ctx, &left, `SELECT idem_key FROM idempotency_keys ORDER BY idem_key`); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(left) != "[live-done live-running]" {
			t.Fatalf("rows left: %v, want the two live keys", left)
		}
		if n, err := long.PurgeExpired(ctx); err != nil || n != 0 {
			t.Fatalf("second PurgeExpired = %d, %v; want 0", n, err)
		}
	})
}

func TestConcurrentBeginClaimsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := idempotency.NewStore(d, box(t), time.Hour)
		const callers = 20
		var wg sync.WaitGroup
		results := make([]error, callers)
		claimed := make([]bool, callers)
		start := make(chan struct{})
		for i := range callers {
			wg.Go(func() {
				<-start
				r, err := begin(ctx, s, "same-key", hashA)
				claimed[i] = err == nil && r == nil
				results[i] = err
			})
		}
		close(start)
		wg.Wait()
		winners := 0
		for i := range callers {
			switch {
			case claimed[i]:
				winners++
			case !errors.Is(results[i], idempotency.ErrInProgress):
				t.Errorf("caller %d: %v, want ErrInProgress", i, results[i])
			}
		}
		if winners != 1 {
			t.Fatalf("%d callers claimed the key, want exactly 1", winners)
		}
	})
}

// TestAbandonedClaimIsTakenOver: a claim without a response older than the
// lease was left by a process that died mid-request; one retry takes it
// over (the others still wait), instead of all being refused until expiry.
func TestAbandonedClaimIsTakenOver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := idempotency.NewStore(d, box(t), time.Hour).WithClaimLease(300 * time.Millisecond)
		r, err := begin(ctx, s, "abandoned", hashA)
		wantClaimed(t, r, err)
		r, err = begin(ctx, s, "abandoned", hashA)
		wantErr(t, r, err, idempotency.ErrInProgress)
		time.Sleep(400 * time.Millisecond)
		var wg sync.WaitGroup
		var mu sync.Mutex
		claimed, waiting := 0, 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := begin(ctx, s, "abandoned", hashA)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && r == nil:
					claimed++
				case errors.Is(err, idempotency.ErrInProgress):
					waiting++
				default:
					t.Errorf("Begin = %+v, %v", r, err)
				}
			}()
		}
		wg.Wait()
		if claimed != 1 || waiting != 7 {
			t.Fatalf("%d retries took the abandoned claim over and %d waited, want 1 and 7", claimed, waiting)
		}
		if err := s.Complete(ctx, scope, "abandoned", 201, "application/json", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if r, err := begin(ctx, s, "abandoned", hashA); err != nil || r == nil || r.Status != 201 {
			t.Fatalf("after Complete: %+v, %v", r, err)
		}
	})
}

// TestStoredResponsesAreSealed: a stored response repeats the request's
// personal data (a ticket's contact phone), so the table holds neither the
// body in clear nor a hash that could be reversed by trying every phone.
func TestStoredResponsesAreSealed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := idempotency.NewStore(d, box(t), time.Hour)
		raw := func(key string) (body []byte, hash string) {
			t.Helper()
			q := d.Rebind(`SELECT response_body, request_hash FROM idempotency_keys WHERE scope = ? AND idem_key = ?`)
			if err := d.QueryRowxContext(ctx, q, scope, key).Scan(&body, &hash); err != nil {
				t.Fatal(err)
			}
			return body, hash
		}
		reply := []byte(`{"tracking_no":"MB202611250001","contact_phone":"13912345678","content":"路灯不亮"}`)
		reqHash := idempotency.RequestHash("POST", "/api/v1/tickets", []byte(`{"contact_phone":"13912345678"}`))

		t.Run("the body and the request hash are not stored in clear", func(t *testing.T) {
			r, err := begin(ctx, s, "sealed-01", reqHash)
			wantClaimed(t, r, err)
			if err := s.Complete(ctx, scope, "sealed-01", 201, "application/json", reply); err != nil {
				t.Fatal(err)
			}
			body, hash := raw("sealed-01")
			if len(body) == 0 || strings.Contains(string(body), "13912345678") || strings.Contains(string(body), "路灯不亮") {
				t.Fatalf("stored body in clear: %q", body)
			}
			if hash == reqHash || len(hash) == 0 {
				t.Fatalf("stored request hash %q is the plain hash", hash)
			}
			r, err = begin(ctx, s, "sealed-01", reqHash)
			if err != nil || r == nil || r.Status != 201 || !bytes.Equal(r.Body, reply) {
				t.Fatalf("replay = %+v, %v; want the first reply", r, err)
			}
		})

		t.Run("a row stored in clear before sealing still replays, and only to its own request", func(t *testing.T) {
			old := []byte(`{"tracking_no":"MB202611240009"}`)
			ins := d.Rebind(`INSERT INTO idempotency_keys (scope, idem_key, method, path, request_hash, status_code, content_type, response_body, created_at, expires_at)
				VALUES (?, ?, 'POST', '/api/v1/tickets', ?, 201, 'application/json', ?, ?, ?)`)
			now := time.Now().UTC()
			if _, err := d.ExecContext(ctx, ins, scope, "legacy-01", reqHash, old, now, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			r, err := begin(ctx, s, "legacy-01", reqHash)
			if err != nil || r == nil || r.Status != 201 || !bytes.Equal(r.Body, old) {
				t.Fatalf("legacy replay = %+v, %v; want the stored reply", r, err)
			}
			r, err = begin(ctx, s, "legacy-01", hashB)
			wantErr(t, r, err, idempotency.ErrReused)
		})

		t.Run("a row is not replayed under another secret", func(t *testing.T) {
			r, err := begin(ctx, s, "rotated-01", reqHash)
			wantClaimed(t, r, err)
			if err := s.Complete(ctx, scope, "rotated-01", 201, "application/json", reply); err != nil {
				t.Fatal(err)
			}
			other, err := pii.New("another-secret-0123456789abcdef")
			if err != nil {
				t.Fatal(err)
			}
			r, err = idempotency.NewStore(d, other, time.Hour).Begin(ctx, scope, "rotated-01", "POST", "/api/v1/tickets", reqHash)
			wantErr(t, r, err, idempotency.ErrReused) // the keyed hash differs
		})

		t.Run("a sealed body that does not open is an error, never bytes replayed", func(t *testing.T) {
			r, err := begin(ctx, s, "corrupt-01", reqHash)
			wantClaimed(t, r, err)
			if err := s.Complete(ctx, scope, "corrupt-01", 201, "application/json", reply); err != nil {
				t.Fatal(err)
			}
			body, _ := raw("corrupt-01")
			body[len(body)-1] ^= 1
			upd := d.Rebind(`UPDATE idempotency_keys SET response_body = ? WHERE scope = ? AND idem_key = ?`)
			if _, err := d.ExecContext(ctx, upd, body, scope, "corrupt-01"); err != nil {
				t.Fatal(err)
			}
			r, err = begin(ctx, s, "corrupt-01", reqHash)
			if err == nil || r != nil {
				t.Fatalf("Begin of a corrupt body = %+v, %v; want an error", r, err)
			}
		})
	})
}
