package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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

// Warning is a piece of a text about to be published, or published, that
// looks like personal data: the operator's edits are published as written,
// and checked.
type Warning struct {
	Field   string `json:"field"`   // title, content or reply
	Kind    string `json:"kind"`    // one of the redact.Kind constants
	Message string `json:"message"` // 可能含有个人手机号
	Start   int    `json:"start"`   // rune offsets in the field's text
	End     int    `json:"end"`
	Text    string `json:"text"` // the text found (invisible characters shown as ⟨U+200B⟩)
	// Masked tells that the span was masked at publication although the
	// operator wrote it: a number split by invisible characters, which
	// the operator could not see. Start and End are then offsets in the
	// text as submitted.
	Masked bool `json:"masked,omitempty"`
}

// warningMessages name what a warning's span may be.
var warningMessages = map[string]string{
	redact.KindPhone: "可能含有个人手机号", redact.KindLandline: "可能含有个人电话号码", redact.KindIDCard: "可能含有身份证号",
	redact.KindPlate: "可能含有车牌号", redact.KindName: "可能含有个人姓名", redact.KindAddress: "可能含有详细门牌地址",
	redact.KindEmail: "可能含有个人邮箱", redact.KindBankCard: "可能含有银行卡号", redact.KindAccount: "可能含有 QQ 号或微信号",
	redact.KindSubmitter: "可能含有提交人的账号信息",
}

// check returns the warnings for the text of one field.
func check(name, text string, opts redact.Options) []Warning {
	out := []Warning{}
	for _, sp := range redact.Redact(text, opts).Spans {
		out = append(out, Warning{Field: name, Kind: sp.Kind, Message: warningMessage(sp.Kind), Start: sp.Start, End: sp.End, Text: sp.Original})
	}
	return out
}

func warningMessage(kind string) string {
	if m := warningMessages[kind]; m != "" {
		return m
	}
	return "可能含有个人信息"
}

// edited returns the operator's text as published: as written, without
// invisible characters — except what invisible characters split apart (a
// number the operator could not see, left over from the original), which is
// masked and reported.
func edited(name, text string, opts redact.Options) (string, []Warning) {
	text = strings.TrimSpace(text)
	var hidden []redact.Span
	w := []Warning{}
	for _, sp := range redact.Redact(text, opts).Spans {
		if redact.HasInvisible(sp.Original) {
			hidden = append(hidden, sp)
			w = append(w, Warning{Field: name, Kind: sp.Kind, Message: warningMessage(sp.Kind) + "（被不可见字符拆开，已隐去）",
				Start: sp.Start, End: sp.End, Text: redact.ShowInvisible(sp.Original), Masked: true})
		}
	}
	if len(hidden) > 0 {
		if t, err := redact.Apply(text, hidden); err == nil { // the spans are text's own: Apply does not fail
			text = t
		}
	}
	return strings.TrimSpace(redact.StripInvisible(text)), w
}

// Published is a published copy and what in it looks like personal data.
type Published struct {
	Publication
	Warnings []Warning `json:"warnings"`
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
	// Warnings are what in the proposed copy still looks like personal
	// data; usually none.
	Warnings []Warning `json:"warnings"`
	// Published is the copy published before, with its warnings (nil when
	// the result is not yet public).
	Published *Published `json:"published"`
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
	Title   *string `json:"title" desc:"公开的标题（不填则用自动脱敏的标题）" example:"幸福路小区电梯停运"`
	Content *string `json:"content" desc:"公开的诉求内容（不填则用自动脱敏的内容）" example:"小区电梯已停运两周，请尽快维修。"`
	Reply   *string `json:"reply" desc:"公开的答复（不填则用自动脱敏的答复）" example:"已责令物业于三日内修复电梯。"`
}

// pubOptions are the redaction options of a ticket's texts: text for the
// title, content and location (the resident's words), reply for the reply,
// where the officials' names stay.
type pubOptions struct{ text, reply redact.Options }

