package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"govapp/internal/config"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/wechat"
	"govapp/internal/wechat/fakewechat"
)

const testSecret = "app-test-secret-0123456789abcdefghijklmnop"

// fake is the one fake WeChat of this test binary: the WeChat HTTP client is
// a process-wide global, set once here.
var fake *fakewechat.Fake

func TestMain(m *testing.M) {
	cfg := config.Defaults(config.ProfileEmbedded)
	fake = fakewechat.New(cfg.WeChat.MP.AppID, cfg.WeChat.MP.Secret)
	fake.AddApp(cfg.WeChat.OA.AppID, cfg.WeChat.OA.Secret)
	wechat.SetHTTPClient(wechat.NewHTTPClient(cfg.WeChat, fake.Transport()))
	httpClientOnce.Do(func() {})
	os.Exit(m.Run())
}

// backend names a store+cache pair the HTTP tests run on.
type backend string

const (
	embedded   backend = "sqlite+memory"
	production backend = "postgres+redis"
)

// backends lists SQLite with the in-process cache always, and PostgreSQL with
// Redis when the test servers are configured.
func backends() []backend {
	if dbtest.PostgresURL() != "" && dbtest.RedisURL() != "" {
		return []backend{embedded, production}
	}
	return []backend{embedded}
}

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testApp struct {
	*App
	t    *testing.T
	logs *syncBuffer
	// served is a real listener, started the first time a request needs one:
	// fasthttp refuses a body over its route's limit before reading it and
	// answers on the connection, which app.Test reports as an error instead.
	served *lazyListener
}

type lazyListener struct {
	once sync.Once
	url  string
}

// testConfig is the embedded configuration on a temporary data directory,
// switched to PostgreSQL and Redis for the production backend.
func testConfig(t *testing.T, b backend) config.Config {
	cfg := config.Defaults(config.ProfileEmbedded)
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = testSecret
	cfg.Log.Level = "debug"
	cfg.RateLimit.Enabled = false // TestRateLimits turns it on
	cfg.Auth.PasswordCost = 4     // bcrypt's minimum: fast under -race
	if b == production {
		cfg.Database.URL = dbtest.SchemaURL(t)
		cfg.Redis.URL = dbtest.RedisURL()
	}
	return cfg
}

// heavy skips a slow test under -short (make test-fast: the edit–test loop);
// make test runs it.
func heavy(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short (make test-fast): a slow test (fan-out, fault injection, hostile walk, periodic purge); it runs in make test")
	}
}

func newTestApp(t *testing.T, cfg config.Config) *testApp {
	t.Helper()
	return newTestAppWith(t, cfg, Options{Fake: fake})
}

func newTestAppWith(t *testing.T, cfg config.Config, o Options) *testApp {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(context.Background(), cfg, log, o)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	// registered first, so it runs last: after shutdown has logged too
	t.Cleanup(func() { checkLogsForPersonalData(t, logs.String()) })
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return &testApp{App: a, t: t, logs: logs, served: &lazyListener{}}
}

// eachBackend runs fn against a fresh app on every configured backend.
func eachBackend(t *testing.T, fn func(t *testing.T, a *testApp)) {
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) { fn(t, newTestApp(t, testConfig(t, b))) })
	}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.Status, r.Body)
	}
	return m
}

// errorCode returns error.code of an error envelope, failing unless the
// envelope is complete (code, Chinese message, request id).
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var env struct {
		Error struct {
			Code      string            `json:"code"`
			Message   string            `json:"message"`
			RequestID string            `json:"request_id"`
			Fields    map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil {
		t.Fatalf("not an error envelope (%d): %s", r.Status, r.Body)
	}
	e := env.Error
	if e.Code == "" || e.RequestID == "" || !hasHan(e.Message) {
		t.Fatalf("incomplete error envelope (%d): %s", r.Status, r.Body)
	}
	if got := r.Header.Get("X-Request-ID"); got != e.RequestID {
		t.Fatalf("X-Request-ID %q differs from envelope request_id %q", got, e.RequestID)
	}
	return e.Code
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// do sends a request; body may be nil, a string (sent as is) or a value (JSON).
func (a *testApp) do(method, path, token string, body any, headers ...string) response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := a.Fiber().Test(req, 10000)
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		res, err = a.overTheWire(req, body)
	}
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// overTheWire sends req again (with body, as do encodes it) to a real
// listener, to see the answer fasthttp gives on the connection. It reads the
// answer while the body is still being written: the server answers a body
// over the limit and closes without reading it.
func (a *testApp) overTheWire(req *http.Request, body any) (*http.Response, error) {
	a.served.once.Do(func() { a.served.url = a.listen(a.t) })
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	case nil:
	default:
		raw, _ = json.Marshal(b)
	}
	out, err := http.NewRequest(req.Method, a.served.url+req.URL.RequestURI(), nil)
	if err != nil {
		return nil, err
	}
	out.Header = req.Header.Clone()
	out.Header.Set("Content-Length", strconv.Itoa(len(raw)))
	head, err := httputil.DumpRequest(out, false)
	if err != nil {
		return nil, err
	}
	conn, err := net.Dial("tcp", out.URL.Host)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	go func() { _, _ = conn.Write(append(head, raw...)) }()
	res, err := http.ReadResponse(bufio.NewReader(conn), out)
	if err != nil {
		conn.Close()
		return nil, err
	}
	body2, err := io.ReadAll(res.Body)
	conn.Close()
	res.Body = io.NopCloser(bytes.NewReader(body2))
	return res, err
}

// devLogin signs a resident in and returns the token.
func (a *testApp) devLogin(openid, phone string) string {
	a.t.Helper()
	body := map[string]string{"openid": openid}
	if phone != "" {
		body["phone"] = phone
	}
	r := a.do("POST", "/api/v1/auth/dev/login", "", body)
	if r.Status != 200 {
		a.t.Fatalf("dev login: %d %s", r.Status, r.Body)
	}
	tok, _ := r.json(a.t)["token"].(string)
	if tok == "" {
		a.t.Fatalf("dev login gave no token: %s", r.Body)
	}
	return tok
}

// listen serves the app on a loopback port until the test ends and returns
// its base URL (for what app.Test cannot show, such as fasthttp's own errors).
func (a *testApp) listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.Fiber().Listener(ln) }()
	return "http://" + ln.Addr().String()
}
