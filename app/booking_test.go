package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/calendar"
	"govapp/internal/platform/db/dbtest"
)

// bookingDay is the day the HTTP tests book: a Tuesday whose slots opened
// at 08:00 on the booking clock's day, a week before.
const bookingDay = "2026-11-17"

var cst = calendar.DefaultLocation()

// clerkToken creates a clerk of a hall and signs them in.
func (a *testApp) clerkToken(username string, hallID int64) string {
	a.t.Helper()
	const pw = "Test-password-123"
	if _, err := a.Accounts().CreateStaff(context.Background(), audit.Entry{ActorKind: "system"}, account.NewStaff{
		Username: username, Password: pw, Role: account.RoleClerk, HallID: hallID}); err != nil {
		a.t.Fatal(err)
	}
	r := a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": username, "password": pw})
	if r.Status != 200 {
		a.t.Fatalf("clerk login: %d %s", r.Status, r.Body)
	}
	return r.json(a.t)["token"].(string)
}

// bookingWorld is a hall set up through the admin API, with the booking
// clock at 08:00 a week before bookingDay.
type bookingWorld struct {
	admin string
	hall  int64
	win   int64
	slots []int64 // bookingDay's slots for GA-0001, by start
}

func (a *testApp) setClock(at time.Time) {
	a.Bookings().SetClock(func() time.Time { return at })
}

