package idempotency_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/idempotency"
)

const (
	scope = "resident:42"
	hashA = "hash-of-request-a"
	hashB = "hash-of-request-b"
)

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
		s := idempotency.NewStore(d, time.Hour)

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
			short := idempotency.NewStore(d, time.Millisecond)
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
		short := idempotency.NewStore(d, time.Millisecond)
		long := idempotency.NewStore(d, time.Hour)
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
		s := idempotency.NewStore(d, time.Hour)
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
		s := idempotency.NewStore(d, time.Hour).WithClaimLease(300 * time.Millisecond)
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
