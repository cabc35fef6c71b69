package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// ErrBypassed is returned by Guard's SetNX and Incr while the backend is
// considered down; callers that use them for locks or limits decide how to
// degrade (govapp's callers fail open: the database remains the guard).
var ErrBypassed = errors.New("cache: backend unavailable, bypassed")

// Guard wraps a Cache so that a failing backend never fails a request: Get
// answers a miss, Set and Delete succeed without effect, and after a failure
// every call skips the backend for a cool-down before one call probes it again.
// Failures are logged at most once per cool-down.
type Guard struct {
	inner    Cache
	log      *slog.Logger
	cooldown time.Duration
	failedAt atomic.Int64 // unix nanos of the last failure, 0 when healthy
	loggedAt atomic.Int64
}

var _ Cache = (*Guard)(nil)

// NewGuard wraps inner. cooldown <= 0 means one second.
func NewGuard(inner Cache, log *slog.Logger, cooldown time.Duration) *Guard {
	if cooldown <= 0 {
		cooldown = time.Second
	}
	return &Guard{inner: inner, log: log, cooldown: cooldown}
}

// Inner returns the wrapped cache.
func (g *Guard) Inner() Cache { return g.inner }

// Degraded reports whether the last call to the backend failed.
func (g *Guard) Degraded() bool { return g.failedAt.Load() != 0 }

func (g *Guard) skip() bool {
	f := g.failedAt.Load()
	return f != 0 && time.Since(time.Unix(0, f)) < g.cooldown
}

func (g *Guard) observe(op string, err error) {
	if err == nil || errors.Is(err, ErrMiss) {
		if g.failedAt.Load() != 0 && g.failedAt.Swap(0) != 0 {
			g.log.Info("cache recovered", "backend", g.inner.Name())
		}
		return
	}
	now := time.Now().UnixNano()
	g.failedAt.Store(now)
	last := g.loggedAt.Load()
	if time.Duration(now-last) >= g.cooldown && g.loggedAt.CompareAndSwap(last, now) {
		g.log.Warn("cache unavailable, serving from the database", "backend", g.inner.Name(), "op", op, "err", err)
	}
}

// Get returns the value or ErrMiss; a failing backend is a miss.
func (g *Guard) Get(ctx context.Context, key string) ([]byte, error) {
	if g.skip() {
		return nil, ErrMiss
	}
	b, err := g.inner.Get(ctx, key)
	g.observe("get", err)
	if err != nil {
		return nil, ErrMiss
	}
	return b, nil
}

// Set stores value; a failing backend is ignored.
func (g *Guard) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if g.skip() {
		return nil
	}
	g.observe("set", g.inner.Set(ctx, key, value, ttl))
	return nil
}

// SetNX stores value if absent; ErrBypassed while the backend is down.
func (g *Guard) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if g.skip() {
		return false, ErrBypassed
	}
	ok, err := g.inner.SetNX(ctx, key, value, ttl)
	g.observe("setnx", err)
	if err != nil {
		return false, errors.Join(ErrBypassed, err)
	}
	return ok, nil
}

// Delete removes keys; a failing backend is ignored.
func (g *Guard) Delete(ctx context.Context, keys ...string) error {
	if g.skip() {
		return nil
	}
	g.observe("delete", g.inner.Delete(ctx, keys...))
	return nil
}

// Incr increments a counter; ErrBypassed while the backend is down.
func (g *Guard) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	if g.skip() {
		return 0, ErrBypassed
	}
	n, err := g.inner.Incr(ctx, key, ttl)
	g.observe("incr", err)
	if err != nil {
		return 0, errors.Join(ErrBypassed, err)
	}
	return n, nil
}

// Ping asks the backend directly (readiness reports the truth) and records the outcome.
func (g *Guard) Ping(ctx context.Context) error {
	err := g.inner.Ping(ctx)
	g.observe("ping", err)
	return err
}

// Name returns the backend's name.
func (g *Guard) Name() string { return g.inner.Name() }
