package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
)

// row is a stored ticket.
type row struct {
	ID                int64           `db:"id"`
	TrackingNo        string          `db:"tracking_no"`
	Channel           string          `db:"channel"`
	Kind              string          `db:"kind"`
	Priority          string          `db:"priority"`
	Category          string          `db:"category"`
	Title             string          `db:"title"`
	Content           string          `db:"content"`
	LocationText      string          `db:"location_text"`
	Lat               sql.NullFloat64 `db:"lat"`
	Lng               sql.NullFloat64 `db:"lng"`
	ContactPhoneEnc   []byte          `db:"contact_phone_enc"`
	CallerNameEnc     []byte          `db:"caller_name_enc"`
	Anonymous         bool            `db:"anonymous"`
	PublicConsent     bool            `db:"public_consent"`
	SubmitterID       sql.NullInt64   `db:"submitter_id"`
	Status            Status          `db:"status"`
	Held              bool            `db:"held"`
	DepartmentID      sql.NullInt64   `db:"department_id"`
	DeptPath          sql.NullString  `db:"dept_path"`
	Department        sql.NullString  `db:"department"`
	ParentID          sql.NullInt64   `db:"parent_id"`
	Reply             string          `db:"reply"`
	ReplyNote         string          `db:"reply_note"`
	Rating            sql.NullInt64   `db:"rating"`
	RatingComment     string          `db:"rating_comment"`
	Reopened          bool            `db:"reopened"`
	ExtensionDays     int             `db:"extension_days"`
	ExtensionReason   string          `db:"extension_reason"`
	ExtensionApproved bool            `db:"extension_approved"`
	AcceptDueAt       sql.NullTime    `db:"accept_due_at"`
	SignDueAt         sql.NullTime    `db:"sign_due_at"`
	ReplyDueAt        sql.NullTime    `db:"reply_due_at"`
	ClockStartedAt    sql.NullTime    `db:"clock_started_at"`
	PausedAt          sql.NullTime    `db:"paused_at"`
	OverdueAt         sql.NullTime    `db:"overdue_at"`
	RepliedAt         sql.NullTime    `db:"replied_at"`
	VisitingSince     sql.NullTime    `db:"visiting_since"`
	CreatedAt         time.Time       `db:"created_at"`
	UpdatedAt         time.Time       `db:"updated_at"`
}

const selectTicket = `SELECT t.id, t.tracking_no, t.channel, t.kind, t.priority, t.category, t.title, t.content, t.location_text,
	t.lat, t.lng, t.contact_phone_enc, t.caller_name_enc, t.anonymous, t.public_consent, t.submitter_id, t.status, t.held,
	t.department_id, d.path AS dept_path, d.name AS department, t.parent_id, t.reply, t.reply_note, t.rating, t.rating_comment,
	t.reopened, t.extension_days, t.extension_reason, t.extension_approved, t.accept_due_at, t.sign_due_at, t.reply_due_at,
	t.clock_started_at, t.paused_at, t.overdue_at, t.replied_at, t.visiting_since, t.created_at, t.updated_at
	FROM tickets t LEFT JOIN departments d ON d.id = t.department_id`

func getRow(ctx context.Context, q db.Queryer, trackingNo string, forUpdate bool) (*row, error) {
	stmt := selectTicket + ` WHERE t.tracking_no = ?`
	if forUpdate && q.DriverName() == "postgres" {
		stmt += ` FOR UPDATE OF t`
	}
	var r row
	if err := q.GetContext(ctx, &r, q.Rebind(stmt), trackingNo); err != nil {
		return nil, db.MapError(err, ErrNotFound, nil)
	}
	return &r, nil
}

func getRowByID(ctx context.Context, q db.Queryer, id int64) (*row, error) {
	var r row
	if err := q.GetContext(ctx, &r, q.Rebind(selectTicket+` WHERE t.id = ?`), id); err != nil {
		return nil, db.MapError(err, ErrNotFound, nil)
	}
	return &r, nil
}

// nextTrackingNo returns prefix + local date + the day's next sequence
// number, atomic under any concurrency (one upsert of the day's counter).
func nextTrackingNo(ctx context.Context, tx *sqlx.Tx, prefix string, local time.Time) (string, error) {
	day := local.Format("20060102")
	const stmt = `INSERT INTO ticket_sequences (prefix, day, last) VALUES (?, ?, 1)
		ON CONFLICT (prefix, day) DO UPDATE SET last = ticket_sequences.last + 1 RETURNING last`
	var n int
	if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), prefix, day).Scan(&n); err != nil {
		return "", fmt.Errorf("ticket: tracking number: %w", err)
	}
	return fmt.Sprintf("%s%s%07d", prefix, day, n), nil
}

func insertTimeline(ctx context.Context, tx *sqlx.Tx, ticketID int64, a Actor, action string, from, to Status, note string, internal bool, at time.Time) error {
	const stmt = `INSERT INTO ticket_timeline (ticket_id, action, from_status, to_status, note, internal, actor_kind, actor_id, actor_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	var actorID any
	if a.ID != 0 {
		actorID = a.ID
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(stmt), ticketID, action, string(from), string(to), note, internal, a.Kind, actorID, a.Name, at); err != nil {
		return fmt.Errorf("ticket: timeline: %w", err)
	}
	return nil
}

func timeline(ctx context.Context, q db.Queryer, ticketID int64) ([]Entry, error) {
	const stmt = `SELECT id, action, from_status, to_status, note, internal, actor_kind, actor_name, created_at
		FROM ticket_timeline WHERE ticket_id = ? ORDER BY id`
	var out []Entry
	if err := q.SelectContext(ctx, &out, q.Rebind(stmt), ticketID); err != nil {
		return nil, db.MapErrorIn("ticket.timeline", err, nil, nil)
	}
	for i := range out {
		out[i].Label = actionLabel(out[i].Action)
	}
	return out, nil
}

func coDepartments(ctx context.Context, q db.Queryer, ticketID int64) ([]int64, []string, error) {
	var rows []struct {
		ID   int64  `db:"department_id"`
		Path string `db:"path"`
	}
	err := q.SelectContext(ctx, &rows, q.Rebind(`SELECT c.department_id, d.path FROM ticket_codepartments c
		JOIN departments d ON d.id = c.department_id WHERE c.ticket_id = ? ORDER BY c.department_id`), ticketID)
	if err != nil {
		return nil, nil, db.MapErrorIn("ticket.coDepartments", err, nil, nil)
	}
	ids := make([]int64, len(rows))
	paths := make([]string, len(rows))
	for i, r := range rows {
		ids[i], paths[i] = r.ID, r.Path
	}
	return ids, paths, nil
}

func attachmentIDs(ctx context.Context, q db.Queryer, ticketID int64) ([]int64, error) {
	var ids []int64
	if err := q.SelectContext(ctx, &ids, q.Rebind(`SELECT id FROM uploads WHERE ticket_id = ? ORDER BY id`), ticketID); err != nil {
		return nil, db.MapErrorIn("ticket.attachmentIDs", err, nil, nil)
	}
	if ids == nil {
		ids = []int64{}
	}
	return ids, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}
