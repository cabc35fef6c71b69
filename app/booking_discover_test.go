package app

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAppointmentDetailOverHTTP: the push message's page reads one
// appointment of the signed-in resident (404 for another's, 401 signed
// out); the list carries its total; once called, the appointment names the
// window that called the resident.
func TestAppointmentDetailOverHTTP(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := a.bookingWorld("市民之家", 5)
		alice := a.devLogin("o-alice", "13800138001")
		bob := a.devLogin("o-bob", "13800138002")
		r := a.do("POST", "/api/v1/appointments", alice, bookBody(w.slots[0]))
		if r.Status != 201 {
			t.Fatalf("book: %d %s", r.Status, r.Body)
		}
		id := int64(r.json(t)["id"].(float64))
		code := r.json(t)["code"].(string)
		path := fmt.Sprintf("/api/v1/me/appointments/%d", id)
		got := a.do("GET", path, alice, nil)
		if got.Status != 200 || got.json(t)["code"] != code || got.json(t)["hall"] != "市民之家" {
			t.Fatalf("alice reads her appointment: %d %s", got.Status, got.Body)
		}
		if strings.Contains(string(got.Body), `"window_name"`) {
			t.Fatalf("not called yet, yet a window: %s", got.Body)
		}
		if r := a.do("GET", path, bob, nil); r.Status != 404 || r.errorCode(t) != "appointment_not_found" {
			t.Fatalf("bob reads alice's appointment: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", path, "", nil); r.Status != 401 {
			t.Fatalf("signed out: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", "/api/v1/me/appointments/999999", alice, nil); r.Status != 404 {
			t.Fatalf("no such appointment: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", "/api/v1/me/appointments/abc", alice, nil); r.Status != 400 {
			t.Fatalf("a bad id: %d %s", r.Status, r.Body)
		}
		if l := a.do("GET", "/api/v1/me/appointments", alice, nil); l.Status != 200 || l.json(t)["total"] != float64(1) {
			t.Fatalf("alice's list and total: %d %s", l.Status, l.Body)
		}
		if l := a.do("GET", "/api/v1/me/appointments", bob, nil); l.Status != 200 || l.json(t)["total"] != float64(0) {
			t.Fatalf("bob's list and total: %d %s", l.Status, l.Body)
		}

		clerk := a.clerkToken("clerk-detail", w.hall)
		a.setClock(time.Date(2026, 11, 17, 8, 45, 0, 0, cst).UTC())
		ops := fmt.Sprintf("/api/v1/ops/halls/%d", w.hall)
		if r := a.do("POST", ops+"/checkin", clerk, map[string]string{"code": code}); r.Status != 201 {
			t.Fatalf("check-in: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", ops+"/call-next", clerk, map[string]any{"window_id": w.win}); r.Status != 200 {
			t.Fatalf("call next: %d %s", r.Status, r.Body)
		}
		called := a.do("GET", path, alice, nil)
		if called.Status != 200 || called.json(t)["window_name"] != "综合窗口1" || called.json(t)["queue_number"] != "A001" {
			t.Fatalf("called: %d %s", called.Status, called.Body)
		}
	})
}

// TestHallsByGuideOverHTTP: ?guide_code= lists only the halls that take
// bookings for the item; a guide's places of handling carry hall_id where
// they are one of those halls.
func TestHallsByGuideOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := a.bookingWorld("市民之家", 5)
		other := a.do("POST", "/api/v1/admin/halls", w.admin, map[string]any{"name": "高新区政务服务中心", "address": "麓谷大道 1 号",
			"hours": map[string]string{"1": "09:00-17:00"}})
		if other.Status != 201 {
			t.Fatalf("second hall: %d %s", other.Status, other.Body)
		}
		ids := func(query string) []float64 {
			t.Helper()
			r := a.do("GET", "/api/v1/halls"+query, "", nil)
			if r.Status != 200 {
				t.Fatalf("halls%s: %d %s", query, r.Status, r.Body)
			}
			var out []float64
			for _, it := range r.json(t)["items"].([]any) {
				out = append(out, it.(map[string]any)["id"].(float64))
			}
			return out
		}
		if got := ids("?guide_code=GA-0001"); len(got) != 1 || got[0] != float64(w.hall) {
			t.Fatalf("halls for GA-0001: %v, want only %d", got, w.hall)
		}
		if got := ids("?guide_code=NO-SUCH"); len(got) != 0 {
			t.Fatalf("halls for an unknown item: %v", got)
		}
		if got := ids(""); len(got) != 2 {
			t.Fatalf("every hall: %v", got)
		}
		if got := ids("?guide_code=GA-0001&lat=28.2&lng=112.9"); len(got) != 1 {
			t.Fatalf("filtered and sorted by distance: %v", got)
		}

		g := a.do("GET", "/api/v1/guides/GA-0001", "", nil)
		if g.Status != 200 {
			t.Fatalf("guide: %d %s", g.Status, g.Body)
		}
		halls := g.json(t)["halls"].([]any)
		if len(halls) != 1 || halls[0].(map[string]any)["hall_id"] != float64(w.hall) || halls[0].(map[string]any)["name"] != "市民之家" {
			t.Fatalf("the guide's hall should carry hall_id %d: %v", w.hall, halls)
		}
	})
}

