package ticket

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"govapp/internal/config"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/pii"
	"govapp/internal/push"
)

// Clock is the working-time calendar the SLA clocks run on.
type Clock interface {
	AddWorkingDays(t time.Time, n int) time.Time
	AddWorkingHours(t time.Time, d time.Duration) time.Time
	WorkingTimeBetween(a, b time.Time) time.Duration
}

// Verdict of the content check.
const (
	VerdictPass   = "pass"
	VerdictReview = "review"
	VerdictRisky  = "risky"
)

// ContentChecker screens user text before others see it (WeChat msgSecCheck).
type ContentChecker interface {
	Check(ctx context.Context, openid, text string) (string, error)
}

// Service is the ticket engine.
type Service struct {
	db      *db.DB
	box     *pii.Box
	clock   func() Clock
	push    *push.Service
	checker ContentChecker
	cfg     config.Tickets
	loc     *time.Location
	log     *slog.Logger
	now     func() time.Time

	uploadDir    string
	uploadCreate createFunc // upload.go: creates an image's .part file (nil: the disk)
}

// NewService returns the ticket engine; clock returns the current calendar
// (admins may extend it while the service runs). Images are stored under
// cfg.UploadDir, which the caller resolves (the app: data_dir/uploads when unset).
func NewService(d *db.DB, box *pii.Box, clock func() Clock, p *push.Service, checker ContentChecker, cfg config.Tickets, loc *time.Location, log *slog.Logger) *Service {
	return &Service{db: d, box: box, clock: clock, push: p, checker: checker, cfg: cfg, loc: loc, log: log,
		uploadDir: cfg.UploadDir, now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the wall clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Input is a new ticket.
type Input struct {
	Channel       string   `json:"channel"`
	Kind          string   `json:"kind"`
	Priority      string   `json:"priority"`
	Category      string   `json:"category"`
	Title         string   `json:"title"`
	Content       string   `json:"content"`
	Location      string   `json:"location"`
	Lat           *float64 `json:"lat"`
	Lng           *float64 `json:"lng"`
	ContactPhone  string   `json:"contact_phone"`
	Anonymous     bool     `json:"anonymous"`
	PublicConsent bool     `json:"public_consent"`
	AttachmentIDs []int64  `json:"attachment_ids"`
	CallerName    string   `json:"caller_name"` // operator-recorded calls
}

func (s *Service) validate(in *Input, byOperator bool) error {
	f := map[string]string{}
	in.Title, in.Content, in.Location = strings.TrimSpace(in.Title), strings.TrimSpace(in.Content), strings.TrimSpace(in.Location)
	if _, ok := Kinds[in.Kind]; !ok {
		f["kind"] = "须为 consultation、help、complaint、report、suggestion 或 praise"
	}
	if in.Priority == "" {
		in.Priority = PriorityNormal
	}
	if in.Priority != PriorityNormal && (in.Priority != PriorityUrgent || !byOperator) {
		f["priority"] = "须为 normal（紧急程度由话务员判定）"
	}
	found := false
	for _, c := range s.cfg.Categories {
		found = found || c == in.Category
	}
	if !found {
		f["category"] = "未知的分类"
	}
	textLen(f, "title", in.Title, 4, 60)
	textLen(f, "content", in.Content, 10, 3000)
	textLen(f, "location", in.Location, 0, 200)
	textLen(f, "caller_name", in.CallerName, 0, 30)
	if (in.Lat == nil) != (in.Lng == nil) || (in.Lat != nil && (*in.Lat < -90 || *in.Lat > 90 || *in.Lng < -180 || *in.Lng > 180)) {
		f["lat"] = "坐标无效"
	}
	if in.ContactPhone != "" {
		if p, err := normalizePhone(in.ContactPhone); err != nil {
			f["contact_phone"] = "不是有效的电话号码"
		} else {
			in.ContactPhone = p
		}
	} else if byOperator {
		f["contact_phone"] = "请填写来电号码"
	}
	if len(in.AttachmentIDs) > 9 {
		f["attachment_ids"] = "最多 9 张图片"
	}
	if len(f) > 0 {
		return errs.Invalid(f)
	}
	return nil
}

func textLen(f map[string]string, field, v string, lo, hi int) {
	n := utf8.RuneCountInString(v)
	switch {
	case n < lo && lo > 0 && n == 0:
		f[field] = "不能为空"
	case n < lo:
		f[field] = fmt.Sprintf("至少 %d 个字", lo)
	case n > hi:
		f[field] = fmt.Sprintf("不能超过 %d 个字", hi)
	case strings.ContainsRune(v, 0):
		f[field] = "含有无效字符"
	}
}

// normalizePhone accepts a mainland mobile number or a landline (digits,
// an optional area code and extension).
func normalizePhone(p string) (string, error) {
	if m, err := pii.NormalizePhone(p); err == nil {
		return m, nil
	}
	clean := strings.NewReplacer(" ", "", "-", "", "—", "", "转", "-").Replace(strings.TrimSpace(p))
	if len(clean) < 7 || len(clean) > 20 {
		return "", fmt.Errorf("ticket: phone length")
	}
	for _, r := range clean {
		if (r < '0' || r > '9') && r != '-' {
			return "", fmt.Errorf("ticket: phone characters")
		}
	}
	return clean, nil
}

// Submit files a resident's ticket (mini-program: mailbox or online hotline).
func (s *Service) Submit(ctx context.Context, a Actor, in Input) (*Ticket, error) {
	if !isResident(a) {
		return nil, ErrNotYours
	}
	if in.Channel == "" {
		in.Channel = ChannelMailbox
	}
	if err := s.validate(&in, false); err != nil {
		return nil, err
	}
	if in.Channel != ChannelMailbox && in.Channel != ChannelHotline {
		return nil, errs.InvalidField("channel", "须为 mailbox 或 hotline")
	}
	if err := s.underDailyLimit(ctx, a.ID); err != nil { // spares the content check; create decides
		return nil, err
	}
	held, err := s.screen(ctx, a.OpenID, in.Title+"\n"+in.Content+"\n"+in.Location)
	if err != nil {
		return nil, err
	}
	return s.create(ctx, a, in, held)
}

// Record files a phone call taken by an operator.
func (s *Service) Record(ctx context.Context, a Actor, in Input) (*Ticket, error) {
	if !isOperator(a) {
		return nil, ErrNotYours
	}
	in.Channel = ChannelHotline
	if err := s.validate(&in, true); err != nil {
		return nil, err
	}
	if len(in.AttachmentIDs) > 0 {
		return nil, errs.InvalidField("attachment_ids", "来电工单不能附带图片")
	}
	return s.create(ctx, a, in, false)
}

// screen runs the content check: risky text is refused, text to review (or a
// check that failed) holds the ticket for an operator.
func (s *Service) screen(ctx context.Context, openid, text string) (bool, error) {
	if s.checker == nil {
		return false, nil
	}
	verdict, err := s.checker.Check(ctx, openid, text)
	switch {
	case err != nil:
		s.log.WarnContext(ctx, "content check failed, holding the ticket for review", "err", err)
		return true, nil
	case verdict == VerdictRisky:
		return false, ErrRisky
	case verdict == VerdictReview:
		return true, nil
	}
	return false, nil
}

func (s *Service) create(ctx context.Context, a Actor, in Input, held bool) (*Ticket, error) {
	now := s.now()
	var no string
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		if isResident(a) {
			if err := s.takeDailyPlace(ctx, tx, a.ID, now); err != nil {
				return err
			}
		}
		var err error
		if no, err = nextTrackingNo(ctx, tx, channelPrefix[in.Channel], now.In(s.loc)); err != nil {
			return err
		}
		phoneEnc, err := s.box.Encrypt(in.ContactPhone)
		if err != nil {
			return err
		}
		nameEnc, err := s.box.Encrypt(strings.TrimSpace(in.CallerName))
		if err != nil {
			return err
		}
		var submitter, recorder, phoneHash any
		if isResident(a) {
			submitter = a.ID
		} else {
			recorder = a.ID
		}
		if in.ContactPhone != "" {
			phoneHash = s.box.Hash("phone", in.ContactPhone)
		}
		const stmt = `INSERT INTO tickets (tracking_no, channel, kind, priority, category, title, content, location_text, lat, lng,
			contact_phone_enc, contact_phone_hash, caller_name_enc, anonymous, public_consent, submitter_id, recorded_by, status, held,
			accept_due_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?) RETURNING id`
		var id int64
		if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), no, in.Channel, in.Kind, in.Priority, in.Category, in.Title, in.Content,
			in.Location, in.Lat, in.Lng, phoneEnc, phoneHash, nameEnc, in.Anonymous, in.PublicConsent, submitter, recorder, held,
			s.clock().AddWorkingHours(now, s.cfg.AcceptWithin.D()), now, now).Scan(&id); err != nil {
			return db.MapErrorIn("ticket.create", err, nil, nil)
		}
		if err := linkAttachments(ctx, tx, id, a.ID, in.AttachmentIDs); err != nil {
			return err
		}
		note := ""
		if held {
			note = "内容待人工审核"
		}
		return insertTimeline(ctx, tx, id, a, "submit", "", Submitted, note, held, now)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, no)
}

func linkAttachments(ctx context.Context, tx *sqlx.Tx, ticketID, owner int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{ticketID, owner}
	for _, id := range ids {
		args = append(args, id)
	}
	q := `UPDATE uploads SET ticket_id = ? WHERE owner_kind = 'resident' AND owner_id = ? AND ticket_id IS NULL AND id IN (?` +
		strings.Repeat(",?", len(ids)-1) + `)`
	res, err := tx.ExecContext(ctx, tx.Rebind(q), args...)
	if err != nil {
		return fmt.Errorf("ticket: link attachments: %w", err)
	}
	if n, _ := res.RowsAffected(); int(n) != len(ids) {
		return ErrBadAttachment
	}
	return nil
}
