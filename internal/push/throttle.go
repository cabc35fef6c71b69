package push

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// burstOf keeps bursts to a tenth of a second's worth, so the measured rate
// stays close to the cap over short windows.
func burstOf(perSecond int) int { return max(1, perSecond/10) }

// LocalThrottle caps the rate of one process (the embedded profile).
type LocalThrottle struct{ l *rate.Limiter }

// NewLocalThrottle allows perSecond sends per second.
func NewLocalThrottle(perSecond int) *LocalThrottle {
	return &LocalThrottle{l: rate.NewLimiter(rate.Limit(perSecond), burstOf(perSecond))}
}

// Wait blocks until a send is allowed or ctx ends.
func (t *LocalThrottle) Wait(ctx context.Context) error { return t.l.Wait(ctx) }

// RedisThrottle is a token bucket shared by every instance through Redis
// (GCRA from go-redis/redis_rate). While Redis fails it falls back to a local
// bucket at the same rate, so sending continues.
type RedisThrottle struct {
	l        *redis_rate.Limiter
	limit    redis_rate.Limit
	key      string
	local    *LocalThrottle
	log      *slog.Logger
	failedAt atomic.Int64
}

// NewRedisThrottle allows perSecond sends per second across all instances.
func NewRedisThrottle(rdb *redis.Client, key string, perSecond int, log *slog.Logger) *RedisThrottle {
	return &RedisThrottle{l: redis_rate.NewLimiter(rdb), key: key, log: log, local: NewLocalThrottle(perSecond),
		limit: redis_rate.Limit{Rate: perSecond, Burst: burstOf(perSecond), Period: time.Second}}
}

// Wait blocks until the shared bucket allows a send.
func (t *RedisThrottle) Wait(ctx context.Context) error {
	for {
		if f := t.failedAt.Load(); f != 0 && time.Since(time.Unix(0, f)) < time.Second {
			return t.local.Wait(ctx)
		}
		res, err := t.l.Allow(ctx, t.key, t.limit)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if t.failedAt.Swap(time.Now().UnixNano()) == 0 {
				t.log.Warn("push throttle: Redis unavailable, capping this instance locally", "err", err)
			}
			continue
		}
		t.failedAt.Store(0)
		if res.Allowed > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(res.RetryAfter):
		}
	}
}
