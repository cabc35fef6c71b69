package ticket

import (
	"context"
	"math"
	"sort"
	"time"

	"govapp/internal/platform/db"
)

// Stats are the published figures by which departments are assessed.
type Stats struct {
	From         time.Time         `json:"from"`
	To           time.Time         `json:"to"`
	Total        int               `json:"total"`
	ByKind       map[string]int    `json:"by_kind"`
	ByCategory   map[string]int    `json:"by_category"`
	Departments  []DepartmentStats `json:"departments"`
	OnTimeRate   *float64          `json:"on_time_rate"`
	Satisfaction *float64          `json:"average_satisfaction"`
}

// DepartmentStats are one lead department's figures.
type DepartmentStats struct {
	DepartmentID int64    `json:"department_id"`
	Department   string   `json:"department"`
	Tickets      int      `json:"tickets"`
	Replied      int      `json:"replied"`
	OnTime       int      `json:"on_time"`
	OnTimeRate   *float64 `json:"on_time_rate"` // replied on time / replied (with a deadline)
	Rated        int      `json:"rated"`
	Satisfaction *float64 `json:"average_satisfaction"`
}

// Stats computes the figures of tickets submitted in [from, to).
func (s *Service) Stats(ctx context.Context, from, to time.Time) (Stats, error) {
	st := Stats{From: from, To: to, ByKind: map[string]int{}, ByCategory: map[string]int{}, Departments: []DepartmentStats{}}
	var counts []struct {
		Kind     string `db:"kind"`
		Category string `db:"category"`
		N        int    `db:"n"`
	}
	const byKind = `SELECT kind, category, COUNT(*) AS n FROM tickets WHERE created_at >= ? AND created_at < ? AND status <> 'merged'
		GROUP BY kind, category`
	if err := s.db.SelectContext(ctx, &counts, s.db.Rebind(byKind), from, to); err != nil {
		return st, db.MapErrorIn("ticket.Stats", err, nil, nil)
	}
	for _, c := range counts {
		st.ByKind[c.Kind] += c.N
		st.ByCategory[c.Category] += c.N
		st.Total += c.N
	}
	var depts []struct {
		ID        int64   `db:"department_id"`
		Name      string  `db:"name"`
		Tickets   int     `db:"tickets"`
		Replied   int     `db:"replied"`
		OnTime    int     `db:"on_time"`
		Rated     int     `db:"rated"`
		RatingSum float64 `db:"rating_sum"`
	}
	const byDept = `SELECT t.department_id, d.name, COUNT(*) AS tickets,
		SUM(CASE WHEN t.replied_at IS NOT NULL AND t.reply_due_at IS NOT NULL THEN 1 ELSE 0 END) AS replied,
		SUM(CASE WHEN t.replied_at IS NOT NULL AND t.reply_due_at IS NOT NULL AND t.replied_at <= t.reply_due_at THEN 1 ELSE 0 END) AS on_time,
		SUM(CASE WHEN t.rating IS NOT NULL THEN 1 ELSE 0 END) AS rated,
		COALESCE(SUM(t.rating), 0) AS rating_sum
		FROM tickets t JOIN departments d ON d.id = t.department_id
		WHERE t.created_at >= ? AND t.created_at < ? AND t.status <> 'merged'
		GROUP BY t.department_id, d.name`
	if err := s.db.SelectContext(ctx, &depts, s.db.Rebind(byDept), from, to); err != nil {
		return st, db.MapErrorIn("ticket.Stats", err, nil, nil)
	}
	var replied, onTime, rated int
	var ratingSum float64
	for _, d := range depts {
		ds := DepartmentStats{DepartmentID: d.ID, Department: d.Name, Tickets: d.Tickets, Replied: d.Replied, OnTime: d.OnTime, Rated: d.Rated}
		ds.OnTimeRate = ratio(float64(d.OnTime), d.Replied)
		ds.Satisfaction = ratio(d.RatingSum, d.Rated)
		st.Departments = append(st.Departments, ds)
		replied, onTime, rated, ratingSum = replied+d.Replied, onTime+d.OnTime, rated+d.Rated, ratingSum+d.RatingSum
	}
	sort.Slice(st.Departments, func(i, j int) bool { return st.Departments[i].DepartmentID < st.Departments[j].DepartmentID })
	st.OnTimeRate = ratio(float64(onTime), replied)
	st.Satisfaction = ratio(ratingSum, rated)
	return st, nil
}

// ratio returns a/b rounded to 4 places, or nil when b is 0.
func ratio(a float64, b int) *float64 {
	if b == 0 {
		return nil
	}
	v := math.Round(a/float64(b)*10000) / 10000
	return &v
}
