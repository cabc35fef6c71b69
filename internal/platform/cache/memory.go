package cache

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"
)

// noExpiry stands for "never expires" in the in-process cache.
const noExpiry = 10 * 365 * 24 * time.Hour

type memEntry struct {
	data      []byte
	n         int64
	expiresAt time.Time
}

// Memory is the in-process cache of the embedded profile, bounded in size.
type Memory struct {
	c *otter.Cache[string, memEntry]
}

var _ Cache = (*Memory)(nil)

// NewMemory returns an in-process cache holding at most maxEntries entries
// (100,000 when maxEntries <= 0).
func NewMemory(maxEntries int) *Memory {
	if maxEntries <= 0 {
		maxEntries = 100_000
	}
	c := otter.Must(&otter.Options[string, memEntry]{
		MaximumSize: maxEntries,
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, memEntry]) time.Duration {
			if e.Value.expiresAt.IsZero() {
				return noExpiry
			}
			return max(time.Until(e.Value.expiresAt), time.Nanosecond)
		}),
	})
	return &Memory{c: c}
}

func deadline(ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return time.Now().Add(ttl)
}

func (e memEntry) live() bool { return e.expiresAt.IsZero() || time.Now().Before(e.expiresAt) }

// Get returns a copy of the value under key, or ErrMiss.
func (m *Memory) Get(_ context.Context, key string) ([]byte, error) {
	e, ok := m.c.GetIfPresent(key)
	if !ok || !e.live() || e.data == nil {
		return nil, ErrMiss
	}
	return append([]byte(nil), e.data...), nil
}

// Set stores a copy of value.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	m.c.Set(key, memEntry{data: append([]byte{}, value...), expiresAt: deadline(ttl)})
	return nil
}

// SetNX stores value when key is absent or expired.
func (m *Memory) SetNX(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	stored := false
	m.c.Compute(key, func(old memEntry, found bool) (memEntry, otter.ComputeOp) {
		if found && old.live() {
			return old, otter.CancelOp
		}
		stored = true
		return memEntry{data: append([]byte{}, value...), expiresAt: deadline(ttl)}, otter.WriteOp
	})
	return stored, nil
}

// Delete removes keys.
func (m *Memory) Delete(_ context.Context, keys ...string) error {
	for _, k := range keys {
		m.c.Invalidate(k)
	}
	return nil
}

// Incr increments a counter; ttl applies from its creation.
func (m *Memory) Incr(_ context.Context, key string, ttl time.Duration) (int64, error) {
	var n int64
	m.c.Compute(key, func(old memEntry, found bool) (memEntry, otter.ComputeOp) {
		if !found || !old.live() {
			old = memEntry{expiresAt: deadline(ttl)}
		}
		old.n++
		n = old.n
		return old, otter.WriteOp
	})
	return n, nil
}

// Ping always succeeds.
func (m *Memory) Ping(context.Context) error { return nil }

// Name returns "memory".
func (m *Memory) Name() string { return "memory" }
