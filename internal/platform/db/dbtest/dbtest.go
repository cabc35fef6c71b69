// Package dbtest opens migrated test databases: a fresh SQLite file always and,
// when GOVAPP_TEST_POSTGRES_URL is set, a fresh PostgreSQL schema, so that every
// store runs one contract suite against both dialects.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"govapp/internal/platform/db"
	"govapp/internal/platform/jobs"
)

// PostgresURL returns the test server's URL, or "" when none is configured.
func PostgresURL() string { return os.Getenv("GOVAPP_TEST_POSTGRES_URL") }

// RedisURL returns the test Redis URL, or "" when none is configured.
func RedisURL() string { return os.Getenv("GOVAPP_TEST_REDIS_URL") }

// Dialects lists the dialects to test: SQLite, plus PostgreSQL when configured.
func Dialects() []db.Dialect {
	if PostgresURL() != "" {
		return []db.Dialect{db.SQLite, db.Postgres}
	}
	return []db.Dialect{db.SQLite}
}

// Each runs fn as a subtest per dialect with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dialect := range Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			fn(t, Open(t, dialect))
		})
	}
}

// Open returns a fresh database of the dialect with govapp's and River's
// migrations applied, dropped when the test ends.
func Open(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	d := OpenEmpty(t, dialect)
	ctx := context.Background()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := jobs.Migrate(ctx, d); err != nil {
		t.Fatalf("migrate river: %v", err)
	}
	return d
}

// OpenEmpty returns a fresh, unmigrated database of the dialect.
func OpenEmpty(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	if dialect == db.SQLite {
		d, err := db.OpenSQLite(filepath.Join(t.TempDir(), "test.db"), db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	u := SchemaURL(t)
	d, err := db.OpenPostgres(u, db.Options{MaxOpenConns: 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// SchemaURL creates a fresh PostgreSQL schema and returns a URL whose
// connections use it; the schema is dropped when the test ends.
func SchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip("GOVAPP_TEST_POSTGRES_URL not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
