package housekeeping_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/housekeeping"
)

// The account service is one of the purgers the worker runs.
var _ housekeeping.Purger = (*account.Service)(nil)

// purger counts its calls and answers n rows or err.
type purger struct {
	calls atomic.Int32
	n     int64
	err   error
}

func (p *purger) PurgeExpired(context.Context) (int64, error) {
	p.calls.Add(1)
	return p.n, p.err
}

func newWorker(purgers map[string]housekeeping.Purger) *housekeeping.PurgeWorker {
	return &housekeeping.PurgeWorker{Purgers: purgers, Log: slog.New(slog.DiscardHandler)}
}

func TestPurgeWorker(t *testing.T) {
	ctx := context.Background()

	t.Run("every purger runs once", func(t *testing.T) {
		sessions, keys, none := &purger{n: 3}, &purger{n: 1}, &purger{}
		w := newWorker(map[string]housekeeping.Purger{"sessions": sessions, "idempotency_keys": keys, "none": none})
		if err := w.Work(ctx, nil); err != nil {
			t.Fatal(err)
		}
		for name, p := range map[string]*purger{"sessions": sessions, "idempotency_keys": keys, "none": none} {
			if c := p.calls.Load(); c != 1 {
				t.Fatalf("%s purged %d times, want 1", name, c)
			}
		}
	})

	t.Run("a failing purger fails the job and the others still run", func(t *testing.T) {
		boom := errors.New("relation does not exist")
		// Map order is random: repeat so that the failing purger comes first
		// in some runs.
		for range 20 {
			bad, good1, good2 := &purger{err: boom}, &purger{n: 2}, &purger{n: 5}
			w := newWorker(map[string]housekeeping.Purger{"sessions": good1, "idempotency_keys": bad, "uploads": good2})
			if err := w.Work(ctx, nil); !errors.Is(err, boom) {
				t.Fatalf("Work = %v, want the purger's error", err)
			}
			if bad.calls.Load() != 1 || good1.calls.Load() != 1 || good2.calls.Load() != 1 {
				t.Fatalf("calls: failing %d, others %d and %d; want 1 each", bad.calls.Load(), good1.calls.Load(), good2.calls.Load())
			}
		}
	})

	t.Run("the first error is returned", func(t *testing.T) {
		first, second := errors.New("first"), errors.New("second")
		for range 20 {
			a, b := &purger{err: first}, &purger{err: second}
			w := newWorker(map[string]housekeeping.Purger{"a": a, "b": b})
			err := w.Work(ctx, nil)
			if !errors.Is(err, first) && !errors.Is(err, second) {
				t.Fatalf("Work = %v, want one of the purgers' errors", err)
			}
			if errors.Is(err, first) && errors.Is(err, second) {
				t.Fatalf("Work = %v, want only the first error", err)
			}
		}
	})

	t.Run("no purgers is no work", func(t *testing.T) {
		if err := newWorker(nil).Work(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPurgeArgs(t *testing.T) {
	args := housekeeping.PurgeArgs{}
	if args.Kind() != "purge_expired" {
		t.Fatalf("Kind = %q", args.Kind())
	}
	opts := args.InsertOpts()
	if !opts.UniqueOpts.ByArgs || opts.UniqueOpts.ByPeriod <= 0 {
		t.Fatalf("InsertOpts = %+v, want one pending purge per period", opts)
	}
	if housekeeping.Periodic(time.Minute) == nil {
		t.Fatal("Periodic returned nil")
	}
}
