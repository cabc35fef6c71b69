package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"runtime/debug"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"govapp/internal/guide"
)

// Bars of SPEC §10.
const (
	barDetailRatio = 0.6
	barDetailP99   = 5 * time.Millisecond
	barSearchP99   = 20 * time.Millisecond
	barMemoryMB    = 512
	coldRequests   = 1000
)

var bench = guide.Actor{Name: "bench"}

// runProfile runs every benchmark against one fresh App of the profile.
func runProfile(ctx context.Context, t *table, profile string, o options) {
	progress("%s: starting govapp", profile)
	inst, err := startApp(ctx, profile)
	if err != nil {
		if isSkip(err) {
			t.skip(profile, "all benchmarks", err.Error())
			t.note("%s profile skipped: %v", profile, err)
			return
		}
		t.fail(profile, "start govapp", err)
		return
	}
	defer inst.close()
	seeds, err := seedDocs(inst.app.Guides().Categories())
	if err != nil {
		t.fail(profile, "seed guides", err)
		return
	}
	if inst.app.Guides().Catalog().Version(seeds[0].Code) == 0 { // the template guide
		if err := publishDocs(ctx, inst, seeds); err != nil {
			t.fail(profile, "seed guides", err)
			return
		}
	}
	for _, b := range []struct {
		name, what string
		run        func() error
	}{
		{"detail", "cached guide detail", func() error { return benchDetail(ctx, t, profile, inst, seeds, o) }},
		{"cold", "cold key", func() error { return benchColdKey(ctx, t, profile, inst, seeds) }},
		{"publish", "publish visible on another instance", func() error { return benchPublishVisible(ctx, t, profile, inst, seeds) }},
		{"booking", "booking", func() error { return benchBooking(ctx, t, profile, inst) }},
		{"tickets", "ticket submission", func() error { return benchTickets(ctx, t, profile, inst) }},
		{"push", "push fan-out", func() error { benchPush(ctx, t, profile); return nil }},
		// last: the 20,000 guides it imports stay in the catalogue
		{"search", "search", func() error { return benchSearch(ctx, t, profile, inst, seeds, o) }},
	} {
		if !o.runs(b.name) || ctx.Err() != nil {
			continue
		}
		if err := b.run(); err != nil {
			t.fail(profile, b.what, err)
		}
		runtime.GC()
		debug.FreeOSMemory()
	}
	_, rss := memoryMB()
	t.info(profile, "resident set at end of profile", fmt.Sprintf("%.0f MB", rss))
}

// fetch GETs u once and returns the status, body and content type.
func fetch(ctx context.Context, u string) (int, []byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("Content-Type"), err
}

// benchDetail compares the cached guide detail with a bare Fiber handler
// returning the same bytes, then measures its latency at half its peak.
func benchDetail(ctx context.Context, t *table, profile string, inst *instance, seeds []doc, o options) error {
	code := ""
	for _, s := range seeds {
		if inst.app.Guides().Catalog().Version(s.Code) > 0 {
			code = s.Code
			break
		}
	}
	if code == "" {
		return fmt.Errorf("no published seed guide")
	}
	path := "/api/v1/guides/" + url.PathEscape(code)
	status, body, ctype, err := fetch(ctx, inst.base+path)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, status, body)
	}
	bare, stop, err := startBare(body, ctype)
	if err != nil {
		return err
	}
	defer stop()
	progress("%s: detail of %s (%d bytes), %d workers, 2 × %s each, alternately", profile, code, len(body), o.workers, o.duration)
	var best struct{ app, bare vegeta.Metrics }
	for range 2 {
		m, err := o.load.run(closedLoop(inst.base+path, o.workers, o.duration))
		if err != nil {
			return err
		}
		if m.Throughput > best.app.Throughput {
			best.app = m
		}
		if m, err = o.load.run(closedLoop(bare+path, o.workers, o.duration)); err != nil {
			return err
		}
		if m.Throughput > best.bare.Throughput {
			best.bare = m
		}
	}
	for name, m := range map[string]vegeta.Metrics{"govapp": best.app, "bare Fiber": best.bare} {
		if m.Success < 1 {
			return fmt.Errorf("%s answered %s", name, statusSummary(m))
		}
	}
	t.info(profile, "detail peak, govapp", reqPerSec(best.app.Throughput))
	t.info(profile, "detail peak, bare Fiber (same bytes)", reqPerSec(best.bare.Throughput))
	ratio := best.app.Throughput / best.bare.Throughput
	t.check(profile, "detail govapp / bare Fiber", fmt.Sprintf("%.2f", ratio), fmt.Sprintf("≥ %.1f", barDetailRatio), ratio >= barDetailRatio)

	rate := int(best.app.Throughput / 2)
	progress("%s: detail at %d req/s (open model) for %s", profile, rate, o.duration)
	m, err := o.load.run(openLoop([]string{inst.base + path}, rate, o.duration, o.workers))
	if err != nil {
		return err
	}
	t.check(profile, fmt.Sprintf("detail at half peak (%d req/s)", rate),
		fmt.Sprintf("p50 %s  p99 %s  sent %s", ms(m.Latencies.P50), ms(m.Latencies.P99), reqPerSec(m.Rate)),
		"p99 < 5 ms", m.Latencies.P99 < barDetailP99)
	t.check(profile, "detail at half peak: success", pct(m.Success)+"  "+statusSummary(m), "100 %", m.Success == 1)
	// The same open-model load on the bare handler: what the load generator
	// and the machine add to every request, whatever the server does.
	mb, err := o.load.run(openLoop([]string{bare + path}, rate, o.duration, o.workers))
	if err != nil {
		return err
	}
	t.info(profile, "  same load on bare Fiber (baseline)",
		fmt.Sprintf("p50 %s  p99 %s  sent %s", ms(mb.Latencies.P50), ms(mb.Latencies.P99), reqPerSec(mb.Rate)))
	if m.Rate < 0.95*float64(rate) {
		t.note("%s: the load generator sent only %.0f of %d req/s at half peak", profile, m.Rate, rate)
	}
	return nil
}

