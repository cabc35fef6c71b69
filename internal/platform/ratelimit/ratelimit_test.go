package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/ratelimit"
)

// backend yields limiters that share one store, as app instances do: the
// in-process limiter is its own store, so it stands for a single instance.
type backend struct {
	name string
	// instances returns n limiters over the same state.
	instances func(t *testing.T, n int) []ratelimit.Limiter
}

func memoryInstances(_ *testing.T, n int) []ratelimit.Limiter {
	m := ratelimit.NewMemory()
	out := make([]ratelimit.Limiter, n)
	for i := range out {
		out[i] = m
	}
	return out
}

// redisInstances returns n limiters, each with its own client of the test
// Redis, as n app instances would have; it skips without Redis.
func redisInstances(t *testing.T, n int) []ratelimit.Limiter {
	t.Helper()
	out := make([]ratelimit.Limiter, n)
	for i := range out {
		out[i] = ratelimit.NewRedis(redisClient(t), "govapp:test:", slog.New(slog.DiscardHandler))
	}
	return out
}

// redisClient is a new client of the test Redis; it skips without Redis.
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	url := dbtest.RedisURL()
	if url == "" {
		t.Skip("GOVAPP_TEST_REDIS_URL not set")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func backends() []backend {
	return []backend{{"memory", memoryInstances}, {"redis", redisInstances}}
}

// uniqueKey returns a key no other test (or earlier run) uses.
func uniqueKey(t *testing.T, name string) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "test:" + hex.EncodeToString(b) + ":" + name
}

var fivePerMinute = ratelimit.Rule{Limit: 5, Window: time.Minute}

func TestLimiterContract(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			l := b.instances(t, 1)[0]

			t.Run("a rule of 5 per minute allows exactly 5 then refuses with a retry delay", func(t *testing.T) {
				key := uniqueKey(t, "ip:1.2.3.4")
				for i := 1; i <= 5; i++ {
					d := l.Allow(ctx, key, fivePerMinute)
					if !d.Allowed {
						t.Fatalf("event %d refused: %+v", i, d)
					}
					if d.Remaining != 5-i {
						t.Errorf("event %d: Remaining = %d, want %d", i, d.Remaining, 5-i)
					}
				}
				for i := 6; i <= 8; i++ {
					d := l.Allow(ctx, key, fivePerMinute)
					if d.Allowed {
						t.Fatalf("event %d allowed", i)
					}
					if d.RetryAfter <= 0 || d.RetryAfter > time.Minute {
						t.Fatalf("event %d: RetryAfter = %v, want within (0, 1m]", i, d.RetryAfter)
					}
				}
			})

			t.Run("a refused key is allowed again after RetryAfter", func(t *testing.T) {
				key := uniqueKey(t, "login:1.2.3.4")
				rule := ratelimit.Rule{Limit: 2, Window: 200 * time.Millisecond}
				l.Allow(ctx, key, rule)
				l.Allow(ctx, key, rule)
				d := l.Allow(ctx, key, rule)
				if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > rule.Window {
					t.Fatalf("third event: %+v, want refused with RetryAfter within (0, 200ms]", d)
				}
				time.Sleep(d.RetryAfter + 20*time.Millisecond)
				if d := l.Allow(ctx, key, rule); !d.Allowed {
					t.Fatalf("after waiting RetryAfter: %+v, want allowed", d)
				}
			})

			t.Run("keys are counted independently", func(t *testing.T) {
				a, other := uniqueKey(t, "account:1"), uniqueKey(t, "account:2")
				for range 5 {
					l.Allow(ctx, a, fivePerMinute)
				}
				if l.Allow(ctx, a, fivePerMinute).Allowed {
					t.Fatal("the exhausted key is still allowed")
				}
				for i := 1; i <= 5; i++ {
					if !l.Allow(ctx, other, fivePerMinute).Allowed {
						t.Fatalf("event %d of another key refused", i)
					}
				}
			})

			t.Run("a rule without a limit or window allows everything", func(t *testing.T) {
				key := uniqueKey(t, "unlimited")
				for _, r := range []ratelimit.Rule{{}, {Limit: 0, Window: time.Minute}, {Limit: 5}} {
					for range 20 {
						if !l.Allow(ctx, key, r).Allowed {
							t.Fatalf("rule %+v refused an event", r)
						}
					}
				}
			})
		})
	}
}

func TestConcurrentCallsAllowExactlyTheLimit(t *testing.T) {
	ctx := context.Background()
	rule := ratelimit.Rule{Limit: 10, Window: time.Minute}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			// Two instances share the budget (for Redis, two clients: two app
			// instances behind one load balancer).
			ls := b.instances(t, 2)
			key := uniqueKey(t, "ip:203.0.113.9")
			var allowed atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 100 {
				wg.Go(func() {
					<-start
					if ls[i%2].Allow(ctx, key, rule).Allowed {
						allowed.Add(1)
					}
				})
			}
			close(start)
			wg.Wait()
			if n := allowed.Load(); n != 10 {
				t.Fatalf("%d of 100 concurrent calls allowed, want exactly 10", n)
			}
		})
	}
}

// Two deployments sharing one Redis (each with its own keyspace) never share
// a bucket: one exhausting a key leaves the other's alone.
func TestRedisKeyspacesDoNotShareBuckets(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	rule := ratelimit.Rule{Limit: 2, Window: time.Minute}
	key := uniqueKey(t, "login:ip:203.0.113.7")
	a := ratelimit.NewRedis(rdb, "govapp:city_a:", slog.New(slog.DiscardHandler))
	b := ratelimit.NewRedis(rdb, "govapp:city_b:", slog.New(slog.DiscardHandler))
	for range 2 {
		a.Allow(ctx, key, rule)
	}
	if a.Allow(ctx, key, rule).Allowed {
		t.Fatal("deployment A: third event in the window allowed")
	}
	if !b.Allow(ctx, key, rule).Allowed {
		t.Fatal("deployment B refused by deployment A's bucket")
	}
	if n, err := rdb.Exists(ctx, "rate:govapp:city_a:"+key).Result(); err != nil || n != 1 {
		t.Fatalf("bucket key not under the keyspace: exists=%d err=%v", n, err)
	}
}

func TestOffAllowsEverything(t *testing.T) {
	var l ratelimit.Limiter = ratelimit.Off{}
	for i := range 1000 {
		if d := l.Allow(context.Background(), "k", ratelimit.Rule{Limit: 1, Window: time.Hour}); !d.Allowed {
			t.Fatalf("call %d refused", i+1)
		}
	}
}

// recorder counts the records logged at each level.
type recorder struct {
	mu     sync.Mutex
	counts map[slog.Level]int
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[rec.Level]++
	return nil
}

func (r *recorder) count(l slog.Level) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[l]
}

func TestRedisLimiterFailsOpen(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond,
		MaxRetries: -1, DialerRetries: 1})
	defer rdb.Close()
	rec := &recorder{counts: map[slog.Level]int{}}
	l := ratelimit.NewRedis(rdb, "govapp:test:", slog.New(rec))
	ctx := context.Background()
	rule := ratelimit.Rule{Limit: 1, Window: time.Hour}

	t.Run("a dead Redis allows every event", func(t *testing.T) {
		for i := range 20 {
			if d := l.Allow(ctx, "ip:1.2.3.4", rule); !d.Allowed {
				t.Fatalf("event %d refused with Redis down: %+v", i+1, d)
			}
		}
	})
	t.Run("the outage is logged once", func(t *testing.T) {
		if n := rec.count(slog.LevelWarn); n != 1 {
			t.Fatalf("%d warnings, want 1", n)
		}
	})
}
