package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/maypok86/otter/v2"
	"golang.org/x/sync/singleflight"

	"govapp/internal/audit"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/wire"
	"govapp/internal/push"
)

// Guides finds the published service guides a policy links to.
type Guides interface {
	// GuideName returns the name of the published guide of code; ok is false
	// when there is none.
	GuideName(ctx context.Context, code string) (name string, ok bool, err error)
}

// Options tunes the service.
type Options struct {
	// SharedCache is the cache every instance sees (Redis in production). A
	// small in-process layer of immutable versions sits in front of it on
	// every profile: a hit there costs no copy and no round trip.
	SharedCache cache.Cache
	DetailTTL   time.Duration // how long a version stays in the shared cache
	LocalTTL    time.Duration // and in the in-process layer
	// VideoHosts are the hosts whose video players a body may embed.
	VideoHosts []string
}

// Service is the policy domain.
type Service struct {
	db     *db.DB
	log    *slog.Logger
	push   *push.Service
	guides Guides
	san    *Sanitizer
	cat    *Catalog
	cache  cache.Cache
	local  *otter.Cache[string, []byte]
	pages  *otter.Cache[string, []byte]
	opts   Options
	sf     singleflight.Group
	now    func() time.Time

	topics      []Topic
	topicMap    map[string]Topic
	detailLoads atomic.Int64
	sync        syncState
	syncMu      sync.Mutex
	// beforeCommit, when set (tests), runs last in a release's transaction.
	beforeCommit func(ctx context.Context, tx *sqlx.Tx) error
}

// NewService returns the policy service; releases fan out through p. Call
// Load before serving.
func NewService(d *db.DB, log *slog.Logger, p *push.Service, guides Guides, o Options) *Service {
	if o.DetailTTL <= 0 {
		o.DetailTTL = time.Hour
	}
	if o.LocalTTL <= 0 {
		o.LocalTTL = time.Minute
	}
	san := NewSanitizer(o.VideoHosts)
	s := &Service{db: d, log: log, push: p, guides: guides, san: san, cat: NewCatalog(san), cache: o.SharedCache, opts: o,
		now: func() time.Time { return time.Now().UTC() }}
	{
		s.local = otter.Must(&otter.Options[string, []byte]{
			MaximumSize:      5_000,
			ExpiryCalculator: otter.ExpiryWriting[string, []byte](o.LocalTTL),
		})
	}
	// Rendered pages never change for a version: they stay until evicted.
	s.pages = otter.Must(&otter.Options[string, []byte]{MaximumSize: 2_000})
	return s
}

// Catalog returns this instance's catalogue.
func (s *Service) Catalog() *Catalog { return s.cat }

// Sanitizer returns the body sanitiser (the page re-checks stored bodies with it).
func (s *Service) Sanitizer() *Sanitizer { return s.san }

// DetailLoads counts the database reads of published versions (cache misses).
func (s *Service) DetailLoads() int64 { return s.detailLoads.Load() }

// Load reads the topics and every released policy into the catalogue.
func (s *Service) Load(ctx context.Context) error {
	var topics []Topic
	if err := s.db.SelectContext(ctx, &topics, `SELECT code, name, sort_order FROM policy_topics ORDER BY sort_order, code`); err != nil {
		return fmt.Errorf("policy: load topics: %w", err)
	}
	s.topics = topics
	s.topicMap = make(map[string]Topic, len(topics))
	for _, t := range topics {
		s.topicMap[t.Code] = t
	}
	var last int64
	if err := s.db.GetContext(ctx, &last, `SELECT COALESCE(MAX(seq), 0) FROM policy_changes`); err != nil {
		return fmt.Errorf("policy: read change feed: %w", err)
	}
	all, err := loadReleased(ctx, s.db, nil)
	if err != nil {
		return err
	}
	for _, p := range all {
		s.cat.put(p)
	}
	s.sync.init(last)
	return nil
}

// Topics returns the topics in display order.
func (s *Service) Topics() []Topic { return s.topics }

