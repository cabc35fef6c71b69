// Package housekeeping holds the periodic jobs that keep the database tidy.
package housekeeping

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// PurgeArgs is the periodic job that deletes expired sessions and idempotency keys.
type PurgeArgs struct{}

// Kind names the job in River.
func (PurgeArgs) Kind() string { return "purge_expired" }

// InsertOpts keeps one pending purge at a time, however many instances schedule it.
func (PurgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// Purger deletes expired rows of one kind and returns how many.
type Purger interface {
	PurgeExpired(ctx context.Context) (int64, error)
}

// PurgeWorker runs every purger.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	Purgers map[string]Purger
	Log     *slog.Logger
}

// Work purges each kind, even after one fails, so that one broken kind does
// not keep the others from being purged; the first error fails the job (River
// retries it).
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	var first error
	for name, p := range w.Purgers {
		n, err := p.PurgeExpired(ctx)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("housekeeping: purge %s: %w", name, err)
			}
			continue
		}
		if n > 0 {
			w.Log.InfoContext(ctx, "purged expired rows", "kind", name, "rows", n)
		}
	}
	return first
}

// Periodic returns the periodic job running the purge every interval (and at start).
func Periodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
