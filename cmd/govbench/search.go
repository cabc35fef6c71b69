package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"govapp/internal/guide"
)

// benchSearch imports and publishes generated guides, then searches them at
// a constant rate with the queries residents type.
func benchSearch(ctx context.Context, t *table, profile string, inst *instance, seeds []doc, o options) error {
	rows := generate(seeds, o.guides)
	progress("%s: importing and publishing %d guides", profile, len(rows))
	t0 := time.Now()
	rep, err := inst.app.Guides().Import(ctx, bench, rows, guide.ImportOptions{Publish: true})
	took := time.Since(t0)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if !rep.Committed {
		return fmt.Errorf("import refused %d rows, first %+v", rep.Refused, rep.Refusals[0])
	}
	t.info(profile, fmt.Sprintf("import+publish %d guides", rep.Published),
		fmt.Sprintf("%.1f s (%.0f guides/s)", took.Seconds(), float64(rep.Published)/took.Seconds()))
	catalog := inst.app.Guides().Catalog().Len()

	var urls, queries []string
	var hits, refused int
	for _, q := range searchQueries() {
		u := inst.base + "/api/v1/guides?q=" + url.QueryEscape(q)
		status, body, _, err := fetch(ctx, u)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			refused++
			continue
		}
		var page guide.Page
		if err := decodeJSON(body, &page); err == nil && len(page.Items) > 0 {
			hits++
		}
		urls = append(urls, u)
		queries = append(queries, q)
	}
	if len(urls) == 0 {
		return fmt.Errorf("every search query was refused")
	}
	if refused > 0 {
		t.note("%s: %d search queries answered non-200 and were left out", profile, refused)
	}
	progress("%s: search over %d guides, %d queries (%d with hits), %d req/s for %s", profile, catalog, len(urls), hits, o.searchRate, o.duration)
	m, err := o.load.run(openLoop(urls, o.searchRate, o.duration, o.workers))
	if err != nil {
		return err
	}
	t.check(profile, fmt.Sprintf("search %d guides at %d req/s", catalog, o.searchRate),
		fmt.Sprintf("p50 %s  p99 %s  max %s", ms(m.Latencies.P50), ms(m.Latencies.P99), ms(m.Latencies.Max)),
		"p99 < 20 ms", m.Latencies.P99 < barSearchP99)
	t.check(profile, "search: success", pct(m.Success)+"  "+statusSummary(m), "100 %", m.Success == 1)
	slow, err := slowestQueries(ctx, inst.base, queries, 5)
	if err != nil {
		return err
	}
	t.note("%s: slowest queries alone over %d guides (best of 3): %s", profile, catalog, formatQueryTimes(slow))
	return nil
}

// queryTime is one query's serial latency.
type queryTime struct {
	q string
	d time.Duration
}

// slowestQueries times each query alone (best of three, nothing else
// running) and returns the n slowest.
func slowestQueries(ctx context.Context, base string, queries []string, n int) ([]queryTime, error) {
	var out []queryTime
	for _, q := range queries {
		u := base + "/api/v1/guides?q=" + url.QueryEscape(q)
		best := time.Duration(0)
		for range 3 {
			t0 := time.Now()
			if _, _, _, err := fetch(ctx, u); err != nil {
				return nil, err
			}
			if d := time.Since(t0); best == 0 || d < best {
				best = d
			}
		}
		out = append(out, queryTime{q, best})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].d > out[j].d })
	return out[:min(n, len(out))], nil
}

func formatQueryTimes(ts []queryTime) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%q %s", t.q, ms(t.d))
	}
	return strings.Join(parts, ", ")
}
