package process

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// The fixtures of the scenarios, made through the API of a running instance
// the way staff and residents make them (the fan-out audience, thousands of
// residents, goes straight into the database, as the app's fan-out test does).

// staffToken signs a seeded staff member in.
func (i *instance) staffToken(username string) string {
	i.d.t.Helper()
	r := i.must("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": username, "password": i.d.password[username]}, 200)
	return r["token"].(string)
}

// bookable is a hall with one window whose slots on day each hold capacity.
type bookable struct {
	hall  int64
	day   string
	slots []int64
}

// shanghai is the city's time zone (the booking days are local days).
var shanghai = time.FixedZone("CST", 8*3600)

// newHall creates a hall offering GA-0001 (a seeded guide) every day from
// 09:00 to 12:00 in 30-minute slots of capacity places, and returns the
// slots of the day after tomorrow (released a week ahead, so open now).
func (i *instance) newHall(admin string, capacity int) bookable {
	t := i.d.t
	t.Helper()
	hours := map[string]string{}
	for d := 1; d <= 7; d++ {
		hours[fmt.Sprint(d)] = "09:00-17:00"
	}
	h := i.must("POST", "/api/v1/admin/halls", admin, map[string]any{"name": "进程测试大厅" + randomHex(3), "address": "新城大道 100 号",
		"phone": "0731-12345", "lat": 28.2282, "lng": 112.9388, "hours": hours}, 201)
	b := bookable{hall: int64(h["id"].(float64)), day: time.Now().In(shanghai).AddDate(0, 0, 2).Format("2006-01-02")}
	base := fmt.Sprintf("/api/v1/admin/halls/%d", b.hall)
	win := i.must("POST", base+"/windows", admin, map[string]any{"name": "综合窗口1", "kind": "comprehensive"}, 201)["id"]
	i.must("PUT", base+"/guides", admin, map[string]any{"guides": []map[string]string{{"guide_code": "GA-0001"}}}, 200)
	i.must("POST", base+"/schedules", admin, map[string]any{"window_id": win, "days": "1,2,3,4,5,6,7", "start": "09:00", "end": "12:00",
		"slot_minutes": 30, "capacity": capacity}, 201)
	r := i.must("GET", fmt.Sprintf("/api/v1/halls/%d/slots?guide_code=GA-0001&date=%s", b.hall, b.day), "", nil, 200)
	for _, it := range r["items"].([]any) {
		b.slots = append(b.slots, int64(it.(map[string]any)["id"].(float64)))
	}
	if len(b.slots) != 6 {
		t.Fatalf("hall %d has %d slots on %s, want 6", b.hall, len(b.slots), b.day)
	}
	return b
}

// residents signs n residents in through the WeChat login (codes
// "dev:<openid>", answered by the fake WeChat), spread over the instances,
// then binds a verified phone each ("dev-phone:<number>"), the bindings
// released together (each calls WeChat with the access token).
func residents(t *testing.T, prefix string, n int, insts ...*instance) []string {
	t.Helper()
	tokens := make([]string, n)
	var mu sync.Mutex
	var failed []string
	fail := func(what string, k int, err error, r reply) {
		mu.Lock()
		failed = append(failed, fmt.Sprintf("%s %d: %v %d %s", what, k, err, r.Status, r.Body))
		mu.Unlock()
	}
	each := func(width int, fn func(k int, in *instance)) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, width)
		start := make(chan struct{})
		for k := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				sem <- struct{}{}
				defer func() { <-sem }()
				fn(k, insts[k%len(insts)])
			}()
		}
		close(start)
		wg.Wait()
	}
	each(16, func(k int, in *instance) {
		r, err := in.call("POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": fmt.Sprintf("dev:%s-%d", prefix, k)})
		if err != nil || r.Status != 200 {
			fail("login", k, err, r)
			return
		}
		tokens[k], _ = r.json()["token"].(string)
	})
	if len(failed) == 0 {
		each(64, func(k int, in *instance) {
			r, err := in.call("POST", "/api/v1/me/phone", tokens[k], map[string]string{"code": fmt.Sprintf("dev-phone:13%09d", k)})
			if err != nil || r.Status != 200 {
				fail("phone", k, err, r)
			}
		})
	}
	if len(failed) > 0 {
		t.Fatalf("%d residents could not sign in, e.g. %s", len(failed), failed[0])
	}
	return tokens
}

