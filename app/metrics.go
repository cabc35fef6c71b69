package app

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"govapp/internal/platform/db"
)

// metrics holds the Prometheus registry of one App (not the global one, so
// that tests may build several Apps in one process).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(d *db.DB, cacheUp func() bool) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "govapp_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "govapp_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.DB.DB, "govapp"),
		&queueCollector{db: d},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "govapp_cache_up", Help: "1 when the cache backend answered its last call."},
			func() float64 {
				if cacheUp() {
					return 1
				}
				return 0
			}),
	)
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	method = stableMethod(method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// stableMethod returns the constant spelling of an HTTP method: Fiber's
// c.Method() shares the request buffer that fasthttp reuses, and the registry
// keeps label values, so a kept "GET" would later read "GETT" (and /metrics
// fail on duplicate series).
func stableMethod(m string) string {
	for _, k := range [...]string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace} {
		if m == k {
			return k
		}
	}
	return "OTHER"
}

func (a *App) metricsHandler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{}))
}

// queueCollector reports River's jobs by state at scrape time.
type queueCollector struct{ db *db.DB }

var queueDesc = prometheus.NewDesc("govapp_jobs", "Durable jobs by state.", []string{"state"}, nil)

func (q *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (q *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var rows []struct {
		State string `db:"state"`
		N     int64  `db:"n"`
	}
	if err := q.db.SelectContext(ctx, &rows, `SELECT state, COUNT(*) AS n FROM river_job GROUP BY state`); err != nil {
		return
	}
	counts := map[string]int64{"available": 0, "running": 0, "retryable": 0, "scheduled": 0,
		"pending": 0, "completed": 0, "cancelled": 0, "discarded": 0}
	for _, r := range rows {
		counts[r.State] = r.N
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n), state)
	}
}
