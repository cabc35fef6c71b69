package cache_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"govapp/internal/platform/cache"
	"govapp/internal/platform/db/dbtest"
)

// backend opens one implementation of cache.Cache for the contract test.
type backend struct {
	name     string
	wantName string
	open     func(t *testing.T) cache.Cache
}

func openMemory(*testing.T) cache.Cache { return cache.NewMemory(0) }

// openRedis returns a cache over the test Redis with a random key prefix, so
// that packages testing in parallel never share keys; it skips without Redis.
func openRedis(t *testing.T) cache.Cache {
	t.Helper()
	url := dbtest.RedisURL()
	if url == "" {
		t.Skip("GOVAPP_TEST_REDIS_URL not set")
	}
	prefix := "test:" + randomHex(t) + ":"
	r, err := cache.NewRedis(url, cache.RedisOptions{Prefix: prefix, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := r.Client().Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			r.Client().Del(ctx, keys...)
		}
		r.Close()
	})
	return r
}

func guarded(open func(t *testing.T) cache.Cache) func(t *testing.T) cache.Cache {
	return func(t *testing.T) cache.Cache {
		return cache.NewGuard(open(t), slog.New(slog.DiscardHandler), time.Second)
	}
}

func backends() []backend {
	return []backend{
		{"memory", "memory", openMemory},
		{"redis", "redis", openRedis},
		{"guard(memory)", "memory", guarded(openMemory)},
		{"guard(redis)", "redis", guarded(openRedis)},
	}
}

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func mustGet(t *testing.T, c cache.Cache, key string) []byte {
	t.Helper()
	b, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return b
}

func wantMiss(t *testing.T, c cache.Cache, key string) {
	t.Helper()
	b, err := c.Get(context.Background(), key)
	if !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get(%q) = %q, %v; want ErrMiss", key, b, err)
	}
}

func mustSet(t *testing.T, c cache.Cache, key, value string, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), key, []byte(value), ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustIncr(t *testing.T, c cache.Cache, key string, ttl time.Duration) int64 {
	t.Helper()
	n, err := c.Incr(context.Background(), key, ttl)
	if err != nil {
		t.Fatalf("Incr(%q): %v", key, err)
	}
	return n
}

