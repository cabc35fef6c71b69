package ticket

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/audit"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/redact"
)

// ErrNotAnswered is returned when publishing a ticket without a reviewed reply.
var ErrNotAnswered = errs.New(errs.KindConflict, "ticket_not_answered", "工单尚未答复，不能公开")

// Field is one published text: the original, the redacted copy, and the diff
// the operator reviews.
type Field struct {
	Original string            `json:"original"`
	Redacted string            `json:"redacted"` // as it would be published: without invisible characters
	Diff     []redact.DiffPart `json:"diff"`     // each part's shown makes its invisible characters visible
	Removed  map[string]int    `json:"removed"`  // spans removed per kind
	// Invisible counts the invisible characters of the original by code
	// point ("U+200B": 2); publication removes them.
	Invisible map[string]int `json:"invisible"`
}

// Preview is the redacted copy proposed for publication.
type Preview struct {
	TrackingNo string `json:"tracking_no"`
	Title      Field  `json:"title"`
	Content    Field  `json:"content"`
	Reply      Field  `json:"reply"`
	Location   Field  `json:"location"`
	// HasInvisible tells the operator that a text holds characters that
	// take no room on screen (zero-width spaces, soft hyphens…): the diff
	// shows them as ⟨U+200B⟩.
	HasInvisible bool `json:"has_invisible"`
}

// Publication is the copy anyone may read.
type Publication struct {
	TrackingNo   string     `db:"tracking_no" json:"tracking_no"`
	Kind         string     `db:"kind" json:"kind"`
	Category     string     `db:"category" json:"category"`
	DepartmentID *int64     `db:"department_id" json:"department_id"`
	Department   *string    `db:"department" json:"department"`
	Title        string     `db:"title" json:"title"`
	Content      string     `db:"content" json:"content"`
	Reply        string     `db:"reply" json:"reply"`
	SubmittedAt  time.Time  `db:"submitted_at" json:"submitted_at"`
	RepliedAt    *time.Time `db:"replied_at" json:"replied_at"`
	PublishedAt  time.Time  `db:"published_at" json:"published_at"`
	ID           int64      `db:"ticket_id" json:"-"`
}

// Edits are the operator's corrections of the redacted copy.
type Edits struct {
	Title   *string `json:"title"`
	Content *string `json:"content"`
	Reply   *string `json:"reply"`
}

func (s *Service) publishable(ctx context.Context, q db.Queryer, a Actor, no string) (*row, redact.Options, error) {
	if !a.isOperator() {
		return nil, redact.Options{}, ErrNotYours
	}
	r, _, _, err := s.load(ctx, q, a, no, false)
	if err != nil {
		return nil, redact.Options{}, err
	}
	if !r.PublicConsent {
		return nil, redact.Options{}, ErrNoConsent
	}
	if (r.Status != Visiting && r.Status != Closed) || r.Reply == "" {
		return nil, redact.Options{}, ErrNotAnswered
	}
	opts := redact.Options{}
	if name, err := s.box.Decrypt(r.CallerNameEnc); err == nil && name != "" {
		opts.KnownNames = append(opts.KnownNames, name)
	}
	if r.SubmitterID.Valid {
		var who struct {
			OpenID   string `db:"openid"`
			Nickname string `db:"nickname"`
		}
		if err := q.GetContext(ctx, &who, q.Rebind(`SELECT openid, nickname FROM residents WHERE id = ?`), r.SubmitterID.Int64); err == nil {
			opts.SubmitterIdentity = append(opts.SubmitterIdentity, who.OpenID, who.Nickname)
		}
	}
	return r, opts, nil
}

// learnNames adds to opts the personal names found in any of texts (a name
// given after 我叫 in the content must also go from the reply).
func learnNames(opts redact.Options, texts ...string) redact.Options {
	for _, t := range texts {
		for _, sp := range redact.Redact(t, opts).Spans {
			if sp.Kind == redact.KindName && len([]rune(sp.Original)) >= 2 {
				opts.KnownNames = append(opts.KnownNames, sp.Original)
			}
		}
	}
	return opts
}

func field(text string, opts redact.Options) Field {
	res := redact.Redact(text, opts)
	return Field{Original: text, Redacted: redact.StripInvisible(res.Text), Diff: redact.Diff(text, res), Removed: res.Kinds(),
		Invisible: redact.CountInvisible(text)}
}

