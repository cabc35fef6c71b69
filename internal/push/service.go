package push

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/config"
	"govapp/internal/platform/db"
	"govapp/internal/platform/jobs"
)

// Service enqueues messages and keeps the grant ledger and the settings.
type Service struct {
	db        *db.DB
	queue     *jobs.Queue
	cfg       config.Push
	sender    Sender
	followers Followers
	throttle  Throttle
	resolvers map[string]Resolver
	log       *slog.Logger
	now       func() time.Time
}

// Deps are the seams the pipeline sends through.
type Deps struct {
	Sender    Sender
	Followers Followers // may be nil: no official-account fallback
	Throttle  Throttle
}

// NewService returns the push service; queue is where fan-out jobs go.
func NewService(d *db.DB, queue *jobs.Queue, cfg config.Push, deps Deps, log *slog.Logger) *Service {
	s := &Service{db: d, queue: queue, cfg: cfg, sender: deps.Sender, followers: deps.Followers, throttle: deps.Throttle,
		resolvers: map[string]Resolver{}, log: log, now: func() time.Time { return time.Now().UTC() }}
	s.resolvers["residents"] = residentList{}
	return s
}

// SetQueue sets the queue after construction (the queue's workers need the service).
func (s *Service) SetQueue(q *jobs.Queue) { s.queue = q }

// Register makes an audience kind available (e.g. "topic_subscribers").
func (s *Service) Register(kind string, r Resolver) { s.resolvers[kind] = r }

// EnqueueTx records msg and its fan-out job inside the caller's transaction:
// both commit with the cause or not at all. A cause already enqueued is not
// enqueued again (it reports false).
func (s *Service) EnqueueTx(ctx context.Context, tx *sqlx.Tx, m Message) (bool, error) {
	if _, ok := s.cfg.Templates[m.Template]; !ok {
		return false, fmt.Errorf("push: unknown template %q", m.Template)
	}
	if err := checkFields(m); err != nil {
		return false, err
	}
	if _, ok := s.resolvers[m.Audience.Kind]; !ok {
		return false, fmt.Errorf("push: unknown audience %q", m.Audience.Kind)
	}
	if m.Cause == "" || len(m.Cause) > 200 {
		return false, errors.New("push: a message needs a cause of at most 200 characters")
	}
	data, err := json.Marshal(m.Data)
	if err != nil {
		return false, err
	}
	aud, err := json.Marshal(m.Audience)
	if err != nil {
		return false, err
	}
	now := s.now()
	const stmt = `INSERT INTO push_messages (cause, template, page, data, audience, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cause) DO NOTHING RETURNING id`
	var id int64
	err = tx.QueryRowxContext(ctx, tx.Rebind(stmt), m.Cause, m.Template, m.Page, string(data), string(aud), now, now).Scan(&id)
	if errors.Is(err, errNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("push: enqueue %s: %w", m.Cause, err)
	}
	if _, err := s.queue.InsertTx(ctx, tx, FanoutArgs{MessageID: id}, nil); err != nil {
		return false, err
	}
	return true, nil
}

// Enqueue is EnqueueTx in a transaction of its own.
func (s *Service) Enqueue(ctx context.Context, m Message) (bool, error) {
	var created bool
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		created, err = s.EnqueueTx(ctx, tx, m)
		return err
	})
	return created, err
}

// maxGrants bounds the grants kept per resident and template.
const maxGrants = 100

// AddGrants records count one-time grants of a subscribe template the
// resident accepted in the mini-program.
func (s *Service) AddGrants(ctx context.Context, residentID int64, templateID string, count int) (int, error) {
	if !s.knownSubscribeTemplate(templateID) {
		return 0, ErrUnknownTemplate
	}
	if count < 1 || count > 50 {
		return 0, ErrBadCount
	}
	const stmt = `INSERT INTO push_grants (resident_id, template_id, remaining, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (resident_id, template_id) DO UPDATE SET
			remaining = CASE WHEN push_grants.remaining + excluded.remaining > ? THEN ? ELSE push_grants.remaining + excluded.remaining END,
			updated_at = excluded.updated_at
		RETURNING remaining`
	var remaining int
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(stmt), residentID, templateID, min(count, maxGrants), s.now(), maxGrants, maxGrants).Scan(&remaining)
	if err != nil {
		return 0, db.MapErrorIn("push.AddGrants", err, nil, nil)
	}
	return remaining, nil
}

func (s *Service) knownSubscribeTemplate(id string) bool {
	for _, t := range s.cfg.Templates {
		if t.SubscribeID == id && id != "" {
			return true
		}
	}
	return false
}