// TopicCount is a topic with its number of published policies.
type TopicCount struct {
	Topic
	Count int `json:"count"`
}

// TopicCounts returns every topic with its number of published policies.
func (s *Service) TopicCounts() []TopicCount {
	counts := s.cat.Counts()
	out := make([]TopicCount, len(s.topics))
	for i, t := range s.topics {
		out[i] = TopicCount{Topic: t, Count: counts[t.Code]}
	}
	return out
}

// Detail returns what residents see of policy id as JSON: its current
// version, or the notice that it was withdrawn. It comes from the in-process
// layer, the shared cache or — once for any number of concurrent callers —
// the database; the key names the version and status, so it never goes stale.
func (s *Service) Detail(ctx context.Context, id int64) ([]byte, error) {
	st := s.cat.state(id)
	if st.version == 0 {
		return nil, ErrNotFound
	}
	key := st.key("wire", id) // the response's bytes, times in the API's convention (platform/wire)
	if s.local != nil {
		if b, ok := s.local.GetIfPresent(key); ok {
			return b, nil
		}
	}
	res, err, _ := s.sf.Do(key, func() (any, error) {
		if b, err := s.cache.Get(ctx, key); err == nil {
			return b, nil
		}
		s.detailLoads.Add(1)
		p, err := s.view(context.WithoutCancel(ctx), id, st)
		if err != nil {
			return nil, err
		}
		b, err := wire.Marshal(p)
		if err != nil {
			return nil, err
		}
		_ = s.cache.Set(ctx, key, b, s.opts.DetailTTL)
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	b := res.([]byte)
	if s.local != nil {
		s.local.Set(key, b)
	}
	return b, nil
}

// view reads the version residents see in state st.
func (s *Service) view(ctx context.Context, id int64, st state) (*Policy, error) {
	p, err := versionDoc(ctx, s.db, id, st.version)
	if err != nil {
		return nil, err
	}
	if st.status == StatusWithdrawn {
		r, err := getRow(ctx, s.db, id, false)
		if err != nil {
			return nil, err
		}
		withdrawn(p, r.WithdrawReason, r.WithdrawnAt.Time)
	}
	return p, nil
}

// Get returns what residents see of policy id, decoded.
func (s *Service) Get(ctx context.Context, id int64) (*Policy, error) {
	b, err := s.Detail(ctx, id)
	if err != nil {
		return nil, err
	}
	var p Policy
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("policy: decode %d: %w", id, err)
	}
	return &p, nil
}

// Page returns the public page of policy id as render makes it, rendered
// once per version and status on this instance.
func (s *Service) Page(ctx context.Context, id int64, render func(*Policy) ([]byte, error)) ([]byte, error) {
	st := s.cat.state(id)
	if st.version == 0 {
		return nil, ErrNotFound
	}
	key := st.key("page", id)
	if b, ok := s.pages.GetIfPresent(key); ok {
		return b, nil
	}
	res, err, _ := s.sf.Do(key, func() (any, error) {
		p, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		b, err := render(p)
		if err != nil {
			return nil, fmt.Errorf("policy: render page of %d: %w", id, err)
		}
		s.pages.Set(key, b)
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return res.([]byte), nil
}

// Draft is a policy as editors see it.
type Draft struct {
	ID               int64      `json:"id"`
	Content          Content    `json:"content"`
	Status           string     `json:"status"`
	Revision         int        `json:"revision"`
	PublishedVersion int        `json:"published_version"`
	Unpublished      bool       `json:"unpublished_changes"`
	WithdrawReason   string     `json:"withdraw_reason,omitempty"`
	UpdatedAt        time.Time  `json:"updated_at"`
	PublishedAt      *time.Time `json:"published_at,omitempty"`
}

func (r row) draft() (*Draft, error) {
	var c Content
	if err := json.Unmarshal([]byte(r.Draft), &c); err != nil {
		return nil, fmt.Errorf("policy: decode draft %d: %w", r.ID, err)
	}
	c.Normalize()
	d := &Draft{ID: r.ID, Content: c, Status: r.Status, Revision: r.Revision, PublishedVersion: r.PublishedVersion,
		Unpublished: r.DraftDirty, WithdrawReason: r.WithdrawReason, UpdatedAt: r.UpdatedAt}
	if r.PublishedAt.Valid {
		d.PublishedAt = &r.PublishedAt.Time
	}
	return d, nil
}

// GetDraft returns the editable state of policy id.
func (s *Service) GetDraft(ctx context.Context, id int64) (*Draft, error) {
	r, err := getRow(ctx, s.db, id, false)
	if err != nil {
		return nil, err
	}
	return r.draft()
}

// Actor is the staff member making a change.
type Actor struct {
	ID   int64
	Name string
}

func (a Actor) audit(action string, id int64, detail string) audit.Entry {
	return audit.Entry{ActorKind: "staff", ActorID: a.ID, ActorName: a.Name, Action: action, TargetType: "policy",
		TargetID: strconv.FormatInt(id, 10), Detail: detail}
}

// check normalises c, sanitises its body and validates it.
func (s *Service) check(c *Content) error {
	c.Normalize()
	c.Body = s.san.HTML(c.Body)
	return c.Validate(s.topicMap)
}

// Create saves a new draft and returns it.
func (s *Service) Create(ctx context.Context, actor Actor, c Content) (*Draft, error) {
	if err := s.check(&c); err != nil {
		return nil, err
	}
	draft, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		if id, err = insertPolicy(ctx, tx, &c, draft, actor.ID, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.audit("policy.create", id, ""))
	})
	if err != nil {
		return nil, err
	}
	return s.GetDraft(ctx, id)
}

// Update saves the draft of policy id. expected, when above zero, is the
// revision the editor started from (ErrStale if someone saved since). A
// withdrawn policy cannot change (ErrWithdrawn).
func (s *Service) Update(ctx context.Context, actor Actor, id int64, c Content, expected int) (*Draft, error) {
	if err := s.check(&c); err != nil {
		return nil, err
	}
	draft, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		rev, err := updateDraft(ctx, tx, id, &c, draft, expected, actor.ID, s.now())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.audit("policy.update", id, "revision="+strconv.Itoa(rev)))
	})
	if err != nil {
		return nil, err
	}
	return s.GetDraft(ctx, id)
}

