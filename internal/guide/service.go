package guide

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
)

var errUnknownDepartment = errs.InvalidField("department_id", "受理单位不存在")

// Options tunes the service.
type Options struct {
	// SharedCache is the cache every instance sees (Redis in production). A
	// small in-process layer of immutable versions sits in front of it on
	// every profile: a hit there costs no copy and no round trip.
	SharedCache cache.Cache
	DetailTTL   time.Duration // how long a version stays in the shared cache
	LocalTTL    time.Duration // and in the in-process layer
}

// Service is the guide domain.
type Service struct {
	db    *db.DB
	log   *slog.Logger
	cat   *Catalog
	cache cache.Cache
	local *otter.Cache[string, []byte]
	opts  Options
	sf    singleflight.Group
	now   func() time.Time

	categories  []Category
	categoryMap map[string]Category
	detailLoads atomic.Int64
	sync        syncState
	syncMu      sync.Mutex
}

// NewService returns the guide service; call Load before serving.
func NewService(d *db.DB, log *slog.Logger, o Options) *Service {
	if o.DetailTTL <= 0 {
		o.DetailTTL = time.Hour
	}
	if o.LocalTTL <= 0 {
		o.LocalTTL = time.Minute
	}
	s := &Service{db: d, log: log, cat: NewCatalog(), cache: o.SharedCache, opts: o, now: func() time.Time { return time.Now().UTC() }}
	{
		s.local = otter.Must(&otter.Options[string, []byte]{
			MaximumSize:      20_000,
			ExpiryCalculator: otter.ExpiryWriting[string, []byte](o.LocalTTL),
		})
	}
	return s
}

// Catalog returns this instance's catalogue.
func (s *Service) Catalog() *Catalog { return s.cat }

// DetailLoads counts the database reads of published versions (cache misses).
func (s *Service) DetailLoads() int64 { return s.detailLoads.Load() }

// Categories returns the categories in display order.
func (s *Service) Categories() []Category { return s.categories }

