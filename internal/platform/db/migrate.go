package db

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"govapp/migrations"
)

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations of a dialect in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := string(d)
	entries, err := fs.ReadDir(migrations.FS, dir)
	if err != nil {
		return nil, fmt.Errorf("db: read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("db: migration %s: name must start with a number and _", name)
		}
		b, err := fs.ReadFile(migrations.FS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("db: two migrations numbered %d", out[i].Version)
		}
	}
	return out, nil
}

// migrateLockID is the PostgreSQL advisory lock that serialises instances
// migrating at the same time.
const migrateLockID = 7_212_345

// Migrate applies every embedded migration not yet recorded in
// schema_migrations, each in its own transaction, and returns how many it applied.
func (d *DB) Migrate(ctx context.Context) (int, error) {
	ms, err := Migrations(d.Dialect)
	if err != nil {
		return 0, err
	}
	conn, err := d.Connx(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: migrate: %w", err)
	}
	defer conn.Close()
	if d.Dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockID); err != nil {
			return 0, fmt.Errorf("db: migrate lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockID) //nolint:errcheck
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return 0, fmt.Errorf("db: create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	var versions []int
	if err := sqlx.SelectContext(ctx, conn, &versions, `SELECT version FROM schema_migrations`); err != nil {
		return 0, fmt.Errorf("db: read schema_migrations: %w", err)
	}
	for _, v := range versions {
		applied[v] = true
	}
	n := 0
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := applyOne(ctx, conn, d, m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func applyOne(ctx context.Context, conn *sqlx.Conn, d *DB, m Migration) error {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: migration %s: begin: %w", m.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("db: migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version, name) VALUES (?, ?)`), m.Version, m.Name); err != nil {
		return fmt.Errorf("db: migration %s: record: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: migration %s: commit: %w", m.Name, err)
	}
	return nil
}

// Column is one column of one table, as the schema-parity test compares them.
type Column struct {
	Table  string `db:"table_name"`
	Column string `db:"column_name"`
}

// Columns lists the application's tables and columns (River's own tables excluded).
func (d *DB) Columns(ctx context.Context) ([]Column, error) {
	var q string
	if d.Dialect == Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
		     WHERE table_schema = current_schema() AND table_name NOT LIKE 'river%'
		     ORDER BY table_name, column_name`
	} else {
		q = `SELECT m.name AS table_name, p.name AS column_name
		     FROM sqlite_master m JOIN pragma_table_info(m.name) p
		     WHERE m.type = 'table' AND m.name NOT LIKE 'river%' AND m.name NOT LIKE 'sqlite_%'
		     ORDER BY m.name, p.name`
	}
	var cols []Column
	if err := d.SelectContext(ctx, &cols, q); err != nil {
		return nil, fmt.Errorf("db: list columns: %w", err)
	}
	return cols, nil
}
