package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/config"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/errs"
	"govapp/internal/wechat"
	"govapp/internal/wechat/fakewechat"
)

const (
	testAppID  = "wxtestminiprogram"
	testSecret = "test-secret"

	pathLogin  = "/sns/jscode2session"
	pathPhone  = "/wxa/business/getuserphonenumber"
	pathStable = "/cgi-bin/stable_token"
)

// fake serves every WeChat call of the tests; util.DefaultHTTPClient points at
// it once, here, before any test runs.
var fake = fakewechat.New(testAppID, testSecret)

func TestMain(m *testing.M) {
	wechat.SetHTTPClient(&http.Client{Transport: fake.Transport(), Timeout: 10 * time.Second})
	os.Exit(m.Run())
}

// setup resets the fake; tests in this package do not run in parallel.
func setup(t *testing.T) {
	t.Helper()
	fake.Reset()
	t.Cleanup(fake.Reset)
}

func newClient(t *testing.T, c cache.Cache, timeout time.Duration) *wechat.Client {
	t.Helper()
	cfg := config.WeChat{HTTPTimeout: config.Duration(timeout),
		MP: config.App{AppID: testAppID, Secret: testSecret}}
	cl, err := wechat.New(cfg, c, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return cl
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func TestCode2Session(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()

	t.Run("a scripted code returns its openid and unionid", func(t *testing.T) {
		fake.AddLoginCode("code-1", "openid-1", "unionid-1")
		s, err := cl.Code2Session(ctx, "code-1")
		if err != nil {
			t.Fatal(err)
		}
		if s.OpenID != "openid-1" || s.UnionID != "unionid-1" || s.SessionKey == "" {
			t.Fatalf("session = %+v", s)
		}
	})
	t.Run("a code works once", func(t *testing.T) {
		_, err := cl.Code2Session(ctx, "code-1")
		if !errors.Is(err, wechat.ErrInvalidCode) {
			t.Fatalf("second use: %v", err)
		}
		if c, _ := wechat.ErrCode(err); c != 40163 {
			t.Fatalf("errcode = %d, want 40163", c)
		}
	})
	t.Run("an unknown code is wechat_code_invalid", func(t *testing.T) {
		_, err := cl.Code2Session(ctx, "nope")
		wantCode(t, err, "wechat_code_invalid")
		if errs.KindOf(err) != errs.KindUnauthorized {
			t.Fatalf("kind = %v", errs.KindOf(err))
		}
	})
	t.Run("an empty or oversized code is rejected without a call", func(t *testing.T) {
		before := fake.Calls(pathLogin)
		for _, code := range []string{"", string(make([]byte, 500))} {
			if _, err := cl.Code2Session(ctx, code); !errors.Is(err, wechat.ErrInvalidCode) {
				t.Fatalf("code %q: %v", code, err)
			}
		}
		if fake.Calls(pathLogin) != before {
			t.Fatal("WeChat was called")
		}
	})
	t.Run("a code is escaped into the query", func(t *testing.T) {
		fake.AddLoginCode("a&js_code=dev:mallory", "openid-amp", "")
		s, err := cl.Code2Session(ctx, "a&js_code=dev:mallory")
		if err != nil || s.OpenID != "openid-amp" {
			t.Fatalf("session = %+v, err = %v", s, err)
		}
	})
	t.Run("dev codes name the openid", func(t *testing.T) {
		s, err := cl.Code2Session(ctx, "dev:alice")
		if err != nil || s.OpenID != "alice" || s.UnionID != "u-alice" {
			t.Fatalf("session = %+v, err = %v", s, err)
		}
	})
}

func TestCode2SessionErrcodes(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()
	t.Run("45011 is rate limited", func(t *testing.T) {
		fake.FailNext(pathLogin, 45011, 1)
		_, err := cl.Code2Session(ctx, "dev:alice")
		if !errors.Is(err, wechat.ErrRateLimited) || errs.KindOf(err) != errs.KindTooMany {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("system busy is unavailable", func(t *testing.T) {
		fake.FailNext(pathLogin, -1, 1)
		_, err := cl.Code2Session(ctx, "dev:alice")
		wantCode(t, err, "wechat_unavailable")
	})
	t.Run("the session key is never printed", func(t *testing.T) {
		s := wechat.Session{OpenID: "o", SessionKey: "secret-key"}
		if out := fmt.Sprint(s); out == "" || strings.Contains(out, "secret-key") {
			t.Fatalf("printed %q", out)
		}
	})
}

func TestCode2SessionTimeoutIsUnavailable(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), 100*time.Millisecond)
	fake.SetLatency(pathLogin, 3*time.Second)
	start := time.Now()
	_, err := cl.Code2Session(context.Background(), "dev:bob")
	if !errors.Is(err, wechat.ErrUnavailable) || errs.KindOf(err) != errs.KindUnavailable {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cause not wrapped: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v, want about the 100ms timeout", d)
	}
	for _, secret := range []string{testSecret, "bob"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error text reveals %q: %v", secret, err)
		}
	}
}

func TestPhoneNumberTimeoutHidesTheToken(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), 100*time.Millisecond)
	tok, err := cl.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fake.SetLatency(pathPhone, 3*time.Second)
	_, err = cl.PhoneNumber(context.Background(), "dev-phone:13700000000")
	wantCode(t, err, "wechat_unavailable")
	if strings.Contains(err.Error(), tok) {
		t.Fatalf("error text reveals the access token: %v", err)
	}
}

