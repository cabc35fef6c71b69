package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/config"
	"govapp/internal/push"
)

// pgCut is how long the PostgreSQL tests keep the database away: 10 s, or
// GOVAPP_TEST_PG_CUT (a Go duration).
func pgCut(t *testing.T) time.Duration {
	if s := os.Getenv("GOVAPP_TEST_PG_CUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("GOVAPP_TEST_PG_CUT=%q is not a positive duration", s)
		}
		return d
	}
	return 10 * time.Second
}

// pgProbe is a request that needs the database.
type pgProbe struct {
	name, method, path, token string
	body                      any
}

// TestFaultPostgresCutRequests cuts the link to PostgreSQL: every request
// that needs the database answers 503 service_unavailable in the error
// envelope, promptly (within the configured query timeout), never 500; when
// the link returns, the same requests succeed without restarting the app.
// (A cut resets connections and refuses new ones, so failures are immediate;
// a database that stops answering without a reset is not covered here.)
func TestFaultPostgresCutRequests(t *testing.T) {
	t.Parallel()
	heavy(t)
	r := newFaultRig(t, Options{}, nil)
	ctx := context.Background()
	w := r.bookingWorld("市民之家", 50)
	if err := r.Start(ctx); err != nil { // the change-feed loops run through the cut too
		t.Fatal(err)
	}
	alice := r.devLogin("o-alice", "13800138001")
	ed := r.staffToken("editor-pg", account.RoleEditor, "市公安局")
	residents := make([]string, 200)
	for i := range residents {
		s, _, err := r.Accounts().DevLogin(ctx, fmt.Sprintf("o-pg-%d", i), "", fmt.Sprintf("135%08d", i))
		if err != nil {
			t.Fatal(err)
		}
		residents[i] = s.Token
	}
	// who picks the resident who books and writes a ticket: 0 before the
	// cut, 1-3 after it, the others (whose attempts fail) during it
	next := 0
	probes := func(who int) []pgProbe {
		next++
		return []pgProbe{
			{"me", "GET", "/api/v1/me", alice, nil},
			{"my appointments", "GET", "/api/v1/me/appointments", alice, nil},
			{"my tickets", "GET", "/api/v1/me/tickets", alice, nil},
			{"booking", "POST", "/api/v1/appointments", residents[who], bookBody(w.slots[next%len(w.slots)])},
			{"staff guides", "GET", "/api/v1/admin/guides", ed, nil},
			{"login", "POST", "/api/v1/auth/dev/login", "", map[string]string{"openid": fmt.Sprintf("o-pg-login-%d", next)}},
			{"ticket", "POST", "/api/v1/tickets", residents[who], ticketBody(fmt.Sprintf("幸福路第%d号路灯不亮", next))},
		}
	}
	limit := r.cfg.Database.QueryTimeout.D()
	if limit <= 0 {
		t.Fatal("no query timeout configured")
	}
	type answer struct {
		p    pgProbe
		res  response
		err  error
		took time.Duration
	}
	round := func(who int) []answer {
		ps := probes(who)
		out := make([]answer, len(ps))
		var wg sync.WaitGroup
		for i, p := range ps {
			wg.Add(1)
			go func(i int, p pgProbe) {
				defer wg.Done()
				t0 := time.Now()
				res, err := r.call(p.method, p.path, p.token, p.body, limit+time.Second)
				out[i] = answer{p, res, err, time.Since(t0)}
			}(i, p)
		}
		wg.Wait()
		return out
	}
	ok := func(a answer) bool { return a.err == nil && a.res.Status >= 200 && a.res.Status < 300 }
	for _, a := range round(0) {
		if !ok(a) {
			t.Fatalf("before the cut, %s: %d %s %v", a.p.name, a.res.Status, a.res.Body, a.err)
		}
	}

	cut := pgCut(t)
	r.pg.Cut()
	cutAt := time.Now()
	rounds, slowest := 0, time.Duration(0)
	for time.Since(cutAt) < cut {
		for _, a := range round(4 + rounds%(len(residents)-4)) {
			if a.err != nil {
				t.Fatalf("while the database is cut, %s hangs: %v", a.p.name, a.err)
			}
			if a.res.Status != 503 || envelopeCode(a.res) != "service_unavailable" {
				t.Fatalf("while the database is cut, %s: %d %s (want 503 service_unavailable)", a.p.name, a.res.Status, a.res.Body)
			}
			slowest = max(slowest, a.took)
		}
		st, rr, err := r.ready()
		if err != nil || st != 503 || rr.Database != "unavailable" || rr.Status != "unavailable" {
			t.Fatalf("readyz while the database is cut: %d %+v %v", st, rr, err)
		}
		rounds++
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d rounds of %d requests during a %v cut, all 503; slowest answer %v", rounds, len(probes(0)), cut, slowest)
	if slowest > limit {
		t.Fatalf("an answer took %v while the database was cut, beyond the query timeout %v", slowest, limit)
	}

	r.pg.Restore()
	restoredAt := time.Now()
	r.waitReady(t, 10*time.Second)
	for i := 0; i < 3; i++ {
		for _, a := range round(1 + i) {
			if !ok(a) {
				t.Fatalf("after the restore (%v), round %d, %s: %d %s %v", time.Since(restoredAt).Round(time.Millisecond), i, a.p.name, a.res.Status, a.res.Body, a.err)
			}
		}
	}
	t.Logf("every request succeeds again %v after the restore", time.Since(restoredAt).Round(time.Millisecond))
}

// TestFaultPostgresCutDuringFanout cuts the link to PostgreSQL while a push
// to a few thousand residents is being sent by the app's own job workers,
// restores it, and checks that every resident got exactly one message through
// the fake WeChat, has exactly one delivery, recorded as sent, and that every
// push job completed.
func TestFaultPostgresCutDuringFanout(t *testing.T) {
	heavy(t)
	const n = 3000
	r := newFaultRig(t, Options{Work: true}, func(c *config.Config) {
		c.Push.RatePerSecond = 1_000_000
		c.Push.RetryBase = config.Duration(20 * time.Millisecond)
		c.Jobs.PollInterval = config.Duration(100 * time.Millisecond)
		// more send jobs than workers, smaller chunks: the cut finds jobs
		// sending, claiming, recording and waiting to be fetched
		c.Push.BatchSize, c.Push.SendChunk = 250, 25
	})
	// a little latency per send, so that the cut finds the push half way
	fake.SetLatency(subscribePath, 2*time.Millisecond)
	t.Cleanup(func() { fake.SetLatency(subscribePath, 0) })
	ctx := context.Background()
	prefix := fmt.Sprintf("o-fault-fan-%d-", time.Now().UnixNano())
	ids := insertResidents(t, r.testApp, prefix, n)
	before := fake.SubscribeTotal()
	cause := "policy:fault-" + prefix
	if _, err := r.Push().Enqueue(ctx, push.Message{Cause: cause, Template: "policy_release",
		Data: map[string]string{"thing1": "关于进一步稳就业的若干措施"}, Audience: push.Audience{Kind: "residents", ResidentIDs: ids}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sent := func() int { return fake.SubscribeTotal() - before }
	deadline := time.Now().Add(2 * time.Minute)
	for sent() < n/4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d sent after 2 minutes", sent(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
	cut := pgCut(t)
	r.pg.Cut()
	atCut := sent()
	time.Sleep(cut)
	r.pg.Restore()
	t.Logf("PostgreSQL cut for %v after %d sends; %d sent when it came back", cut, atCut, sent())
	if atCut >= n {
		t.Fatalf("the push was over (%d sent) before the cut", atCut)
	}

	var st push.Stats
	deadline = time.Now().Add(3 * time.Minute)
	for {
		var err error
		st, err = r.Push().Stats(ctx, cause)
		if err == nil && st.FanoutDone && st.ByStatus["pending"]+st.ByStatus["sending"] == 0 && st.Recipients == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the push did not settle after the restore: %+v (err %v); the fake has %d", st.ByStatus, err, sent())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d recipients: %v", n, st.ByStatus)
	if st.ByStatus["sent"] != n {
		t.Fatalf("outcomes %v, want %d sent (failures by errcode: %+v)", st.ByStatus, n, st.Failures)
	}
	wrong := 0
	for i := 0; i < n; i++ {
		if fake.SubscribeCount(prefix+strconv.Itoa(i)) != 1 {
			wrong++
		}
	}
	if wrong > 0 || sent() != n {
		t.Fatalf("%d residents did not receive exactly one message; the fake received %d for %d residents", wrong, sent(), n)
	}
	d := r.DB()
	var rows, distinct int
	if err := d.QueryRowx(d.Rebind(`SELECT COUNT(*), COUNT(DISTINCT d.resident_id) FROM push_deliveries d
		JOIN push_messages m ON m.id = d.message_id WHERE m.cause = ?`), cause).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != n || distinct != n {
		t.Fatalf("%d delivery rows for %d residents, want one each for %d", rows, distinct, n)
	}
	// every push job completed: none left running, retrying or discarded
	deadline = time.Now().Add(time.Minute)
	for {
		var states []struct {
			State string `db:"state"`
			N     int    `db:"n"`
			Tries int    `db:"tries"`
		}
		if err := d.Select(&states, `SELECT state, COUNT(*) AS n, MAX(attempt) AS tries FROM river_job
			WHERE kind IN ('push_fanout', 'push_send') GROUP BY state`); err != nil {
			t.Fatal(err)
		}
		if len(states) == 1 && states[0].State == "completed" {
			t.Logf("%d push jobs completed, the most tried %d times", states[0].N, states[0].Tries)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("push jobs not all completed a minute after the push settled: %+v", states)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
