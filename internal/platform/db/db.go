// Package db opens govapp's database — SQLite (modernc.org/sqlite) on the
// embedded profile, PostgreSQL (lib/pq) in production — behind sqlx, applies the
// embedded migrations, runs transactions, and keeps the few dialect differences.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"    // PostgreSQL driver "postgres"
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
	// timed: the pool bounds every statement (Options.QueryTimeout).
	timed bool
}

// Options tunes the connection pool.
type Options struct {
	MaxOpenConns int
	MaxIdleConns int
	// QueryTimeout bounds one statement (PostgreSQL's statement_timeout,
	// unless the URL sets its own) and, with silentMargin added, how long
	// the server may stay silent in the middle of a query before the
	// connection is dropped (0: no bound).
	QueryTimeout time.Duration
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
	conn, err := pq.NewConnector(withStatementTimeout(dsn, o.QueryTimeout))
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	if o.QueryTimeout > 0 {
		conn.Dialer(deadlineDialer{d: net.Dialer{Timeout: o.QueryTimeout, KeepAlive: 30 * time.Second}, timeout: o.QueryTimeout + silentMargin})
	}
	sdb := sql.OpenDB(conn)
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 40
	}
	if o.MaxIdleConns <= 0 {
		o.MaxIdleConns = o.MaxOpenConns / 2
	}
	sdb.SetMaxOpenConns(o.MaxOpenConns)
	sdb.SetMaxIdleConns(o.MaxIdleConns)
	sdb.SetConnMaxLifetime(30 * time.Minute)
	return &DB{DB: sqlx.NewDb(sdb, "postgres"), Dialect: Postgres, dsn: dsn, timed: o.QueryTimeout > 0}, nil
}

// Untimed returns a small pool on the same database without the query
// timeout, for work that may rightly take longer than a request: migrations
// (an index built on a large table, waiting for another instance's
// migration lock). On SQLite, or when d has no timeout, it is d itself.
// Call done when finished.
func (d *DB) Untimed() (u *DB, done func(), err error) {
	if d.Dialect != Postgres || !d.timed {
		return d, func() {}, nil
	}
	dsn := d.dsn
	if pu, perr := url.Parse(dsn); perr == nil && pu.Scheme != "" {
		q := pu.Query()
		q.Set("statement_timeout", "0")
		pu.RawQuery = q.Encode()
		dsn = pu.String()
	}
	u, err = OpenPostgres(dsn, Options{MaxOpenConns: 2})
	if err != nil {
		return nil, nil, err
	}
	u.dsn = d.dsn
	return u, func() { _ = u.Close() }, nil
}

// withStatementTimeout adds statement_timeout to a PostgreSQL URL that does
// not set one (lib/pq sends unknown parameters as run-time parameters).
func withStatementTimeout(dsn string, d time.Duration) string {
	u, err := url.Parse(dsn)
	if d <= 0 || err != nil || u.Scheme == "" || u.Query().Has("statement_timeout") {
		return dsn
	}
	q := u.Query()
	q.Set("statement_timeout", strconv.FormatInt(d.Milliseconds(), 10))
	u.RawQuery = q.Encode()
	return u.String()
}

// silentMargin is added to the query timeout for the read deadline, so that
// a statement that runs too long is normally stopped cleanly by the server
// (57014, the connection kept) and the deadline only catches a silent one.
const silentMargin = 2 * time.Second

// deadlineDialer gives every read on a PostgreSQL connection a deadline: a
// server or network that goes silent in the middle of a query (a cable cut,
// a frozen host — cases where no reset ever arrives) fails that query after
// the timeout with a network error, answered 503, instead of holding the
// request and its connection forever. Reads happen only while a query
// waits for its answer, so idle pooled connections are not affected.
type deadlineDialer struct {
	d       net.Dialer
	timeout time.Duration
}

func (d deadlineDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

func (d deadlineDialer) DialTimeout(network, addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, addr)
}

func (d deadlineDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &deadlineConn{Conn: c, timeout: d.timeout}, nil
}

type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

// Keyspace names where the data lives — the database and the search_path
// of a PostgreSQL URL, "" on SQLite — followed by a colon: the same for every
// instance of a deployment, different for deployments (and test schemas)
// that share one server. Keys in a shared Redis start with it.
func (d *DB) Keyspace() string {
	if d.Dialect != Postgres {
		return ""
	}
	u, err := url.Parse(d.dsn)
	if err != nil || u.Scheme == "" {
		return ""
	}
	name := strings.TrimPrefix(u.Path, "/")
	if sp := u.Query().Get("search_path"); sp != "" {
		name += "/" + sp
	}
	if name == "" {
		return ""
	}
	return name + ":"
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

// PurgeBatch is how many rows one statement of a purge deletes.
const PurgeBatch = 5000

// DeleteInBatches deletes the rows of table that match where (written with
// ?), batch rows per statement, until none is left: a large backlog of
// expired rows never needs one statement longer than the query timeout, nor
// holds its locks for long. key names the table's primary-key columns.
func (d *DB) DeleteInBatches(ctx context.Context, table, key, where string, batch int, args ...any) (int64, error) {
	stmt := d.Rebind(fmt.Sprintf(`DELETE FROM %s WHERE (%s) IN (SELECT %s FROM %s WHERE %s LIMIT %d)`, table, key, key, table, where, batch))
	var total int64
	for {
		res, err := d.ExecContext(ctx, stmt, args...)
		if err != nil {
			return total, fmt.Errorf("db: purge %s: %w", table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < int64(batch) || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}
