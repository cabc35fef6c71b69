// Package ratelimit limits requests per key (an IP, an account) with a
// generic cell rate: golang.org/x/time/rate in process on the embedded profile,
// go-redis/redis_rate (shared by every instance) in production. A limiter whose
// backend fails lets requests through: rate limits protect, the database decides.
package ratelimit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/maypok86/otter/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Rule allows Limit events per Window, in bursts of up to Limit.
type Rule struct {
	Limit  int
	Window time.Duration
}

// Decision is the outcome of one check.
type Decision struct {
	Allowed    bool
	Remaining  int
	RetryAfter time.Duration
}

// Limiter checks one event against the rule for key.
type Limiter interface {
	Allow(ctx context.Context, key string, r Rule) Decision
}

// Memory is the in-process limiter.
type Memory struct {
	limiters *otter.Cache[string, *rate.Limiter]
}

// NewMemory returns an in-process limiter that forgets keys idle for an hour.
func NewMemory() *Memory {
	return &Memory{limiters: otter.Must(&otter.Options[string, *rate.Limiter]{
		MaximumSize:      200_000,
		ExpiryCalculator: otter.ExpiryAccessing[string, *rate.Limiter](time.Hour),
	})}
}

// Allow takes one token from key's bucket.
func (m *Memory) Allow(_ context.Context, key string, r Rule) Decision {
	if r.Limit <= 0 || r.Window <= 0 {
		return Decision{Allowed: true}
	}
	key = key + "|" + r.Window.String()
	l, _ := m.limiters.ComputeIfAbsent(key, func() (*rate.Limiter, bool) {
		return rate.NewLimiter(rate.Every(r.Window/time.Duration(r.Limit)), r.Limit), false
	})
	res := l.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return Decision{Allowed: false, RetryAfter: d}
	}
	return Decision{Allowed: true, Remaining: int(l.Tokens())}
}

// Redis is the limiter shared by all instances.
type Redis struct {
	l        *redis_rate.Limiter
	prefix   string
	log      *slog.Logger
	failedAt atomic.Int64
}

// NewRedis returns a limiter over rdb whose keys start with prefix (the
// deployment's keyspace, like every other key govapp keeps in Redis), so that
// deployments sharing one Redis never share buckets.
func NewRedis(rdb *redis.Client, prefix string, log *slog.Logger) *Redis {
	return &Redis{l: redis_rate.NewLimiter(rdb), prefix: prefix, log: log}
}

// Allow checks key in Redis; while Redis fails (and for a second after) it allows.
func (r *Redis) Allow(ctx context.Context, key string, rule Rule) Decision {
	if rule.Limit <= 0 || rule.Window <= 0 {
		return Decision{Allowed: true}
	}
	if f := r.failedAt.Load(); f != 0 && time.Since(time.Unix(0, f)) < time.Second {
		return Decision{Allowed: true}
	}
	res, err := r.l.Allow(ctx, r.prefix+key, redis_rate.Limit{Rate: rule.Limit, Burst: rule.Limit, Period: rule.Window})
	if err != nil {
		if r.failedAt.Swap(time.Now().UnixNano()) == 0 {
			r.log.Warn("rate limiter unavailable, allowing requests", "err", err)
		}
		return Decision{Allowed: true}
	}
	r.failedAt.Store(0)
	if res.Allowed == 0 {
		return Decision{Allowed: false, RetryAfter: res.RetryAfter}
	}
	return Decision{Allowed: true, Remaining: res.Remaining}
}

// Off allows everything (GOVAPP_RATE_LIMIT=off).
type Off struct{}

// Allow always allows.
func (Off) Allow(context.Context, string, Rule) Decision { return Decision{Allowed: true} }
