package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
)

// sqliteFull returns a real SQLITE_FULL from modernc's driver: a database
// whose connection may grow to only a few pages, filled up.
func sqliteFull(t *testing.T) error {
	t.Helper()
	d := dbtest.OpenEmpty(t, db.SQLite)
	ctx := context.Background()
	conn, err := d.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := conn.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+2)); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if _, err = conn.ExecContext(ctx, `INSERT INTO filler (b) VALUES (zeroblob(8192))`); err != nil {
			return err
		}
	}
	t.Fatal("a database of a few pages took 800 KB")
	return nil
}

// TestStorageFull: a full disk, whichever layer says so (a file write's
// ENOSPC, SQLite's SQLITE_FULL, PostgreSQL's 53100 disk_full), is recognised
// and mapped to errs.ErrStorageFull (503 storage_full), not left an internal
// error (500).
func TestStorageFull(t *testing.T) {
	cases := map[string]error{
		"ENOSPC from a file write":    &os.PathError{Op: "write", Path: "/data/uploads/x.part", Err: syscall.ENOSPC},
		"ENOSPC wrapped":              fmt.Errorf("ticket: write upload: %w", syscall.ENOSPC),
		"PostgreSQL 53100 disk_full":  fmt.Errorf("insert: %w", &pq.Error{Code: "53100", Message: "could not extend file"}),
		"SQLITE_FULL from the driver": sqliteFull(t),
	}
	for name, err := range cases {
		t.Run(name, func(t *testing.T) {
			if err == nil {
				t.Fatal("no error to classify")
			}
			if !db.IsStorageFull(err) {
				t.Fatalf("IsStorageFull(%v) = false", err)
			}
			mapped := db.MapError(err, nil, nil)
			if !errors.Is(mapped, errs.ErrStorageFull) || errs.KindOf(mapped) != errs.KindUnavailable {
				t.Fatalf("MapError(%v) = %v, want storage_full", err, mapped)
			}
			if !errors.Is(mapped, err) {
				t.Fatalf("MapError lost the cause: %v", mapped)
			}
		})
	}
	if !strings.Contains(fmt.Sprint(cases["SQLITE_FULL from the driver"]), "full") {
		t.Fatalf("SQLite's error does not say full: %v", cases["SQLITE_FULL from the driver"])
	}

	t.Run("other errors are not storage_full", func(t *testing.T) {
		for _, err := range []error{
			syscall.EACCES, &pq.Error{Code: "53200"}, &pq.Error{Code: "23505"}, errors.New("disk full, says the message"), nil,
		} {
			if db.IsStorageFull(err) {
				t.Fatalf("IsStorageFull(%v) = true", err)
			}
		}
	})
}
