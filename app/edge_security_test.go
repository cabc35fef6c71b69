package app

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"govapp/internal/account"
)

// allocatedBy runs fn and returns the bytes the whole process allocated
// meanwhile (runtime.MemStats.TotalAlloc: every allocation, freed or not).
func allocatedBy(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// rawRequest sends head, then body (streamed from r, never held in memory),
// on one connection and returns the status line's code.
func rawRequest(t *testing.T, addr, head string, body io.Reader) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	// The server may answer and close before the body is through: writing
	// then fails, which is the point.
	go func() { _, _ = io.Copy(conn, body) }()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// zeros is n zero bytes, produced without holding them.
func zeros(n int64) io.Reader { return io.LimitReader(zeroReader{}, n) }

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

const heapBudget = 10 << 20

// Issue 13.1: a compressed body is never unpacked (1.8 KB of twice-gzipped
// zeros is 1 GiB), and a body is read only up to its route's limit — none at
// all for GET — so neither costs the process memory.
func TestHostileBodiesCostNoMemory(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	addr := strings.TrimPrefix(a.listen(t), "http://")
	bomb, err := os.ReadFile("testdata/zeros-1GiB.gz.gz")
	if err != nil {
		t.Fatal(err)
	}
	tok := a.devLogin("o-bomb-1", "")

	t.Run("gzip bomb before authentication", func(t *testing.T) {
		for _, enc := range []string{"gzip, gzip", "gzip", "deflate", "br", "GZIP", "identity, gzip"} {
			var status int
			grew := allocatedBy(func() {
				status = rawRequest(t, addr, fmt.Sprintf("POST /wechat/oa?signature=x&timestamp=1&nonce=1 HTTP/1.1\r\nHost: x\r\n"+
					"Content-Type: text/xml\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n", enc, len(bomb)), strings.NewReader(string(bomb)))
			})
			if status != http.StatusUnsupportedMediaType || grew > heapBudget {
				t.Errorf("Content-Encoding %q: status %d, allocated %d MB (want 415, under 10 MB)", enc, status, grew>>20)
			}
		}
	})
	t.Run("gzip bomb to an authenticated JSON route", func(t *testing.T) {
		r := a.do("POST", "/api/v1/tickets", tok, string(bomb), "Content-Encoding", "gzip, gzip")
		if r.Status != http.StatusUnsupportedMediaType || r.errorCode(t) != "unsupported_content_encoding" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("30 MB to a GET route", func(t *testing.T) {
		const size = 30 << 20
		var status int
		grew := allocatedBy(func() {
			status = rawRequest(t, addr, fmt.Sprintf("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", size), zeros(size))
		})
		if status < 400 || status >= 500 || grew > heapBudget {
			t.Fatalf("status %d, allocated %d MB (want 4xx, under 10 MB)", status, grew>>20)
		}
		grew = allocatedBy(func() {
			status = rawRequest(t, addr, fmt.Sprintf("GET /api/v1/guides HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size), zeros(size))
		})
		if status != http.StatusRequestEntityTooLarge || grew > heapBudget {
			t.Fatalf("GET with a 30 MB body: status %d, allocated %d MB (want 413, under 10 MB)", status, grew>>20)
		}
	})
	t.Run("30 MB chunked to a small POST route", func(t *testing.T) {
		const size = 30 << 20
		var status int
		grew := allocatedBy(func() {
			status = rawRequest(t, addr, "POST /api/v1/auth/staff/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
				io.MultiReader(strings.NewReader(fmt.Sprintf("%x\r\n", size)), zeros(size), strings.NewReader("\r\n0\r\n\r\n")))
		})
		if status != http.StatusRequestEntityTooLarge || grew > 2*int64Budget() {
			t.Fatalf("status %d, allocated %d MB (want 413, within twice the 1 MB route limit plus overhead)", status, grew>>20)
		}
	})
	t.Run("a small body on a GET route", func(t *testing.T) {
		r := a.do("GET", "/api/v1/guides", "", "x")
		if r.Status != http.StatusBadRequest || r.errorCode(t) != "unexpected_body" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("the import route still takes its larger limit", func(t *testing.T) {
		ed := a.staffToken("importer", account.RoleEditor, "")
		r := a.do("POST", "/api/v1/admin/guides/import", ed, strings.Repeat(" ", 2<<20)+"[]")
		if r.Status == http.StatusRequestEntityTooLarge {
			t.Fatalf("2 MB import refused as too large: %s", r.Body)
		}
	})
}

func int64Budget() uint64 { return heapBudget }

// Issue 13.3: a forwarded client address is believed only from a trusted
// proxy, and then only the right-most address that is not a trusted proxy.
func TestProxyTrustResolvesTheClient(t *testing.T) {
	t.Parallel()
	p, err := newProxyTrust("X-Forwarded-For", []string{"10.0.0.0/8", "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	lb := netip.MustParseAddr("10.1.2.3")
	stranger := netip.MustParseAddr("198.51.100.9")
	for _, tc := range []struct {
		name  string
		peer  netip.Addr
		lines []string
		want  string
	}{
		{"an untrusted peer's header is ignored", stranger, []string{"203.0.113.5"}, "198.51.100.9"},
		{"an untrusted peer's chain is ignored", stranger, []string{"1.1.1.1, 10.0.0.1"}, "198.51.100.9"},
		{"one hop behind the load balancer", lb, []string{"203.0.113.5"}, "203.0.113.5"},
		{"a forged left part is not believed", lb, []string{"198.51.100.77, 203.0.113.5"}, "203.0.113.5"},
		{"trusted hops are skipped", lb, []string{"203.0.113.5, 10.0.0.7, 192.0.2.1"}, "203.0.113.5"},
		{"several header lines are one list", lb, []string{"198.51.100.77", "203.0.113.5"}, "203.0.113.5"},
		{"garbage ends the walk at the last believed hop", lb, []string{"203.0.113.5, not-an-ip"}, "10.1.2.3"},
		{"garbage behind a trusted hop", lb, []string{"<script>, 10.0.0.9"}, "10.0.0.9"},
		{"a port is allowed", lb, []string{"203.0.113.5:4711"}, "203.0.113.5"},
		{"IPv6 with a port", lb, []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"empty header", lb, []string{""}, "10.1.2.3"},
		{"no header", lb, nil, "10.1.2.3"},
		{"all trusted: the left-most", lb, []string{"10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"IPv4-mapped peer", netip.MustParseAddr("::ffff:10.1.2.3"), []string{"203.0.113.5"}, "203.0.113.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lines [][]byte
			for _, l := range tc.lines {
				lines = append(lines, []byte(l))
			}
			if got := p.resolve(tc.peer, lines).String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := newProxyTrust("X-Forwarded-For", []string{"lb.example"}); err == nil {
		t.Fatal("a host name accepted as a trusted proxy")
	}
	if got := (proxyTrust{header: "X-Forwarded-For"}).resolve(stranger, [][]byte{[]byte("203.0.113.5")}); got != stranger {
		t.Fatalf("no trusted proxies configured: header believed (%s)", got)
	}
}

// Issue 13.3, end to end: spoofed chains neither escape the login limit nor
// reach the audit log, from an untrusted peer or through a trusted one.
func TestForgedForwardedForNeitherEscapesLimitsNorReachesAudit(t *testing.T) {
	t.Parallel()
	// app.Test's connections come from 0.0.0.0.
	for _, tc := range []struct {
		name    string
		trusted []string
		wantIP  string
	}{
		{"peer not a trusted proxy", []string{"10.9.9.9"}, "0.0.0.0"},
		{"peer is the trusted load balancer", []string{"0.0.0.0"}, "203.0.113.5"},
	} {
		for _, b := range backends() {
			t.Run(tc.name+"/"+string(b), func(t *testing.T) {
				cfg := testConfig(t, b)
				cfg.RateLimit.Enabled = true
				cfg.RateLimit.Login.Limit = 20
				cfg.HTTP.ProxyHeader = "X-Forwarded-For"
				cfg.HTTP.TrustedProxies = tc.trusted
				a := newTestApp(t, cfg)
				a.staffToken("forged-ip-clerk", account.RoleOperator, "")
				limited := 0
				for i := range 25 {
					r := a.do("POST", "/api/v1/auth/staff/login", "", `{"username":"forged-ip-clerk","password":"wrong-password-1"}`,
						"X-Forwarded-For", fmt.Sprintf("198.51.100.%d, 203.0.113.5", i+1))
					if r.Status == http.StatusTooManyRequests {
						limited++
					}
				}
				if limited < 5 {
					t.Fatalf("25 logins with spoofed chains: %d limited, want at least 5 (limit 20)", limited)
				}
				var ips []string
				if err := a.DB().Select(&ips, a.DB().Rebind(`SELECT DISTINCT ip FROM audit_log WHERE action LIKE 'staff.login%' AND action <> 'staff.login'`)); err != nil {
					t.Fatal(err)
				}
				if len(ips) != 1 || ips[0] != tc.wantIP {
					t.Fatalf("audit_log.ip = %q, want only %q", ips, tc.wantIP)
				}
			})
		}
	}
}

// Issue 13.10: dev login (and the fake WeChat's dev: and dev-phone: codes)
// signs anyone in as anyone with any phone marked verified. It is on only
// when the server listens on loopback alone or when asked for explicitly.
func TestDevLoginOffWhenListeningOnTheNetwork(t *testing.T) {
	cfg := testConfig(t, embedded)
	cfg.HTTP.Addr = ":8080"
	a := newTestApp(t, cfg)
	if r := a.do("POST", "/api/v1/auth/dev/login", "", `{"openid":"o-lan-1","phone":"13800138000"}`); r.Status != http.StatusNotFound || r.errorCode(t) != "dev_login_disabled" {
		t.Fatalf("dev login on a LAN address: %d %s", r.Status, r.Body)
	}
	if r := a.do("POST", "/api/v1/auth/wechat/login", "", `{"code":"dev:o-lan-1"}`); r.Status < 400 || r.Status >= 500 {
		t.Fatalf("fake WeChat dev: code on a LAN address: %d %s", r.Status, r.Body)
	}
	if strings.Contains(a.logs.String(), "开发登录已开启") {
		t.Fatal("start-up warned of dev login while it is off")
	}

	on := newTestApp(t, testConfig(t, embedded)) // 127.0.0.1:8080
	if !strings.Contains(on.logs.String(), "开发登录已开启") {
		t.Fatal("no start-up warning while dev login is on")
	}
	tok := on.devLogin("o-loopback-1", "")
	if r := on.do("POST", "/api/v1/me/phone", tok, `{"code":"dev-phone:13800138000"}`); r.Status != http.StatusOK {
		t.Fatalf("dev-phone: code on loopback: %d %s", r.Status, r.Body)
	}

	explicit := testConfig(t, embedded)
	explicit.HTTP.Addr = ":8080"
	explicit.Auth.DevLogin = true
	ex := newTestApp(t, explicit)
	ex.devLogin("o-explicit-1", "")

	// The dev-phone: code is refused where dev login is off, even for a
	// resident signed in by a real login code.
	code := "code-" + t.Name()
	fake.AddLoginCode(code, "o-lan-2", "u-lan-2")
	r := a.do("POST", "/api/v1/auth/wechat/login", "", fmt.Sprintf(`{"code":%q}`, code))
	if r.Status != http.StatusOK {
		t.Fatalf("scripted login code: %d %s", r.Status, r.Body)
	}
	lanTok, _ := r.json(t)["token"].(string)
	if r := a.do("POST", "/api/v1/me/phone", lanTok, `{"code":"dev-phone:13800138000"}`); r.Status < 400 || r.Status >= 500 {
		t.Fatalf("dev-phone: code on a LAN address: %d %s", r.Status, r.Body)
	}
}