// Preview renders the draft of policy id as residents would see it once
// published (related guides that are not published are left out).
func (s *Service) Preview(ctx context.Context, id int64) (*Policy, error) {
	r, err := getRow(ctx, s.db, id, false)
	if err != nil {
		return nil, err
	}
	d, err := r.draft()
	if err != nil {
		return nil, err
	}
	p, err := s.compose(ctx, id, d.Content, false)
	if err != nil {
		return nil, err
	}
	p.Status, p.Version, p.UpdatedAt = StatusPreview, r.PublishedVersion+1, r.UpdatedAt
	if r.PublishedAt.Valid {
		p.PublishedAt = r.PublishedAt.Time
	}
	return p, nil
}

// compose builds what residents read from a draft: topic names and the
// related guides with their names. strict refuses a guide that is not
// published; otherwise it is left out.
func (s *Service) compose(ctx context.Context, id int64, c Content, strict bool) (*Policy, error) {
	p := &Policy{ID: id, Content: c, TopicNames: []string{}, Guides: []GuideRef{}, Corrections: []Correction{}}
	for _, t := range c.Topics {
		p.TopicNames = append(p.TopicNames, s.topicMap[t].Name)
	}
	bad := map[string]string{}
	for i, code := range c.RelatedGuides {
		name, ok := "", false
		if s.guides != nil {
			var err error
			if name, ok, err = s.guides.GuideName(ctx, code); err != nil {
				return nil, err
			}
		}
		switch {
		case ok:
			p.Guides = append(p.Guides, GuideRef{Code: code, Name: name})
		case strict:
			bad[fmt.Sprintf("related_guides[%d]", i)] = msgUnpublishedGuide
		}
	}
	if len(bad) > 0 {
		return nil, errs.Invalid(bad)
	}
	return p, nil
}
