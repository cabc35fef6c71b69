package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
	"govapp/migrations"
)

// columnsByTable turns Columns' rows into table → sorted column names.
func columnsByTable(t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	cols, err := d.Columns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, c := range cols {
		out[c.Table] = append(out[c.Table], c.Column)
	}
	for _, cs := range out {
		slices.Sort(cs)
	}
	return out
}

// schemaDiff lists, one per line, the tables and columns only one side has.
func schemaDiff(aName string, a map[string][]string, bName string, b map[string][]string) []string {
	var diff []string
	only := func(name string, x, y map[string][]string) {
		for table, cols := range x {
			other, ok := y[table]
			if !ok {
				diff = append(diff, fmt.Sprintf("table %s only in %s", table, name))
				continue
			}
			for _, c := range cols {
				if !slices.Contains(other, c) {
					diff = append(diff, fmt.Sprintf("column %s.%s only in %s", table, c, name))
				}
			}
		}
	}
	only(aName, a, b)
	only(bName, b, a)
	slices.Sort(diff)
	return diff
}

func TestBothDialectsEndWithTheSameTablesAndColumns(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("GOVAPP_TEST_POSTGRES_URL not set")
	}
	lite := columnsByTable(t, dbtest.Open(t, db.SQLite))
	pg := columnsByTable(t, dbtest.Open(t, db.Postgres))
	if len(lite) == 0 || len(pg) == 0 {
		t.Fatalf("no tables listed: sqlite %d, postgres %d", len(lite), len(pg))
	}
	if diff := schemaDiff("sqlite", lite, "postgres", pg); len(diff) > 0 {
		t.Fatalf("schemas differ:\n  %s", strings.Join(diff, "\n  "))
	}
	for _, table := range []string{"schema_migrations", "departments", "residents", "staff", "sessions", "audit_log", "idempotency_keys"} {
		if _, ok := lite[table]; !ok {
			t.Errorf("table %s missing", table)
		}
	}
}

func TestColumnsLeavesOutRiverAndSQLiteTables(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for table := range columnsByTable(t, d) {
			if strings.HasPrefix(table, "river") || strings.HasPrefix(table, "sqlite_") {
				t.Errorf("Columns lists %s", table)
			}
		}
	})
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

func TestMigrationsAreNumberedAndMatchAcrossDialects(t *testing.T) {
	names := map[db.Dialect][]string{}
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			ms, err := db.Migrations(dialect)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 {
				t.Fatal("no migrations")
			}
			t.Run("every file in the directory is a migration named NNNN_name.sql", func(t *testing.T) {
				entries, err := fs.ReadDir(migrations.FS, string(dialect))
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					if !migrationName.MatchString(e.Name()) {
						t.Errorf("%s/%s is not named NNNN_name.sql", dialect, e.Name())
					}
				}
				if len(entries) != len(ms) {
					t.Errorf("%d files but %d migrations", len(entries), len(ms))
				}
			})
			t.Run("versions run 1, 2, 3 … in order without gaps or repeats", func(t *testing.T) {
				for i, m := range ms {
					if m.Version != i+1 {
						t.Fatalf("migration %d is %s (version %d), want version %d", i, m.Name, m.Version, i+1)
					}
					if want := fmt.Sprintf("%04d_", m.Version); !strings.HasPrefix(m.Name, want) {
						t.Errorf("%s: version %d does not match the name", m.Name, m.Version)
					}
					if strings.TrimSpace(m.SQL) == "" {
						t.Errorf("%s is empty", m.Name)
					}
				}
			})
			for _, m := range ms {
				names[dialect] = append(names[dialect], m.Name)
			}
		})
	}
	t.Run("both dialects have the same migration files", func(t *testing.T) {
		if !slices.Equal(names[db.SQLite], names[db.Postgres]) {
			t.Fatalf("sqlite: %v\npostgres: %v", names[db.SQLite], names[db.Postgres])
		}
	})
}

func TestMigrateAppliesEachMigrationOnce(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			ms, err := db.Migrations(dialect)
			if err != nil {
				t.Fatal(err)
			}
			d := dbtest.OpenEmpty(t, dialect)
			if n, err := d.Migrate(ctx); err != nil || n != len(ms) {
				t.Fatalf("first Migrate = %d, %v; want %d", n, err, len(ms))
			}
			if n, err := d.Migrate(ctx); err != nil || n != 0 {
				t.Fatalf("second Migrate = %d, %v; want 0", n, err)
			}
			var recorded []int
			if err := d.SelectContext(ctx, &recorded, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
				t.Fatal(err)
			}
			if len(recorded) != len(ms) {
				t.Fatalf("schema_migrations holds %v, want %d versions", recorded, len(ms))
			}
		})
	}
}

