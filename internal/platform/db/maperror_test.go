package db_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
)

// MapErrorIn names the failed operation in the error (what a 500 logs) and
// keeps what MapError decides: the mapped kinds, and the driver's error
// for errors.Is and errors.As.
func TestMapErrorInNamesTheOperation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var n int
		err := db.MapErrorIn("ticket.List", d.GetContext(ctx, &n, `SELECT no_such_column FROM tickets`), nil, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "ticket.List: ") {
			t.Fatalf("a failed statement: %v, want it named ticket.List", err)
		}
		var e *errs.Error
		if errors.As(err, &e) {
			t.Fatalf("a failed statement became a domain error %v (it must stay a 500)", e)
		}
		err = db.MapErrorIn("ticket.Get", d.GetContext(ctx, &n, `SELECT id FROM tickets WHERE id = -1`), nil, nil)
		if !errors.Is(err, errs.ErrNotFound) || !errors.Is(err, sql.ErrNoRows) || !strings.Contains(err.Error(), "ticket.Get") {
			t.Fatalf("no rows: %v, want not found, still sql.ErrNoRows, named", err)
		}
		if db.MapErrorIn("ticket.Get", nil, nil, nil) != nil {
			t.Fatal("no error became one")
		}
	})
}
