package process

import (
	"errors"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"govapp/internal/platform/faultproxy"
)

// TestSIGTERMDrains sends SIGTERM while a slow request runs: the request
// completes with its answer, new connections are refused from the signal on,
// and the process exits with code 0 within the configured shutdown grace.
// The request is slow honestly: the instance reaches PostgreSQL through a
// proxy that delays every packet.
func TestSIGTERMDrains(t *testing.T) {
	const grace = 10 * time.Second
	d := newDeployment(t, grace)
	u, err := url.Parse(d.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	u.Host = proxy.Addr()
	in := d.start("draining", "GOVAPP_DATABASE_URL="+u.String())
	tok := residents(t, "o-term-"+randomHex(3), 1, in)[0]
	in.must("GET", "/api/v1/me/appointments", tok, nil, 200) // the session is known; the pool is warm

	const latency = 600 * time.Millisecond
	proxy.SetLatency(latency)
	type result struct {
		r    reply
		err  error
		took time.Duration
	}
	slow := make(chan result, 1)
	began := time.Now()
	go func() {
		r, err := in.call("GET", "/api/v1/me/appointments", tok, nil)
		slow <- result{r, err, time.Since(began)}
	}()
	time.Sleep(300 * time.Millisecond) // the request is in the handler, waiting on the database
	select {
	case res := <-slow:
		t.Fatalf("the request was not slow: %d after %v", res.r.Status, res.took)
	default:
	}
	signalled := time.Now()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// New connections are refused while the slow request still runs (a
	// connection the kernel had queued before the listener closed is reset).
	refusedAfter := time.Duration(-1)
	for time.Since(signalled) < 2*time.Second {
		c, err := net.DialTimeout("tcp", in.addr, 200*time.Millisecond)
		if errors.Is(err, syscall.ECONNREFUSED) {
			refusedAfter = time.Since(signalled)
			break
		}
		if err == nil {
			c.Close()
		} else if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("dial after SIGTERM: %v (want connection refused)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if refusedAfter < 0 {
		t.Fatal("new connections were still accepted 2 s after SIGTERM")
	}
	select {
	case res := <-slow:
		if res.err != nil || res.r.Status != 200 {
			t.Fatalf("the request in flight at SIGTERM was cut: %v %d %s", res.err, res.r.Status, res.r.Body)
		}
		t.Fatalf("the slow request had ended (after %v) before new connections were refused: nothing was in flight", res.took)
	default:
	}

	res := <-slow
	if res.err != nil || res.r.Status != 200 || res.r.json()["items"] == nil {
		t.Fatalf("the request in flight at SIGTERM: %v %d %s", res.err, res.r.Status, res.r.Body)
	}
	proxy.SetLatency(0) // the slowness was the request's; the jobs stop at the database's pace
	if !in.exited(grace + 2*time.Second) {
		t.Fatalf("still running %v after SIGTERM (grace %v)", time.Since(signalled), grace)
	}
	exitedAfter := time.Since(signalled)
	if exitedAfter > grace+time.Second {
		t.Errorf("exited %v after SIGTERM, beyond the grace of %v", exitedAfter, grace)
	}
	if code := in.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d (%v):\n%s", code, in.waitErr, in.logTail(20))
	}
	t.Logf("slow request (database latency %v) answered 200 after %v; connections refused %v after SIGTERM; exit 0 after %v",
		latency, res.took.Round(time.Millisecond), refusedAfter.Round(time.Millisecond), exitedAfter.Round(time.Millisecond))
}
