package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"govapp/internal/account"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/paging"
	"govapp/internal/platform/pii"
)

// load reads a ticket a may see (ErrNotFound otherwise, so that existence
// does not leak).
func (s *Service) load(ctx context.Context, q db.Queryer, a Actor, no string, forUpdate bool) (*row, []int64, []string, error) {
	r, err := getRow(ctx, q, no, forUpdate)
	if err != nil {
		return nil, nil, nil, err
	}
	ids, paths, err := coDepartments(ctx, q, r.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !canSee(a, r, paths) {
		return nil, nil, nil, ErrNotFound
	}
	return r, ids, paths, nil
}

// Get returns the ticket as a may see it.
func (s *Service) Get(ctx context.Context, a Actor, no string) (*Ticket, error) {
	r, co, _, err := s.load(ctx, s.db, a, no, false)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, a, r, co)
}

func (s *Service) view(ctx context.Context, a Actor, r *row, co []int64) (*Ticket, error) {
	t := &Ticket{ID: r.ID, TrackingNo: r.TrackingNo, Channel: r.Channel, Kind: r.Kind, Priority: r.Priority, Category: r.Category,
		Title: r.Title, Content: r.Content, Location: r.LocationText, Anonymous: r.Anonymous, PublicConsent: r.PublicConsent,
		Status: r.Status, StatusLabel: r.Status.Label(), Held: r.Held, DepartmentID: r.DepartmentID.Int64,
		Department: r.Department.String, deptPath: r.DeptPath.String, submitter: r.SubmitterID.Int64, CoDepartments: co, Reopened: r.Reopened, RatingComment: r.RatingComment,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if t.CoDepartments == nil {
		t.CoDepartments = []int64{}
	}
	if r.Lat.Valid {
		t.Lat, t.Lng = &r.Lat.Float64, &r.Lng.Float64
	}
	if r.Rating.Valid {
		t.Rating = int(r.Rating.Int64)
	}
	if err := s.identify(ctx, a, r, t); err != nil {
		return nil, err
	}
	if !isResident(a) {
		if r.ExtensionDays > 0 {
			t.Extension = &Extension{Days: r.ExtensionDays, Reason: r.ExtensionReason, Approved: r.ExtensionApproved}
		}
	}
	// the reply reaches the resident once an operator has reviewed it
	if !isResident(a) || r.Status == Visiting || r.Status == Closed {
		t.Reply = r.Reply
	}
	if r.ParentID.Valid {
		if p, err := getRowByID(ctx, s.db, r.ParentID.Int64); err == nil {
			t.ParentNo = p.TrackingNo
			if isResident(a) && (p.Status == Visiting || p.Status == Closed) {
				t.Reply = p.Reply // a merged ticket is answered by its parent's reply
			}
		}
	}
	t.Deadlines = s.deadlines(r)
	t.CurrentDeadline = s.currentDeadline(r.Status, r.AcceptDueAt, r.SignDueAt, r.ReplyDueAt, r.PausedAt)
	var err error
	if t.Attachments, err = attachmentIDs(ctx, s.db, r.ID); err != nil {
		return nil, err
	}
	return t, nil
}

// identify fills in who filed the ticket, as far as a may know it: nothing
// of an anonymous ticket's submitter for its handlers (seesIdentity), the
// phone masked for those who may not read it in full, the caller's name for
// staff. A resident who left the contact phone empty is reached on their
// verified phone.
func (s *Service) identify(ctx context.Context, a Actor, r *row, t *Ticket) error {
	if !seesIdentity(a, r) {
		return nil
	}
	t.SubmitterID = r.SubmitterID.Int64
	phone, err := s.box.Decrypt(r.ContactPhoneEnc)
	if err != nil {
		return err
	}
	if phone == "" && r.SubmitterID.Valid {
		if phone, err = s.verifiedPhone(ctx, r.SubmitterID.Int64); err != nil {
			return err
		}
	}
	if seesPhone(a, r) {
		t.ContactPhone = phone
	} else {
		t.ContactPhone = pii.MaskPhone(phone)
	}
	if !isResident(a) {
		if t.CallerName, err = s.box.Decrypt(r.CallerNameEnc); err != nil {
			return err
		}
	}
	return nil
}

// deadlines shows the ticket's SLA instants and the working time left to the
// one that applies now.
func (s *Service) deadlines(r *row) Deadlines {
	d := Deadlines{AcceptBy: timePtr(r.AcceptDueAt), SignBy: timePtr(r.SignDueAt), ReplyBy: timePtr(r.ReplyDueAt),
		Paused: r.Status == NeedInfo, Overdue: r.OverdueAt.Valid}
	var next time.Time
	switch r.Status {
	case Submitted:
		next = r.AcceptDueAt.Time
	case Dispatched:
		next = r.SignDueAt.Time
	case Accepted, Returned, Handling, NeedInfo, Replied:
		next = r.ReplyDueAt.Time
	}
	if next.IsZero() {
		return d
	}
	now := s.now()
	if r.Status == NeedInfo && r.PausedAt.Valid {
		now = r.PausedAt.Time // the clock stands still while the submitter is asked
	}
	left, overdue := s.workingLeft(now, next)
	d.Overdue = d.Overdue || overdue
	d.SecondsLeft = int64(left / time.Second)
	d.TimeLeft = humanWorking(left)
	return d
}

// workingLeft is the working time from now to due, negative once due has
// passed. A deadline passed outside working hours (at night, over a
// weekend) is overdue by no working time yet; it still counts as overdue, by
// at least a second, so that seconds_left and the label never say "0 left"
// of a ticket that is late.
func (s *Service) workingLeft(now, due time.Time) (left time.Duration, overdue bool) {
	c := s.clock()
	if !now.After(due) {
		return c.WorkingTimeBetween(now, due), false
	}
	return min(-c.WorkingTimeBetween(due, now), -time.Second), true
}

// verifiedPhone returns the resident's verified phone, or "".
func (s *Service) verifiedPhone(ctx context.Context, residentID int64) (string, error) {
	var enc []byte
	err := s.db.GetContext(ctx, &enc, s.db.Rebind(`SELECT phone_enc FROM residents WHERE id = ? AND phone_verified_at IS NOT NULL`), residentID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && len(enc) == 0) {
		return "", nil
	}
	if err != nil {
		return "", db.MapErrorIn("ticket.verifiedPhone", err, nil, nil)
	}
	return s.box.Decrypt(enc)
}

// Steps of a ticket's current deadline.
const (
	StepAccept = "accept" // 受理（热线 2 工作小时）
	StepSign   = "sign"   // 承办单位签收
	StepReply  = "reply"  // 承办单位答复
	StepReview = "review" // 话务员审核答复（答复时限仍在计）
)

// StepLabels names the steps in Chinese.
var StepLabels = map[string]string{StepAccept: "受理", StepSign: "签收", StepReply: "答复", StepReview: "审核答复"}

// CurrentDeadline is the deadline of the step the ticket waits on now, with
// the working time left to it.
type CurrentDeadline struct {
	Step        string    `json:"step" enums:"accept,sign,reply,review"`
	StepLabel   string    `json:"step_label"`
	DueAt       time.Time `json:"due_at"`
	Paused      bool      `json:"paused"`       // need_info: the clock stands still
	Overdue     bool      `json:"overdue"`      // past due_at
	SecondsLeft int64     `json:"seconds_left"` // working seconds left (negative when overdue)
	TimeLeft    string    `json:"time_left"`    // e.g. "1小时20分", "超期 2天1小时"
}

// stepOf returns the step a ticket in status waits on and which of its
// deadlines applies ("" when none does).
func stepOf(st Status) string {
	switch st {
	case Submitted:
		return StepAccept
	case Dispatched:
		return StepSign
	case Accepted, Returned, Handling, NeedInfo:
		return StepReply
	case Replied:
		return StepReview
	}
	return ""
}

// currentDueSQL is the current step's deadline in SQL (as stepOf).
const currentDueSQL = `(CASE WHEN t.status = 'submitted' THEN t.accept_due_at WHEN t.status = 'dispatched' THEN t.sign_due_at
	WHEN t.status IN ('accepted', 'returned', 'handling', 'need_info', 'replied') THEN t.reply_due_at END)`

// currentDeadline returns the deadline of the step the ticket waits on, or
// nil when it waits on none (closed, rejected, visiting…).
func (s *Service) currentDeadline(st Status, accept, sign, reply, paused sql.NullTime) *CurrentDeadline {
	step := stepOf(st)
	var due sql.NullTime
	switch step {
	case StepAccept:
		due = accept
	case StepSign:
		due = sign
	case StepReply, StepReview:
		due = reply
	}
	if !due.Valid {
		return nil
	}
	d := &CurrentDeadline{Step: step, StepLabel: StepLabels[step], DueAt: due.Time, Paused: st == NeedInfo}
	now := s.now()
	if d.Paused && paused.Valid {
		now = paused.Time
	}
	left, overdue := s.workingLeft(now, due.Time)
	d.Overdue = overdue
	d.SecondsLeft = int64(left / time.Second)
	d.TimeLeft = humanWorking(left)
	return d
}

// humanWorking writes working time as 天 (8 working hours) and 小时.
func humanWorking(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "超期 ", -d
	}
	days := int(d / (8 * time.Hour))
	hours := int((d % (8 * time.Hour)) / time.Hour)
	mins := int((d % time.Hour) / time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%s%d天%d小时", sign, days, hours)
	case hours > 0:
		return fmt.Sprintf("%s%d小时%d分", sign, hours, mins)
	case sign != "" && mins == 0:
		return "超期 不足1分钟"
	}
	return fmt.Sprintf("%s%d分钟", sign, mins)
}

