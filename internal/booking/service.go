package booking

import (
	"bytes"
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

	"govapp/internal/account"
	"govapp/internal/calendar"
	"govapp/internal/config"
	"govapp/internal/guide"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/push"
)

// Calendar is the holiday calendar slots are generated on.
type Calendar interface {
	IsWorkingDate(d calendar.Date) bool
	Lookup(d calendar.Date) (calendar.Day, bool)
}

// Guides looks up published guides (the items residents book).
type Guides interface {
	Get(ctx context.Context, code string) (*guide.Guide, error)
}

// Service is the booking domain.
type Service struct {
	db     *db.DB
	cache  cache.Cache
	cal    func() Calendar
	push   *push.Service
	guides Guides
	cfg    config.Booking
	loc    *time.Location
	log    *slog.Logger
	now    func() time.Time
	sf     singleflight.Group

	// oneStatement books with the single PostgreSQL statement (bookCTE);
	// otherwise with the portable transaction. Both are kept and tested.
	oneStatement bool
	stmtMu       sync.Mutex
	bookStmt     *sqlx.Stmt
	// writer is the turn of this process's booking writers on SQLite.
	writer     chan struct{}
	lastLayout atomic.Pointer[decodedLayout]
	// space starts every cache key: deployments that share one Redis but
	// keep their data in different PostgreSQL schemas must not share keys.
	space string
	// fullHere is this process's copy of the "slot full" notes (knownFull).
	fullHere *otter.Cache[int64, struct{}]
}

// NewService returns the booking service; cal returns the current holiday
// calendar (admins may change it while the service runs).
func NewService(d *db.DB, c cache.Cache, cal func() Calendar, p *push.Service, guides Guides, cfg config.Booking, loc *time.Location, log *slog.Logger) *Service {
	return &Service{db: d, cache: c, cal: cal, push: p, guides: guides, cfg: cfg, loc: loc, log: log,
		now: func() time.Time { return time.Now().UTC() }, oneStatement: d.Dialect == db.Postgres, writer: make(chan struct{}, 1),
		space: d.Keyspace(), fullHere: otter.Must(&otter.Options[int64, struct{}]{
			MaximumSize:      50_000,
			ExpiryCalculator: otter.ExpiryWriting[int64, struct{}](max(cfg.SlotsCacheTTL.D(), time.Millisecond)),
		})}
}

// tx runs fn in a transaction, in the writers' turn (see turn).
func (s *Service) tx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	done, err := s.turn(ctx)
	if err != nil {
		return err
	}
	defer done()
	return s.db.Tx(ctx, fn)
}