func TestCode2SessionWrongSecretIsInternal(t *testing.T) {
	setup(t)
	cfg := config.WeChat{MP: config.App{AppID: testAppID, Secret: "wrong"}}
	cl, err := wechat.New(cfg, cache.NewMemory(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.Code2Session(context.Background(), "dev:bob")
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != 40125 || errs.KindOf(err) != errs.KindInternal {
		t.Fatalf("err = %v", err)
	}
}

func TestPhoneNumber(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()
	fake.AddPhoneCode("pc-1", "13800138000")

	t.Run("a scripted code returns the pure number", func(t *testing.T) {
		p, err := cl.PhoneNumber(ctx, "pc-1")
		if err != nil || p != "13800138000" {
			t.Fatalf("phone = %q, err = %v", p, err)
		}
	})
	t.Run("a code works once", func(t *testing.T) {
		_, err := cl.PhoneNumber(ctx, "pc-1")
		wantCode(t, err, "phone_code_invalid")
	})
	t.Run("an unknown code is phone_code_invalid", func(t *testing.T) {
		_, err := cl.PhoneNumber(ctx, "unknown")
		wantCode(t, err, "phone_code_invalid")
		if errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("kind = %v", errs.KindOf(err))
		}
	})
	t.Run("dev codes name the number", func(t *testing.T) {
		p, err := cl.PhoneNumber(ctx, "dev-phone:13900000001")
		if err != nil || p != "13900000001" {
			t.Fatalf("phone = %q, err = %v", p, err)
		}
	})
	if n := fake.TokenFetches(); n != 1 {
		t.Fatalf("token fetches = %d, want 1", n)
	}
}

// hammer runs 50 concurrent AccessToken and PhoneNumber calls spread over
// clients and fails on any error or wrong answer.
func hammer(t *testing.T, clients ...*wechat.Client) {
	t.Helper()
	var wg sync.WaitGroup
	errc := make(chan error, 50)
	for i := range 50 {
		cl := clients[i%len(clients)]
		wg.Go(func() {
			if i%2 == 0 {
				if tok, err := cl.AccessToken(context.Background()); err != nil || tok == "" {
					errc <- fmt.Errorf("AccessToken: %q, %v", tok, err)
				}
				return
			}
			want := fmt.Sprintf("139%08d", i)
			if p, err := cl.PhoneNumber(context.Background(), "dev-phone:"+want); err != nil || p != want {
				errc <- fmt.Errorf("PhoneNumber: %q, %v", p, err)
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

func TestConcurrentCallsFetchTheTokenOnce(t *testing.T) {
	setup(t)
	fake.SetLatency(pathStable, 50*time.Millisecond) // keep the fetch in flight
	hammer(t, newClient(t, cache.NewMemory(0), time.Second))
	if n := fake.TokenFetches(); n != 1 {
		t.Fatalf("token fetches = %d, want 1", n)
	}
}

func TestTwoInstancesSharingACacheFetchOnce(t *testing.T) {
	setup(t)
	fake.SetLatency(pathStable, 50*time.Millisecond)
	shared := cache.NewMemory(0)
	hammer(t, newClient(t, shared, time.Second), newClient(t, shared, time.Second))
	if n := fake.TokenFetches(); n != 1 {
		t.Fatalf("token fetches = %d, want 1", n)
	}
	if _, err := shared.Get(context.Background(), "wechat:token:"+testAppID); err != nil {
		t.Fatalf("token not in the shared cache: %v", err)
	}
	if _, err := shared.Get(context.Background(), "wechat:token-lock:"+testAppID); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("lock not released: %v", err)
	}
}
