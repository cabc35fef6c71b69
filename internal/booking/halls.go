package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/calendar"
	"govapp/internal/guide"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
)

// hallRow is a stored hall.
type hallRow struct {
	ID           int64    `db:"id" json:"id"`
	Name         string   `db:"name" json:"name"`
	District     string   `db:"district" json:"district"`
	Address      string   `db:"address" json:"address"`
	Phone        string   `db:"phone" json:"phone"`
	Lat          *float64 `db:"lat" json:"lat"`
	Lng          *float64 `db:"lng" json:"lng"`
	Hours        string   `db:"hours" json:"hours"`
	DepartmentID *int64   `db:"department_id" json:"department_id"`
	// Closed maps a local date to the reason the whole hall is closed then.
	Closed map[string]string `db:"-" json:"closed,omitempty"`
}

const selectHall = `SELECT id, name, district, address, phone, lat, lng, hours, department_id FROM halls`

// HallInput is what an admin writes about a hall.
type HallInput struct {
	Name         string            `json:"name"`
	District     string            `json:"district"`
	Address      string            `json:"address"`
	Phone        string            `json:"phone"`
	Lat          *float64          `json:"lat"`
	Lng          *float64          `json:"lng"`
	Hours        map[string]string `json:"hours"`
	DepartmentID int64             `json:"department_id"`
}

func (in *HallInput) validate() error {
	f := map[string]string{}
	in.Name, in.Address = strings.TrimSpace(in.Name), strings.TrimSpace(in.Address)
	textLen(f, "name", in.Name, 2, 40)
	textLen(f, "district", in.District, 0, 20)
	textLen(f, "address", in.Address, 0, 100)
	textLen(f, "phone", in.Phone, 0, 30)
	if (in.Lat == nil) != (in.Lng == nil) || (in.Lat != nil && (*in.Lat < -90 || *in.Lat > 90 || *in.Lng < -180 || *in.Lng > 180)) {
		f["lat"] = "坐标无效"
	}
	for k, v := range in.Hours {
		if n, err := strconv.Atoi(k); err != nil || n < 1 || n > 7 || len(k) != 1 {
			f["hours"] = "键须为星期 1–7"
		} else if _, err := parseRanges(v); err != nil && v != "" {
			f["hours"] = "须为 09:00-12:00,13:30-17:00 的形式"
		}
	}
	if len(f) > 0 {
		return errs.Invalid(f)
	}
	return nil
}

func textLen(f map[string]string, field, v string, lo, hi int) {
	switch n := utf8.RuneCountInString(v); {
	case n == 0 && lo > 0:
		f[field] = "不能为空"
	case n < lo:
		f[field] = fmt.Sprintf("至少 %d 个字", lo)
	case n > hi:
		f[field] = fmt.Sprintf("不能超过 %d 个字", hi)
	case strings.ContainsRune(v, 0):
		f[field] = "含有无效字符"
	}
}

