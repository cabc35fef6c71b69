package policy

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
)

// row is a policy's editable state.
type row struct {
	ID               int64        `db:"id"`
	Title            string       `db:"title"`
	DocNumber        string       `db:"doc_number"`
	Status           string       `db:"status"`
	Draft            string       `db:"draft"`
	DraftDirty       bool         `db:"draft_dirty"`
	Revision         int          `db:"revision"`
	PublishedVersion int          `db:"published_version"`
	WithdrawReason   string       `db:"withdraw_reason"`
	UpdatedAt        time.Time    `db:"updated_at"`
	PublishedAt      sql.NullTime `db:"published_at"`
	WithdrawnAt      sql.NullTime `db:"withdrawn_at"`
}

const rowColumns = `id, title, doc_number, status, draft, draft_dirty, revision, published_version, withdraw_reason,
	updated_at, published_at, withdrawn_at`

func getRow(ctx context.Context, q db.Queryer, id int64, forUpdate bool) (row, error) {
	stmt := `SELECT ` + rowColumns + ` FROM policies WHERE id = ?`
	if forUpdate {
		stmt += db.ForUpdate(q)
	}
	var r row
	if err := q.GetContext(ctx, &r, q.Rebind(stmt), id); err != nil {
		return r, db.MapError(err, ErrNotFound, nil)
	}
	return r, nil
}

func insertPolicy(ctx context.Context, tx *sqlx.Tx, c *Content, draft []byte, actor int64, now time.Time) (int64, error) {
	const stmt = `INSERT INTO policies (title, doc_number, status, draft, created_by, updated_by, created_at, updated_at)
		VALUES (?, ?, 'draft', ?, ?, ?, ?, ?) RETURNING id`
	var id int64
	err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), c.Title, c.DocNumber, string(draft), nullID(actor), nullID(actor), now, now).Scan(&id)
	if err != nil {
		return 0, db.MapErrorIn("policy.insertPolicy", err, nil, nil)
	}
	return id, nil
}

// updateDraft saves a draft; with expected > 0 only if the revision still
// matches. A withdrawn policy is never changed.
func updateDraft(ctx context.Context, tx *sqlx.Tx, id int64, c *Content, draft []byte, expected int, actor int64, now time.Time) (int, error) {
	const stmt = `UPDATE policies SET title = ?, doc_number = ?, draft = ?,
		draft_dirty = CASE WHEN draft = ? THEN draft_dirty ELSE TRUE END,
		revision = revision + 1, updated_by = ?, updated_at = ?
		WHERE id = ? AND status <> 'withdrawn' AND (? = 0 OR revision = ?) RETURNING revision`
	var rev int
	err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), c.Title, c.DocNumber, string(draft), string(draft), nullID(actor), now,
		id, expected, expected).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		r, gerr := getRow(ctx, tx, id, false)
		if gerr != nil {
			return 0, gerr
		}
		if r.Status == StatusWithdrawn {
			return 0, ErrWithdrawn
		}
		return 0, ErrStale
	}
	if err != nil {
		return 0, fmt.Errorf("policy: update draft %d: %w", id, err)
	}
	return rev, nil
}

// bumpVersion marks the policy published with the next version number and returns it.
func bumpVersion(ctx context.Context, tx *sqlx.Tx, id int64, now time.Time) (int, error) {
	const stmt = `UPDATE policies SET published_version = published_version + 1, status = 'published', draft_dirty = FALSE,
		published_at = COALESCE(published_at, ?), updated_at = ? WHERE id = ? RETURNING published_version`
	var v int
	if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), now, now, id).Scan(&v); err != nil {
		return 0, db.MapError(err, ErrNotFound, nil)
	}
	return v, nil
}

func insertVersion(ctx context.Context, tx *sqlx.Tx, p *Policy, changelog, cause string, actor int64) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	const stmt = `INSERT INTO policy_versions (policy_id, version, doc, changelog, push_cause, published_at, published_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.ExecContext(ctx, tx.Rebind(stmt), p.ID, p.Version, string(doc), changelog, cause, p.UpdatedAt, nullID(actor)); err != nil {
		return db.MapErrorIn("policy.insertVersion", err, nil, nil)
	}
	return nil
}

func recordChange(ctx context.Context, tx *sqlx.Tx, id int64, now time.Time) error {
	const stmt = `INSERT INTO policy_changes (policy_id, changed_at) VALUES (?, ?)`
	if _, err := tx.ExecContext(ctx, tx.Rebind(stmt), id, now); err != nil {
		return fmt.Errorf("policy: record change: %w", err)
	}
	return nil
}

func versionDoc(ctx context.Context, q db.Queryer, id int64, version int) (*Policy, error) {
	const stmt = `SELECT doc FROM policy_versions WHERE policy_id = ? AND version = ?`
	var doc string
	if err := q.GetContext(ctx, &doc, q.Rebind(stmt), id, version); err != nil {
		return nil, db.MapError(err, ErrVersionMissing, nil)
	}
	var p Policy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("policy: decode version %d of %d: %w", version, id, err)
	}
	return &p, nil
}

// released is a published or withdrawn policy with its current version.
type released struct {
	ID             int64        `db:"id"`
	Status         string       `db:"status"`
	WithdrawReason string       `db:"withdraw_reason"`
	WithdrawnAt    sql.NullTime `db:"withdrawn_at"`
	Doc            string       `db:"doc"`
}

// loadReleased reads the current versions of ids (all released policies when ids is nil).
func loadReleased(ctx context.Context, q db.Queryer, ids []int64) ([]*Policy, error) {
	stmt := `SELECT p.id, p.status, p.withdraw_reason, p.withdrawn_at, v.doc FROM policies p
		JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.published_version
		WHERE p.status IN ('published', 'withdrawn')`
	args := make([]any, len(ids))
	if ids != nil {
		stmt += ` AND p.id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
		for i, id := range ids {
			args[i] = id
		}
	}
	var rows []released
	if err := q.SelectContext(ctx, &rows, q.Rebind(stmt), args...); err != nil {
		return nil, fmt.Errorf("policy: load released: %w", err)
	}
	out := make([]*Policy, 0, len(rows))
	for _, r := range rows {
		var p Policy
		if err := json.Unmarshal([]byte(r.Doc), &p); err != nil {
			return nil, fmt.Errorf("policy: decode %d: %w", r.ID, err)
		}
		if r.Status == StatusWithdrawn {
			withdrawn(&p, r.WithdrawReason, r.WithdrawnAt.Time)
		}
		out = append(out, &p)
	}
	return out, nil
}

// withdrawn turns a published version into what residents see once it is
// withdrawn: the document's particulars and the reason, not its text.
func withdrawn(p *Policy, reason string, at time.Time) {
	at = at.UTC()
	p.Status, p.WithdrawReason, p.WithdrawnAt = StatusWithdrawn, reason, &at
	p.Body = ""
	p.Attachments, p.Interpretations, p.Guides = []Attachment{}, []Interpretation{}, []GuideRef{}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