func (s *Service) publishable(ctx context.Context, q db.Queryer, a Actor, no string) (*row, pubOptions, error) {
	if !isOperator(a) {
		return nil, pubOptions{}, ErrNotYours
	}
	r, _, _, err := s.load(ctx, q, a, no, false)
	if err != nil {
		return nil, pubOptions{}, err
	}
	if !r.PublicConsent {
		return nil, pubOptions{}, ErrNoConsent
	}
	if (r.Status != Visiting && r.Status != Closed) || r.Reply == "" {
		return nil, pubOptions{}, ErrNotAnswered
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
	if opts.PublicNumbers, err = s.publicNumbers(ctx, q); err != nil {
		return nil, pubOptions{}, err
	}
	officials, err := officialNames(ctx, q, r)
	if err != nil {
		return nil, pubOptions{}, err
	}
	// The names in the resident's words are personal everywhere; an
	// official's name that is one of them, or part of one, is not kept.
	opts = learnNames(opts, r.Title, r.Content, r.LocationText)
	reply := opts
	reply.Allow = slices.DeleteFunc(officials, func(o string) bool {
		return slices.ContainsFunc(opts.KnownNames, func(k string) bool { return strings.Contains(k, o) || strings.Contains(o, k) })
	})
	reply = learnNames(reply, r.Reply)
	opts.KnownNames = reply.KnownNames
	return r, pubOptions{text: opts, reply: reply}, nil
}

// learnNames adds to opts the personal names found in any of texts (a name
// given after 我叫 in the content must also go from the reply).
func learnNames(opts redact.Options, texts ...string) redact.Options {
	opts.KnownNames = slices.Clone(opts.KnownNames)
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
	p := &Preview{TrackingNo: r.TrackingNo, Title: field(r.Title, opts.text), Content: field(r.Content, opts.text),
		Reply: field(r.Reply, opts.reply), Location: field(r.LocationText, opts.text)}
	for _, f := range []Field{p.Title, p.Content, p.Reply, p.Location} {
		p.HasInvisible = p.HasInvisible || len(f.Invisible) > 0
	}
	p.Warnings = opts.check(p.Title.Redacted, p.Content.Redacted, p.Reply.Redacted)
	switch pub, err := s.PublicGet(ctx, no); {
	case err == nil:
		p.Published = &Published{Publication: *pub, Warnings: opts.check(pub.Title, pub.Content, pub.Reply)}
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	return p, nil
}

// check returns the warnings for a copy's title, content and reply.
func (o pubOptions) check(title, content, reply string) []Warning {
	w := check("title", title, o.text)
	w = append(w, check("content", content, o.text)...)
	return append(w, check("reply", reply, o.reply)...)
}

// Publish stores the copy for anyone to read: each text the operator edited
// as edited, the others as redacted automatically, all without invisible
// characters. The operator's text is never masked again — they may have
// restored a public number on purpose — but it is checked: what in the
// published copy looks like personal data comes back as warnings. Only a
// number the operator could not see, split by invisible characters, is
// masked, and reported as a warning with Masked set.
func (s *Service) Publish(ctx context.Context, a Actor, no string, e Edits) (*Published, error) {
	var warnings []Warning
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		r, opts, err := s.publishable(ctx, tx, a, no)
		if err != nil {
			return err
		}
		var masked []Warning
		pick := func(name, orig string, edit *string, o redact.Options) string {
			if edit != nil {
				text, w := edited(name, *edit, o)
				masked = append(masked, w...)
				return text
			}
			return strings.TrimSpace(redact.StripInvisible(redact.Redact(strings.TrimSpace(orig), o).Text))
		}
		title, content := pick("title", r.Title, e.Title, opts.text), pick("content", r.Content, e.Content, opts.text)
		reply := pick("reply", r.Reply, e.Reply, opts.reply)
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
			return db.MapErrorIn("ticket.Publish", err, nil, nil)
		}
		if err := insertTimeline(ctx, tx, r.ID, a, "publish", r.Status, r.Status, "办理结果已公开", true, now); err != nil {
			return err
		}
		warnings = append(masked, opts.check(title, content, reply)...)
		return audit.Record(ctx, tx, a.Audit("ticket.publish", "ticket", r.TrackingNo, publishDetail(e, warnings)))
	})
	if err != nil {
		return nil, err
	}
	p, err := s.PublicGet(ctx, no)
	if err != nil {
		return nil, err
	}
	return &Published{Publication: *p, Warnings: warnings}, nil
}

// publishDetail records for the audit log which texts the operator edited
// and how many warnings the published copy had (never the texts).
func publishDetail(e Edits, w []Warning) string {
	var edited []string
	for name, t := range map[string]*string{"title": e.Title, "content": e.Content, "reply": e.Reply} {
		if t != nil {
			edited = append(edited, name)
		}
	}
	slices.Sort(edited)
	return fmt.Sprintf("edited=%s warnings=%d", strings.Join(edited, ","), len(w))
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
		return nil, db.MapErrorIn("ticket.PublicGet", err, nil, nil)
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
func (s *Service) PublicList(ctx context.Context, f PublicFilter, cursor string, limit int) (Page[Publication], error) {
	before, err := parseCursor(cursor)
	if err != nil {
		return Page[Publication]{}, err
	}
	where := []string{`1 = 1`}
	var args []any
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
	var page Page[Publication]
	cq := `SELECT COUNT(*) FROM ticket_publications p WHERE ` + strings.Join(where, ` AND `)
	if err := s.db.GetContext(ctx, &page.Total, s.db.Rebind(cq), args...); err != nil {
		return Page[Publication]{}, db.MapErrorIn("ticket.PublicList", err, nil, nil)
	}
	q := `SELECT ` + publicColumns + ` WHERE ` + strings.Join(where, ` AND `) + ` AND (? = 0 OR p.ticket_id < ?) ORDER BY p.ticket_id DESC LIMIT ?`
	args = append(args, before, before, limit)
	page.Items = []Publication{}
	if err := s.db.SelectContext(ctx, &page.Items, s.db.Rebind(q), args...); err != nil {
		return Page[Publication]{}, db.MapErrorIn("ticket.PublicList", err, nil, nil)
	}
	if len(page.Items) == limit {
		page.NextCursor = strconv.FormatInt(page.Items[len(page.Items)-1].ID, 10)
	}
	return page, nil
}
