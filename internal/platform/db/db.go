// Package db opens govapp's database — SQLite (modernc.org/sqlite) on the
// embedded profile, PostgreSQL (lib/pq) in production — behind sqlx, applies the
// embedded migrations, runs transactions, and keeps the few dialect differences.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"  // PostgreSQL driver "postgres"
	_ "modernc.org/sqlite" // SQLite driver "sqlite"
)

// Dialect names the SQL dialect in use.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the application's database handle.
type DB struct {
	*sqlx.DB
	Dialect Dialect
	// dsn is kept to open the separate pool the job queue uses on SQLite.
	dsn string
}

// Options tunes the connection pool.
type Options struct {
	MaxOpenConns int
	MaxIdleConns int
}

// OpenSQLite opens (creating if needed) the SQLite file at path with WAL,
// a busy timeout, foreign keys and immediate write transactions.
func OpenSQLite(path string, o Options) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("db: create %s: %w", dir, err)
		}
	}
	dsn := SQLiteDSN(path)
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 8
	}
	sdb.SetMaxOpenConns(o.MaxOpenConns)
	sdb.SetMaxIdleConns(o.MaxOpenConns)
	sdb.SetConnMaxIdleTime(0)
	d := &DB{DB: sqlx.NewDb(sdb, "sqlite3"), Dialect: SQLite, dsn: dsn}
	if err := sdb.Ping(); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("db: ping sqlite %s: %w", path, err)
	}
	return d, nil
}

// SQLiteDSN returns the DSN govapp uses for a SQLite file.
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	// Times are stored as text: written in UTC they compare correctly as
	// strings whatever zone the caller's time.Time was in.
	q.Set("_timezone", "UTC")
	return "file:" + path + "?" + q.Encode()
}

// OpenPostgres opens a PostgreSQL pool. The server need not be up yet: Ping
// reports it, and the pool reconnects by itself.
func OpenPostgres(dsn string, o Options) (*DB, error) {
	sdb, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 40
	}
	if o.MaxIdleConns <= 0 {
		o.MaxIdleConns = o.MaxOpenConns / 2
	}
	sdb.SetMaxOpenConns(o.MaxOpenConns)
	sdb.SetMaxIdleConns(o.MaxIdleConns)
	sdb.SetConnMaxLifetime(30 * time.Minute)
	return &DB{DB: sqlx.NewDb(sdb, "postgres"), Dialect: Postgres, dsn: dsn}, nil
}

// DSN returns the data source name the handle was opened with (never log it:
// it may carry a password).
func (d *DB) DSN() string { return d.dsn }

// Tx runs fn in a transaction: it commits when fn returns nil and rolls back
// otherwise (and on panic, which it re-raises).
func (d *DB) Tx(ctx context.Context, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := d.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// Ping checks the database within ctx.
func (d *DB) Ping(ctx context.Context) error { return d.PingContext(ctx) }

// Queryer is what store helpers need: a *sqlx.DB or a *sqlx.Tx.
type Queryer interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

var (
	_ Queryer = (*sqlx.DB)(nil)
	_ Queryer = (*sqlx.Tx)(nil)
)

// ForUpdate returns the row-locking suffix for a SELECT in q's dialect: FOR
// UPDATE on PostgreSQL, nothing on SQLite (whose write transactions already
// hold the database lock from their start).
func ForUpdate(q Queryer) string {
	if q.DriverName() == "postgres" {
		return " FOR UPDATE"
	}
	return ""
}
