package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"govapp/internal/platform/errs"
)

// IsUniqueViolation reports whether err is a unique-constraint violation in
// either dialect.
func IsUniqueViolation(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key violation.
func IsForeignKeyViolation(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// IsUnavailable reports whether err means the database cannot be reached
// (connection refused or cut, server shutting down, pool timeout).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		c := string(pe.Code)
		// 08: connection exception; 57P0x: admin/crash shutdown, cannot connect
		// now; 57014: cancelled, here by statement_timeout (database.query_timeout).
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "57P") || c == "57014"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED
	}
	if errors.Is(err, io.EOF) {
		return true
	}
	return false
}

// MapError turns database errors into domain errors: no rows → notFound,
// a unique violation → conflict, a full disk → errs.ErrStorageFull, an
// unreachable database → ErrUnavailable. Other errors are returned unchanged.
func MapError(err error, notFound, conflict *errs.Error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		if notFound == nil {
			notFound = errs.ErrNotFound
		}
		return notFound.Wrap(err)
	case IsUniqueViolation(err):
		if conflict == nil {
			conflict = errs.ErrConflict
		}
		return conflict.Wrap(err)
	case IsStorageFull(err):
		return errs.ErrStorageFull.Wrap(err)
	case IsUnavailable(err):
		return errs.ErrUnavailable.Wrap(err)
	}
	return err
}

// MapErrorIn is MapError naming the operation that failed ("ticket.List"),
// so that the error a 500 logs says what failed: "ticket.List: pq: …". The
// mapped domain errors (not found, conflict, unavailable, storage full) keep
// their kind, and errors.Is and errors.As still reach the driver's error.
func MapErrorIn(op string, err error, notFound, conflict *errs.Error) error {
	if err == nil {
		return nil
	}
	return MapError(fmt.Errorf("%s: %w", op, err), notFound, conflict)
}

// IsStorageFull reports whether err means the disk is full: ENOSPC from a
// file write (or a quota's EDQUOT), SQLite's SQLITE_FULL, PostgreSQL's 53100
// disk_full.
func IsStorageFull(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "53100"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_FULL
	}
	return false
}