// benchPublishVisible publishes a new guide, then a new version of it, on
// one instance and times how long a second instance on the same PostgreSQL
// and Redis takes to serve each (production; the embedded profile is one
// instance by design).
func benchPublishVisible(ctx context.Context, t *table, profile string, inst *instance, seeds []doc) error {
	if profile != "production" {
		t.info(profile, "publish visible on another instance", "one instance by design (SQLite)")
		return nil
	}
	b, err := startSecond(ctx, inst)
	if err != nil {
		return err
	}
	defer b.close()
	g := seeds[0]
	g.Code = "VIS-" + randomHex(6)
	var took [2]time.Duration
	for v := 1; v <= 2; v++ {
		if v == 2 {
			g.Name += "（修订）"
		}
		start := time.Now()
		if err := publishDocs(ctx, inst, []doc{g}); err != nil {
			return err
		}
		for {
			status, body, _, err := fetch(ctx, b.base+"/api/v1/guides/"+g.Code)
			var got struct {
				Version int `json:"version"`
			}
			if err == nil && status == http.StatusOK && decodeJSON(body, &got) == nil && got.Version == v {
				break
			}
			if time.Since(start) > 10*time.Second {
				return fmt.Errorf("version %d not served by the second instance after 10 s (%d)", v, status)
			}
			time.Sleep(5 * time.Millisecond)
		}
		took[v-1] = time.Since(start)
	}
	t.check(profile, "publish on A served by B (new guide; new version)", fmt.Sprintf("%s; %s", ms(took[0]), ms(took[1])),
		"≤ 1 s", max(took[0], took[1]) <= time.Second)
	return nil
}

// benchColdKey publishes a guide nobody has read and sends it 1,000
// concurrent GETs: the database must be read once.
func benchColdKey(ctx context.Context, t *table, profile string, inst *instance, seeds []doc) error {
	g := seeds[0]
	g.Code = "COLD-" + randomHex(6) // unique, so that no earlier run's shared cache holds it
	if err := publishDocs(ctx, inst, []doc{g}); err != nil {
		return err
	}
	before := inst.app.Guides().DetailLoads()
	b := concurrentGets(ctx, inst.base, "/healthz", inst.base+"/api/v1/guides/"+g.Code, coldRequests)
	loads := inst.app.Guides().DetailLoads() - before
	t.check(profile, fmt.Sprintf("cold key: DB reads for %d GETs", coldRequests), fmt.Sprintf("%d", loads), "= 1", loads == 1)
	allOK := b.statuses[http.StatusOK] == coldRequests
	t.check(profile, "cold key: answers", fmt.Sprintf("%s in %s", b, ms(b.elapsed)), "all 200", allOK)
	return nil
}

// publishDocs imports and publishes docs through the import file format.
func publishDocs(ctx context.Context, inst *instance, docs []doc) error {
	rows, err := importRows(docs)
	if err != nil {
		return err
	}
	rep, err := inst.app.Guides().Import(ctx, bench, rows, guide.ImportOptions{Publish: true})
	if err != nil {
		return err
	}
	if !rep.Committed || rep.Published != len(docs) {
		return fmt.Errorf("import refused: %+v", rep.Refusals)
	}
	return nil
}
