package app

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestDailyTicketCapHoldsUnderConcurrency: a resident files at most
// tickets.per_resident_per_day tickets a local calendar day, however many
// submissions arrive at once (the count is kept by the database in the
// insert's transaction), and a submission that is refused costs nothing.
func TestDailyTicketCapHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		// 23:40 in the city on 17 November: 15:40 UTC, still the 17th in UTC at 00:20 the next local day
		a.tickets.SetClock(func() time.Time { return time.Date(2026, 11, 17, 23, 40, 0, 0, cst).UTC() })
		tok := a.devLogin("o-daily-cap", "")
		var me int64
		if err := a.DB().Get(&me, a.DB().Rebind(`SELECT id FROM residents WHERE openid = ?`), "o-daily-cap"); err != nil {
			t.Fatal(err)
		}
		stored := func() int {
			t.Helper()
			var n int
			if err := a.DB().Get(&n, a.DB().Rebind(`SELECT COUNT(*) FROM tickets WHERE submitter_id = ?`), me); err != nil {
				t.Fatal(err)
			}
			return n
		}

		t.Run("a refused submission does not count", func(t *testing.T) {
			invalid := ticketBody("缺")
			badAttachment := ticketBody("附件不是我的")
			badAttachment["attachment_ids"] = []int64{987654321} // refused inside the insert's transaction
			for i := 0; i < 12; i++ {
				for _, body := range []map[string]any{invalid, badAttachment} {
					if r := a.do("POST", "/api/v1/tickets", tok, body); r.Status != http.StatusBadRequest {
						t.Fatalf("an invalid submission: %d %s", r.Status, r.Body)
					}
				}
			}
			if n := stored(); n != 0 {
				t.Fatalf("%d tickets stored from invalid submissions", n)
			}
		})

		t.Run("40 at once: exactly 10 stored, 30 refused", func(t *testing.T) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			answers := map[string]int{}
			for i := 0; i < 40; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					r := a.do("POST", "/api/v1/tickets", tok, ticketBody(fmt.Sprintf("同时提交的第%d件", i)))
					key := fmt.Sprint(r.Status)
					if r.Status != http.StatusCreated {
						key += " " + r.errorCode(t)
					}
					mu.Lock()
					answers[key]++
					mu.Unlock()
				}(i)
			}
			wg.Wait()
			want := map[string]int{"201": 10, "429 ticket_daily_limit": 30}
			if fmt.Sprint(answers) != fmt.Sprint(want) {
				t.Fatalf("answers %v, want %v", answers, want)
			}
			if n := stored(); n != 10 {
				t.Fatalf("%d tickets stored, want 10", n)
			}
		})

		t.Run("the next local day starts a new count", func(t *testing.T) {
			// 00:20 on the 18th in the city is still 16:20 on the 17th in UTC
			a.tickets.SetClock(func() time.Time { return time.Date(2026, 11, 18, 0, 20, 0, 0, cst).UTC() })
			if r := a.do("POST", "/api/v1/tickets", tok, ticketBody("第二天的诉求")); r.Status != http.StatusCreated {
				t.Fatalf("the first submission of the next local day: %d %s", r.Status, r.Body)
			}
		})
	})
}

// TestTicketSubmissionsLimitedPerIP: SPEC §10 — submissions are limited per
// IP as well as per person (tickets.per_ip), before the Idempotency-Key is
// claimed; another address is not affected.
func TestTicketSubmissionsLimitedPerIP(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b)
			cfg.RateLimit.Enabled = true
			cfg.Tickets.PerIP.Limit = 3
			cfg.Tickets.UploadsPerIP.Limit = 2
			cfg.HTTP.ProxyHeader = "X-Real-IP"
			cfg.HTTP.TrustedProxies = []string{"0.0.0.0/0", "::/0"} // the test's requests come from no real peer
			a := newTestApp(t, cfg)
			// A random client address per run: Redis buckets of earlier runs must not count.
			ip := fmt.Sprintf("10.%d.%d.%d", rand.IntN(250), rand.IntN(250), 1+rand.IntN(250))
			other := fmt.Sprintf("10.%d.%d.%d", rand.IntN(250), rand.IntN(250), 1+rand.IntN(250))
			for i := 0; i < 3; i++ { // three residents behind one address
				tok := a.devLogin(fmt.Sprintf("o-per-ip-%d", i), "")
				if r := a.do("POST", "/api/v1/tickets", tok, ticketBody("同一地址的诉求"), "X-Real-IP", ip); r.Status != http.StatusCreated {
					t.Fatalf("submission %d within the limit: %d %s", i+1, r.Status, r.Body)
				}
			}
			tok := a.devLogin("o-per-ip-3", "")
			r := a.do("POST", "/api/v1/tickets", tok, ticketBody("同一地址的第四件"), "X-Real-IP", ip, "Idempotency-Key", "per-ip-000000001")
			if r.Status != http.StatusTooManyRequests || r.errorCode(t) != "rate_limited" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("the 4th submission from one IP: %d %s", r.Status, r.Body)
			}
			if r := a.do("POST", "/api/v1/tickets", tok, ticketBody("同一地址的第四件"), "X-Real-IP", other, "Idempotency-Key", "per-ip-000000001"); r.Status != http.StatusCreated {
				t.Fatalf("the same key from another IP (the refusal claimed nothing): %d %s", r.Status, r.Body)
			}

			png := pngBytes(t)
			for i := 0; i < 2; i++ {
				if r := a.uploadFileFrom(tok, ip, png); r.Status != http.StatusCreated {
					t.Fatalf("upload %d within the limit: %d %s", i+1, r.Status, r.Body)
				}
			}
			if r := a.uploadFileFrom(tok, ip, png); r.Status != http.StatusTooManyRequests || r.errorCode(t) != "rate_limited" {
				t.Fatalf("the 3rd upload from one IP: %d %s", r.Status, r.Body)
			}
			if r := a.uploadFileFrom(tok, other, png); r.Status != http.StatusCreated {
				t.Fatalf("an upload from another IP: %d %s", r.Status, r.Body)
			}
		})
	}
}

// uploadFileFrom uploads data as an image from client address ip (X-Real-IP).
func (a *testApp) uploadFileFrom(token, ip string, data []byte) response {
	a.t.Helper()
	return a.do("POST", "/api/v1/uploads", token, data, "Content-Type", "image/png", "X-Real-IP", ip)
}