// parseRanges checks "09:00-12:00,13:30-17:00".
func parseRanges(v string) ([]calendar.WorkingHours, error) {
	var out []calendar.WorkingHours
	for _, part := range strings.Split(v, ",") {
		h, err := calendar.ParseWorkingHours(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// staffEntry is the audit entry of an admin's change (or the system's: seed).
func staffEntry(p account.Principal, action, target, id, detail string) audit.Entry {
	kind := p.Kind
	if kind == "" {
		kind = "system"
	}
	return audit.Entry{ActorKind: kind, ActorID: p.ID, ActorName: p.Name, Action: action,
		TargetType: target, TargetID: id, Detail: detail}
}

// SaveHall creates a hall (id 0) or replaces its description.
func (s *Service) SaveHall(ctx context.Context, p account.Principal, id int64, in HallInput) (*HallDetail, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	hours, _ := json.Marshal(in.Hours)
	if in.Hours == nil {
		hours = []byte("{}")
	}
	var dept any
	if in.DepartmentID != 0 {
		dept = in.DepartmentID
	}
	now := s.now()
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if id == 0 {
			const stmt = `INSERT INTO halls (name, district, address, phone, lat, lng, hours, department_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
			if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), in.Name, in.District, in.Address, in.Phone, in.Lat, in.Lng,
				string(hours), dept, now, now).Scan(&id); err != nil {
				return mapHallErr(err)
			}
		} else {
			const stmt = `UPDATE halls SET name = ?, district = ?, address = ?, phone = ?, lat = ?, lng = ?, hours = ?,
				department_id = ?, updated_at = ? WHERE id = ?`
			res, err := tx.ExecContext(ctx, tx.Rebind(stmt), in.Name, in.District, in.Address, in.Phone, in.Lat, in.Lng,
				string(hours), dept, now, id)
			if err != nil {
				return mapHallErr(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrHallNotFound
			}
		}
		return audit.Record(ctx, tx, staffEntry(p, "hall.save", "hall", strconv.FormatInt(id, 10), in.Name))
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx)
	return s.Hall(ctx, id)
}

func mapHallErr(err error) error {
	if db.IsForeignKeyViolation(err) {
		return errs.InvalidField("department_id", "部门不存在")
	}
	return db.MapError(err, ErrHallNotFound, errs.InvalidField("name", "已有同名的大厅"))
}

// WindowInput describes a new window.
type WindowInput struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Prefix string `json:"prefix"`
}

// AddWindow adds a window to a hall. Comprehensive windows share the hall's
// comprehensive prefix (A unless given); a dedicated lane's prefix is its own.
func (s *Service) AddWindow(ctx context.Context, p account.Principal, hallID int64, in WindowInput) (*Window, error) {
	f := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	textLen(f, "name", in.Name, 2, 20)
	if in.Kind != KindComprehensive && in.Kind != KindDedicated {
		f["kind"] = "须为 comprehensive 或 dedicated"
	}
	if in.Prefix == "" && in.Kind == KindComprehensive {
		in.Prefix = DefaultLane
	}
	if len(in.Prefix) != 1 || in.Prefix[0] < 'A' || in.Prefix[0] > 'Z' {
		f["prefix"] = "须为一个大写字母"
	}
	if len(f) > 0 {
		return nil, errs.Invalid(f)
	}
	var w Window
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := hallExists(ctx, tx, hallID); err != nil {
			return err
		}
		var other int
		if err := tx.GetContext(ctx, &other, tx.Rebind(`SELECT COUNT(*) FROM hall_windows WHERE hall_id = ? AND prefix = ? AND kind <> ?`),
			hallID, in.Prefix, in.Kind); err != nil {
			return err
		}
		if other > 0 {
			return errs.InvalidField("prefix", "该字母已用于另一类窗口")
		}
		const stmt = `INSERT INTO hall_windows (hall_id, name, kind, prefix, active, created_at) VALUES (?, ?, ?, ?, TRUE, ?)
			RETURNING id, hall_id, name, kind, prefix, active`
		if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), hallID, in.Name, in.Kind, in.Prefix, s.now()).StructScan(&w); err != nil {
			return db.MapError(err, nil, errs.InvalidField("name", "本大厅已有同名窗口"))
		}
		return audit.Record(ctx, tx, staffEntry(p, "hall.window_add", "hall", strconv.FormatInt(hallID, 10), in.Name))
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx)
	return &w, nil
}

func hallExists(ctx context.Context, q db.Queryer, id int64) error {
	var n int
	if err := q.GetContext(ctx, &n, q.Rebind(`SELECT COUNT(*) FROM halls WHERE id = ?`), id); err != nil {
		return db.MapErrorIn("booking.hallExists", err, nil, nil)
	}
	if n == 0 {
		return ErrHallNotFound
	}
	return nil
}

// GuideLane assigns an item to a hall's lane of windows (empty: the comprehensive windows).
type GuideLane struct {
	Code string `json:"guide_code"`
	Lane string `json:"lane,omitempty"`
}

// SetGuides replaces the items a hall takes bookings for. Each must be a
// published, bookable guide; its lane must be the prefix of a window of the hall.
func (s *Service) SetGuides(ctx context.Context, p account.Principal, hallID int64, items []GuideLane) ([]HallGuide, error) {
	l, err := s.layout(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := l.hall(hallID); !ok {
		return nil, ErrHallNotFound
	}
	lanes := map[string]bool{}
	for _, w := range l.Windows[hallID] {
		lanes[w.Prefix] = lanes[w.Prefix] || w.Active
	}
	f := map[string]string{}
	seen := map[string]bool{}
	out := make([]HallGuide, 0, len(items))
	for i, it := range items {
		key := fmt.Sprintf("guides[%d]", i)
		if it.Lane == "" {
			it.Lane = DefaultLane
		}
		g, err := s.guides.Get(ctx, it.Code)
		switch {
		case errors.Is(err, guide.ErrNotFound):
			f[key] = "事项 " + it.Code + " 不存在或未发布"
		case err != nil:
			return nil, err
		case !g.Bookable:
			f[key] = "事项 " + it.Code + " 不可预约"
		case !lanes[it.Lane]:
			f[key] = "本大厅没有前缀为 " + it.Lane + " 的窗口"
		case seen[it.Code]:
			f[key] = "事项重复"
		default:
			seen[it.Code] = true
			out = append(out, HallGuide{Code: g.Code, Name: g.Name, Lane: it.Lane})
		}
	}
	if len(f) > 0 {
		return nil, errs.Invalid(f)
	}
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM hall_guides WHERE hall_id = ?`), hallID); err != nil {
			return err
		}
		for _, g := range out {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO hall_guides (hall_id, guide_code, guide_name, lane) VALUES (?, ?, ?, ?)`),
				hallID, g.Code, g.Name, g.Lane); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, staffEntry(p, "hall.guides", "hall", strconv.FormatInt(hallID, 10), fmt.Sprintf("%d items", len(out))))
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx)
	return out, nil
}

// Halls lists the halls with today's opening; given a position, with the
// distance to each, nearest first.
func (s *Service) Halls(ctx context.Context, lat, lng *float64) ([]Hall, error) {
	return s.HallsFor(ctx, "", lat, lng)
}

// HallsFor is Halls, only those that take bookings for guideCode when it is
// given (an unknown code has no halls).
func (s *Service) HallsFor(ctx context.Context, guideCode string, lat, lng *float64) ([]Hall, error) {
	l, err := s.layout(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Hall, 0, len(l.Halls))
	for i := range l.Halls {
		if _, ok := l.guide(l.Halls[i].ID, guideCode); guideCode != "" && !ok {
			continue
		}
		h := s.view(&l.Halls[i])
		if lat != nil && lng != nil && h.Lat != nil && h.Lng != nil {
			d := int(math.Round(haversine(*lat, *lng, *h.Lat, *h.Lng)))
			h.DistanceM = &d
		}
		out = append(out, h)
	}
	if lat != nil {
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i].DistanceM, out[j].DistanceM
			return a != nil && (b == nil || *a < *b)
		})
	}
	return out, nil
}

// Hall returns one hall with its windows and items.
func (s *Service) Hall(ctx context.Context, id int64) (*HallDetail, error) {
	l, err := s.layout(ctx)
	if err != nil {
		return nil, err
	}
	row, ok := l.hall(id)
	if !ok {
		return nil, ErrHallNotFound
	}
	d := &HallDetail{Hall: s.view(row), Windows: []Window{}, Guides: []HallGuide{}}
	d.Windows = append(d.Windows, l.Windows[id]...)
	d.Guides = append(d.Guides, l.Guides[id]...)
	return d, nil
}

func (s *Service) view(r *hallRow) Hall {
	h := Hall{ID: r.ID, Name: r.Name, District: r.District, Address: r.Address, Phone: r.Phone, Lat: r.Lat, Lng: r.Lng,
		Hours: map[string]string{}}
	_ = json.Unmarshal([]byte(r.Hours), &h.Hours)
	if r.DepartmentID != nil {
		h.DepartmentID = *r.DepartmentID
	}
	h.Today = s.openingOn(r, h.Hours, s.today())
	return h
}

// openingOn is a hall's opening on day d: closed on a closure or a public
// holiday; a make-up working day keeps Monday's hours.
func (s *Service) openingOn(r *hallRow, hours map[string]string, d calendar.Date) Today {
	t := Today{Date: d.String()}
	if reason, ok := r.Closed[d.String()]; ok {
		t.Note = "今日闭厅：" + reason
		return t
	}
	wd := int(d.Weekday())
	if wd == 0 {
		wd = 7
	}
	day, listed := s.cal().Lookup(d)
	switch {
	case listed && day.Kind == calendar.Off:
		t.Note = "法定节假日休息"
		return t
	case listed && day.Kind == calendar.Workday && wd >= 6:
		t.Hours, t.Note = hours["1"], "调休上班"
	default:
		t.Hours = hours[strconv.Itoa(wd)]
	}
	t.Open = t.Hours != ""
	if !t.Open {
		t.Note = "休息日"
	}
	return t
}

// haversine returns the distance in metres between two positions.
func haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