// subscribers inserts n residents subscribed to topic, each holding one
// policy-release grant, and returns their openids.
func (d *deployment) subscribers(prefix, topic string, n int) []string {
	d.t.Helper()
	openids := make([]string, n)
	for k := range openids {
		openids[k] = fmt.Sprintf("%s-%05d", prefix, k)
	}
	tx := d.db.MustBegin()
	now := time.Now().UTC()
	for from := 0; from < n; from += 1000 {
		var vals []string
		var args []any
		for k := from; k < min(from+1000, n); k++ {
			vals = append(vals, fmt.Sprintf("($%d, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3))
			args = append(args, openids[k], now, now)
		}
		tx.MustExec(`INSERT INTO residents (openid, created_at, updated_at) VALUES `+strings.Join(vals, ","), args...)
	}
	tx.MustExec(`INSERT INTO topic_subscriptions (resident_id, topic_code, created_at)
		SELECT id, $1, $2 FROM residents WHERE openid LIKE $3`, topic, now, prefix+"-%")
	tx.MustExec(`INSERT INTO push_grants (resident_id, template_id, remaining, updated_at)
		SELECT id, 'tmpl-policy-release', 1, $1 FROM residents WHERE openid LIKE $2`, now, prefix+"-%")
	if err := tx.Commit(); err != nil {
		d.t.Fatal(err)
	}
	return openids
}

// publishPolicy creates and publishes a policy on topic; its release is
// pushed to the topic's subscribers. It returns the policy id.
func (i *instance) publishPolicy(editor, topic string) string {
	i.d.t.Helper()
	p := i.must("POST", "/api/v1/admin/policies", editor, map[string]any{
		"title": "关于进一步稳就业的若干措施" + randomHex(2), "doc_number": "长政办发〔2025〕" + fmt.Sprint(time.Now().UnixNano()%1000) + "号",
		"issuer": "长沙市人民政府办公厅", "issue_date": "2025-03-18", "effective_date": "2025-04-01",
		"body": "<p>为深入贯彻落实就业优先战略，现提出如下措施。</p>", "attachments": []map[string]string{},
		"topics": []string{topic}, "major": false, "interpretations": []map[string]string{}, "related_guides": []string{},
	}, 201)
	id := fmt.Sprint(p["id"])
	i.must("POST", "/api/v1/admin/policies/"+id+"/publish", editor, nil, 200)
	return id
}

// bookBody is the booking request of slot.
func bookBody(slot int64) map[string]any {
	return map[string]any{"slot_id": slot, "guide_code": "GA-0001"}
}

// checkSlots fails unless every slot of b holds at most capacity and its
// booked count equals the appointments that hold a place in it; it returns
// the total booked.
func (d *deployment) checkSlots(b bookable) int {
	d.t.Helper()
	var rows []struct {
		ID       int64 `db:"id"`
		Capacity int   `db:"capacity"`
		Booked   int   `db:"booked"`
		Held     int   `db:"held"`
	}
	err := d.db.Select(&rows, `SELECT s.id, s.capacity, s.booked,
		(SELECT COUNT(*) FROM appointments a WHERE a.slot_id = s.id AND a.place_held) AS held
		FROM slots s WHERE s.hall_id = $1 AND s.day = $2 ORDER BY s.id`, b.hall, b.day)
	if err != nil {
		d.t.Fatal(err)
	}
	total := 0
	for _, r := range rows {
		if r.Booked > r.Capacity || r.Booked != r.Held {
			d.t.Errorf("slot %d: booked %d of capacity %d, %d appointments hold a place", r.ID, r.Booked, r.Capacity, r.Held)
		}
		total += r.Booked
	}
	if n := d.count(`SELECT COUNT(*) FROM (SELECT person_key FROM appointments WHERE hall_id = $1 AND status = 'booked'
		GROUP BY person_key HAVING COUNT(*) > 1) x`, b.hall); n != 0 {
		d.t.Errorf("%d persons hold more than one booked appointment", n)
	}
	return total
}
