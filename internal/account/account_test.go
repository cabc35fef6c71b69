package account_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"govapp/internal/account"
	"govapp/internal/config"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/pii"
)

// testSecret derives the test encryption, look-up and token keys.
const testSecret = "a-32-char-or-longer-test-secret-0123456789"

// start is the clock's initial reading: Monday 2 March 2026, 09:00 in Shanghai.
var start = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// clock is a settable time source, safe for concurrent logins.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// errUnknownCode is what the fake answers for a code WeChat never issued.
var errUnknownCode = errs.New(errs.KindUnauthorized, "wechat_code_invalid", "微信登录凭证无效，请重新进入小程序")

// fakeWeChat is the test double of the WeChat seam: it knows the login and
// phone codes a test scripts and nothing else.
type fakeWeChat struct {
	mu     sync.Mutex
	logins map[string]account.WeChatIdentity
	phones map[string]string
}

func newFakeWeChat() *fakeWeChat {
	return &fakeWeChat{logins: map[string]account.WeChatIdentity{}, phones: map[string]string{}}
}

func (f *fakeWeChat) addLogin(code string, id account.WeChatIdentity) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logins[code] = id
}

func (f *fakeWeChat) addPhone(code, phone string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.phones[code] = phone
}

func (f *fakeWeChat) Login(_ context.Context, code string) (account.WeChatIdentity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.logins[code]
	if !ok {
		return account.WeChatIdentity{}, errUnknownCode
	}
	return id, nil
}

func (f *fakeWeChat) PhoneNumber(_ context.Context, code string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.phones[code]
	if !ok {
		return "", errUnknownCode
	}
	return p, nil
}

var _ account.WeChat = (*fakeWeChat)(nil)

// fixture is an account service over a fresh database, with its fake WeChat
// and its clock.
type fixture struct {
	svc   *account.Service
	db    *db.DB
	box   *pii.Box
	wx    *fakeWeChat
	clock *clock
	cfg   config.Auth
}

// newFixture builds the service with the default auth configuration (dev
// login on), changed by edit when given. Passwords are hashed at bcrypt's minimum cost: the
// production cost takes over a second per check under the race detector.
func newFixture(t *testing.T, d *db.DB, edit func(*config.Auth)) *fixture {
	t.Helper()
	box, err := pii.New(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults("embedded").Auth
	cfg.PasswordCost = bcrypt.MinCost
	cfg.DevLogin = true // off by default since issue 13; the resident tests sign in by it
	if edit != nil {
		edit(&cfg)
	}
	f := &fixture{db: d, box: box, wx: newFakeWeChat(), clock: &clock{now: start}, cfg: cfg}
	f.svc = account.NewService(d, box, f.wx, cfg, slog.New(slog.DiscardHandler))
	f.svc.SetClock(f.clock.Now)
	return f
}

// exec runs a statement written with ? placeholders.
func (f *fixture) exec(t *testing.T, stmt string, args ...any) {
	t.Helper()
	if _, err := f.db.Exec(f.db.Rebind(stmt), args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// count returns the single integer a query written with ? placeholders selects.
func (f *fixture) count(t *testing.T, stmt string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.Get(&n, f.db.Rebind(stmt), args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return n
}

// wantErr fails unless err is target (compared by kind and code).
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// wantInvalid fails unless err is a validation error naming exactly fields.
func wantInvalid(t *testing.T, err error, fields ...string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalid {
		t.Fatalf("error = %v, want a validation error naming %v", err, fields)
	}
	if len(e.Fields) != len(fields) {
		t.Fatalf("fields = %v, want exactly %v", e.Fields, fields)
	}
	for _, name := range fields {
		if e.Fields[name] == "" {
			t.Fatalf("fields = %v, want %q named with a message", e.Fields, name)
		}
	}
}
