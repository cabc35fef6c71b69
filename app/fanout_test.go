package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/push"
)

const subscribePath = "/cgi-bin/message/subscribe/send"

func fanoutSize() int {
	if n, err := strconv.Atoi(os.Getenv("GOVAPP_TEST_FANOUT")); err == nil && n > 0 {
		return n
	}
	return 5_000
}

// TestFanoutThroughFakeWeChat sends one policy to every resident through the
// real WeChat client and the fake WeChat, which fails 1 % of sends with a
// transient error and refuses 1 % of the residents (43101) — once straight
// through, once with the working instance shut down at half and another
// taking over.
func TestFanoutThroughFakeWeChat(t *testing.T) {
	t.Parallel()
	heavy(t)
	for _, interrupt := range []bool{false, true} {
		for _, b := range backends() {
			name := string(b)
			if interrupt {
				name += "/stopped at half"
			}
			t.Run(name, func(t *testing.T) { fanoutThroughFake(t, b, interrupt) })
		}
	}
}

func fanoutThroughFake(t *testing.T, b backend, interrupt bool) {
	n := fanoutSize()
	cfg := testConfig(t, b)
	cfg.Push.RatePerSecond = 1_000_000
	cfg.Push.RetryBase = 20 * 1_000_000 // 20 ms
	cfg.Log.Level = "warn"
	a := newTestAppWith(t, cfg, Options{Fake: fake, Work: true})
	prefix := fmt.Sprintf("o-fan-%d-", time.Now().UnixNano())
	ids := insertResidents(t, a, prefix, n)
	for i := 0; i < n; i += 100 {
		fake.Refuse(prefix + strconv.Itoa(i+7))
	}
	fake.FailRate(subscribePath, -1, 100)
	defer fake.FailRate(subscribePath, 0, 0)
	totalBefore := fake.SubscribeTotal()

	ctx := context.Background()
	cause := "policy:fan-" + prefix
	if _, err := a.Push().Enqueue(ctx, push.Message{Cause: cause, Template: "policy_release",
		Data: map[string]string{"thing1": "关于进一步稳就业的若干措施"}, Audience: push.Audience{Kind: "residents", ResidentIDs: ids}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	worker := a
	if interrupt {
		for fake.SubscribeTotal()-totalBefore < n/2 {
			time.Sleep(5 * time.Millisecond)
		}
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_ = a.Shutdown(sctx)
		cancel()
		t.Logf("first instance stopped after %d sends", fake.SubscribeTotal()-totalBefore)
		worker = newTestAppWith(t, cfg, Options{Fake: fake, Work: true})
		if err := worker.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	var st push.Stats
	for {
		var err error
		st, err = worker.Push().Stats(ctx, cause)
		if err == nil && st.FanoutDone && st.ByStatus["pending"]+st.ByStatus["sending"] == 0 && st.ByStatus["sent"]+st.ByStatus["refused"]+st.ByStatus["failed"] == n {
			break
		}
		if time.Since(start) > 10*time.Minute {
			t.Fatalf("fan-out not settled: %+v", st.ByStatus)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d recipients: %v", n, st.ByStatus)
	if st.ByStatus["sent"] != n-n/100 || st.ByStatus["refused"] != n/100 {
		t.Fatalf("outcomes %v, want %d sent and %d refused", st.ByStatus, n-n/100, n/100)
	}
	twice := 0
	for i := 0; i < n; i++ {
		c := fake.SubscribeCount(prefix + strconv.Itoa(i))
		if c > 1 || (c == 0 && i%100 != 7) {
			twice++
		}
	}
	if twice > 0 {
		t.Fatalf("%d residents received a message twice or not at all", twice)
	}
	if received := fake.SubscribeTotal() - totalBefore; received != st.ByStatus["sent"] {
		t.Fatalf("the fake received %d messages, the records say %d", received, st.ByStatus["sent"])
	}
	// a refused resident is answered 43101 once and never tried again
	for i := 7; i < n; i += 100 {
		if got := fake.Refusals(prefix + strconv.Itoa(i)); got != 1 {
			t.Fatalf("resident %d was refused %d times", i, got)
		}
	}
}

func insertResidents(t *testing.T, a *testApp, prefix string, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	err := a.DB().Tx(ctx, func(tx *sqlx.Tx) error {
		for start := 0; start < n; start += 400 {
			var vals []string
			var args []any
			for i := start; i < min(start+400, n); i++ {
				vals = append(vals, "(?, ?, ?)")
				args = append(args, prefix+strconv.Itoa(i), now, now)
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO residents (openid, created_at, updated_at) VALUES `+strings.Join(vals, ",")), args...); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO push_grants (resident_id, template_id, remaining, updated_at)
			SELECT id, 'tmpl-policy-release', 1, ? FROM residents WHERE openid LIKE ?`), now, prefix+"%")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := a.DB().Select(&ids, a.DB().Rebind(`SELECT id FROM residents WHERE openid LIKE ? ORDER BY id`), prefix+"%"); err != nil {
		t.Fatal(err)
	}
	return ids
}