// Load reads the categories and every published guide into the catalogue.
func (s *Service) Load(ctx context.Context) error {
	var cats []Category
	if err := s.db.SelectContext(ctx, &cats, `SELECT code, name, audience, sort_order FROM guide_categories ORDER BY sort_order, code`); err != nil {
		return fmt.Errorf("guide: load categories: %w", err)
	}
	s.categories = cats
	s.categoryMap = make(map[string]Category, len(cats))
	for _, c := range cats {
		s.categoryMap[c.Code] = c
	}
	var last int64
	if err := s.db.GetContext(ctx, &last, `SELECT COALESCE(MAX(seq), 0) FROM guide_changes`); err != nil {
		return fmt.Errorf("guide: read change feed: %w", err)
	}
	// a page at a time: each statement stays short however large the
	// catalogue (changes made meanwhile come through the change feed, read
	// from last)
	page := loadPage
	var after int64
	for {
		var rows []struct {
			ID  int64  `db:"id"`
			Doc string `db:"doc"`
		}
		if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT g.id, v.doc FROM guides g JOIN guide_versions v
			ON v.guide_id = g.id AND v.version = g.published_version WHERE g.status = 'published' AND g.id > ?
			ORDER BY g.id LIMIT ?`), after, page); err != nil {
			return fmt.Errorf("guide: load catalogue: %w", err)
		}
		for _, r := range rows {
			var g Guide
			if err := json.Unmarshal([]byte(r.Doc), &g); err != nil {
				return fmt.Errorf("guide: decode stored version: %w", err)
			}
			s.cat.put(&g)
		}
		if len(rows) < page {
			break
		}
		after = rows[len(rows)-1].ID
	}
	s.sync.init(last, s.now())
	return nil
}

// loadPage is how many published guides Load reads per statement.
var loadPage = 1000

// Detail returns the published version of code as stored JSON: from the
// in-process layer, the shared cache, or — once for any number of concurrent
// callers — the database. Versions are immutable, so cached copies never go stale.
func (s *Service) Detail(ctx context.Context, code string) ([]byte, error) {
	v := s.cat.Version(code)
	if v == 0 {
		return nil, ErrNotFound
	}
	// the response's bytes, times in the API's convention (platform/wire):
	// the stored document is re-encoded once per version
	key := "guide:wire:" + code + ":v" + strconv.Itoa(v)
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
		stored, err := versionDoc(context.WithoutCancel(ctx), s.db, code, v)
		if err != nil {
			return nil, err
		}
		var g Guide
		if err := json.Unmarshal(stored, &g); err != nil {
			return nil, fmt.Errorf("guide: decode %s v%d: %w", code, v, err)
		}
		b, err := wire.Marshal(&g)
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

// Get returns the published guide decoded.
func (s *Service) Get(ctx context.Context, code string) (*Guide, error) {
	b, err := s.Detail(ctx, code)
	if err != nil {
		return nil, err
	}
	var g Guide
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("guide: decode %s: %w", code, err)
	}
	return &g, nil
}

// Version returns a stored version (any status) for editors.
func (s *Service) Version(ctx context.Context, code string, version int) ([]byte, error) {
	if version <= 0 {
		return nil, ErrVersionMissing
	}
	return versionDoc(ctx, s.db, code, version)
}

// VersionInfo describes one published version.
type VersionInfo struct {
	Version     int       `db:"version" json:"version"`
	PublishedAt time.Time `db:"published_at" json:"published_at"`
	PublishedBy *int64    `db:"published_by" json:"published_by"`
}

// Versions lists every published version of code, newest first.
func (s *Service) Versions(ctx context.Context, code string) ([]VersionInfo, error) {
	if _, err := getRow(ctx, s.db, code, false); err != nil {
		return nil, err
	}
	const stmt = `SELECT v.version, v.published_at, v.published_by FROM guide_versions v JOIN guides g ON g.id = v.guide_id
		WHERE g.code = ? ORDER BY v.version DESC`
	var out []VersionInfo
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(stmt), code); err != nil {
		return nil, db.MapErrorIn("guide.Versions", err, nil, nil)
	}
	return out, nil
}

// Draft is a guide as editors see it.
type Draft struct {
	Content          Content   `json:"content"`
	Status           string    `json:"status"`
	Revision         int       `json:"revision"`
	PublishedVersion int       `json:"published_version"`
	Unpublished      bool      `json:"unpublished_changes"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func (r row) draft() (*Draft, error) {
	var c Content
	if err := json.Unmarshal([]byte(r.Draft), &c); err != nil {
		return nil, fmt.Errorf("guide: decode draft %s: %w", r.Code, err)
	}
	c.Normalize()
	return &Draft{Content: c, Status: r.Status, Revision: r.Revision, PublishedVersion: r.PublishedVersion,
		Unpublished: r.DraftDirty, UpdatedAt: r.UpdatedAt}, nil
}

// GetDraft returns the editable state of code.
func (s *Service) GetDraft(ctx context.Context, code string) (*Draft, error) {
	r, err := getRow(ctx, s.db, code, false)
	if err != nil {
		return nil, err
	}
	return r.draft()
}

// Preview renders the draft as residents would see it once published.
func (s *Service) Preview(ctx context.Context, code string) (*Guide, error) {
	d, err := s.GetDraft(ctx, code)
	if err != nil {
		return nil, err
	}
	g := &Guide{Content: d.Content, Status: "preview", Version: d.PublishedVersion + 1, UpdatedAt: d.UpdatedAt}
	if d.Content.DepartmentID != 0 {
		g.Department, _ = departmentName(ctx, s.db, d.Content.DepartmentID)
	}
	return g, nil
}

// Actor is the staff member making a change.
type Actor struct {
	ID   int64
	Name string
}

func (a Actor) audit(action, code, detail string) audit.Entry {
	return audit.Entry{ActorKind: "staff", ActorID: a.ID, ActorName: a.Name, Action: action, TargetType: "guide", TargetID: code, Detail: detail}
}

func (s *Service) check(ctx context.Context, q db.Queryer, c *Content) error {
	c.Normalize()
	if err := c.Validate(s.categoryMap); err != nil {
		return err
	}
	if c.DepartmentID != 0 {
		if _, err := departmentName(ctx, q, c.DepartmentID); err != nil {
			return err
		}
	}
	return nil
}

// Create saves a new draft.
func (s *Service) Create(ctx context.Context, actor Actor, c Content) (*Draft, error) {
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error { return s.createTx(ctx, tx, actor, &c) })
	if err != nil {
		return nil, err
	}
	return s.GetDraft(ctx, c.Code)
}

func (s *Service) createTx(ctx context.Context, tx *sqlx.Tx, actor Actor, c *Content) error {
	if err := s.check(ctx, tx, c); err != nil {
		return err
	}
	draft, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := insertGuide(ctx, tx, c, draft, actor.ID, s.now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor.audit("guide.create", c.Code, ""))
}

// Update saves the draft of an existing guide. expected, when above zero, is
// the revision the editor started from (ErrStale if someone saved since).
func (s *Service) Update(ctx context.Context, actor Actor, code string, c Content, expected int) (*Draft, error) {
	c.Code = code
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error { return s.updateTx(ctx, tx, actor, &c, expected) })
	if err != nil {
		return nil, err
	}
	return s.GetDraft(ctx, code)
}

