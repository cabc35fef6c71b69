package app

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		if r := a.do("GET", "/healthz", "", nil); r.Status != 200 {
			t.Fatalf("/healthz = %d", r.Status)
		}
		r := a.do("GET", "/readyz", "", nil)
		m := r.json(t)
		if r.Status != 200 || m["database"] != "ok" || m["cache"] != "ok" || m["status"] != "ok" {
			t.Fatalf("/readyz = %d %s", r.Status, r.Body)
		}
		metrics := a.do("GET", "/metrics", "", nil)
		for _, want := range []string{"govapp_http_requests_total", "govapp_http_request_duration_seconds", "go_sql_max_open_connections", "govapp_jobs", "govapp_cache_up 1"} {
			if !strings.Contains(string(metrics.Body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if strings.Contains(string(metrics.Body), `route="/api/v1/me/`) {
			t.Error("metrics must label routes by pattern")
		}
	})
}

func TestRedisDownServesFromTheDatabase(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, embedded)
	cfg.Redis.URL = "redis://127.0.0.1:1/0" // nothing listens: connections are refused
	a := newTestApp(t, cfg)
	tok := a.devLogin("o-redis-down", "13800138000")
	if r := a.do("GET", "/api/v1/me", tok, nil); r.Status != 200 {
		t.Fatalf("/me with Redis down = %d %s", r.Status, r.Body)
	}
	r := a.do("GET", "/readyz", "", nil)
	m := r.json(t)
	if r.Status != 200 || m["cache"] != "degraded" || m["database"] != "ok" || m["status"] != "degraded" {
		t.Fatalf("/readyz with Redis down = %d %s", r.Status, r.Body)
	}
}

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	r := a.do("GET", "/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Info    map[string]any                        `json:"info"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Info["title"] == nil || doc.Info["version"] == nil {
		t.Fatalf("not an OpenAPI 3 document: openapi=%q info=%v", doc.OpenAPI, doc.Info)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			var o struct {
				Responses map[string]any `json:"responses"`
			}
			if err := json.Unmarshal(op, &o); err != nil || len(o.Responses) == 0 {
				t.Errorf("%s %s has no responses", m, p)
			}
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range a.Fiber().GetRoutes(true) {
		if rt.Method == fiber.MethodHead {
			continue
		}
		served[rt.Method+" "+openAPIPath(rt.Path)] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("routes without documentation: %v\ndocumented routes not served: %v", missing, extra)
	}
	if len(served) < 10 {
		t.Fatalf("only %d routes served", len(served))
	}
	if docs := a.do("GET", "/docs", "", nil); docs.Status != 200 || !strings.Contains(string(docs.Body), "/api/v1/auth/staff/login") {
		t.Fatalf("/docs = %d", docs.Status)
	}
}