// Grant is one template's remaining grants.
type Grant struct {
	TemplateID string `db:"template_id" json:"template_id"`
	Remaining  int    `db:"remaining" json:"remaining"`
}

// Grants lists a resident's remaining grants.
func (s *Service) Grants(ctx context.Context, residentID int64) ([]Grant, error) {
	var out []Grant
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT template_id, remaining FROM push_grants WHERE resident_id = ? ORDER BY template_id`), residentID)
	if err != nil {
		return nil, db.MapErrorIn("push.Grants", err, nil, nil)
	}
	if out == nil {
		out = []Grant{}
	}
	return out, nil
}

var defaultSettings = Settings{Tickets: true, Appointments: true, Policies: true}

// GetSettings returns what the resident receives (everything by default).
func (s *Service) GetSettings(ctx context.Context, residentID int64) (Settings, error) {
	st := defaultSettings
	err := s.db.GetContext(ctx, &st, s.db.Rebind(`SELECT tickets, appointments, policies FROM notification_settings WHERE resident_id = ?`), residentID)
	if err != nil && !errors.Is(err, errNoRows) {
		return st, db.MapErrorIn("push.GetSettings", err, nil, nil)
	}
	return st, nil
}

// PutSettings stores what the resident wants to receive.
func (s *Service) PutSettings(ctx context.Context, residentID int64, st Settings) (Settings, error) {
	const stmt = `INSERT INTO notification_settings (resident_id, tickets, appointments, policies, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (resident_id) DO UPDATE SET tickets = excluded.tickets, appointments = excluded.appointments,
			policies = excluded.policies, updated_at = excluded.updated_at`
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(stmt), residentID, st.Tickets, st.Appointments, st.Policies, s.now()); err != nil {
		return st, db.MapErrorIn("push.PutSettings", err, nil, nil)
	}
	return st, nil
}

// Stats returns the totals of the message of a cause, live while it fans out.
func (s *Service) Stats(ctx context.Context, cause string) (Stats, error) {
	var m struct {
		ID         int64     `db:"id"`
		Recipients int       `db:"recipients"`
		Done       bool      `db:"fanout_done"`
		CreatedAt  time.Time `db:"created_at"`
	}
	if err := s.db.GetContext(ctx, &m, s.db.Rebind(`SELECT id, recipients, fanout_done, created_at FROM push_messages WHERE cause = ?`), cause); err != nil {
		return Stats{}, db.MapError(err, ErrMessageNotFound, nil)
	}
	st := Stats{Cause: cause, Recipients: m.Recipients, FanoutDone: m.Done, ByStatus: map[string]int{}, CreatedAt: m.CreatedAt}
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT status, COUNT(*) AS n FROM push_deliveries
		WHERE message_id = ? GROUP BY status`), m.ID); err != nil {
		return st, db.MapErrorIn("push.Stats", err, nil, nil)
	}
	for _, r := range rows {
		st.ByStatus[r.Status] = r.N
	}
	st.UpdatedAt = m.CreatedAt
	var last time.Time
	err := s.db.GetContext(ctx, &last, s.db.Rebind(`SELECT updated_at FROM push_deliveries WHERE message_id = ? AND status = 'sent'
		ORDER BY updated_at DESC LIMIT 1`), m.ID)
	if err == nil {
		st.UpdatedAt = last
	} else if !errors.Is(err, errNoRows) {
		return st, db.MapErrorIn("push.Stats", err, nil, nil)
	}
	if err := s.db.SelectContext(ctx, &st.Failures, s.db.Rebind(`SELECT errcode, COUNT(*) AS n FROM push_deliveries
		WHERE message_id = ? AND status IN ('failed', 'refused') GROUP BY errcode ORDER BY n DESC`), m.ID); err != nil {
		return st, db.MapErrorIn("push.Stats", err, nil, nil)
	}
	if st.Failures == nil {
		st.Failures = []FailureSummary{}
	}
	if secs := st.UpdatedAt.Sub(st.CreatedAt).Seconds(); secs > 0 {
		st.Rate = float64(st.ByStatus[StatusSent]) / secs
	}
	return st, nil
}

// residentList is the built-in audience: an explicit list of residents.
type residentList struct{}

func (residentList) Recipients(_ context.Context, a Audience, after int64, limit int) ([]int64, error) {
	ids := append([]int64(nil), a.ResidentIDs...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	i, _ := slices.BinarySearch(ids, after+1)
	ids = ids[i:]
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

var errNoRows = sql.ErrNoRows
