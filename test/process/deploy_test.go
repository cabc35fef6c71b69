package process

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/redact"
	"govapp/internal/wechat/fakewechat"
)

// baseConfig is the production profile as the tests run it: limits high
// enough for hundreds of residents on one loopback address, a push rate that
// finishes a few thousand sends in seconds, and — so that what a SIGKILL
// leaves behind is recovered within the test — a short rescue horizon for
// jobs and a short lease for Idempotency-Key claims.
const baseConfig = `profile: production
data_dir: %s
http:
  shutdown_grace: %s
auth:
  password_cost: 4
idempotency:
  claim_lease: 2s
rate_limit:
  per_ip:      { limit: 1000000, window: 1m }
  per_account: { limit: 1000000, window: 1m }
  login:       { limit: 1000000, window: 1m }
jobs:
  poll_interval: 100ms
  rescue_stuck_after: 10s
push:
  rate_per_second: 1000
  batch_size: 100
  send_chunk: 20
  retry_base: 1s
booking:
  per_person: { limit: 100, window: 1m }
  per_ip:     { limit: 1000000, window: 1m }
log:
  level: info
`

// deployment is one installation: a fresh schema, the test Redis, a
// configuration file and secrets, and the fake WeChat its instances share.
type deployment struct {
	t        *testing.T
	dir      string
	dbURL    string
	env      []string
	fake     *fakewechat.Fake
	wechat   *wechatServer
	db       *db.DB // for the tests' own checks
	mpApp    string
	oaApp    string
	oaToken  string
	oaAESKey string
	grace    time.Duration
	password map[string]string // seeded staff: username → password
}

// newDeployment migrates and seeds a fresh schema with the binary.
func newDeployment(t *testing.T, grace time.Duration) *deployment {
	t.Helper()
	requireServers(t)
	d := &deployment{t: t, dir: t.TempDir(), dbURL: dbtest.SchemaURL(t), grace: grace}
	// App ids of this run only: the access token and de-duplication keys
	// live in the shared Redis under the app id.
	run := randomHex(4)
	d.mpApp, d.oaApp, d.oaToken = "wxproc"+run+"mp", "wxproc"+run+"oa", "oatoken"+run
	d.oaAESKey = randomHex(21) + "x"
	const mpSecret, oaSecret = "process-mp-secret", "process-oa-secret"
	d.fake = fakewechat.New(d.mpApp, mpSecret)
	d.fake.AddApp(d.oaApp, oaSecret)
	d.wechat = startWeChat(t, d.fake)
	cfgPath := filepath.Join(d.dir, "govapp.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(baseConfig, d.dir, grace)), 0o600); err != nil {
		t.Fatal(err)
	}
	d.env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + d.dir,
		"GOVAPP_CONFIG=" + cfgPath,
		"GOVAPP_DATABASE_URL=" + d.dbURL,
		"GOVAPP_REDIS_URL=" + dbtest.RedisURL(),
		"GOVAPP_SECRET_KEY=" + randomHex(32),
		"GOVAPP_WECHAT_MP_APPID=" + d.mpApp, "GOVAPP_WECHAT_MP_SECRET=" + mpSecret,
		"GOVAPP_WECHAT_OA_APPID=" + d.oaApp, "GOVAPP_WECHAT_OA_SECRET=" + oaSecret,
		"GOVAPP_WECHAT_OA_TOKEN=" + d.oaToken, "GOVAPP_WECHAT_OA_AESKEY=" + d.oaAESKey,
		"HTTPS_PROXY=" + d.wechat.ProxyURL(), "NO_PROXY=", "SSL_CERT_FILE=" + certFile,
	}
	var err error
	if d.db, err = db.OpenPostgres(d.dbURL, db.Options{MaxOpenConns: 5}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.db.Close() })
	d.cli("migrate")
	out := d.cli("seed")
	d.password = map[string]string{}
	for _, m := range regexp.MustCompile(`用户名: (\S+)\s+角色: \S+\s+密码: (\S+)`).FindAllStringSubmatch(out, -1) {
		d.password[m[1]] = m[2]
	}
	if d.password["admin"] == "" || d.password["editor"] == "" {
		t.Fatalf("seed printed no admin and editor passwords:\n%s", out)
	}
	return d
}