// TestMergedSlotsOverHTTP: with two windows serving the item, the slots
// answer one entry per time with the places of both summed; booking an
// entry fills both windows, then answers a clean 409.
func TestMergedSlotsOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := a.bookingWorld("市民之家", 1)
		base := fmt.Sprintf("/api/v1/admin/halls/%d", w.hall)
		win2 := a.do("POST", base+"/windows", w.admin, map[string]any{"name": "综合窗口2", "kind": "comprehensive"})
		if win2.Status != 201 {
			t.Fatalf("window: %d %s", win2.Status, win2.Body)
		}
		if r := a.do("POST", base+"/schedules", w.admin, map[string]any{"window_id": win2.json(t)["id"], "days": "workdays",
			"start": "09:00", "end": "12:00", "slot_minutes": 30, "capacity": 2}); r.Status != 201 {
			t.Fatalf("schedule: %d %s", r.Status, r.Body)
		}
		r := a.do("GET", fmt.Sprintf("/api/v1/halls/%d/slots?guide_code=GA-0001&date=%s", w.hall, bookingDay), "", nil)
		items := r.json(t)["items"].([]any)
		if r.Status != 200 || len(items) != 6 {
			t.Fatalf("slots: one entry a time (6): %d %s", r.Status, r.Body)
		}
		first := items[0].(map[string]any)
		if first["capacity"] != float64(3) || first["remaining"] != float64(3) || first["windows"] != float64(2) {
			t.Fatalf("merged entry: %v", first)
		}
		slot := int64(first["id"].(float64))
		for i := range 3 {
			res := a.devLogin(fmt.Sprint("o-m", i), fmt.Sprint("1380013810", i))
			if r := a.do("POST", "/api/v1/appointments", res, bookBody(slot)); r.Status != 201 {
				t.Fatalf("booking %d of 3: %d %s", i+1, r.Status, r.Body)
			}
		}
		late := a.devLogin("o-late", "13800138109")
		if r := a.do("POST", "/api/v1/appointments", late, bookBody(slot)); r.Status != 409 || r.errorCode(t) != "slot_full" {
			t.Fatalf("a fourth booking of 3 places: %d %s", r.Status, r.Body)
		}
		var n int
		_ = a.DB().Get(&n, a.DB().Rebind(`SELECT COUNT(*) FROM slots WHERE hall_id = ? AND day = ? AND booked = capacity AND starts_at = (SELECT starts_at FROM slots WHERE id = ?)`),
			w.hall, bookingDay, slot)
		if n != 2 {
			t.Fatalf("%d of the time's 2 window slots full", n)
		}
	})
}
