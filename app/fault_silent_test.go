package app

import (
	"context"
	"testing"
	"time"

	"govapp/internal/config"
)

// TestFaultPostgresSilent: PostgreSQL stops answering without the connection
// being reset (a frozen host, a cable cut with no RST). A request that needs
// the database answers 503 service_unavailable within about
// database.query_timeout instead of hanging, and requests succeed again as
// soon as the database answers, without a restart.
func TestFaultPostgresSilent(t *testing.T) {
	t.Parallel()
	heavy(t)
	const timeout = time.Second
	r := newFaultRig(t, Options{}, func(c *config.Config) { c.Database.QueryTimeout = config.Duration(timeout) })
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	alice := r.devLogin("o-silent", "13800138002")
	if res, err := r.call("GET", "/api/v1/me/appointments", alice, nil, 5*time.Second); err != nil || res.Status != 200 {
		t.Fatalf("before: %v %d %s", err, res.Status, res.Body)
	}
	r.pg.SetLatency(time.Hour) // every chunk either way is held: the server goes silent
	for i := range 3 {
		start := time.Now()
		res, err := r.call("GET", "/api/v1/me/appointments", alice, nil, timeout+10*time.Second)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("attempt %d while the database is silent: %v (after %v)", i, err, took)
		}
		if res.Status != 503 || envelopeCode(res) != "service_unavailable" {
			t.Fatalf("attempt %d while the database is silent: %d %s, want 503 service_unavailable", i, res.Status, res.Body)
		}
		if took > timeout+5*time.Second { // the read deadline is the timeout plus 2 s
			t.Fatalf("attempt %d took %v to fail; the query timeout is %v", i, took, timeout)
		}
	}
	r.pg.SetLatency(0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := r.call("GET", "/api/v1/me/appointments", alice, nil, 5*time.Second)
		if err == nil && res.Status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the database answers again: %v %d %s", err, res.Status, res.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