// cli runs a one-shot subcommand and returns its output.
func (d *deployment) cli(args ...string) string {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = d.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		d.t.Fatalf("govapp %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// count runs a COUNT query on the deployment's schema.
func (d *deployment) count(q string, args ...any) int {
	d.t.Helper()
	var n int
	if err := d.db.Get(&n, q, args...); err != nil {
		d.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// instance is one running `govapp serve`.
type instance struct {
	d       *deployment
	name    string
	addr    string // 127.0.0.1:port
	cmd     *exec.Cmd
	log     string // path of its stdout and stderr
	done    chan struct{}
	waitErr error
	hc      *http.Client
}

// start runs `govapp serve` on a free loopback port with the deployment's
// environment plus extra (NAME=value, later ones win), and waits for /readyz.
func (d *deployment) start(name string, extra ...string) *instance {
	d.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		d.t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return d.startOn(name, addr, extra...)
}

func (d *deployment) startOn(name, addr string, extra ...string) *instance {
	d.t.Helper()
	i := &instance{d: d, name: name, addr: addr, done: make(chan struct{}),
		log: filepath.Join(d.dir, name+"-"+randomHex(2)+".log"),
		hc:  &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	f, err := os.Create(i.log)
	if err != nil {
		d.t.Fatal(err)
	}
	i.cmd = exec.Command(binary, "serve")
	i.cmd.Env = append(append(append([]string{}, d.env...), "GOVAPP_HTTP_ADDR="+addr), extra...)
	i.cmd.Stdout, i.cmd.Stderr = f, f
	if err := i.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	go func() {
		i.waitErr = i.cmd.Wait()
		f.Close()
		close(i.done)
	}()
	d.t.Cleanup(func() {
		i.kill()
		if d.t.Failed() {
			d.t.Logf("--- log of %s (last lines) ---\n%s", i.name, i.logTail(40))
		}
		i.checkNoPersonalData()
	})
	i.waitReady(60 * time.Second)
	return i
}

// waitReady polls /readyz until it answers 200.
func (i *instance) waitReady(within time.Duration) {
	i.d.t.Helper()
	deadline := time.Now().Add(within)
	for {
		select {
		case <-i.done:
			i.d.t.Fatalf("%s exited before it was ready (%v):\n%s", i.name, i.waitErr, i.logTail(40))
		default:
		}
		if r, err := i.call("GET", "/readyz", "", nil); err == nil && r.Status == 200 {
			return
		}
		if time.Now().After(deadline) {
			i.d.t.Fatalf("%s not ready within %v:\n%s", i.name, within, i.logTail(40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (i *instance) kill() {
	select {
	case <-i.done:
		return
	default:
	}
	_ = i.cmd.Process.Signal(syscall.SIGKILL)
	<-i.done
	i.hc.CloseIdleConnections()
}

// checkNoPersonalData fails the test when the process logged a mobile or
// ID-card number (SPEC §10: personal data never in logs).
func (i *instance) checkNoPersonalData() {
	b, err := os.ReadFile(i.log)
	if err != nil {
		i.d.t.Errorf("read the log of %s: %v", i.name, err)
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if len(redact.IdentifyingNumbers(line)) > 0 {
			i.d.t.Errorf("%s logged personal data: %s", i.name, line)
			return
		}
	}
}

// exited waits up to d for the process to exit; false if it still runs.
func (i *instance) exited(d time.Duration) bool {
	select {
	case <-i.done:
		return true
	case <-time.After(d):
		return false
	}
}

func (i *instance) logTail(n int) string {
	b, _ := os.ReadFile(i.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// reply is an HTTP answer.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// json decodes the body as an object.
func (r reply) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// errorCode is error.code of an error envelope, "" when the body is none.
func (r reply) errorCode() string {
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &env)
	return env.Error.Code
}

// call sends one request; body is nil, a string (sent as is) or a value (JSON).
// headers are name, value pairs.
func (i *instance) call(method, path, token string, body any, headers ...string) (reply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, "http://"+i.addr+path, rd)
	if err != nil {
		return reply{}, err
	}
	// Sent once: net/http would send a request with an Idempotency-Key
	// again, on a new connection, when the first one breaks.
	req.GetBody = nil
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k := 0; k+1 < len(headers); k += 2 {
		req.Header.Set(headers[k], headers[k+1])
	}
	res, err := i.hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return reply{Status: res.StatusCode, Header: res.Header, Body: b}, err
}

// must sends a request that has to answer want, and returns the decoded body.
func (i *instance) must(method, path, token string, body any, want int) map[string]any {
	i.d.t.Helper()
	r, err := i.call(method, path, token, body)
	if err != nil {
		i.d.t.Fatalf("%s %s on %s: %v", method, path, i.name, err)
	}
	if r.Status != want {
		i.d.t.Fatalf("%s %s on %s: %d %s (want %d)", method, path, i.name, r.Status, r.Body, want)
	}
	return r.json()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
