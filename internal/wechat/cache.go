package wechat

import (
	"context"
	"errors"
	"fmt"
	"time"

	wcache "github.com/silenceper/wechat/v2/cache"

	"govapp/internal/platform/cache"
)

// keyPrefix prefixes every key the WeChat integration stores in our cache.
const keyPrefix = "wechat:"

// tokenCache adapts govapp's cache.Cache to the silenceper cache interface the
// library wants for its own tickets and tokens. The library type-asserts values
// to string, so Get returns a string on a hit and an untyped nil on a miss (or
// when the cache fails: the library then fetches afresh).
type tokenCache struct {
	c cache.Cache
}

var (
	_ wcache.Cache        = tokenCache{}
	_ wcache.ContextCache = tokenCache{}
)

// Get returns the string under key, or nil.
func (t tokenCache) Get(key string) interface{} { return t.GetContext(context.Background(), key) }

// Set stores a string (or []byte) value for timeout.
func (t tokenCache) Set(key string, val interface{}, timeout time.Duration) error {
	return t.SetContext(context.Background(), key, val, timeout)
}

// IsExist reports whether key holds a value.
func (t tokenCache) IsExist(key string) bool { return t.IsExistContext(context.Background(), key) }

// Delete removes key.
func (t tokenCache) Delete(key string) error { return t.DeleteContext(context.Background(), key) }

// GetContext returns the string under key, or an untyped nil on a miss or error.
func (t tokenCache) GetContext(ctx context.Context, key string) interface{} {
	b, err := t.c.Get(ctx, keyPrefix+key)
	if err != nil {
		return nil
	}
	return string(b)
}

// SetContext stores a string (or []byte) value for timeout.
func (t tokenCache) SetContext(ctx context.Context, key string, val interface{}, timeout time.Duration) error {
	var b []byte
	switch v := val.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("wechat: cache %q: unsupported value type %T", key, val)
	}
	return t.c.Set(ctx, keyPrefix+key, b, timeout)
}

// IsExistContext reports whether key holds a value.
func (t tokenCache) IsExistContext(ctx context.Context, key string) bool {
	_, err := t.c.Get(ctx, keyPrefix+key)
	return err == nil
}

// DeleteContext removes key.
func (t tokenCache) DeleteContext(ctx context.Context, key string) error {
	if err := t.c.Delete(ctx, keyPrefix+key); err != nil && !errors.Is(err, cache.ErrMiss) {
		return err
	}
	return nil
}