func TestErrorsAnswerInTheEnvelope(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, embedded)
	cfg.HTTP.BodyLimit = 4 << 10
	a := newTestApp(t, cfg)
	a.Fiber().Get("/test/panic", a.tagRoute("/test/panic"), func(c *fiber.Ctx) error { panic("handler bug") })

	t.Run("a panicking handler answers 500 with the request id and logs the stack", func(t *testing.T) {
		r := a.do("GET", "/test/panic", "", nil, "X-Request-ID", "req-panic-0001")
		if r.Status != 500 || r.errorCode(t) != "internal_error" || !strings.Contains(string(r.Body), "req-panic-0001") {
			t.Fatalf("panic: %d %s", r.Status, r.Body)
		}
		logs := a.logs.String()
		if !strings.Contains(logs, "handler bug") || !strings.Contains(logs, "goroutine") || !strings.Contains(logs, "req-panic-0001") {
			t.Fatalf("panic not logged with stack and request id:\n%s", logs)
		}
		if strings.Contains(string(r.Body), "handler bug") {
			t.Fatal("panic value leaked to the client")
		}
	})
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"unknown route", "GET", "/api/v1/nothing-here", "", 404, "route_not_found", ""},
		{"wrong method", "DELETE", "/api/v1/auth/staff/login", "", 405, "method_not_allowed", ""},
		{"unknown field", "POST", "/api/v1/auth/dev/login", `{"openid":"o-1","is_admin":true}`, 400, "invalid_request", "is_admin"},
		{"wrong type", "POST", "/api/v1/auth/dev/login", `{"openid":["o-1"]}`, 400, "invalid_request", "openid"},
		{"not JSON", "POST", "/api/v1/auth/dev/login", `{"openid":`, 400, "invalid_json", ""},
		{"empty body", "POST", "/api/v1/auth/dev/login", ``, 400, "empty_body", ""},
		{"trailing data", "POST", "/api/v1/auth/dev/login", `{"openid":"o-1"} {}`, 400, "invalid_json", ""},
		{"invalid value", "POST", "/api/v1/auth/dev/login", `{"openid":"o 1 <script>"}`, 400, "invalid_request", "openid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" || c.method == "POST" {
				body = c.body
			}
			r := a.do(c.method, c.path, "", body)
			if r.Status != c.status || r.errorCode(t) != c.code {
				t.Fatalf("%s %s: %d %s, want %d %s", c.method, c.path, r.Status, r.Body, c.status, c.code)
			}
			if c.field != "" && !strings.Contains(string(r.Body), `"`+c.field+`"`) {
				t.Fatalf("field %s not named: %s", c.field, r.Body)
			}
		})
	}
	t.Run("an oversized body answers 413 in the envelope", func(t *testing.T) {
		base := a.listen(t)
		res, err := http.Post(base+"/api/v1/auth/dev/login", "application/json",
			strings.NewReader(`{"openid":"`+strings.Repeat("a", 8<<10)+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		r := response{Status: res.StatusCode, Header: res.Header, Body: body}
		if r.Status != 413 || r.errorCode(t) != "body_too_large" {
			t.Fatalf("oversized body: %d %s", r.Status, r.Body)
		}
	})
	var n int
	if err := a.DB().Get(&n, `SELECT COUNT(*) FROM residents`); err != nil || n != 0 {
		t.Fatalf("bad input created %d residents (%v)", n, err)
	}
}

func TestIdempotencyKeyReplaysTheFirstResponse(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		var calls atomic.Int32
		a.Fiber().Post("/test/idem", a.tagRoute("/test/idem"), a.requireAuth(authResident, nil), a.idempotent, func(c *fiber.Ctx) error {
			n := calls.Add(1)
			if string(c.Body()) == `{"fail":true}` {
				return fmt.Errorf("transient failure")
			}
			return c.Status(201).JSON(map[string]any{"n": n})
		})
		tok := a.devLogin("o-idem", "")
		other := a.devLogin("o-idem-2", "")
		first := a.do("POST", "/test/idem", tok, `{"a":1}`, "Idempotency-Key", "key-00000001")
		again := a.do("POST", "/test/idem", tok, `{"a":1}`, "Idempotency-Key", "key-00000001")
		if first.Status != 201 || again.Status != 201 || string(first.Body) != string(again.Body) || calls.Load() != 1 {
			t.Fatalf("replay: %d %s / %d %s, handler ran %d times", first.Status, first.Body, again.Status, again.Body, calls.Load())
		}
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("replayed response not marked")
		}
		if r := a.do("POST", "/test/idem", tok, `{"a":2}`, "Idempotency-Key", "key-00000001"); r.Status != 422 || r.errorCode(t) != "idempotency_key_reused" {
			t.Fatalf("same key, other body: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", "/test/idem", other, `{"a":1}`, "Idempotency-Key", "key-00000001"); r.Status != 201 || calls.Load() != 2 {
			t.Fatalf("another resident's key space: %d, calls %d", r.Status, calls.Load())
		}
		if r := a.do("POST", "/test/idem", tok, `{"fail":true}`, "Idempotency-Key", "key-00000002"); r.Status != 500 {
			t.Fatalf("failing request: %d", r.Status)
		}
		if r := a.do("POST", "/test/idem", tok, `{"fail":true}`, "Idempotency-Key", "key-00000002"); r.Status != 500 || calls.Load() != 4 {
			t.Fatalf("a failed request must run again on retry: calls %d", calls.Load())
		}
		if r := a.do("POST", "/test/idem", tok, `{"a":1}`, "Idempotency-Key", "bad key!"); r.Status != 400 || r.errorCode(t) != "invalid_idempotency_key" {
			t.Fatalf("malformed key: %d %s", r.Status, r.Body)
		}
	})
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b)
			cfg.RateLimit.Enabled = true
			cfg.RateLimit.Login.Limit = 3
			cfg.HTTP.ProxyHeader = "X-Real-IP"
			cfg.HTTP.TrustedProxies = []string{"0.0.0.0"} // app.Test's connections come from there
			a := newTestApp(t, cfg)
			// A random client address per run: Redis buckets of earlier runs must not count.
			ip := fmt.Sprintf("10.%d.%d.%d", rand.IntN(250), rand.IntN(250), rand.IntN(250))
			var last response
			for i := 0; i < 4; i++ {
				last = a.do("POST", "/api/v1/auth/staff/login", "", `{"username":"nobody","password":"wrong-password-1"}`, "X-Real-IP", ip)
				if i < 3 && last.Status != http.StatusUnauthorized {
					t.Fatalf("login %d within the limit: %d %s", i+1, last.Status, last.Body)
				}
			}
			if last.Status != http.StatusTooManyRequests || last.errorCode(t) != "rate_limited" || last.Header.Get("Retry-After") == "" {
				t.Fatalf("4th login in a minute from one IP: %d %s", last.Status, last.Body)
			}
			other := a.do("POST", "/api/v1/auth/staff/login", "", `{"username":"nobody","password":"wrong-password-1"}`, "X-Real-IP", "192.0.2.1"+ip[len(ip)-1:])
			if other.Status != http.StatusUnauthorized {
				t.Fatalf("another IP must not be limited: %d", other.Status)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	for _, path := range []string{"/docs", "/api/v1/me", "/healthz"} {
		r := a.do("GET", path, "", nil)
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "strict-origin-when-cross-origin"} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
}
