package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/jobs"
)

type pingArgs struct{ N int }

func (pingArgs) Kind() string { return "test_ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	done chan int
}

func (w *pingWorker) Work(_ context.Context, j *river.Job[pingArgs]) error {
	w.done <- j.Args.N
	return nil
}

func countJobs(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Get(&n, `SELECT COUNT(*) FROM river_job WHERE kind = 'test_ping'`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestJobsCommitWithTheirTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := &pingWorker{done: make(chan int, 4)}
		q, err := jobs.New(d, jobs.Options{Work: true, Workers: 2, PollInterval: 100 * time.Millisecond,
			Logger: slog.New(slog.DiscardHandler), Register: func(ws *river.Workers) { river.AddWorker(ws, w) }})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("rolled back transaction leaves no job", func(t *testing.T) {
			boom := errors.New("boom")
			err := d.Tx(ctx, func(tx *sqlx.Tx) error {
				if _, err := q.InsertTx(ctx, tx, pingArgs{N: 1}, nil); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Tx = %v, want boom", err)
			}
			if n := countJobs(t, d); n != 0 {
				t.Fatalf("jobs after rollback = %d, want 0", n)
			}
		})

		t.Run("committed job is worked", func(t *testing.T) {
			if err := d.Tx(ctx, func(tx *sqlx.Tx) error {
				_, err := q.InsertTx(ctx, tx, pingArgs{N: 2}, nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer func() {
				sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				if err := q.Stop(sctx); err != nil {
					t.Errorf("stop: %v", err)
				}
			}()
			select {
			case n := <-w.done:
				if n != 2 {
					t.Fatalf("worked job %d, want 2", n)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("job not worked within 15s")
			}
		})
	})
}

func TestMigrateTwiceIsANoop(t *testing.T) {
	var calls atomic.Int32
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		calls.Add(1)
		if err := jobs.Migrate(context.Background(), d); err != nil {
			t.Fatalf("second river migrate: %v", err)
		}
		n, err := d.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d (err %v), want 0", n, err)
		}
	})
	if calls.Load() == 0 {
		t.Fatal("no dialect ran")
	}
}
