// Package cache is govapp's one small cache interface with an in-process and a
// Redis implementation. The cache is an optimisation only: correctness lives in
// the database, and a failing cache is bypassed (see Guard).
package cache

import (
	"context"
	"errors"
	"time"
)

// ErrMiss is returned by Get when the key is absent.
var ErrMiss = errors.New("cache: miss")

// Cache stores short-lived bytes under string keys.
type Cache interface {
	// Get returns the value under key, or ErrMiss.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl (ttl <= 0 means no expiry).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// SetNX stores value only if key is absent and reports whether it did.
	SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Delete removes keys; absent keys are not an error.
	Delete(ctx context.Context, keys ...string) error
	// Incr adds one to the counter under key, setting ttl when it is created,
	// and returns the new value.
	Incr(ctx context.Context, key string, ttl time.Duration) (int64, error)
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	// Name is "memory" or "redis".
	Name() string
}
