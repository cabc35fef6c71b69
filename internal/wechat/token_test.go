package wechat_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"govapp/internal/platform/cache"
	"govapp/internal/wechat"
)

func TestInvalidTokenAnswerRefreshesAndRetriesOnce(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	fake.FailNext(pathPhone, 40001, 1)
	p, err := cl.PhoneNumber(context.Background(), "dev-phone:13700000000")
	if err != nil || p != "13700000000" {
		t.Fatalf("phone = %q, err = %v", p, err)
	}
	if n := fake.TokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2", n)
	}
	if n := fake.Calls(pathPhone); n != 2 {
		t.Fatalf("phone calls = %d, want 2", n)
	}
}

func TestInvalidTokenTwiceGivesUp(t *testing.T) {
	for _, code := range []int{40001, 40014, 42001} {
		setup(t)
		cl := newClient(t, cache.NewMemory(0), time.Second)
		fake.FailNext(pathPhone, code, 2)
		_, err := cl.PhoneNumber(context.Background(), "dev-phone:13700000000")
		wantCode(t, err, "wechat_unavailable")
		if n := fake.Calls(pathPhone); n != 2 {
			t.Fatalf("errcode %d: phone calls = %d, want 2 (one retry)", code, n)
		}
	}
}

func TestRevokedTokenIsReplaced(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()
	first, err := cl.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fake.RevokeTokens()
	if _, err := cl.PhoneNumber(ctx, "dev-phone:13700000000"); err != nil {
		t.Fatal(err)
	}
	second, err := cl.AccessToken(ctx)
	if err != nil || second == first {
		t.Fatalf("token after revocation = %q (was %q), err = %v", second, first, err)
	}
	if n := fake.TokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2", n)
	}
}

func TestInvalidateTokenForcesAFetch(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()
	for range 3 {
		if _, err := cl.AccessToken(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.InvalidateToken(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.AccessToken(ctx); err != nil {
		t.Fatal(err)
	}
	if n := fake.TokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2", n)
	}
}

func TestTokenFailuresAreUnavailable(t *testing.T) {
	ctx := context.Background()
	t.Run("token quota exhausted", func(t *testing.T) {
		setup(t)
		fake.SetQuota(pathStable, 0)
		cl := newClient(t, cache.NewMemory(0), time.Second)
		_, err := cl.AccessToken(ctx)
		wantCode(t, err, "wechat_unavailable")
		if c, _ := wechat.ErrCode(err); c != 45009 {
			t.Fatalf("errcode = %d, want 45009", c)
		}
		_, err = cl.PhoneNumber(ctx, "dev-phone:13700000000")
		wantCode(t, err, "wechat_unavailable")
		if fake.Calls(pathPhone) != 0 {
			t.Fatal("phone API called without a token")
		}
	})
	t.Run("token endpoint too slow", func(t *testing.T) {
		setup(t)
		fake.SetLatency(pathStable, 3*time.Second)
		cl := newClient(t, cache.NewMemory(0), 100*time.Millisecond)
		start := time.Now()
		_, err := cl.AccessToken(ctx)
		wantCode(t, err, "wechat_unavailable")
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v", d)
		}
	})
	t.Run("a caller's cancellation does not wait for the fetch", func(t *testing.T) {
		setup(t)
		fake.SetLatency(pathStable, 500*time.Millisecond)
		cl := newClient(t, cache.NewMemory(0), time.Second)
		cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		_, err := cl.AccessToken(cctx)
		if !errors.Is(err, wechat.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		// The shared fetch goes on and serves the next caller.
		if _, err := cl.AccessToken(ctx); err != nil {
			t.Fatal(err)
		}
		if n := fake.TokenFetches(); n != 1 {
			t.Fatalf("token fetches = %d, want 1", n)
		}
	})
}

// brokenCache fails every call, like Redis when it is down.
type brokenCache struct{}

var _ cache.Cache = brokenCache{}

var errDown = errors.New("connection refused")

func (brokenCache) Get(context.Context, string) ([]byte, error) { return nil, errDown }
func (brokenCache) Set(context.Context, string, []byte, time.Duration) error {
	return errDown
}
func (brokenCache) SetNX(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, errDown
}
func (brokenCache) Delete(context.Context, ...string) error { return errDown }
func (brokenCache) Incr(context.Context, string, time.Duration) (int64, error) {
	return 0, errDown
}
func (brokenCache) Ping(context.Context) error { return errDown }
func (brokenCache) Name() string               { return "broken" }

func TestCacheDownKeepsTheTokenInProcess(t *testing.T) {
	for name, c := range map[string]cache.Cache{
		"failing cache": brokenCache{},
		"guarded cache": cache.NewGuard(brokenCache{}, discardLogger(), time.Minute),
	} {
		t.Run(name, func(t *testing.T) {
			setup(t)
			cl := newClient(t, c, time.Second)
			for range 5 {
				if _, err := cl.PhoneNumber(context.Background(), "dev-phone:13700000000"); err != nil {
					t.Fatal(err)
				}
			}
			if n := fake.TokenFetches(); n != 1 {
				t.Fatalf("token fetches = %d, want 1", n)
			}
		})
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
