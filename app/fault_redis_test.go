package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/config"
	"govapp/internal/seed"
)

// redisCut is how long TestFaultRedisCut keeps Redis away.
const redisCut = 3 * time.Second

// TestFaultRedisCut cuts the link to Redis while guide reads and booking
// rushes flow, then restores it: guide reads never fail, bookings stay exact
// (the database decides), readiness says degraded during the cut and ok
// after it, and the cache is used again, all without restarting the app.
func TestFaultRedisCut(t *testing.T) {
	t.Parallel()
	heavy(t)
	r := newFaultRig(t, Options{}, func(c *config.Config) {
		// a short in-process layer, so that guide reads go to Redis (or,
		// while it is cut, to the database) all along
		c.Guides.LocalCacheTTL = config.Duration(20 * time.Millisecond)
	})
	ctx := context.Background()
	w := r.bookingWorld("市民之家", 3) // GA-0001 and 6 slots of 3 on bookingDay
	if err := seed.Run(ctx, r.Accounts(), io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := seed.Guides(ctx, r.Guides(), io.Discard); err != nil {
		t.Fatal(err)
	}
	// a guide of this test's own: no other test writes its key in the shared Redis
	code := fmt.Sprintf("FT-%d", time.Now().UnixNano())
	ed := r.staffToken("editor-fault", account.RoleEditor, "市公安局")
	if res := r.do("POST", "/api/v1/admin/guides", ed, guideBody(code, "故障演练事项", r.deptID("市公安局"))); res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if res := r.do("POST", "/api/v1/admin/guides/"+code+"/publish", ed, nil); res.Status != 200 {
		t.Fatalf("publish: %d %s", res.Status, res.Body)
	}
	docKey := "govapp:" + r.DB().Keyspace() + "guide:wire:" + code + ":v1"
	var codes []string
	for _, it := range r.do("GET", "/api/v1/guides?limit=100", "", nil).json(t)["items"].([]any) {
		codes = append(codes, it.(map[string]any)["code"].(string))
	}
	if len(codes) < 50 {
		t.Fatalf("%d published guides after seeding", len(codes))
	}
	reads := []string{"/api/v1/guides?limit=20", "/api/v1/guides?q=" + urlEscape("身份证"), "/api/v1/guides?q=sfz&category=hukou",
		fmt.Sprintf("/api/v1/halls/%d/slots?guide_code=GA-0001&date=%s", w.hall, bookingDay)}
	for _, c := range codes {
		reads = append(reads, "/api/v1/guides/"+c)
	}
	for _, p := range reads { // warm the cache
		if res := r.do("GET", p, "", nil, "X-Forwarded-For", faultClientIP); res.Status != 200 {
			t.Fatalf("warm-up %s: %d %s", p, res.Status, res.Body)
		}
	}
	if n, err := r.rdb.Exists(ctx, docKey).Result(); err != nil || n != 1 {
		t.Fatalf("the guide is not in Redis after a read: %d %v", n, err)
	}
	tokens := make([]string, 90)
	for i := range tokens {
		s, _, err := r.Accounts().DevLogin(ctx, fmt.Sprintf("o-fault-%d", i), "", fmt.Sprintf("136%08d", i))
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = s.Token
	}

	log := newFaultLog()
	phase := &phaseClock{p: "before"}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	var next atomic.Int64
	for g := 0; g < 4; g++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := reads[int(next.Add(1))%len(reads)]
				ph := phase.get()
				res, err := r.call("GET", p, "", nil, 10*time.Second)
				if err != nil {
					log.fail("%s %s: %v", ph, p, err)
					continue
				}
				log.add(ph, res.Status)
				if res.Status != 200 {
					log.fail("%s GET %s: %d %s", ph, p, res.Status, res.Body)
				}
			}
		}()
	}
	var stopOnce sync.Once
	stopReaders := func() { stopOnce.Do(func() { close(stop); readers.Wait() }) }
	defer stopReaders()

	created := map[int64]int64{} // appointment id → slot id, from the 201s
	rush := func(ph string, slots []int64, toks []string) {
		t.Helper()
		var wg sync.WaitGroup
		var mu sync.Mutex
		n := 0
		for i, tok := range toks {
			wg.Add(1)
			go func(i int, tok string) {
				defer wg.Done()
				res, err := r.call("POST", "/api/v1/appointments", tok, bookBody(slots[i%len(slots)]), 15*time.Second)
				if err != nil {
					log.fail("%s booking: %v", ph, err)
					return
				}
				log.add(ph+" booking", res.Status)
				switch code := envelopeCode(res); {
				case res.Status == 201:
					var ap struct {
						ID     int64 `json:"id"`
						SlotID int64 `json:"slot_id"`
					}
					if err := json.Unmarshal(res.Body, &ap); err != nil || ap.ID == 0 {
						log.fail("%s booking 201 without an appointment: %s", ph, res.Body)
						return
					}
					mu.Lock()
					created[ap.ID] = ap.SlotID
					n++
					mu.Unlock()
				case res.Status == 409 && code == "slot_full", res.Status == 429 && code == "rate_limited":
				default:
					log.fail("%s booking: %d %s", ph, res.Status, res.Body)
				}
			}(i, tok)
		}
		wg.Wait()
		log.check(t)
		if want := 3 * len(slots); n != want {
			t.Fatalf("%s: %d bookings created on %d slots of 3, want %d", ph, n, len(slots), want)
		}
	}

	time.Sleep(500 * time.Millisecond)
	rush("before", w.slots[0:2], tokens[0:30])
	if st, rr, err := r.ready(); err != nil || st != 200 || rr.Status != "ok" || rr.Cache != "ok" {
		t.Fatalf("readyz before the cut: %d %+v %v", st, rr, err)
	}

	loadsBefore := r.Guides().DetailLoads()
	phase.set("cut")
	r.redis.Cut()
	cutAt := time.Now()
	rush("cut", w.slots[2:4], tokens[30:60])
	for time.Since(cutAt) < redisCut {
		st, rr, err := r.ready()
		if err != nil || st != 200 || rr != (readyResp{Status: "degraded", Database: "ok", Cache: "degraded", Backend: "redis"}) {
			t.Fatalf("readyz while Redis is cut: %d %+v %v", st, rr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := r.Guides().DetailLoads() - loadsBefore; got == 0 {
		t.Fatal("no guide was read from the database while Redis was cut: the cut did not bite")
	}
	r.redis.Restore()
	phase.set("after")
	r.waitReady(t, 10*time.Second)
	rush("after", w.slots[4:6], tokens[60:90])
	time.Sleep(500 * time.Millisecond)
	stopReaders()
	log.check(t)
	for _, ph := range []string{"before", "cut", "after"} {
		if log.count(ph, 200) == 0 {
			t.Fatalf("no guide read answered in phase %s", ph)
		}
	}
	t.Logf("guide reads and bookings by phase: %v", log.byStatus)

	// The cache is really used again: a dropped key comes back on the next
	// read, and later reads leave the database alone.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := r.rdb.Del(ctx, docKey).Err(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond) // past the in-process layer
		if res := r.do("GET", "/api/v1/guides/"+code, "", nil, "X-Forwarded-For", faultClientIP); res.Status != 200 {
			t.Fatalf("guide after the restore: %d %s", res.Status, res.Body)
		}
		if n, _ := r.rdb.Exists(ctx, docKey).Result(); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("after the restore the app no longer writes guides to Redis")
		}
	}
	loads := r.Guides().DetailLoads()
	for i := 0; i < 5; i++ {
		time.Sleep(30 * time.Millisecond)
		if res := r.do("GET", "/api/v1/guides/"+code, "", nil, "X-Forwarded-For", faultClientIP); res.Status != 200 {
			t.Fatalf("guide after the restore: %d %s", res.Status, res.Body)
		}
	}
	if got := r.Guides().DetailLoads() - loads; got != 0 {
		t.Fatalf("%d guide reads went to the database although the guide is in Redis", got)
	}
	checkBookings(t, r.testApp, w.slots, created)
}

