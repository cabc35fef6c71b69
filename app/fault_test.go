package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"govapp/internal/config"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/faultproxy"
)

// The fault tests run one production instance (PostgreSQL and Redis) whose
// links to both servers go through a faultproxy, cut them while requests
// flow, restore them, and check that the instance recovers by itself.

// faultClientIP is the client address the fault tests' requests carry (the
// app reads it from X-Forwarded-For), so that their per-IP limit keys in the
// shared Redis are their own.
const faultClientIP = "127.77.0.9"

type faultRig struct {
	*testApp
	cfg   config.Config
	pg    *faultproxy.Proxy
	redis *faultproxy.Proxy
	rdb   *redis.Client // straight to Redis, past the proxy: to look at what the app cached
}

// newFaultRig builds the instance; tune adjusts the configuration first.
func newFaultRig(t *testing.T, o Options, tune func(*config.Config)) *faultRig {
	t.Helper()
	if dbtest.PostgresURL() == "" || dbtest.RedisURL() == "" {
		t.Skip("fault tests need PostgreSQL and Redis: GOVAPP_TEST_POSTGRES_URL and GOVAPP_TEST_REDIS_URL are not set")
	}
	cfg := testConfig(t, production)
	r := &faultRig{}
	cfg.Database.URL, r.pg = viaProxy(t, cfg.Database.URL)
	cfg.Redis.URL, r.redis = viaProxy(t, cfg.Redis.URL)
	cfg.Log.Level = "warn"
	// The Redis limiter is in play (it must fail open), with limits no test
	// traffic reaches and keys of this test's own client address.
	cfg.HTTP.ProxyHeader = "X-Forwarded-For"
	cfg.HTTP.TrustedProxies = []string{"0.0.0.0", "127.0.0.1"}
	cfg.RateLimit.Enabled = true
	cfg.RateLimit.PerIP.Limit = 1_000_000
	cfg.RateLimit.PerAccount.Limit = 0
	cfg.RateLimit.Login.Limit = 0
	cfg.Booking.PerIP.Limit = 1_000_000
	cfg.Tickets.PerIP.Limit = 1_000_000
	cfg.Tickets.UploadsPerIP.Limit = 1_000_000
	cfg.Booking.PerPerson.Limit = 0
	if tune != nil {
		tune(&cfg)
	}
	r.cfg = cfg
	if o.Fake == nil {
		o.Fake = fake
	}
	r.testApp = newTestAppWith(t, cfg, o)
	// Cleanups run last-in first-out: links come back before the app shuts down.
	t.Cleanup(func() { r.pg.Restore(); r.redis.Restore() })
	opt, err := redis.ParseURL(dbtest.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	r.rdb = redis.NewClient(opt)
	t.Cleanup(func() { _ = r.rdb.Close() })
	return r
}

// viaProxy starts a proxy to raw's host:port and returns raw pointing at it.
func viaProxy(t *testing.T, raw string) (string, *faultproxy.Proxy) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	u.Host = p.Addr()
	return u.String(), p
}

// call sends a request like do, but reports failures (including no answer
// within timeout) as an error instead of failing the test, so that it can run
// on any goroutine.
func (r *faultRig) call(method, path, token string, body any, timeout time.Duration, headers ...string) (response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("X-Forwarded-For", faultClientIP)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := r.Fiber().Test(req, int(timeout/time.Millisecond))
	if err != nil {
		return response{}, fmt.Errorf("%s %s: no answer: %w", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// ready reads /readyz.
func (r *faultRig) ready() (int, readyResp, error) {
	res, err := r.call("GET", "/readyz", "", nil, 10*time.Second)
	if err != nil {
		return 0, readyResp{}, err
	}
	var rr readyResp
	if err := json.Unmarshal(res.Body, &rr); err != nil {
		return res.Status, rr, fmt.Errorf("readyz is not JSON (%d): %s", res.Status, res.Body)
	}
	// The holiday-calendar reminder depends on today's date, not on the fault
	// (TestReadyzWarnsOfTheMissingNextYear covers it); the disk check stays.
	rr.Calendar = nil
	return res.Status, rr, nil
}

// waitReady polls /readyz until it reports everything ok.
func (r *faultRig) waitReady(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, rr, err := r.ready()
		if err == nil && st == 200 && rr == (readyResp{Status: "ok", Database: "ok", Cache: "ok", Backend: rr.Backend}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz not ok %v after the links were restored: %d %+v %v", within, st, rr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// envelopeCode returns error.code when the body is a complete error envelope
// (code, Chinese message, request id matching the header), else "".
func envelopeCode(r response) string {
	var env errorBody
	if json.Unmarshal(r.Body, &env) != nil {
		return ""
	}
	e := env.Error
	if e.Code == "" || !hasHan(e.Message) || e.RequestID == "" || r.Header.Get("X-Request-ID") != e.RequestID {
		return ""
	}
	return e.Code
}

// faultLog collects what concurrent request loops saw.
type faultLog struct {
	mu       sync.Mutex
	byStatus map[string]map[int]int // phase → status → count
	bad      []string
}

func newFaultLog() *faultLog { return &faultLog{byStatus: map[string]map[int]int{}} }

func (l *faultLog) add(phase string, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byStatus[phase] == nil {
		l.byStatus[phase] = map[int]int{}
	}
	l.byStatus[phase][status]++
}

func (l *faultLog) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.bad) < 20 {
		l.bad = append(l.bad, fmt.Sprintf(format, args...))
	}
}

func (l *faultLog) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.bad) > 0 {
		t.Fatalf("%d wrong answers (first ones): %q", len(l.bad), l.bad)
	}
}

func (l *faultLog) count(phase string, status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byStatus[phase][status]
}

// phaseClock names the phase a request is in (before, cut, after).
type phaseClock struct {
	mu sync.Mutex
	p  string
}

func (c *phaseClock) set(p string) { c.mu.Lock(); c.p = p; c.mu.Unlock() }
func (c *phaseClock) get() string  { c.mu.Lock(); defer c.mu.Unlock(); return c.p }
