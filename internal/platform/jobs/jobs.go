// Package jobs runs govapp's durable background jobs on River, stored in the
// application database: riverdatabasesql over lib/pq in production,
// riversqlite over modernc.org/sqlite on the embedded profile. Jobs are inserted
// in the same transaction as the change that causes them.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"govapp/internal/platform/db"
)

// Queue is the River client of one process.
type Queue struct {
	Client  *river.Client[*sql.Tx]
	pool    *sql.DB // the separate SQLite pool River works with; nil on PostgreSQL
	working bool
}

// Options configures the queue.
type Options struct {
	Workers      int
	PollInterval time.Duration
	// Work makes this process fetch and work jobs; otherwise it only inserts.
	Work     bool
	Logger   *slog.Logger
	Register func(w *river.Workers)
	Periodic []*river.PeriodicJob
	// RescueStuckAfter is how long a job may stay running before River takes
	// it to be orphaned by a dead process and runs it again (10 minutes when
	// zero). The default job timeout is at most half of it.
	RescueStuckAfter time.Duration
}

// DefaultRescueStuckAfter is Options.RescueStuckAfter when unset.
const DefaultRescueStuckAfter = 10 * time.Minute

func driverFor(d *db.DB) (riverdriver.Driver[*sql.Tx], *sql.DB, error) {
	if d.Dialect == db.Postgres {
		return riverdatabasesql.New(d.DB.DB), nil, nil
	}
	// River's SQLite driver wants a one-connection pool of its own; the
	// application's pool still inserts jobs inside its own transactions.
	pool, err := sql.Open("sqlite", d.DSN())
	if err != nil {
		return nil, nil, fmt.Errorf("jobs: open sqlite pool: %w", err)
	}
	pool.SetMaxOpenConns(1)
	return riversqlite.New(pool), pool, nil
}

// Migrate applies River's own migrations to the database.
func Migrate(ctx context.Context, d *db.DB) error {
	drv, pool, err := driverFor(d)
	if err != nil {
		return err
	}
	if pool != nil {
		defer pool.Close()
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: quiet(nil)})
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// New builds the queue. It does not start working until Start.
func New(d *db.DB, o Options) (*Queue, error) {
	drv, pool, err := driverFor(d)
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	if o.Register != nil {
		o.Register(workers)
	}
	rescue := o.RescueStuckAfter
	if rescue <= 0 {
		rescue = DefaultRescueStuckAfter
	}
	cfg := &river.Config{
		Logger:               quiet(o.Logger),
		Workers:              workers,
		PeriodicJobs:         o.Periodic,
		JobTimeout:           min(5*time.Minute, rescue/2),
		RescueStuckJobsAfter: rescue,
	}
	if o.Work {
		if o.Workers <= 0 {
			o.Workers = 10
		}
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}}
		if o.PollInterval > 0 {
			cfg.FetchPollInterval = max(o.PollInterval, river.FetchCooldownDefault)
		}
		cfg.PollOnly = true
	}
	client, err := river.NewClient(drv, cfg)
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, fmt.Errorf("jobs: client: %w", err)
	}
	return &Queue{Client: client, pool: pool, working: o.Work}, nil
}

// Working reports whether this queue works jobs (serve with jobs, or worker).
func (q *Queue) Working() bool { return q.working }

// Start starts working jobs when the queue was built to work.
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	if err := q.Client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop lets running jobs finish within ctx, then cancels the rest (River
// releases them for another process), and closes the SQLite pool.
func (q *Queue) Stop(ctx context.Context) error {
	var err error
	if q.working {
		if err = q.Client.Stop(ctx); err != nil {
			err = q.Client.StopAndCancel(context.WithoutCancel(ctx))
		}
	}
	if q.pool != nil {
		q.pool.Close()
	}
	return err
}

// InsertTx enqueues a job inside the caller's transaction.
func (q *Queue) InsertTx(ctx context.Context, tx *sqlx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := q.Client.InsertTx(ctx, tx.Tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return res, nil
}

// Insert enqueues a job on its own.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := q.Client.Insert(ctx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return res, nil
}

// quiet keeps River's chatter at warnings.
func quiet(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	return slog.New(levelFilter{l.Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(a), f.min}
}

func (f levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(n), f.min}
}