// checkBookings checks the database against the 201s: no slot above its
// capacity, each slot's count equal to its booked appointments, and every
// 201 a booked appointment on the slot it named.
func checkBookings(t *testing.T, a *testApp, slots []int64, created map[int64]int64) {
	t.Helper()
	d := a.DB()
	for _, s := range slots {
		var row struct {
			Booked   int `db:"booked"`
			Capacity int `db:"capacity"`
		}
		if err := d.Get(&row, d.Rebind(`SELECT booked, capacity FROM slots WHERE id = ?`), s); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.Get(&n, d.Rebind(`SELECT COUNT(*) FROM appointments WHERE slot_id = ? AND status = 'booked'`), s); err != nil {
			t.Fatal(err)
		}
		if row.Booked > row.Capacity || row.Booked != n {
			t.Fatalf("slot %d: booked %d of %d, %d booked appointments", s, row.Booked, row.Capacity, n)
		}
	}
	for id, slot := range created {
		var n int
		if err := d.Get(&n, d.Rebind(`SELECT COUNT(*) FROM appointments WHERE id = ? AND slot_id = ? AND status = 'booked'`), id, slot); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("appointment %d answered 201 on slot %d but is not booked there", id, slot)
		}
	}
	var total int
	if err := d.Get(&total, `SELECT COUNT(*) FROM appointments WHERE status = 'booked'`); err != nil {
		t.Fatal(err)
	}
	if total != len(created) {
		t.Fatalf("%d booked appointments, %d answered 201", total, len(created))
	}
}