// insertDepartment adds a department through q (the handle or a transaction
// of d) and returns the error of the insert.
func insertDepartment(ctx context.Context, d *db.DB, q sqlx.ExecerContext, name string) error {
	_, err := q.ExecContext(ctx, d.Rebind(`INSERT INTO departments (name) VALUES (?)`), name)
	return err
}

func countDepartments(t *testing.T, d *db.DB, name string) int {
	t.Helper()
	var n int
	if err := d.Get(&n, d.Rebind(`SELECT COUNT(*) FROM departments WHERE name = ?`), name); err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	errDeptNotFound = errs.New(errs.KindNotFound, "department_not_found", "部门不存在")
	errDeptExists   = errs.New(errs.KindConflict, "department_exists", "部门名称已存在")
)

func TestErrorClassification(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := insertDepartment(ctx, d, d, "市公安局"); err != nil {
			t.Fatal(err)
		}
		duplicate := insertDepartment(ctx, d, d, "市公安局")
		if duplicate == nil {
			t.Fatal("a duplicate department name was accepted")
		}
		_, duplicateKey := d.ExecContext(ctx, d.Rebind(`INSERT INTO idempotency_keys (scope, idem_key, method, path, request_hash, expires_at)
			VALUES (?, ?, 'POST', '/x', 'h', ?), (?, ?, 'POST', '/x', 'h', ?)`), "s", "k", time.Now(), "s", "k", time.Now())
		if duplicateKey == nil {
			t.Fatal("a duplicate primary key was accepted")
		}
		_, foreignKey := d.ExecContext(ctx, d.Rebind(`INSERT INTO staff (username, password_hash, role, department_id) VALUES (?, ?, ?, ?)`),
			"zhangsan", "x", "clerk", 999_999)
		if foreignKey == nil {
			t.Fatal("staff with a missing department was accepted (foreign keys off?)")
		}
		_, check := d.ExecContext(ctx, d.Rebind(`INSERT INTO departments (name, kind) VALUES (?, ?)`), "市人社局", "no-such-kind")
		if check == nil {
			t.Fatal("a department kind outside the CHECK was accepted")
		}
		_, notNull := d.ExecContext(ctx, `INSERT INTO departments (name) VALUES (NULL)`)
		if notNull == nil {
			t.Fatal("a NULL department name was accepted")
		}
		_, syntax := d.ExecContext(ctx, `SELEKT 1`)
		if syntax == nil {
			t.Fatal("bad SQL was accepted")
		}
		var id int64
		noRows := d.GetContext(ctx, &id, d.Rebind(`SELECT id FROM departments WHERE name = ?`), "不存在的部门")
		if !errors.Is(noRows, sql.ErrNoRows) {
			t.Fatalf("missing row: %v, want sql.ErrNoRows", noRows)
		}

		cases := []struct {
			name                string
			err                 error
			unique, fk, unavail bool
		}{
			{"a duplicate unique column is a unique violation", duplicate, true, false, false},
			{"a duplicate primary key is a unique violation", duplicateKey, true, false, false},
			{"a wrapped unique violation is still one", fmt.Errorf("account: create: %w", duplicate), true, false, false},
			{"a missing referenced row is a foreign-key violation", foreignKey, false, true, false},
			{"a CHECK violation is neither", check, false, false, false},
			{"a NOT NULL violation is neither", notNull, false, false, false},
			{"a syntax error is neither", syntax, false, false, false},
			{"no rows is neither", noRows, false, false, false},
			{"an unrelated error is neither", errors.New("boom"), false, false, false},
			{"nil is neither", nil, false, false, false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := db.IsUniqueViolation(c.err); got != c.unique {
					t.Errorf("IsUniqueViolation(%v) = %v", c.err, got)
				}
				if got := db.IsForeignKeyViolation(c.err); got != c.fk {
					t.Errorf("IsForeignKeyViolation(%v) = %v", c.err, got)
				}
				if got := db.IsUnavailable(c.err); got != c.unavail {
					t.Errorf("IsUnavailable(%v) = %v", c.err, got)
				}
			})
		}

		t.Run("MapError turns no rows into the given not-found error", func(t *testing.T) {
			got := db.MapError(noRows, errDeptNotFound, errDeptExists)
			if !errors.Is(got, errDeptNotFound) || !errors.Is(got, sql.ErrNoRows) {
				t.Fatalf("MapError = %v, want department_not_found wrapping sql.ErrNoRows", got)
			}
			if errors.Is(got, errs.ErrNotFound) {
				t.Fatal("the generic not_found replaced the given error")
			}
		})
		t.Run("MapError turns a unique violation into the given conflict error", func(t *testing.T) {
			got := db.MapError(duplicate, errDeptNotFound, errDeptExists)
			if !errors.Is(got, errDeptExists) || errs.KindOf(got) != errs.KindConflict {
				t.Fatalf("MapError = %v, want department_exists", got)
			}
			if !db.IsUniqueViolation(got) {
				t.Fatal("the mapped error lost its cause")
			}
		})
		t.Run("MapError without domain errors uses the common ones", func(t *testing.T) {
			if got := db.MapError(noRows, nil, nil); !errors.Is(got, errs.ErrNotFound) {
				t.Fatalf("MapError(no rows) = %v, want errs.ErrNotFound", got)
			}
			if got := db.MapError(duplicate, nil, nil); !errors.Is(got, errs.ErrConflict) {
				t.Fatalf("MapError(duplicate) = %v, want errs.ErrConflict", got)
			}
		})
		t.Run("MapError returns other errors unchanged and nil as nil", func(t *testing.T) {
			if got := db.MapError(check, errDeptNotFound, errDeptExists); got != check {
				t.Fatalf("MapError(check) = %v, want the same error", got)
			}
			if got := db.MapError(nil, errDeptNotFound, errDeptExists); got != nil {
				t.Fatalf("MapError(nil) = %v", got)
			}
		})
	})
}

func TestTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()

		t.Run("commits when fn returns nil", func(t *testing.T) {
			err := d.Tx(ctx, func(tx *sqlx.Tx) error { return insertDepartment(ctx, d, tx, "提交") })
			if err != nil {
				t.Fatal(err)
			}
			if n := countDepartments(t, d, "提交"); n != 1 {
				t.Fatalf("%d rows after commit, want 1", n)
			}
		})

		t.Run("rolls back and returns fn's error", func(t *testing.T) {
			boom := errors.New("boom")
			err := d.Tx(ctx, func(tx *sqlx.Tx) error {
				if err := insertDepartment(ctx, d, tx, "回滚"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Tx = %v, want boom", err)
			}
			if n := countDepartments(t, d, "回滚"); n != 0 {
				t.Fatalf("%d rows after rollback, want 0", n)
			}
		})

		t.Run("rolls back and re-raises a panic", func(t *testing.T) {
			var recovered any
			func() {
				defer func() { recovered = recover() }()
				_ = d.Tx(ctx, func(tx *sqlx.Tx) error {
					if err := insertDepartment(ctx, d, tx, "恐慌"); err != nil {
						t.Error(err)
					}
					panic("kaboom")
				})
			}()
			if recovered != "kaboom" {
				t.Fatalf("recovered %v, want the original panic value", recovered)
			}
			if n := countDepartments(t, d, "恐慌"); n != 0 {
				t.Fatalf("%d rows after a panic, want 0", n)
			}
		})

		t.Run("the connection is usable after a rollback and a panic", func(t *testing.T) {
			// SQLite takes the write lock at BEGIN: a transaction left open
			// would make this one wait for the busy timeout and fail.
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := d.Tx(tctx, func(tx *sqlx.Tx) error { return insertDepartment(tctx, d, tx, "之后") }); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestSQLiteConnectionsEnforceForeignKeysAndUseWAL(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	// Hold several pooled connections at once so that each is checked.
	var conns []*sqlx.Conn
	for range 4 {
		c, err := d.Connx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var fk int
		var mode string
		if err := c.GetContext(ctx, &fk, `PRAGMA foreign_keys`); err != nil {
			t.Fatal(err)
		}
		if err := c.GetContext(ctx, &mode, `PRAGMA journal_mode`); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || mode != "wal" {
			t.Errorf("connection %d: foreign_keys=%d journal_mode=%s, want 1 and wal", i, fk, mode)
		}
		c.Close()
	}
}

func TestIsUnavailable(t *testing.T) {
	t.Run("a PostgreSQL server that refuses connections is unavailable", func(t *testing.T) {
		d, err := db.OpenPostgres("postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=1", db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = d.Ping(ctx)
		if err == nil {
			t.Fatal("Ping = nil for a closed port")
		}
		if !db.IsUnavailable(err) {
			t.Fatalf("IsUnavailable(%v) = false", err)
		}
		if got := db.MapError(err, errDeptNotFound, errDeptExists); !errors.Is(got, errs.ErrUnavailable) {
			t.Fatalf("MapError = %v, want errs.ErrUnavailable", got)
		}
		_, qerr := d.ExecContext(ctx, `SELECT 1`)
		if !db.IsUnavailable(qerr) {
			t.Fatalf("a query: IsUnavailable(%v) = false", qerr)
		}
	})
	t.Run("a query that ran out of time is unavailable", func(t *testing.T) {
		if !db.IsUnavailable(fmt.Errorf("store: %w", context.DeadlineExceeded)) {
			t.Fatal("IsUnavailable(deadline exceeded) = false")
		}
	})
	t.Run("sql.ErrNoRows is not unavailable", func(t *testing.T) {
		if db.IsUnavailable(sql.ErrNoRows) {
			t.Fatal("IsUnavailable(sql.ErrNoRows) = true")
		}
	})
	// A real unique violation on each dialect is covered by TestErrorClassification.
}

// TestPostgresQueryTimeout: database.query_timeout becomes the server's
// statement_timeout, unless the URL sets its own.
func TestPostgresQueryTimeout(t *testing.T) {
	u := dbtest.PostgresURL()
	if u == "" {
		t.Skip("GOVAPP_TEST_POSTGRES_URL is not set")
	}
	for _, tc := range []struct{ url, want string }{
		{u, "1500ms"},
		{u + "&statement_timeout=2500", "2500ms"},
	} {
		d, err := db.OpenPostgres(tc.url, db.Options{QueryTimeout: 1500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = d.Get(&got, `SHOW statement_timeout`)
		d.Close()
		if err != nil || got != tc.want {
			t.Fatalf("statement_timeout = %q, %v; want %s", got, err, tc.want)
		}
	}
}

// TestKeyspace: instances of one deployment share a keyspace; deployments in
// other databases or schemas of one server do not.
func TestKeyspace(t *testing.T) {
	ks := func(u string) string {
		d, err := db.OpenPostgres(u, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		return d.Keyspace()
	}
	a := ks("postgres://u@h:5432/city?sslmode=disable&search_path=s1")
	if a != "city/s1:" || a != ks("postgres://other@h2:5432/city?search_path=s1") {
		t.Fatalf("keyspace %q: want city/s1: for every instance of the deployment", a)
	}
	for _, u := range []string{"postgres://u@h/city?search_path=s2", "postgres://u@h/town?search_path=s1", "postgres://u@h/city"} {
		if ks(u) == a {
			t.Fatalf("%s shares the keyspace %q", u, a)
		}
	}
	if d, err := db.OpenSQLite(t.TempDir()+"/x.db", db.Options{}); err != nil || d.Keyspace() != "" {
		t.Fatalf("SQLite keyspace: %v", err)
	} else {
		d.Close()
	}
}

// TestUntimed: migrations run on a pool without the query timeout, on the
// same database.
func TestUntimed(t *testing.T) {
	u := dbtest.PostgresURL()
	if u == "" {
		t.Skip("GOVAPP_TEST_POSTGRES_URL is not set")
	}
	d, err := db.OpenPostgres(u, db.Options{QueryTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Exec(`SELECT pg_sleep(1)`); err == nil {
		t.Fatal("a 1 s statement passed a 300 ms query timeout")
	}
	un, done, err := d.Untimed()
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if _, err := un.Exec(`SELECT pg_sleep(1)`); err != nil {
		t.Fatalf("the untimed pool: %v", err)
	}
	if un.Keyspace() != d.Keyspace() {
		t.Fatalf("untimed keyspace %q, want %q", un.Keyspace(), d.Keyspace())
	}
}

// TestDeleteInBatches deletes exactly the matching rows, a few per
// statement, on both databases (one and two key columns).
func TestDeleteInBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(`CREATE TABLE purge_t (a INTEGER NOT NULL, b TEXT NOT NULL, old INTEGER NOT NULL, PRIMARY KEY (a, b))`); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 30; i++ {
			if _, err := d.Exec(d.Rebind(`INSERT INTO purge_t (a, b, old) VALUES (?, ?, ?)`), i, fmt.Sprint("k", i%3), i%2); err != nil {
				t.Fatal(err)
			}
		}
		n, err := d.DeleteInBatches(ctx, "purge_t", "a, b", "old = ?", 4, 1)
		if err != nil || n != 15 {
			t.Fatalf("deleted %d, %v; want 15", n, err)
		}
		var left, oldLeft int
		_ = d.Get(&left, `SELECT COUNT(*) FROM purge_t`)
		_ = d.Get(&oldLeft, `SELECT COUNT(*) FROM purge_t WHERE old = 1`)
		if left != 15 || oldLeft != 0 {
			t.Fatalf("left %d rows, %d matching; want 15 and 0", left, oldLeft)
		}
	})
}
