package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// warmUp is how long each load run is driven, unmeasured, before it counts.
const warmUp = time.Second

// newClient is a keep-alive HTTP client holding up to conns idle connections
// to one host.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// attack runs one vegeta attack of pacer on tr for d and returns its metrics.
func attack(client *http.Client, tr vegeta.Targeter, pacer vegeta.Pacer, d time.Duration, workers, maxWorkers uint64) vegeta.Metrics {
	atk := vegeta.NewAttacker(vegeta.Client(client), vegeta.KeepAlive(true),
		vegeta.Connections(int(maxWorkers)), vegeta.Workers(workers), vegeta.MaxWorkers(maxWorkers))
	var m vegeta.Metrics
	for res := range atk.Attack(tr, pacer, d, "") {
		m.Add(res)
	}
	m.Close()
	return m
}

// loadSpec is one load run: closed (a fixed number of workers, each sending
// its next request when the last answered: vegeta's max rate) or open (a
// constant rate whatever the answers take), cycling through URLs, after a
// warm-up of the same kind.
type loadSpec struct {
	Open     bool          `json:"open"`
	URLs     []string      `json:"urls"`
	Rate     int           `json:"rate"` // requests/s of an open run
	Duration time.Duration `json:"duration"`
	Workers  int           `json:"workers"`
}

func closedLoop(url string, workers int, d time.Duration) loadSpec {
	return loadSpec{URLs: []string{url}, Workers: workers, Duration: d}
}

func openLoop(urls []string, rate int, d time.Duration, workers int) loadSpec {
	return loadSpec{Open: true, URLs: urls, Rate: rate, Workers: workers, Duration: d}
}

// runLoad runs the spec with vegeta in this process, on its own connections.
func runLoad(s loadSpec) vegeta.Metrics {
	pacer := vegeta.Rate{Freq: 0} // max rate
	workers, maxWorkers := uint64(s.Workers), uint64(s.Workers)
	if s.Open {
		pacer = vegeta.Rate{Freq: s.Rate, Per: time.Second}
		maxWorkers = 4 * workers // vegeta adds workers when all are busy
	}
	client := newClient(int(maxWorkers))
	defer client.CloseIdleConnections()
	attack(client, cycling(s.URLs), pacer, warmUp, workers, maxWorkers)
	return attack(client, cycling(s.URLs), pacer, s.Duration, workers, maxWorkers)
}

// cycling returns a targeter that GETs the urls in turn.
func cycling(urls []string) vegeta.Targeter {
	var n atomic.Uint64
	return func(t *vegeta.Target) error {
		i := n.Add(1) - 1
		t.Method = http.MethodGet
		t.URL = urls[i%uint64(len(urls))]
		t.Header = nil
		t.Body = nil
		return nil
	}
}

// statusSummary renders vegeta's status-code counts ("200×1000").
func statusSummary(m vegeta.Metrics) string {
	s := ""
	for code, n := range m.StatusCodes {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("%s×%d", code, n)
	}
	if len(m.Errors) > 0 {
		s += fmt.Sprintf(" errors: %q", m.Errors[0])
	}
	return s
}

// burst is the outcome of n concurrent requests.
type burst struct {
	statuses map[int]int
	errors   int
	firstErr error
	elapsed  time.Duration
}

func (b burst) String() string {
	s := ""
	for code, n := range b.statuses {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("%d×%d", code, n)
	}
	if b.errors > 0 {
		s += fmt.Sprintf(" errors×%d (%v)", b.errors, b.firstErr)
	}
	return s
}

// concurrentGets opens n connections to base (a GET of warmPath on each),
// then releases n goroutines at once behind a barrier, each sending one GET
// of url on its own connection.
func concurrentGets(ctx context.Context, base, warmPath, url string, n int) burst {
	client := newClient(n)
	defer client.CloseIdleConnections()
	get := func(u string) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}
	var ready, done sync.WaitGroup
	// Open the connections first, all at once so that each gets its own.
	ready.Add(n)
	for range n {
		go func() {
			defer ready.Done()
			_, _ = get(base + warmPath)
		}()
	}
	ready.Wait()

	out := burst{statuses: map[int]int{}}
	var mu sync.Mutex
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			code, err := get(url)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				out.errors++
				if out.firstErr == nil {
					out.firstErr = err
				}
				return
			}
			out.statuses[code]++
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	out.elapsed = time.Since(t0)
	return out
}
