package ticket_test

import (
	"context"
	"testing"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
)

// TestStatsMatchAHandComputedFixture: per department, on-time rate = replied
// by the deadline / replied, satisfaction = mean rating of rated tickets.
func TestStatsMatchAHandComputedFixture(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		base := at(2026, 10, 12, 9, 0)
		due := base.Add(10 * 24 * time.Hour)
		type fx struct {
			dept     int64
			kind     string
			category string
			replied  time.Duration // after base; 0 = not replied
			rating   int
		}
		fixture := []fx{
			// 市住建局: 4 tickets, 3 replied (2 on time), ratings 5, 4, 2 → on-time 2/3, satisfaction 11/3
			{w.lead, "complaint", "住房城建", 5 * 24 * time.Hour, 5},
			{w.lead, "complaint", "住房城建", 9 * 24 * time.Hour, 4},
			{w.lead, "help", "城市管理", 12 * 24 * time.Hour, 2},
			{w.lead, "suggestion", "城市管理", 0, 0},
			// 市人社局: 2 tickets, both replied on time, one rated 3 → on-time 1, satisfaction 3
			{w.other, "consultation", "劳动保障", 24 * time.Hour, 3},
			{w.other, "complaint", "劳动保障", 2 * 24 * time.Hour, 0},
		}
		for i, f := range fixture {
			var replied, rating any
			if f.replied > 0 {
				replied = base.Add(f.replied)
			}
			if f.rating > 0 {
				rating = f.rating
			}
			if _, err := d.Exec(d.Rebind(`INSERT INTO tickets (tracking_no, channel, kind, priority, category, title, content, status,
				department_id, reply_due_at, replied_at, rating, created_at, updated_at)
				VALUES (?, 'mailbox', ?, 'normal', ?, '统计样本', '统计样本内容。', 'closed', ?, ?, ?, ?, ?, ?)`),
				"ST2026101200000"+string(rune('0'+i)), f.kind, f.category, f.dept, due, replied, rating, base, base); err != nil {
				t.Fatal(err)
			}
		}
		st, err := w.s.Stats(context.Background(), at(2026, 10, 1, 0, 0), at(2026, 11, 1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if st.Total != 6 || st.ByKind["complaint"] != 3 || st.ByCategory["城市管理"] != 2 || len(st.Departments) != 2 {
			t.Fatalf("counts: %+v", st)
		}
		want := map[int64][2]float64{w.lead: {0.6667, 3.6667}, w.other: {1, 3}}
		for _, ds := range st.Departments {
			exp := want[ds.DepartmentID]
			if ds.OnTimeRate == nil || *ds.OnTimeRate != exp[0] || ds.Satisfaction == nil || *ds.Satisfaction != exp[1] {
				t.Fatalf("%s: on time %v, satisfaction %v, want %v", ds.Department, deref(ds.OnTimeRate), deref(ds.Satisfaction), exp)
			}
		}
		if *st.OnTimeRate != 0.8 || *st.Satisfaction != 3.5 {
			t.Fatalf("overall on time %v (want 4/5), satisfaction %v (want 14/4)", *st.OnTimeRate, *st.Satisfaction)
		}
	})
}

func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}
