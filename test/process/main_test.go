// Package process runs govapp as real operating-system processes — the binary
// of ./cmd/govapp, on the production profile, against a fresh PostgreSQL
// schema and the test Redis — and kills, stops and doubles them.
//
// The production profile refuses the built-in fake WeChat, so the processes
// call the real WeChat host, api.weixin.qq.com, as in production, and the
// test routes those calls to one fake it owns: the children get HTTPS_PROXY
// pointing at a CONNECT proxy of this test that only tunnels to a TLS server
// answering from a fakewechat.Fake, and SSL_CERT_FILE holding the certificate
// of that server (made here for api.weixin.qq.com). The binary is unchanged;
// every instance of a test shares that one fake, as real instances share
// WeChat (one access token fetch, one count of messages received).
package process

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"govapp/internal/platform/db/dbtest"
	"govapp/internal/wechat/fakewechat"
)

// wechatHost is the only host the CONNECT proxy tunnels to.
const wechatHost = "api.weixin.qq.com:443"

var (
	binary   string          // the govapp binary built by TestMain
	certFile string          // PEM of the fake WeChat's certificate (the children's only root)
	tlsCert  tls.Certificate // that certificate with its key
	skipWhy  string          // why the tests skip, when they do
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		skipWhy = "-short (make test-fast): the process tests build and run the binary; they run in make test"
		os.Exit(m.Run())
	}
	if dbtest.PostgresURL() == "" || dbtest.RedisURL() == "" {
		skipWhy = "GOVAPP_TEST_POSTGRES_URL and GOVAPP_TEST_REDIS_URL are not both set: the process tests need PostgreSQL and Redis"
		fmt.Println("test/process:", skipWhy)
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "govapp-process-")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	code := 1
	if err := prepare(dir); err != nil {
		fmt.Println("test/process:", err)
	} else {
		code = m.Run()
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// prepare builds the binary and the fake WeChat's certificate into dir.
func prepare(dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is not on PATH: %w", err)
	}
	binary = filepath.Join(dir, "govapp")
	build := exec.Command(goBin, "build", "-o", binary, "./cmd/govapp")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/govapp: %v\n%s", err, out)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "api.weixin.qq.com"},
		DNSNames:     []string{"api.weixin.qq.com"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	certFile = filepath.Join(dir, "wechat.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	tlsCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return nil
}

// requireServers skips t, saying why, when PostgreSQL and Redis are not configured.
func requireServers(t *testing.T) {
	t.Helper()
	if skipWhy != "" {
		t.Skip(skipWhy)
	}
}

// wechatServer is one fake WeChat reachable over HTTPS as api.weixin.qq.com
// through a CONNECT proxy.
type wechatServer struct {
	fake  *fakewechat.Fake
	tls   *httptest.Server
	proxy *httptest.Server

	mu      sync.Mutex
	tunnels map[net.Conn]struct{}
}

// startWeChat serves fake over TLS behind a CONNECT proxy, until t ends.
func startWeChat(t *testing.T, fake *fakewechat.Fake) *wechatServer {
	t.Helper()
	w := &wechatServer{fake: fake, tunnels: map[net.Conn]struct{}{}}
	w.tls = httptest.NewUnstartedServer(fake)
	w.tls.TLS = &tls.Config{Certificates: []tls.Certificate{tlsCert}}
	w.tls.StartTLS()
	w.proxy = httptest.NewServer(http.HandlerFunc(w.connect))
	t.Cleanup(w.close)
	return w
}

// ProxyURL is the HTTPS_PROXY of the children.
func (w *wechatServer) ProxyURL() string { return w.proxy.URL }

// connect tunnels CONNECT api.weixin.qq.com:443 to the fake's TLS server and
// refuses everything else, so that no child reaches the real WeChat.
func (w *wechatServer) connect(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect || r.Host != wechatHost {
		http.Error(rw, "this proxy only tunnels to "+wechatHost, http.StatusForbidden)
		return
	}
	up, err := net.Dial("tcp", w.tls.Listener.Addr().String())
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadGateway)
		return
	}
	conn, buf, err := rw.(http.Hijacker).Hijack()
	if err != nil {
		up.Close()
		return
	}
	w.mu.Lock()
	w.tunnels[conn], w.tunnels[up] = struct{}{}, struct{}{}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.tunnels, conn)
		delete(w.tunnels, up)
		w.mu.Unlock()
		conn.Close()
		up.Close()
	}()
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n")); err != nil {
		return
	}
	go func() {
		_, _ = io.Copy(up, buf) // buf holds anything the client sent early, then reads conn
		up.Close()
	}()
	_, _ = io.Copy(conn, up)
}

func (w *wechatServer) close() {
	w.proxy.Close()
	w.mu.Lock()
	for c := range w.tunnels {
		c.Close()
	}
	w.mu.Unlock()
	w.tls.Close()
}