func (a *testApp) bookingWorld(name string, capacity int) bookingWorld {
	t := a.t
	t.Helper()
	a.setClock(time.Date(2026, 11, 10, 8, 0, 0, 0, cst).UTC())
	var w bookingWorld
	if r := a.do("GET", "/api/v1/guides/GA-0001", "", nil); r.Status == 404 {
		ed := a.staffToken("editor-"+fmt.Sprint(time.Now().UnixNano()%1e6), account.RoleEditor, "市公安局")
		if r := a.do("POST", "/api/v1/admin/guides", ed, guideBody("GA-0001", "居民身份证换领", a.deptID("市公安局"))); r.Status != 201 {
			t.Fatalf("guide: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", "/api/v1/admin/guides/GA-0001/publish", ed, nil); r.Status != 200 {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		w.admin = a.staffToken("admin-hall", account.RoleAdmin, "市政务服务中心")
	} else {
		r := a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": "admin-hall", "password": "Test-password-123"})
		w.admin = r.json(t)["token"].(string)
	}
	step := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		r := a.do(method, path, w.admin, body)
		if r.Status != want {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		return r.json(t)
	}
	hall := step("POST", "/api/v1/admin/halls", map[string]any{"name": name, "address": "新城大道 100 号", "phone": "0731-12345",
		"lat": 28.2282, "lng": 112.9388, "hours": map[string]string{"1": "09:00-17:00", "2": "09:00-17:00", "3": "09:00-17:00",
			"4": "09:00-17:00", "5": "09:00-17:00"}}, 201)
	w.hall = int64(hall["id"].(float64))
	base := fmt.Sprintf("/api/v1/admin/halls/%d", w.hall)
	w.win = int64(step("POST", base+"/windows", map[string]any{"name": "综合窗口1", "kind": "comprehensive"}, 201)["id"].(float64))
	step("PUT", base+"/guides", map[string]any{"guides": []map[string]string{{"guide_code": "GA-0001"}}}, 200)
	step("POST", base+"/schedules", map[string]any{"window_id": w.win, "days": "workdays", "start": "09:00", "end": "12:00",
		"slot_minutes": 30, "capacity": capacity}, 201)
	r := a.do("GET", fmt.Sprintf("/api/v1/halls/%d/slots?guide_code=GA-0001&date=%s", w.hall, bookingDay), "", nil)
	if r.Status != 200 {
		t.Fatalf("slots: %d %s", r.Status, r.Body)
	}
	for _, it := range r.json(t)["items"].([]any) {
		w.slots = append(w.slots, int64(it.(map[string]any)["id"].(float64)))
	}
	if len(w.slots) != 6 {
		t.Fatalf("%d slots: %s", len(w.slots), r.Body)
	}
	return w
}

func bookBody(slot int64) map[string]any {
	return map[string]any{"slot_id": slot, "guide_code": "GA-0001"}
}

func TestBookingOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := a.bookingWorld("市民之家", 2)
		alice := a.devLogin("o-alice", "13800138001")
		bob := a.devLogin("o-bob", "13800138002")
		nophone := a.devLogin("o-nophone", "")

		r := a.do("GET", "/api/v1/halls?lat=28.2&lng=112.9", "", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"distance_m"`) || !strings.Contains(string(r.Body), `"today"`) {
			t.Fatalf("halls: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", fmt.Sprintf("/api/v1/halls/%d", w.hall), "", nil); r.Status != 200 || !strings.Contains(string(r.Body), "综合窗口1") {
			t.Fatalf("hall: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", "/api/v1/appointments", nophone, bookBody(w.slots[0])); r.Status != 403 || r.errorCode(t) != "phone_required" {
			t.Fatalf("without a phone: %d %s", r.Status, r.Body)
		}
		first := a.do("POST", "/api/v1/appointments", alice, bookBody(w.slots[0]), "Idempotency-Key", "book-alice-0001")
		if first.Status != 201 {
			t.Fatalf("book: %d %s", first.Status, first.Body)
		}
		id := int64(first.json(t)["id"].(float64))
		again := a.do("POST", "/api/v1/appointments", alice, bookBody(w.slots[0]), "Idempotency-Key", "book-alice-0001")
		if again.Status != 201 || int64(again.json(t)["id"].(float64)) != id || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("a repeated Idempotency-Key must return the first booking: %d %s", again.Status, again.Body)
		}
		if r := a.do("POST", "/api/v1/appointments", alice, bookBody(w.slots[1])); r.Status != 409 || r.errorCode(t) != "already_booked" {
			t.Fatalf("a second appointment for the item: %d %s", r.Status, r.Body)
		}
		var n int
		_ = a.DB().Get(&n, `SELECT booked FROM slots WHERE id = `+fmt.Sprint(w.slots[0]))
		if n != 1 {
			t.Fatalf("slot count %d after one booking and its replay", n)
		}
		if r := a.do("POST", "/api/v1/appointments", alice, `{"slot_id":1,"guide_code":"GA-0001","x":1}`); r.Status != 400 {
			t.Fatalf("an unknown field: %d", r.Status)
		}
		mine := a.do("GET", "/api/v1/me/appointments", alice, nil)
		if mine.Status != 200 || !strings.Contains(string(mine.Body), `"code"`) || !strings.Contains(string(mine.Body), "市民之家") {
			t.Fatalf("mine: %d %s", mine.Status, mine.Body)
		}
		if r := a.do("GET", "/api/v1/me/appointments", bob, nil); strings.Contains(string(r.Body), fmt.Sprintf(`"id":%d`, id)) {
			t.Fatal("bob lists alice's appointment")
		}
		path := fmt.Sprintf("/api/v1/me/appointments/%d", id)
		if r := a.do("POST", path+"/cancel", bob, nil); r.Status != 404 || r.errorCode(t) != "appointment_not_found" {
			t.Fatalf("bob cancels alice's appointment: %d %s", r.Status, r.Body)
		}
		moved := a.do("POST", path+"/reschedule", alice, map[string]any{"slot_id": w.slots[1]})
		if moved.Status != 200 || moved.json(t)["slot_id"].(float64) != float64(w.slots[1]) {
			t.Fatalf("reschedule: %d %s", moved.Status, moved.Body)
		}
		newPath := fmt.Sprintf("/api/v1/me/appointments/%d", int64(moved.json(t)["id"].(float64)))
		if r := a.do("POST", newPath+"/cancel", alice, nil); r.Status != 200 || r.json(t)["status"] != "cancelled" {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		// The office closes the day: bob's appointment is cancelled and he is told.
		b := a.do("POST", "/api/v1/appointments", bob, bookBody(w.slots[2]))
		if b.Status != 201 {
			t.Fatalf("bob books: %d %s", b.Status, b.Body)
		}
		cl := a.do("POST", fmt.Sprintf("/api/v1/admin/halls/%d/closures", w.hall), w.admin, map[string]any{"date": bookingDay, "reason": "系统升级"})
		if cl.Status != 201 || cl.json(t)["cancelled"].(float64) != 1 {
			t.Fatalf("closure: %d %s", cl.Status, cl.Body)
		}
		if r := a.do("GET", "/api/v1/me/appointments", bob, nil); !strings.Contains(string(r.Body), `"status":"cancelled_by_office"`) {
			t.Fatalf("bob's appointment after the closure: %s", r.Body)
		}
		_ = a.DB().Get(&n, `SELECT COUNT(*) FROM push_messages WHERE cause LIKE 'appointment:%:closed'`)
		if n != 1 {
			t.Fatalf("%d closure notices", n)
		}
		if r := a.do("POST", fmt.Sprintf("/api/v1/admin/halls/%d/closures", w.hall), bob, map[string]any{"date": bookingDay, "reason": "x"}); r.Status != 403 {
			t.Fatalf("a resident closes a hall: %d", r.Status)
		}
	})
}

func TestHallQueueOverHTTP(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := a.bookingWorld("市民之家", 5)
		w2 := a.bookingWorld("高新区政务服务中心", 5)
		alice := a.devLogin("o-alice", "13800138001")
		r := a.do("POST", "/api/v1/appointments", alice, bookBody(w.slots[0]))
		if r.Status != 201 {
			t.Fatalf("book: %d %s", r.Status, r.Body)
		}
		code := r.json(t)["code"].(string)
		clerk := a.clerkToken("clerk-smzj", w.hall)
		other := a.clerkToken("clerk-gx", w2.hall)
		a.setClock(time.Date(2026, 11, 17, 8, 45, 0, 0, cst).UTC())
		ops := fmt.Sprintf("/api/v1/ops/halls/%d", w.hall)
		if r := a.do("POST", fmt.Sprintf("/api/v1/ops/halls/%d/checkin", w2.hall), other, map[string]string{"code": code}); r.Status != 404 {
			t.Fatalf("another hall's clerk checks the code in: %d %s", r.Status, r.Body)
		}
		in := a.do("POST", ops+"/checkin", clerk, map[string]string{"code": code})
		if in.Status != 201 || in.json(t)["number"] != "A001" {
			t.Fatalf("check-in: %d %s", in.Status, in.Body)
		}
		if r := a.do("POST", ops+"/walk-ins", clerk, nil); r.Status != 201 || r.json(t)["number"] != "A002" {
			t.Fatalf("walk-in: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", ops+"/call-next", clerk, map[string]any{"window_id": w.win}); r.Status != 200 || r.json(t)["number"] != "A001" {
			t.Fatalf("call next: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", ops+"/complete", clerk, map[string]any{"window_id": w.win}); r.Status != 200 || r.json(t)["status"] != "done" {
			t.Fatalf("complete: %d %s", r.Status, r.Body)
		}
		q := a.do("GET", ops+"/queue", clerk, nil)
		if q.Status != 200 || !strings.Contains(string(q.Body), `"average_wait_minutes"`) || !strings.Contains(string(q.Body), "A002") {
			t.Fatalf("queue: %d %s", q.Status, q.Body)
		}
		if r := a.do("GET", ops+"/queue", other, nil); r.Status != 403 || r.errorCode(t) != "other_hall" {
			t.Fatalf("a clerk of another hall reads this queue: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", ops+"/call-next", other, map[string]any{"window_id": w.win}); r.Status != 403 {
			t.Fatalf("a clerk of another hall calls here: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", ops+"/queue", alice, nil); r.Status != 403 {
			t.Fatalf("a resident reads the queue: %d", r.Status)
		}
		if r := a.do("POST", "/api/v1/admin/halls", clerk, map[string]any{"name": "某大厅"}); r.Status != 403 {
			t.Fatalf("a clerk creates a hall: %d", r.Status)
		}
	})
}

// TestBookingRushOverHTTP: 300 residents at once on 3 slots of 10 through
// the whole HTTP stack: exactly 30 created, every other answer a clean 409
// slot_full, never a 5xx.
func TestBookingRushOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := a.bookingWorld("市民之家", 10)
		tokens := make([]string, 300)
		for i := range tokens {
			s, _, err := a.Accounts().DevLogin(context.Background(), fmt.Sprintf("o-rush-%d", i), "", fmt.Sprintf("139%08d", i))
			if err != nil {
				t.Fatal(err)
			}
			tokens[i] = s.Token
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[string]int{}
		start := make(chan struct{})
		for i, tok := range tokens {
			wg.Add(1)
			go func(i int, tok string) {
				defer wg.Done()
				<-start
				r := a.do("POST", "/api/v1/appointments", tok, bookBody(w.slots[i%3]))
				key := fmt.Sprint(r.Status)
				if r.Status == 409 {
					key += " " + r.errorCode(t)
				}
				mu.Lock()
				got[key]++
				mu.Unlock()
			}(i, tok)
		}
		t0 := time.Now()
		close(start)
		wg.Wait()
		took := time.Since(t0)
		t.Logf("300 bookings over HTTP in %v (%.0f/s): %v", took.Round(time.Millisecond), 300/took.Seconds(), got)
		if got["201"] != 30 || got["409 slot_full"] != 270 {
			t.Fatalf("answers %v, want 30 201 and 270 409 slot_full", got)
		}
		var n int
		_ = a.DB().Get(&n, `SELECT COUNT(*) FROM appointments WHERE status = 'booked'`)
		if n != 30 {
			t.Fatalf("%d booked appointments, want 30", n)
		}
	})
}

func TestBookingRateLimit(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, embedded)
	cfg.RateLimit.Enabled = true
	cfg.Booking.PerPerson.Limit = 2
	a := newTestApp(t, cfg)
	w := a.bookingWorld("市民之家", 10)
	alice := a.devLogin("o-alice", "13800138001")
	for i := 0; i < 2; i++ {
		if r := a.do("POST", "/api/v1/appointments", alice, bookBody(w.slots[i])); r.Status >= 500 || r.Status == 429 {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := a.do("POST", "/api/v1/appointments", alice, bookBody(w.slots[2]), "Idempotency-Key", "book-limited-01")
	if r.Status != 429 || r.errorCode(t) != "rate_limited" || !strings.Contains(string(r.Body), "预约操作过于频繁") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("third attempt in a minute: %d %s %v", r.Status, r.Body, r.Header)
	}
	var n int
	_ = a.DB().Get(&n, `SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'book-limited-01'`)
	if n != 0 {
		t.Fatal("a refused attempt spent its Idempotency-Key")
	}
}

// TestBookingRushTwoInstances: the same rush spread over two govapp instances
// on one PostgreSQL (and one Redis): the database alone keeps the count.
func TestBookingRushTwoInstances(t *testing.T) {
	if dbtest.PostgresURL() == "" || dbtest.RedisURL() == "" {
		t.Skip("GOVAPP_TEST_POSTGRES_URL and GOVAPP_TEST_REDIS_URL not set")
	}
	cfg := testConfig(t, production)
	one, two := newTestApp(t, cfg), newTestApp(t, cfg)
	w := one.bookingWorld("市民之家", 10)
	two.setClock(time.Date(2026, 11, 10, 8, 0, 0, 0, cst).UTC())
	tokens := make([]string, 200)
	for i := range tokens {
		s, _, err := one.Accounts().DevLogin(context.Background(), fmt.Sprintf("o-two-%d", i), "", fmt.Sprintf("137%08d", i))
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = s.Token
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]int{}
	for i, tok := range tokens {
		wg.Add(1)
		go func(i int, tok string) {
			defer wg.Done()
			inst := one
			if i%2 == 1 {
				inst = two
			}
			r := inst.do("POST", "/api/v1/appointments", tok, bookBody(w.slots[i%2]))
			mu.Lock()
			got[r.Status]++
			mu.Unlock()
		}(i, tok)
	}
	wg.Wait()
	var n int
	_ = one.DB().Get(&n, `SELECT COUNT(*) FROM appointments WHERE status = 'booked'`)
	if got[201] != 20 || got[409] != 180 || n != 20 {
		t.Fatalf("answers %v and %d booked, want 20 and 180 409, 20 booked", got, n)
	}
}
