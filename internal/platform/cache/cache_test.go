package cache_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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

// recorder is a slog.Handler that keeps every record, to count log lines.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}

func (r *recorder) count(level slog.Level) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.records {
		if rec.Level == level {
			n++
		}
	}
	return n
}

// deadRedis is a Redis cache whose server refuses connections.
func deadRedis(t *testing.T) *cache.Redis {
	t.Helper()
	r, err := cache.NewRedis("redis://127.0.0.1:1/0", cache.RedisOptions{
		DialTimeout: 100 * time.Millisecond, ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestGuardBypassesADeadBackend(t *testing.T) {
	ctx := context.Background()
	ops := []struct {
		name  string
		call  func(c cache.Cache) error
		check func(t *testing.T, err error)
	}{
		{"Get answers a miss, not an error", func(c cache.Cache) error {
			b, err := c.Get(ctx, "k")
			if b != nil {
				return fmt.Errorf("Get returned a value %q", b)
			}
			return err
		}, func(t *testing.T, err error) {
			if !errors.Is(err, cache.ErrMiss) {
				t.Fatalf("err = %v, want ErrMiss", err)
			}
		}},
		{"Set succeeds without effect", func(c cache.Cache) error {
			return c.Set(ctx, "k", []byte("v"), time.Minute)
		}, wantNil},
		{"Delete succeeds without effect", func(c cache.Cache) error {
			return c.Delete(ctx, "k", "l")
		}, wantNil},
		{"SetNX reports ErrBypassed", func(c cache.Cache) error {
			ok, err := c.SetNX(ctx, "k", []byte("v"), time.Minute)
			if ok {
				return errors.New("SetNX reported a stored value")
			}
			return err
		}, wantBypassed},
		{"Incr reports ErrBypassed", func(c cache.Cache) error {
			n, err := c.Incr(ctx, "k", time.Minute)
			if n != 0 {
				return fmt.Errorf("Incr returned %d", n)
			}
			return err
		}, wantBypassed},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			rec := &recorder{}
			g := cache.NewGuard(deadRedis(t), slog.New(rec), time.Minute)
			if g.Degraded() {
				t.Fatal("a new guard is degraded before any call")
			}
			// The first call reaches the backend and fails; the later ones
			// fall in the cool-down and skip it. Both answer the same way.
			for i := range 3 {
				err := op.call(g)
				t.Run(fmt.Sprintf("call %d", i+1), func(t *testing.T) { op.check(t, err) })
			}
			if !g.Degraded() {
				t.Fatal("Degraded = false after the backend failed")
			}
			if n := rec.count(slog.LevelWarn); n != 1 {
				t.Fatalf("logged %d warnings, want 1", n)
			}
			if g.Name() != "redis" {
				t.Fatalf("Name = %q", g.Name())
			}
		})
	}

	t.Run("Ping asks the backend and returns its error", func(t *testing.T) {
		g := cache.NewGuard(deadRedis(t), slog.New(slog.DiscardHandler), time.Minute)
		for range 2 {
			if err := g.Ping(ctx); err == nil {
				t.Fatal("Ping = nil with Redis refusing connections")
			}
		}
		if !g.Degraded() {
			t.Fatal("Degraded = false after a failed Ping")
		}
	})

	t.Run("failures are logged at most once per cool-down", func(t *testing.T) {
		rec := &recorder{}
		const cooldown = 300 * time.Millisecond
		g := cache.NewGuard(deadRedis(t), slog.New(rec), cooldown)
		// Ping is never skipped, so every call here really fails.
		for range 5 {
			_ = g.Ping(ctx)
		}
		if n := rec.count(slog.LevelWarn); n != 1 {
			t.Fatalf("within one cool-down: %d warnings, want 1", n)
		}
		time.Sleep(cooldown + 50*time.Millisecond)
		for range 5 {
			_ = g.Ping(ctx)
		}
		if n := rec.count(slog.LevelWarn); n != 2 {
			t.Fatalf("after a second cool-down began: %d warnings, want 2", n)
		}
	})
}

func wantNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("err = %v, want nil", err)
	}
}

func wantBypassed(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, cache.ErrBypassed) {
		t.Fatalf("err = %v, want ErrBypassed", err)
	}
}

// switchable is a test cache whose backend can be taken down and brought back;
// it counts the calls that reach it.
type switchable struct {
	inner cache.Cache
	mu    sync.Mutex
	down  bool
	calls int
}

var errDown = errors.New("backend down")

func (s *switchable) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *switchable) reached() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *switchable) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.down {
		return errDown
	}
	return nil
}