// Timeline returns the ticket's history; residents see no internal notes and
// no staff names, and those who may not know who filed an anonymous ticket
// no resident's name.
func (s *Service) Timeline(ctx context.Context, a Actor, no string) ([]Entry, error) {
	r, _, _, err := s.load(ctx, s.db, a, no, false)
	if err != nil {
		return nil, err
	}
	all, err := timeline(ctx, s.db, r.ID)
	if err != nil {
		return nil, err
	}
	anonymous := !seesIdentity(a, r)
	out := make([]Entry, 0, len(all))
	for _, e := range all {
		if anonymous && e.ActorKind == account.KindResident {
			e.ActorName = ""
		}
		if isResident(a) {
			if e.Internal {
				continue
			}
			if e.ActorKind == "staff" {
				e.ActorName = ""
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Filter narrows the staff queue.
type Filter struct {
	Status       string
	Channel      string
	Kind         string
	DepartmentID int64
	Overdue      bool
	DueBefore    time.Time
	Text         string
	Held         *bool
	// CallerPhone lists a caller's tickets: those filed with this contact
	// phone or by the resident whose verified phone it is (operators only).
	CallerPhone string
	// Sort is SortUrgent (the default: overdue first, then the soonest
	// deadline of the current step) or SortNewest.
	Sort string
}

// Queue orders.
const (
	SortUrgent = "urgent"
	SortNewest = "newest"
)

// Summary is a ticket in a list.
type Summary struct {
	TrackingNo  string     `db:"tracking_no" json:"tracking_no"`
	Channel     string     `db:"channel" json:"channel"`
	Kind        string     `db:"kind" json:"kind"`
	Priority    string     `db:"priority" json:"priority"`
	Category    string     `db:"category" json:"category"`
	Title       string     `db:"title" json:"title"`
	Status      Status     `db:"status" json:"status"`
	StatusLabel string     `db:"-" json:"status_label"`
	Held        bool       `db:"held" json:"held"`
	Department  *string    `db:"department" json:"department"`
	ReplyDueAt  *time.Time `db:"reply_due_at" json:"reply_by"`
	Overdue     bool       `db:"overdue" json:"overdue"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	ID          int64      `db:"id" json:"-"`

	// CurrentDeadline is the deadline of the step the ticket waits on now (nil when none).
	CurrentDeadline *CurrentDeadline `db:"-" json:"current_deadline"`

	AcceptDueAt sql.NullTime `db:"accept_due_at" json:"-"`
	SignDueAt   sql.NullTime `db:"sign_due_at" json:"-"`
	PausedAt    sql.NullTime `db:"paused_at" json:"-"`
}

// ErrBadCursor is returned for a cursor this server did not issue.
var ErrBadCursor = paging.ErrBadCursor

func parseCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(c, 10, 64)
	if err != nil || n <= 0 {
		return 0, ErrBadCursor
	}
	return n, nil
}

// phoneMatch matches the tickets of a phone (by its keyed hash): filed with
// it as the contact phone, or by the resident who verified it.
const phoneMatch = `(t.contact_phone_hash = ? OR t.submitter_id IN (SELECT pr.id FROM residents pr
	WHERE pr.phone_hash = ? AND pr.phone_verified_at IS NOT NULL))`

// maxPhoneDigits is the longest mainland number before an extension: a
// 4-digit area code and an 8-digit local number.
const maxPhoneDigits = 12

// phoneHash returns the look-up hash of p if it is a phone number.
func (s *Service) phoneHash(p string) (string, bool) {
	n, err := normalizePhone(p)
	if err != nil {
		return "", false
	}
	if main, _, _ := strings.Cut(n, "-"); len(main) > maxPhoneDigits {
		return "", false
	}
	return s.box.Hash("phone", n), true
}

// List returns the staff queue, most urgent first (or newest first):
// operators see everything, handlers their department's subtree (lead or
// co-department). Text that is a phone number also finds the tickets of that
// phone, except anonymous ones for handlers.
func (s *Service) List(ctx context.Context, a Actor, f Filter, cursor string, limit int) (Page[Summary], error) {
	switch f.Sort {
	case "":
		f.Sort = SortUrgent
	case SortUrgent, SortNewest:
	default:
		return Page[Summary]{}, errs.InvalidField("sort", "须为 urgent 或 newest")
	}
	var before, offset int64
	var err error
	if f.Sort == SortNewest {
		before, err = parseCursor(cursor)
	} else if cursor != "" {
		offset, err = parseCursor(strings.TrimPrefix(cursor, "p"))
		if !strings.HasPrefix(cursor, "p") {
			err = ErrBadCursor
		}
	}
	if err != nil {
		return Page[Summary]{}, err
	}
	if f.CallerPhone != "" && !isOperator(a) {
		return Page[Summary]{}, ErrNotYours
	}
	var where []string
	var args []any
	add := func(cond string, v ...any) { where = append(where, cond); args = append(args, v...) }
	switch {
	case isOperator(a):
	case isHandler(a):
		if a.DeptPath == "" { // no department, no tickets (as canSee): "LIKE '%'" would list them all
			return Page[Summary]{Items: []Summary{}}, nil
		}
		add(`(d.path LIKE ? OR EXISTS (SELECT 1 FROM ticket_codepartments c JOIN departments cd ON cd.id = c.department_id
			WHERE c.ticket_id = t.id AND cd.path LIKE ?))`, a.DeptPath+"%", a.DeptPath+"%")
	default:
		return Page[Summary]{}, ErrNotYours
	}
	if f.Status != "" {
		add(`t.status = ?`, f.Status)
	}
	if f.Channel != "" {
		add(`t.channel = ?`, f.Channel)
	}
	if f.Kind != "" {
		add(`t.kind = ?`, f.Kind)
	}
	if f.DepartmentID != 0 {
		add(`t.department_id = ?`, f.DepartmentID)
	}
	if f.Overdue {
		add(`t.overdue_at IS NOT NULL`)
	}
	if !f.DueBefore.IsZero() {
		add(`t.reply_due_at < ?`, f.DueBefore)
	}
	if f.Text != "" {
		like := "%" + escapeLike(f.Text) + "%"
		cond := `t.title LIKE ? ESCAPE '\' OR t.content LIKE ? ESCAPE '\' OR t.tracking_no = ?`
		vals := []any{like, like, f.Text}
		if h, ok := s.phoneHash(f.Text); ok {
			if isOperator(a) {
				cond += ` OR ` + phoneMatch
			} else { // an anonymous ticket's handlers may not learn who filed it
				cond += ` OR (t.anonymous = FALSE AND ` + phoneMatch + `)`
			}
			vals = append(vals, h, h)
		}
		add(`(`+cond+`)`, vals...)
	}
	if f.CallerPhone != "" {
		h, ok := s.phoneHash(f.CallerPhone)
		if !ok {
			return Page[Summary]{}, errs.InvalidField("caller_phone", "不是有效的电话号码")
		}
		add(phoneMatch, h, h)
	}
	if f.Held != nil {
		add(`t.held = ?`, *f.Held)
	}
	const from = ` FROM tickets t LEFT JOIN departments d ON d.id = t.department_id`
	var page Page[Summary]
	cq := `SELECT COUNT(*)` + from
	if len(where) > 0 {
		cq += ` WHERE ` + strings.Join(where, ` AND `)
	}
	if err := s.db.GetContext(ctx, &page.Total, s.db.Rebind(cq), args...); err != nil {
		return Page[Summary]{}, db.MapErrorIn("ticket.List", err, nil, nil)
	}
	if before > 0 {
		add(`t.id < ?`, before)
	}
	q := `SELECT t.id, t.tracking_no, t.channel, t.kind, t.priority, t.category, t.title, t.status, t.held, d.name AS department,
		t.reply_due_at, (t.overdue_at IS NOT NULL) AS overdue, t.created_at, t.accept_due_at, t.sign_due_at, t.paused_at` + from
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	if f.Sort == SortNewest {
		q += ` ORDER BY t.id DESC LIMIT ?`
		args = append(args, limit)
	} else {
		// tickets waiting on no step last; flagged overdue first; then the
		// soonest deadline, the longest waiting first among equal ones; the
		// rest newest first
		q += ` ORDER BY (` + currentDueSQL + ` IS NULL), (t.overdue_at IS NOT NULL) DESC, ` + currentDueSQL + `,
			CASE WHEN ` + currentDueSQL + ` IS NULL THEN -t.id ELSE t.id END LIMIT ? OFFSET ?`
		args = append(args, limit, offset)
	}
	out := []Summary{}
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), args...); err != nil {
		return Page[Summary]{}, db.MapErrorIn("ticket.List", err, nil, nil)
	}
	if len(out) == limit {
		if f.Sort == SortNewest {
			page.NextCursor = strconv.FormatInt(out[len(out)-1].ID, 10)
		} else {
			page.NextCursor = "p" + strconv.FormatInt(offset+int64(limit), 10)
		}
	}
	for i := range out {
		r := &out[i]
		var reply sql.NullTime
		if r.ReplyDueAt != nil {
			reply = sql.NullTime{Time: *r.ReplyDueAt, Valid: true}
		}
		r.StatusLabel = r.Status.Label()
		r.CurrentDeadline = s.currentDeadline(r.Status, r.AcceptDueAt, r.SignDueAt, reply, r.PausedAt)
	}
	page.Items = out
	return page, nil
}

// Mine lists the resident's own tickets, newest first.
func (s *Service) Mine(ctx context.Context, a Actor, cursor string, limit int) (Page[Summary], error) {
	before, err := parseCursor(cursor)
	if err != nil {
		return Page[Summary]{}, err
	}
	var page Page[Summary]
	if err := s.db.GetContext(ctx, &page.Total, s.db.Rebind(`SELECT COUNT(*) FROM tickets WHERE submitter_id = ?`), a.ID); err != nil {
		return Page[Summary]{}, db.MapErrorIn("ticket.Mine", err, nil, nil)
	}
	const q = `SELECT t.id, t.tracking_no, t.channel, t.kind, t.priority, t.category, t.title, t.status, t.held, d.name AS department,
		t.reply_due_at, (t.overdue_at IS NOT NULL) AS overdue, t.created_at
		FROM tickets t LEFT JOIN departments d ON d.id = t.department_id
		WHERE t.submitter_id = ? AND (? = 0 OR t.id < ?) ORDER BY t.id DESC LIMIT ?`
	page.Items = []Summary{}
	if err := s.db.SelectContext(ctx, &page.Items, s.db.Rebind(q), a.ID, before, before, limit); err != nil {
		return Page[Summary]{}, db.MapErrorIn("ticket.Mine", err, nil, nil)
	}
	if len(page.Items) == limit {
		page.NextCursor = strconv.FormatInt(page.Items[len(page.Items)-1].ID, 10)
	}
	for i := range page.Items {
		page.Items[i].StatusLabel = page.Items[i].Status.Label()
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
