package cache_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"govapp/internal/platform/cache"
)

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