func (s *switchable) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	return s.inner.Get(ctx, key)
}

func (s *switchable) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := s.enter(); err != nil {
		return err
	}
	return s.inner.Set(ctx, key, value, ttl)
}

func (s *switchable) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := s.enter(); err != nil {
		return false, err
	}
	return s.inner.SetNX(ctx, key, value, ttl)
}

func (s *switchable) Delete(ctx context.Context, keys ...string) error {
	if err := s.enter(); err != nil {
		return err
	}
	return s.inner.Delete(ctx, keys...)
}

func (s *switchable) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	return s.inner.Incr(ctx, key, ttl)
}

func (s *switchable) Ping(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	return s.inner.Ping(ctx)
}

func (s *switchable) Name() string { return "switchable" }

func TestGuardRecoversAfterTheCooldown(t *testing.T) {
	ctx := context.Background()
	const cooldown = 200 * time.Millisecond
	backend := &switchable{inner: cache.NewMemory(0)}
	rec := &recorder{}
	g := cache.NewGuard(backend, slog.New(rec), cooldown)

	backend.setDown(true)
	if err := g.Set(ctx, "k", []byte("lost"), 0); err != nil {
		t.Fatalf("Set while down: %v", err)
	}
	if !g.Degraded() {
		t.Fatal("Degraded = false after a failed Set")
	}

	t.Run("during the cool-down the backend is not called", func(t *testing.T) {
		before := backend.reached()
		wantMiss(t, g, "k")
		_ = g.Set(ctx, "k", []byte("v"), 0)
		_ = g.Delete(ctx, "k")
		if _, err := g.Incr(ctx, "n", 0); !errors.Is(err, cache.ErrBypassed) {
			t.Fatalf("Incr = %v, want ErrBypassed", err)
		}
		if _, err := g.SetNX(ctx, "n", nil, 0); !errors.Is(err, cache.ErrBypassed) {
			t.Fatalf("SetNX = %v, want ErrBypassed", err)
		}
		if got := backend.reached(); got != before {
			t.Fatalf("backend reached %d times during the cool-down", got-before)
		}
	})

	backend.setDown(false)

	t.Run("a backend that is back stays bypassed until the cool-down ends", func(t *testing.T) {
		before := backend.reached()
		wantMiss(t, g, "k")
		if got := backend.reached(); got != before {
			t.Fatal("backend reached before the cool-down ended")
		}
		if !g.Degraded() {
			t.Fatal("Degraded = false before any probe succeeded")
		}
	})

	t.Run("after the cool-down the backend is reached again and the guard recovers", func(t *testing.T) {
		time.Sleep(cooldown + 50*time.Millisecond)
		before := backend.reached()
		if err := g.Set(ctx, "k", []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		if backend.reached() != before+1 {
			t.Fatal("Set after the cool-down did not reach the backend")
		}
		if g.Degraded() {
			t.Fatal("Degraded = true after a successful call")
		}
		if got := mustGet(t, g, "k"); !bytes.Equal(got, []byte("v")) {
			t.Fatalf("Get = %q, want v", got)
		}
		if n, err := g.Incr(ctx, "n", 0); err != nil || n != 1 {
			t.Fatalf("Incr = %d, %v; want 1", n, err)
		}
	})

	t.Run("the outage and the recovery are each logged once", func(t *testing.T) {
		if n := rec.count(slog.LevelWarn); n != 1 {
			t.Fatalf("%d warnings, want 1", n)
		}
		if n := rec.count(slog.LevelInfo); n != 1 {
			t.Fatalf("%d info records (recovered), want 1", n)
		}
	})

	t.Run("a failing Ping marks it degraded again", func(t *testing.T) {
		backend.setDown(true)
		if err := g.Ping(ctx); !errors.Is(err, errDown) {
			t.Fatalf("Ping = %v, want the backend's error", err)
		}
		if !g.Degraded() {
			t.Fatal("Degraded = false after a failed Ping")
		}
	})
}

func TestADeadRedisFailsFast(t *testing.T) {
	r := deadRedis(t)
	start := time.Now()
	if err := r.Ping(context.Background()); err == nil {
		t.Fatal("Ping = nil with Redis refusing connections")
	}
	// One refused dial per try (two tries) takes milliseconds; go-redis's
	// default of five dial attempts 100 ms apart per try would take 0.8 s.
	if took := time.Since(start); took > 300*time.Millisecond {
		t.Fatalf("Ping against a refusing Redis took %v", took)
	}
}