// turn waits for this process's turn to write on SQLite, which takes one
// writer at a time and makes the others retry after sleeps (its busy
// handler): the service's writers rather queue here, so that under a rush
// the database lock passes from one transaction to the next without idling.
// PostgreSQL needs no turn. Call the returned func when done.
func (s *Service) turn(ctx context.Context) (func(), error) {
	if s.db.Dialect != db.SQLite {
		return func() {}, nil
	}
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// SetClock replaces the wall clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetOneStatement chooses the PostgreSQL one-statement booking (true, the
// default there) or the portable transaction; SQLite always uses the latter.
func (s *Service) SetOneStatement(on bool) { s.oneStatement = on && s.db.Dialect == db.Postgres }

// today returns the local date of now.
func (s *Service) today() calendar.Date { return calendar.DateOf(s.now().In(s.loc)) }

// at returns the instant of the local clock time hhmm ("08:00") on day d.
func (s *Service) at(d calendar.Date, hhmm string) time.Time {
	mins, _ := parseClock(hhmm)
	return d.In(s.loc).Add(time.Duration(mins) * time.Minute).UTC()
}

// parseClock parses "HH:MM" (00:00–24:00) into minutes after midnight.
func parseClock(v string) (int, error) {
	if len(v) != 5 || v[2] != ':' {
		return 0, fmt.Errorf("booking: bad time %q", v)
	}
	h, err1 := strconv.Atoi(v[:2])
	m, err2 := strconv.Atoi(v[3:])
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h*60+m > 24*60 {
		return 0, fmt.Errorf("booking: bad time %q", v)
	}
	return h*60 + m, nil
}

// canOperate reports whether staff p may work hall id's queue: admins any
// hall, clerks only their own.
func canOperate(p account.Principal, hallID int64) error {
	if p.Kind == account.KindStaff && (p.Role == account.RoleAdmin || (p.Role == account.RoleClerk && p.HallID == hallID)) {
		return nil
	}
	return ErrOtherHall
}

// layout is every hall with its windows and items, cached briefly and
// dropped on every admin change: what lists, details and slot views need.
type layout struct {
	Halls   []hallRow             `json:"halls"`
	Windows map[int64][]Window    `json:"windows"`
	Guides  map[int64][]HallGuide `json:"guides"`
}

func (s *Service) layoutKey() string { return s.space + "booking:layout:v1" }

func (l *layout) hall(id int64) (*hallRow, bool) {
	for i := range l.Halls {
		if l.Halls[i].ID == id {
			return &l.Halls[i], true
		}
	}
	return nil, false
}

func (l *layout) guide(hallID int64, code string) (HallGuide, bool) {
	for _, g := range l.Guides[hallID] {
		if g.Code == code {
			return g, true
		}
	}
	return HallGuide{}, false
}

func (l *layout) windowName(hallID, windowID int64) string {
	for _, w := range l.Windows[hallID] {
		if w.ID == windowID {
			return w.Name
		}
	}
	return ""
}

// decodedLayout is the last layout this instance decoded, with its bytes.
type decodedLayout struct {
	raw []byte
	l   *layout
}

// layout returns the cached layout (decoded again only when the cached bytes
// change), loading it once for concurrent callers on a miss.
func (s *Service) layout(ctx context.Context) (*layout, error) {
	if b, err := s.cache.Get(ctx, s.layoutKey()); err == nil {
		if last := s.lastLayout.Load(); last != nil && bytes.Equal(last.raw, b) {
			return last.l, nil
		}
		var l layout
		if json.Unmarshal(b, &l) == nil {
			s.lastLayout.Store(&decodedLayout{raw: append([]byte(nil), b...), l: &l})
			return &l, nil
		}
	}
	v, err, _ := s.sf.Do(s.layoutKey(), func() (any, error) {
		l, err := loadLayout(context.WithoutCancel(ctx), s.db, s.today().String())
		if err != nil {
			return nil, err
		}
		if b, err := json.Marshal(l); err == nil {
			_ = s.cache.Set(ctx, s.layoutKey(), b, time.Minute)
		}
		return l, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*layout), nil
}

// changed drops the cached layout after an admin change.
func (s *Service) changed(ctx context.Context) { _ = s.cache.Delete(ctx, s.layoutKey()) }

func loadLayout(ctx context.Context, q db.Queryer, today string) (*layout, error) {
	l := &layout{Windows: map[int64][]Window{}, Guides: map[int64][]HallGuide{}}
	if err := q.SelectContext(ctx, &l.Halls, selectHall+` ORDER BY id`); err != nil {
		return nil, fmt.Errorf("booking: load halls: %w", err)
	}
	var ws []Window
	if err := q.SelectContext(ctx, &ws, `SELECT id, hall_id, name, kind, prefix, active FROM hall_windows ORDER BY hall_id, id`); err != nil {
		return nil, fmt.Errorf("booking: load windows: %w", err)
	}
	for _, w := range ws {
		l.Windows[w.HallID] = append(l.Windows[w.HallID], w)
	}
	var gs []struct {
		HallID int64 `db:"hall_id"`
		HallGuide
	}
	if err := q.SelectContext(ctx, &gs, `SELECT hall_id, guide_code, guide_name, lane FROM hall_guides ORDER BY hall_id, guide_code`); err != nil {
		return nil, fmt.Errorf("booking: load hall guides: %w", err)
	}
	for _, g := range gs {
		l.Guides[g.HallID] = append(l.Guides[g.HallID], g.HallGuide)
	}
	return l, closedDays(ctx, q, l, today)
}

// closedDays adds the whole-hall closures from today on to the layout.
func closedDays(ctx context.Context, q db.Queryer, l *layout, from string) error {
	var rows []struct {
		HallID int64  `db:"hall_id"`
		Day    string `db:"day"`
		Reason string `db:"reason"`
	}
	if err := q.SelectContext(ctx, &rows, q.Rebind(`SELECT hall_id, day, reason FROM hall_closures WHERE window_id IS NULL AND day >= ?`), from); err != nil {
		return fmt.Errorf("booking: load closures: %w", err)
	}
	for _, r := range rows {
		if h, ok := l.hall(r.HallID); ok {
			if h.Closed == nil {
				h.Closed = map[string]string{}
			}
			h.Closed[r.Day] = r.Reason
		}
	}
	return nil
}
