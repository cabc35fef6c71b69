package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the shared cache of the production profile (go-redis v9). go-redis
// reconnects by itself after Redis comes back.
type Redis struct {
	rdb    *redis.Client
	prefix string
}

var _ Cache = (*Redis)(nil)

// RedisOptions tunes the client: short timeouts keep a dead Redis from
// slowing requests down.
type RedisOptions struct {
	DialTimeout, ReadTimeout, WriteTimeout time.Duration
	PoolSize                               int
	Prefix                                 string
}

// NewRedis parses url (redis://host:port/db) and returns a cache over it. It
// does not dial: an unreachable Redis is reported by Ping and by each call.
func NewRedis(url string, o RedisOptions) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cache: parse redis url: %w", err)
	}
	if o.DialTimeout > 0 {
		opt.DialTimeout = o.DialTimeout
	}
	if o.ReadTimeout > 0 {
		opt.ReadTimeout = o.ReadTimeout
	}
	if o.WriteTimeout > 0 {
		opt.WriteTimeout = o.WriteTimeout
	}
	if o.PoolSize > 0 {
		opt.PoolSize = o.PoolSize
	}
	opt.MaxRetries = 1
	// One dial attempt per try: go-redis's default of five attempts 100 ms
	// apart would hold a request for 0.4 s or more while Redis is down.
	opt.DialerRetries = 1
	quietOnce.Do(func() { redis.SetLogger(debugLogger{}) })
	return &Redis{rdb: redis.NewClient(opt), prefix: o.Prefix}, nil
}

// Client returns the underlying go-redis client (rate limits, pub/sub, locks).
func (r *Redis) Client() *redis.Client { return r.rdb }

// Close closes the connection pool.
func (r *Redis) Close() error { return r.rdb.Close() }

func (r *Redis) k(key string) string { return r.prefix + key }

// Get returns the value under key, or ErrMiss.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := r.rdb.Get(ctx, r.k(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrMiss
	}
	return b, err
}

// Set stores value for ttl.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return r.rdb.Set(ctx, r.k(key), value, max(ttl, 0)).Err()
}

// SetNX stores value if key is absent.
func (r *Redis) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	return r.rdb.SetNX(ctx, r.k(key), value, max(ttl, 0)).Result()
}

// Delete removes keys.
func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = r.k(k)
	}
	return r.rdb.Del(ctx, full...).Err()
}

// incrScript increments and sets the expiry only when the counter is created,
// in one round trip.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 and tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

// Incr increments a counter; ttl applies from its creation.
func (r *Redis) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	return incrScript.Run(ctx, r.rdb, []string{r.k(key)}, ttl.Milliseconds()).Int64()
}

// Ping checks the connection.
func (r *Redis) Ping(ctx context.Context) error { return r.rdb.Ping(ctx).Err() }

// Name returns "redis".
func (r *Redis) Name() string { return "redis" }

var quietOnce sync.Once

// debugLogger sends go-redis's own messages (one per failed dial while Redis
// is down) to slog at debug level: Guard already reports outages once.
type debugLogger struct{}

func (debugLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
