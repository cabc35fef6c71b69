package guide

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
)

// row is a guide's editable state.
type row struct {
	ID               int64        `db:"id"`
	Code             string       `db:"code"`
	Name             string       `db:"name"`
	Status           string       `db:"status"`
	Draft            string       `db:"draft"`
	DraftDirty       bool         `db:"draft_dirty"`
	Revision         int          `db:"revision"`
	PublishedVersion int          `db:"published_version"`
	UpdatedAt        time.Time    `db:"updated_at"`
	PublishedAt      sql.NullTime `db:"published_at"`
}

const rowColumns = `id, code, name, status, draft, draft_dirty, revision, published_version, updated_at, published_at`

func getRow(ctx context.Context, q db.Queryer, code string, forUpdate bool) (row, error) {
	stmt := `SELECT ` + rowColumns + ` FROM guides WHERE code = ?`
	if forUpdate {
		stmt += db.ForUpdate(q)
	}
	var r row
	if err := q.GetContext(ctx, &r, q.Rebind(stmt), code); err != nil {
		return r, db.MapError(err, ErrNotFound, nil)
	}
	return r, nil
}

func insertGuide(ctx context.Context, tx *sqlx.Tx, c *Content, draft []byte, actor int64, now time.Time) (int64, error) {
	const stmt = `INSERT INTO guides (code, name, status, draft, department_id, created_by, updated_by, created_at, updated_at)
		VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?) RETURNING id`
	var id int64
	err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), c.Code, c.Name, string(draft), nullID(c.DepartmentID), nullID(actor), nullID(actor), now, now).Scan(&id)
	if err != nil {
		return 0, db.MapError(err, nil, ErrCodeTaken)
	}
	return id, nil
}

// updateDraft saves a draft; with expected > 0 only if the revision still matches.
func updateDraft(ctx context.Context, tx *sqlx.Tx, c *Content, draft []byte, expected int, actor int64, now time.Time) (int, error) {
	// draft_dirty stays as it was when the draft did not change (a re-import of
	// the same file publishes nothing new).
	const stmt = `UPDATE guides SET name = ?, draft = ?, draft_dirty = CASE WHEN draft = ? THEN draft_dirty ELSE TRUE END,
		revision = revision + 1, department_id = ?, updated_by = ?, updated_at = ?
		WHERE code = ? AND (? = 0 OR revision = ?) RETURNING revision`
	var rev int
	err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), c.Name, string(draft), string(draft), nullID(c.DepartmentID), nullID(actor), now,
		c.Code, expected, expected).Scan(&rev)
	if err == sql.ErrNoRows {
		if _, gerr := getRow(ctx, tx, c.Code, false); gerr != nil {
			return 0, gerr
		}
		return 0, ErrStale
	}
	if err != nil {
		return 0, fmt.Errorf("guide: update draft %s: %w", c.Code, err)
	}
	return rev, nil
}

// bumpVersion marks the guide published with the next version number and returns it.
func bumpVersion(ctx context.Context, tx *sqlx.Tx, code string, now time.Time) (int, error) {
	const stmt = `UPDATE guides SET published_version = published_version + 1, status = 'published',
		draft_dirty = FALSE, published_at = ?, updated_at = ? WHERE code = ? RETURNING published_version`
	var v int
	if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), now, now, code).Scan(&v); err != nil {
		return 0, db.MapError(err, ErrNotFound, nil)
	}
	return v, nil
}

func insertVersion(ctx context.Context, tx *sqlx.Tx, guideID int64, g *Guide, actor int64) error {
	doc, err := json.Marshal(g)
	if err != nil {
		return err
	}
	const stmt = `INSERT INTO guide_versions (guide_id, version, doc, published_at, published_by) VALUES (?, ?, ?, ?, ?)`
	if _, err := tx.ExecContext(ctx, tx.Rebind(stmt), guideID, g.Version, string(doc), g.PublishedAt, nullID(actor)); err != nil {
		return db.MapErrorIn("guide.insertVersion", err, nil, nil)
	}
	return nil
}

func recordChange(ctx context.Context, tx *sqlx.Tx, code string, now time.Time) error {
	const stmt = `INSERT INTO guide_changes (code, changed_at) VALUES (?, ?)`
	if _, err := tx.ExecContext(ctx, tx.Rebind(stmt), code, now); err != nil {
		return fmt.Errorf("guide: record change: %w", err)
	}
	return nil
}

func versionDoc(ctx context.Context, q db.Queryer, code string, version int) ([]byte, error) {
	const stmt = `SELECT v.doc FROM guide_versions v JOIN guides g ON g.id = v.guide_id WHERE g.code = ? AND v.version = ?`
	var doc string
	if err := q.GetContext(ctx, &doc, q.Rebind(stmt), code, version); err != nil {
		return nil, db.MapError(err, ErrVersionMissing, nil)
	}
	return []byte(doc), nil
}

func departmentName(ctx context.Context, q db.Queryer, id int64) (string, error) {
	var name string
	if err := q.GetContext(ctx, &name, q.Rebind(`SELECT name FROM departments WHERE id = ?`), id); err != nil {
		return "", db.MapError(err, errUnknownDepartment, nil)
	}
	return name, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