// TestCacheContract is the one contract every Cache honours: the in-process
// cache, Redis (when GOVAPP_TEST_REDIS_URL is set) and Guard around each.
func TestCacheContract(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			c := b.open(t)
			ctx := context.Background()

			t.Run("Get of an absent key is ErrMiss", func(t *testing.T) {
				wantMiss(t, c, "absent")
			})

			t.Run("Set then Get returns the value", func(t *testing.T) {
				mustSet(t, c, "round-trip", "值 value \x00 bytes", 0)
				if got := mustGet(t, c, "round-trip"); string(got) != "值 value \x00 bytes" {
					t.Fatalf("Get = %q", got)
				}
			})

			t.Run("Set overwrites the previous value", func(t *testing.T) {
				mustSet(t, c, "overwrite", "first", 0)
				mustSet(t, c, "overwrite", "second", 0)
				if got := mustGet(t, c, "overwrite"); string(got) != "second" {
					t.Fatalf("Get = %q, want second", got)
				}
			})

			t.Run("an empty value is a hit, not a miss", func(t *testing.T) {
				mustSet(t, c, "empty", "", 0)
				if got := mustGet(t, c, "empty"); len(got) != 0 {
					t.Fatalf("Get = %q, want empty", got)
				}
			})

			t.Run("stored and returned values do not alias the caller's slices", func(t *testing.T) {
				in := []byte("original")
				if err := c.Set(ctx, "alias", in, 0); err != nil {
					t.Fatal(err)
				}
				copy(in, "XXXXXXXX")
				out := mustGet(t, c, "alias")
				if string(out) != "original" {
					t.Fatalf("after changing the set slice, Get = %q", out)
				}
				copy(out, "YYYYYYYY")
				if again := mustGet(t, c, "alias"); string(again) != "original" {
					t.Fatalf("after changing a returned slice, Get = %q", again)
				}
			})

			t.Run("a value with a ttl expires and one without does not", func(t *testing.T) {
				mustSet(t, c, "short", "v", 100*time.Millisecond)
				mustSet(t, c, "forever", "v", 0)
				if got := mustGet(t, c, "short"); string(got) != "v" {
					t.Fatalf("before expiry Get = %q", got)
				}
				time.Sleep(200 * time.Millisecond)
				wantMiss(t, c, "short")
				if got := mustGet(t, c, "forever"); string(got) != "v" {
					t.Fatalf("no-ttl key: Get = %q", got)
				}
			})

			t.Run("SetNX stores only when the key is absent, again after expiry", func(t *testing.T) {
				ok, err := c.SetNX(ctx, "lock", []byte("a"), 150*time.Millisecond)
				if err != nil || !ok {
					t.Fatalf("first SetNX = %v, %v; want true", ok, err)
				}
				ok, err = c.SetNX(ctx, "lock", []byte("b"), 150*time.Millisecond)
				if err != nil || ok {
					t.Fatalf("second SetNX = %v, %v; want false", ok, err)
				}
				if got := mustGet(t, c, "lock"); string(got) != "a" {
					t.Fatalf("Get = %q, want the first value a", got)
				}
				time.Sleep(250 * time.Millisecond)
				ok, err = c.SetNX(ctx, "lock", []byte("c"), time.Minute)
				if err != nil || !ok {
					t.Fatalf("SetNX after expiry = %v, %v; want true", ok, err)
				}
				if got := mustGet(t, c, "lock"); string(got) != "c" {
					t.Fatalf("Get = %q, want c", got)
				}
			})

			t.Run("Delete removes several keys and ignores absent ones", func(t *testing.T) {
				mustSet(t, c, "del-a", "1", 0)
				mustSet(t, c, "del-b", "2", 0)
				mustSet(t, c, "del-keep", "3", 0)
				if err := c.Delete(ctx, "del-a", "del-b", "del-absent"); err != nil {
					t.Fatalf("Delete: %v", err)
				}
				wantMiss(t, c, "del-a")
				wantMiss(t, c, "del-b")
				if got := mustGet(t, c, "del-keep"); string(got) != "3" {
					t.Fatalf("untouched key: Get = %q", got)
				}
				if err := c.Delete(ctx, "del-absent"); err != nil {
					t.Fatalf("Delete of an absent key: %v", err)
				}
				if err := c.Delete(ctx); err != nil {
					t.Fatalf("Delete of no keys: %v", err)
				}
			})

			t.Run("Incr counts 1, 2, 3", func(t *testing.T) {
				for want := int64(1); want <= 3; want++ {
					if got := mustIncr(t, c, "count", time.Minute); got != want {
						t.Fatalf("Incr = %d, want %d", got, want)
					}
				}
			})

			t.Run("Incr sets the ttl when it creates the counter and never extends it", func(t *testing.T) {
				const ttl = 400 * time.Millisecond
				if n := mustIncr(t, c, "window", ttl); n != 1 {
					t.Fatalf("first Incr = %d", n)
				}
				time.Sleep(250 * time.Millisecond)
				if n := mustIncr(t, c, "window", ttl); n != 2 {
					t.Fatalf("Incr before expiry = %d, want 2", n)
				}
				// 500 ms after creation, 250 ms after the second Incr: a ttl
				// extended by the second Incr would still be running.
				time.Sleep(250 * time.Millisecond)
				if n := mustIncr(t, c, "window", ttl); n != 1 {
					t.Fatalf("Incr after the creation ttl = %d, want 1 (counter restarted)", n)
				}
			})

			t.Run("concurrent Incr counts every call exactly once", func(t *testing.T) {
				const workers = 50
				var wg sync.WaitGroup
				got := make([]int64, workers)
				errs := make([]error, workers)
				start := make(chan struct{})
				for i := range workers {
					wg.Go(func() {
						<-start
						got[i], errs[i] = c.Incr(ctx, "concurrent", time.Minute)
					})
				}
				close(start)
				wg.Wait()
				if err := errors.Join(errs...); err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				for i, n := range got {
					if n != int64(i+1) {
						t.Fatalf("returned values %v, want each of 1..%d once", got, workers)
					}
				}
				if n := mustIncr(t, c, "concurrent", time.Minute); n != workers+1 {
					t.Fatalf("next Incr = %d, want %d", n, workers+1)
				}
			})

			t.Run("Ping succeeds", func(t *testing.T) {
				if err := c.Ping(ctx); err != nil {
					t.Fatal(err)
				}
			})

			t.Run("Name names the backend", func(t *testing.T) {
				if got := c.Name(); got != b.wantName {
					t.Fatalf("Name = %q, want %q", got, b.wantName)
				}
			})

			if g, ok := c.(*cache.Guard); ok {
				t.Run("a guard over a healthy backend is not degraded", func(t *testing.T) {
					if g.Degraded() {
						t.Fatal("Degraded = true")
					}
				})
			}
		})
	}
}

func TestRedisKeysCarryThePrefix(t *testing.T) {
	url := dbtest.RedisURL()
	if url == "" {
		t.Skip("GOVAPP_TEST_REDIS_URL not set")
	}
	prefix := "test:" + randomHex(t) + ":"
	r, err := cache.NewRedis(url, cache.RedisOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	mustSet(t, r, "k", "v", time.Minute)
	defer r.Client().Del(ctx, prefix+"k")
	if got, err := r.Client().Get(ctx, prefix+"k").Result(); err != nil || got != "v" {
		t.Fatalf("raw GET %sk = %q, %v", prefix, got, err)
	}
	if n, err := r.Client().Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Fatalf("unprefixed key exists: %d, %v", n, err)
	}
}

func TestNewRedisRejectsABadURL(t *testing.T) {
	if _, err := cache.NewRedis("http://127.0.0.1:6379", cache.RedisOptions{}); err == nil {
		t.Fatal("NewRedis accepted a non-redis URL")
	}
}