// PreviewPublication redacts the ticket's texts for the operator to review.
func (s *Service) PreviewPublication(ctx context.Context, a Actor, no string) (*Preview, error) {
	r, opts, err := s.publishable(ctx, s.db, a, no)
	if err != nil {
		return nil, err
	}
	opts = learnNames(opts, r.Title, r.Content, r.Reply, r.LocationText)
	p := &Preview{TrackingNo: r.TrackingNo, Title: field(r.Title, opts), Content: field(r.Content, opts),
		Reply: field(r.Reply, opts), Location: field(r.LocationText, opts)}
	for _, f := range []Field{p.Title, p.Content, p.Reply, p.Location} {
		p.HasInvisible = p.HasInvisible || len(f.Invisible) > 0
	}
	return p, nil
}

// Publish stores the redacted copy (with the operator's edits, redacted once
// more so that nothing personal slips back in, and without invisible
// characters) for anyone to read.
func (s *Service) Publish(ctx context.Context, a Actor, no string, e Edits) (*Publication, error) {
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		r, opts, err := s.publishable(ctx, tx, a, no)
		if err != nil {
			return err
		}
		opts = learnNames(opts, r.Title, r.Content, r.Reply, r.LocationText)
		pick := func(orig string, edit *string) string {
			if edit != nil {
				orig = *edit
			}
			return strings.TrimSpace(redact.StripInvisible(redact.Redact(strings.TrimSpace(orig), opts).Text))
		}
		title, content, reply := pick(r.Title, e.Title), pick(r.Content, e.Content), pick(r.Reply, e.Reply)
		f := map[string]string{}
		textLen(f, "title", title, 2, 60)
		textLen(f, "content", content, 2, 3000)
		textLen(f, "reply", reply, 2, 5000)
		if len(f) > 0 {
			return errs.Invalid(f)
		}
		now := s.now()
		const q = `INSERT INTO ticket_publications (ticket_id, tracking_no, kind, category, department_id, title, content, reply,
			submitted_at, replied_at, published_at, published_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (ticket_id) DO UPDATE SET title = excluded.title, content = excluded.content, reply = excluded.reply,
			published_at = excluded.published_at, published_by = excluded.published_by`
		var dept any
		if r.DepartmentID.Valid {
			dept = r.DepartmentID.Int64
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), r.ID, r.TrackingNo, r.Kind, r.Category, dept, title, content, reply,
			r.CreatedAt, nullTime(r.RepliedAt.Time), now, a.ID); err != nil {
			return db.MapError(err, nil, nil)
		}
		if err := insertTimeline(ctx, tx, r.ID, a, "publish", r.Status, r.Status, "办理结果已公开", true, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorKind: "staff", ActorID: a.ID, ActorName: a.Name, Action: "ticket.publish",
			TargetType: "ticket", TargetID: r.TrackingNo})
	})
	if err != nil {
		return nil, err
	}
	return s.PublicGet(ctx, no)
}

const publicColumns = `p.ticket_id, p.tracking_no, p.kind, p.category, p.department_id, d.name AS department, p.title, p.content,
	p.reply, p.submitted_at, p.replied_at, p.published_at FROM ticket_publications p LEFT JOIN departments d ON d.id = p.department_id`

// PublicGet returns a published copy (ErrNotFound when there is none).
func (s *Service) PublicGet(ctx context.Context, no string) (*Publication, error) {
	var p Publication
	err := s.db.GetContext(ctx, &p, s.db.Rebind(`SELECT `+publicColumns+` WHERE p.tracking_no = ?`), no)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, db.MapError(err, nil, nil)
	}
	return &p, nil
}

// PublicFilter narrows the public list.
type PublicFilter struct {
	Q            string
	Category     string
	DepartmentID int64
}

// PublicList pages through published copies, newest first.
func (s *Service) PublicList(ctx context.Context, f PublicFilter, cursor string, limit int) ([]Publication, string, error) {
	before, err := parseCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	where := []string{`(? = 0 OR p.ticket_id < ?)`}
	args := []any{before, before}
	if f.Category != "" {
		where, args = append(where, `p.category = ?`), append(args, f.Category)
	}
	if f.DepartmentID != 0 {
		where, args = append(where, `p.department_id = ?`), append(args, f.DepartmentID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + escapeLike(q) + "%"
		where = append(where, `(p.title LIKE ? ESCAPE '\' OR p.content LIKE ? ESCAPE '\' OR p.reply LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	q := `SELECT ` + publicColumns + ` WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY p.ticket_id DESC LIMIT ?`
	args = append(args, limit)
	var out []Publication
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), args...); err != nil {
		return nil, "", db.MapError(err, nil, nil)
	}
	next := ""
	if len(out) == limit {
		next = strconv.FormatInt(out[len(out)-1].ID, 10)
	}
	if out == nil {
		out = []Publication{}
	}
	return out, next, nil
}