func (s *Service) updateTx(ctx context.Context, tx *sqlx.Tx, actor Actor, c *Content, expected int) error {
	if err := s.check(ctx, tx, c); err != nil {
		return err
	}
	draft, err := json.Marshal(c)
	if err != nil {
		return err
	}
	rev, err := updateDraft(ctx, tx, c, draft, expected, actor.ID, s.now())
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor.audit("guide.update", c.Code, "revision="+strconv.Itoa(rev)))
}

// Publish makes the draft an immutable new version, visible to residents at
// once on this instance and within the sync interval on every other.
func (s *Service) Publish(ctx context.Context, actor Actor, code string) (*Guide, error) {
	var g *Guide
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		g, err = s.publishTx(ctx, tx, actor, code)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.cat.put(g)
	return g, nil
}

func (s *Service) publishTx(ctx context.Context, tx *sqlx.Tx, actor Actor, code string) (*Guide, error) {
	r, err := getRow(ctx, tx, code, true)
	if err != nil {
		return nil, err
	}
	if r.Status == StatusPublished && !r.DraftDirty {
		return nil, ErrNothingToPub
	}
	d, err := r.draft()
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, tx, &d.Content); err != nil {
		return nil, err
	}
	if err := d.Content.Complete(); err != nil {
		return nil, err
	}
	dept, err := departmentName(ctx, tx, d.Content.DepartmentID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	v, err := bumpVersion(ctx, tx, code, now)
	if err != nil {
		return nil, err
	}
	g := &Guide{Content: d.Content, Department: dept, Status: StatusPublished, Version: v, PublishedAt: now, UpdatedAt: now}
	if err := insertVersion(ctx, tx, r.ID, g, actor.ID); err != nil {
		return nil, err
	}
	if err := recordChange(ctx, tx, code, now); err != nil {
		return nil, err
	}
	return g, audit.Record(ctx, tx, actor.audit("guide.publish", code, "version="+strconv.Itoa(v)))
}

// Retire hides a guide from residents; its versions stay readable by editors.
func (s *Service) Retire(ctx context.Context, actor Actor, code string) error {
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		r, err := getRow(ctx, tx, code, true)
		if err != nil {
			return err
		}
		if r.Status == StatusRetired {
			return ErrRetired
		}
		now := s.now()
		const stmt = `UPDATE guides SET status = 'retired', draft_dirty = TRUE, updated_at = ? WHERE code = ?`
		if _, err := tx.ExecContext(ctx, tx.Rebind(stmt), now, code); err != nil {
			return err
		}
		if err := recordChange(ctx, tx, code, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.audit("guide.retire", code, ""))
	})
	if err != nil {
		return err
	}
	s.cat.remove(code)
	return nil
}
