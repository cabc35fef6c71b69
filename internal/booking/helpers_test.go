package booking_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"

	"govapp/internal/account"
	"govapp/internal/booking"
	"govapp/internal/calendar"
	"govapp/internal/config"
	"govapp/internal/guide"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/jobs"
	"govapp/internal/push"
)

var shanghai = calendar.DefaultLocation()

// template is one migrated SQLite file the tests copy: migrating (River's
// migrations included) costs seconds under the race detector.
var template struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if template.dir != "" {
		_ = os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

// each runs fn per dialect on a fresh migrated database: a copy of the
// migrated SQLite file, and a fresh PostgreSQL schema when configured.
func each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			if dialect == db.SQLite {
				fn(t, freshSQLite(t))
				return
			}
			fn(t, dbtest.Open(t, dialect))
		})
	}
}

func freshSQLite(t *testing.T) *db.DB {
	t.Helper()
	template.once.Do(func() {
		if template.dir, template.err = os.MkdirTemp("", "booking-test-"); template.err != nil {
			return
		}
		ctx := context.Background()
		d, err := db.OpenSQLite(filepath.Join(template.dir, "template.db"), db.Options{})
		if err != nil {
			template.err = err
			return
		}
		defer d.Close()
		if _, err := d.Migrate(ctx); err != nil {
			template.err = err
			return
		}
		if err := jobs.Migrate(ctx, d); err != nil {
			template.err = err
			return
		}
		_, template.err = d.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	})
	if template.err != nil {
		t.Fatal(template.err)
	}
	b, err := os.ReadFile(filepath.Join(template.dir, "template.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "test.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := db.OpenSQLite(path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai).UTC()
}

// fakeGuides are the published guides the tests book.
type fakeGuides map[string]bool // code → bookable

func (f fakeGuides) Get(_ context.Context, code string) (*guide.Guide, error) {
	b, ok := f[code]
	if !ok {
		return nil, guide.ErrNotFound
	}
	return &guide.Guide{Content: guide.Content{Code: code, Name: "事项" + code, Bookable: b}}, nil
}

var testGuides = fakeGuides{"G1": true, "G2": true, "G3": true, "G4": true, "G5": true, "BDC": true, "OFF": false}

// world is a booking service on a fresh database with a clock the test moves.
type world struct {
	t     *testing.T
	d     *db.DB
	s     *booking.Service
	cfg   config.Booking
	mu    sync.Mutex
	now   time.Time
	admin account.Principal
}

func newWorld(t *testing.T, d *db.DB, tune ...func(*config.Booking)) *world {
	t.Helper()
	cfg := config.Defaults(config.ProfileEmbedded)
	for _, f := range tune {
		f(&cfg.Booking)
	}
	// Tuesday 10 November 2026, 08:00: the slots of Tuesday the 17th open now.
	w := &world{t: t, d: d, cfg: cfg.Booking, now: at(2026, 11, 10, 8, 0)}
	p := push.NewService(d, nil, cfg.Push, push.Deps{}, slog.New(slog.DiscardHandler))
	q, err := jobs.New(d, jobs.Options{Logger: slog.New(slog.DiscardHandler), Register: func(r *river.Workers) {
		river.AddWorker(r, &push.FanoutWorker{S: p})
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	p.SetQueue(q)
	cal := calendar.Default()
	w.s = booking.NewService(d, cache.NewMemory(0), func() booking.Calendar { return cal }, p, testGuides, cfg.Booking, shanghai,
		slog.New(slog.DiscardHandler))
	w.s.SetClock(w.clock)
	var id int64
	if err := d.QueryRowx(d.Rebind(`INSERT INTO staff (username, password_hash, role, created_at, updated_at) VALUES ('admin1', 'x', 'admin', ?, ?)
		ON CONFLICT (username) DO UPDATE SET updated_at = excluded.updated_at RETURNING id`),
		w.now, w.now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	w.admin = account.Principal{Kind: account.KindStaff, ID: id, Role: account.RoleAdmin, Name: "admin1"}
	return w
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) set(t time.Time) {
	w.mu.Lock()
	w.now = t
	w.mu.Unlock()
}

// hall is a hall made for a test: its id, windows by name and schedules.
type hall struct {
	id      int64
	windows map[string]int64
}

// newHall creates a hall with a comprehensive window "综合窗口1" (lane A)
// handling guides, plus any dedicated windows named in dedicated (name → prefix).
func (w *world) newHall(name string, guides []string, dedicated map[string]string) hall {
	w.t.Helper()
	ctx := context.Background()
	lat, lng := 28.2, 112.9
	h, err := w.s.SaveHall(ctx, w.admin, 0, booking.HallInput{Name: name, Address: "新城大道 1 号", Lat: &lat, Lng: &lng,
		Hours: map[string]string{"1": "09:00-17:00", "2": "09:00-17:00", "3": "09:00-17:00", "4": "09:00-17:00", "5": "09:00-17:00"}})
	if err != nil {
		w.t.Fatal(err)
	}
	out := hall{id: h.ID, windows: map[string]int64{}}
	win, err := w.s.AddWindow(ctx, w.admin, h.ID, booking.WindowInput{Name: "综合窗口1", Kind: booking.KindComprehensive})
	if err != nil {
		w.t.Fatal(err)
	}
	out.windows["综合窗口1"] = win.ID
	var lanes []booking.GuideLane
	for _, g := range guides {
		lanes = append(lanes, booking.GuideLane{Code: g})
	}
	for wname, prefix := range dedicated {
		win, err := w.s.AddWindow(ctx, w.admin, h.ID, booking.WindowInput{Name: wname, Kind: booking.KindDedicated, Prefix: prefix})
		if err != nil {
			w.t.Fatal(err)
		}
		out.windows[wname] = win.ID
		lanes = append(lanes, booking.GuideLane{Code: "BDC", Lane: prefix})
	}
	if _, err := w.s.SetGuides(ctx, w.admin, h.ID, lanes); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// schedule adds a schedule to a window of h.
func (w *world) schedule(h hall, window, days, start, end string, minutes, capacity int) {
	w.t.Helper()
	if _, err := w.s.AddSchedule(context.Background(), w.admin, h.id, booking.ScheduleInput{WindowID: h.windows[window], Days: days,
		Start: start, End: end, SlotMinutes: minutes, Capacity: capacity}); err != nil {
		w.t.Fatal(err)
	}
}

// slots returns the ids of a hall's open slots on a local date, by start.
func (w *world) slots(h hall, day string) []int64 {
	w.t.Helper()
	var ids []int64
	if err := w.d.Select(&ids, w.d.Rebind(`SELECT id FROM slots WHERE hall_id = ? AND day = ? AND status = 'open' ORDER BY starts_at, window_id`), h.id, day); err != nil {
		w.t.Fatal(err)
	}
	return ids
}

// laneSlots returns the ids of a hall's open slots of one lane on a local date, by start.
func (w *world) laneSlots(h hall, day, lane string) []int64 {
	w.t.Helper()
	var ids []int64
	if err := w.d.Select(&ids, w.d.Rebind(`SELECT id FROM slots WHERE hall_id = ? AND day = ? AND lane = ? AND status = 'open' ORDER BY starts_at, window_id`),
		h.id, day, lane); err != nil {
		w.t.Fatal(err)
	}
	return ids
}

// residents creates n residents with verified phones (person keys prefix-i) and returns their ids.
func (w *world) residents(prefix string, n int) []int64 {
	w.t.Helper()
	ids := make([]int64, 0, n)
	err := w.d.Tx(context.Background(), func(tx *sqlx.Tx) error {
		for i := 0; i < n; i += 200 {
			var sb strings.Builder
			var args []any
			sb.WriteString(`INSERT INTO residents (openid, phone_hash, phone_verified_at, created_at, updated_at) VALUES `)
			for j := i; j < min(n, i+200); j++ {
				if j > i {
					sb.WriteString(",")
				}
				sb.WriteString("(?, ?, ?, ?, ?)")
				args = append(args, fmt.Sprintf("o-%s-%d", prefix, j), fmt.Sprintf("%s-%d", prefix, j), w.now, w.now, w.now)
			}
			var got []int64
			if err := tx.Select(&got, tx.Rebind(sb.String()+` RETURNING id`), args...); err != nil {
				return err
			}
			ids = append(ids, got...)
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return ids
}

// resident creates one resident; phone "" leaves them without a bound phone.
func (w *world) resident(openid, phone string) int64 {
	w.t.Helper()
	var hash, verified any
	if phone != "" {
		hash, verified = "hash-"+phone, w.now
	}
	var id int64
	if err := w.d.QueryRowx(w.d.Rebind(`INSERT INTO residents (openid, phone_hash, phone_verified_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`),
		openid, hash, verified, w.now, w.now).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) book(resident, slot int64, g string) *booking.Appointment {
	w.t.Helper()
	a, err := w.s.Book(context.Background(), resident, slot, g)
	if err != nil {
		w.t.Fatalf("book slot %d for %d: %v", slot, resident, err)
	}
	return a
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.d.Get(&n, w.d.Rebind(q), args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// checkCounts fails unless, for every open slot, booked equals the places
// held by its appointments and never exceeds capacity, and every person's
// active count equals their booked appointments.
func (w *world) checkCounts() {
	w.t.Helper()
	if n := w.count(`SELECT COUNT(*) FROM slots s WHERE s.status = 'open' AND (s.booked > s.capacity OR s.booked <>
		(SELECT COUNT(*) FROM appointments a WHERE a.slot_id = s.id AND a.place_held))`); n != 0 {
		w.t.Fatalf("%d slots whose count differs from the places held or exceeds capacity", n)
	}
	if n := w.count(`SELECT COUNT(*) FROM slots s WHERE (SELECT COUNT(*) FROM appointments a WHERE a.slot_id = s.id AND a.status = 'booked') > s.capacity`); n != 0 {
		w.t.Fatalf("%d slots with more booked appointments than capacity", n)
	}
	if n := w.count(`SELECT COUNT(*) FROM booking_persons p WHERE p.active <>
		(SELECT COUNT(*) FROM appointments a WHERE a.person_key = p.person_key AND a.status = 'booked')`); n != 0 {
		w.t.Fatalf("%d persons whose active count differs from their booked appointments", n)
	}
}

// code is the stable code of a domain error ("ok" for nil).
func code(err error) string {
	if err == nil {
		return "ok"
	}
	if e, ok := errs.As(err); ok {
		return e.Code
	}
	return "unexpected: " + err.Error()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
