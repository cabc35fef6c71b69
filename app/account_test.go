package app

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"govapp/internal/account"
	"govapp/internal/audit"
)

func TestResidentDevLoginAndMe(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		tok := a.devLogin("o-test-1", "13800138000")

		t.Run("me shows the resident with the phone masked", func(t *testing.T) {
			r := a.do("GET", "/api/v1/me", tok, nil)
			if r.Status != 200 {
				t.Fatalf("GET /me = %d %s", r.Status, r.Body)
			}
			m := r.json(t)
			if m["phone"] != "138****8000" || m["kind"] != "resident" || m["role"] != "resident" || m["phone_verified"] != true {
				t.Fatalf("me = %s", r.Body)
			}
		})
		t.Run("the raw residents row holds no plaintext phone", func(t *testing.T) {
			var enc []byte
			var hash string
			if err := a.DB().QueryRowx(a.DB().Rebind(`SELECT phone_enc, phone_hash FROM residents WHERE openid = ?`), "o-test-1").Scan(&enc, &hash); err != nil {
				t.Fatal(err)
			}
			raw := string(enc) + hash
			if len(enc) == 0 || len(hash) == 0 || strings.Contains(raw, "13800138000") || strings.Contains(raw, "138****8000") {
				t.Fatalf("phone stored in clear or not at all: %q", raw)
			}
		})
		t.Run("no token, a forged token, and a logged-out token are 401 in the envelope", func(t *testing.T) {
			for name, token := range map[string]string{"none": "", "forged": "gv_forgedforgedforgedforgedforgedforgedforged", "garbage": "not-a-token"} {
				r := a.do("GET", "/api/v1/me", token, nil)
				if r.Status != 401 {
					t.Fatalf("%s: status %d, want 401", name, r.Status)
				}
				r.errorCode(t)
			}
			other := a.devLogin("o-test-2", "")
			if r := a.do("POST", "/api/v1/auth/logout", other, nil); r.Status != 204 {
				t.Fatalf("logout = %d %s", r.Status, r.Body)
			}
			r := a.do("GET", "/api/v1/me", other, nil)
			if r.Status != 401 || r.errorCode(t) != "invalid_token" {
				t.Fatalf("after logout: %d %s", r.Status, r.Body)
			}
			if r := a.do("GET", "/api/v1/me", tok, nil); r.Status != 200 {
				t.Fatalf("another session must survive a logout: %d", r.Status)
			}
		})
		t.Run("a resident cannot choose a role", func(t *testing.T) {
			r := a.do("POST", "/api/v1/auth/dev/login", "", `{"openid":"o-x","role":"admin"}`)
			if r.Status != 400 || r.errorCode(t) != "invalid_request" || !strings.Contains(string(r.Body), `"role"`) {
				t.Fatalf("role accepted: %d %s", r.Status, r.Body)
			}
		})
		t.Run("the phone number never reaches the logs", func(t *testing.T) {
			if strings.Contains(a.logs.String(), "13800138000") {
				t.Fatal("plaintext phone number found in logs")
			}
		})
	})
}

func TestDevLoginRefusedWhenDisabled(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, embedded)
	cfg.Auth.DevLogin = false
	cfg.HTTP.Addr = ":8080" // not loopback-only: nothing turns it on
	a := newTestApp(t, cfg)
	r := a.do("POST", "/api/v1/auth/dev/login", "", `{"openid":"o-test-1"}`)
	if r.Status != 404 || r.errorCode(t) != "dev_login_disabled" {
		t.Fatalf("dev login with it disabled: %d %s", r.Status, r.Body)
	}
}

func TestWeChatLogin(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *testApp) {
		t.Run("a code the fake knows returns a token", func(t *testing.T) {
			fake.AddLoginCode("code-"+t.Name(), "o-wx-"+strings.ReplaceAll(t.Name(), "/", "-"), "u-1")
			r := a.do("POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": "code-" + t.Name()})
			if r.Status != 200 {
				t.Fatalf("login = %d %s", r.Status, r.Body)
			}
			tok, _ := r.json(t)["token"].(string)
			if me := a.do("GET", "/api/v1/me", tok, nil); me.Status != 200 {
				t.Fatalf("me with wechat token = %d", me.Status)
			}
			if strings.Contains(string(r.Body), "session_key") {
				t.Fatal("session key leaked to the client")
			}
		})
		t.Run("an unknown code is 401 with a stable code and a Chinese message", func(t *testing.T) {
			r := a.do("POST", "/api/v1/auth/wechat/login", "", `{"code":"never-issued"}`)
			if r.Status != 401 || r.errorCode(t) != "wechat_code_invalid" {
				t.Fatalf("unknown code: %d %s", r.Status, r.Body)
			}
		})
	})
}

func TestAccessTokenFetchedOnceUnderConcurrency(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *testApp) {
		const n = 30
		tokens := make([]string, n)
		for i := range tokens {
			tokens[i] = a.devLogin(fmt.Sprintf("o-phone-%d", i), "")
			fake.AddPhoneCode(fmt.Sprintf("%s-phone-%d", t.Name(), i), fmt.Sprintf("139%08d", i))
		}
		// a token cached by an earlier run (shared Redis) must not hide the fetch
		if err := a.wx.InvalidateToken(context.Background()); err != nil {
			t.Fatal(err)
		}
		before := fake.TokenFetches()
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := a.do("POST", "/api/v1/me/phone", tokens[i], map[string]string{"code": fmt.Sprintf("%s-phone-%d", t.Name(), i)})
				statuses[i] = r.Status
			}(i)
		}
		wg.Wait()
		for i, s := range statuses {
			if s != 200 {
				t.Fatalf("bind phone %d: status %d", i, s)
			}
		}
		if got := fake.TokenFetches() - before; got != 1 {
			t.Fatalf("access token fetched %d times for %d concurrent calls, want 1", got, n)
		}
		r := a.do("GET", "/api/v1/me", tokens[7], nil)
		if r.json(t)["phone"] != "139****0007" {
			t.Fatalf("bound phone: %s", r.Body)
		}
	})
}

func TestStaffLoginLocksOutAfterFiveFailures(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		ctx := context.Background()
		if _, err := a.Accounts().EnsureDepartment(ctx, "12345 热线中心", "", "center", 0); err != nil {
			t.Fatal(err)
		}
		const pw = "Correct-horse-42"
		if _, err := a.Accounts().CreateStaff(ctx, audit.Entry{ActorKind: "system"}, account.NewStaff{
			Username: "op1", Password: pw, Role: account.RoleOperator, Department: "12345 热线中心"}); err != nil {
			t.Fatal(err)
		}
		r := a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": "op1", "password": pw})
		if r.Status != 200 {
			t.Fatalf("right password: %d %s", r.Status, r.Body)
		}
		tok, _ := r.json(t)["token"].(string)
		me := a.do("GET", "/api/v1/me", tok, nil).json(t)
		if me["role"] != "operator" || me["department"].(map[string]any)["name"] != "12345 热线中心" {
			t.Fatalf("staff me: %v", me)
		}
		for i := 1; i <= 5; i++ {
			r := a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": "op1", "password": "wrong-password-1"})
			if r.Status != 401 || r.errorCode(t) != "invalid_credentials" {
				t.Fatalf("wrong password %d: %d %s", i, r.Status, r.Body)
			}
		}
		r = a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": "op1", "password": pw})
		if r.Status != 429 || r.errorCode(t) != "account_locked" {
			t.Fatalf("6th attempt with the right password: %d %s", r.Status, r.Body)
		}
		if msg := string(r.Body); !strings.Contains(msg, "后重试") || r.Header.Get("Retry-After") == "" {
			t.Fatalf("lock-out must say when to retry: %s (Retry-After %q)", msg, r.Header.Get("Retry-After"))
		}
		var actions []string
		if err := a.DB().Select(&actions, a.DB().Rebind(`SELECT action FROM audit_log WHERE actor_name = ? ORDER BY id`), "op1"); err != nil {
			t.Fatal(err)
		}
		want := "staff.login staff.login_failed staff.login_failed staff.login_failed staff.login_failed staff.login_failed staff.login_refused"
		if got := strings.Join(actions, " "); got != want {
			t.Fatalf("audited actions:\n got %s\nwant %s", got, want)
		}
		var rid string
		if err := a.DB().Get(&rid, `SELECT request_id FROM audit_log ORDER BY id DESC LIMIT 1`); err != nil || rid == "" {
			t.Fatalf("audit row without request id (%v)", err)
		}
	})
}

func TestResidentCannotReachStaffRoutes(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		tok := a.devLogin("o-nosy", "")
		r := a.do("GET", "/api/v1/admin/audit-log", tok, nil)
		if r.Status != 403 || r.errorCode(t) != "forbidden" {
			t.Fatalf("resident on admin route: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", "/api/v1/admin/audit-log", "", nil); r.Status != 401 {
			t.Fatalf("anonymous on admin route: %d", r.Status)
		}
	})
}

// TestTokenRotation: POST /api/v1/auth/refresh gives a new token and the old
// one stops working at once, for residents and staff alike.
func TestTokenRotation(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		for name, old := range map[string]string{
			"resident": a.devLogin("o-rotation", ""),
			"staff":    a.staffToken("rot-admin", account.RoleAdmin, ""),
		} {
			t.Run(name, func(t *testing.T) {
				r := a.do("POST", "/api/v1/auth/refresh", old, nil)
				if r.Status != 200 {
					t.Fatalf("refresh: %d %s", r.Status, r.Body)
				}
				fresh, _ := r.json(t)["token"].(string)
				if fresh == "" || fresh == old {
					t.Fatalf("refresh gave token %q", fresh)
				}
				if r := a.do("GET", "/api/v1/me", old, nil); r.Status != 401 || r.errorCode(t) != "invalid_token" {
					t.Fatalf("old token after refresh: %d %s", r.Status, r.Body)
				}
				if r := a.do("GET", "/api/v1/me", fresh, nil); r.Status != 200 {
					t.Fatalf("new token: %d %s", r.Status, r.Body)
				}
				if r := a.do("POST", "/api/v1/auth/refresh", old, nil); r.Status != 401 {
					t.Fatalf("refreshing a rotated token: %d %s", r.Status, r.Body)
				}
			})
		}
	})
}

// TestStaffLockoutAcrossInstances: 50 wrong passwords and the right one sent
// at once to two instances on one database verify at most
// auth.staff_max_failures wrong passwords (counted at the bcrypt seam); the
// account ends locked on both instances, refusing the right password until
// the lock-out has passed.
func TestStaffLockoutAcrossInstances(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b) // both instances share the database (and Redis)
			one, two := newTestApp(t, cfg), newTestApp(t, cfg)
			ctx := context.Background()
			const pw = "Correct-horse-42"
			if _, err := one.Accounts().CreateStaff(ctx, audit.Entry{ActorKind: "system"}, account.NewStaff{
				Username: "op.rush", Password: pw, Role: account.RoleOperator}); err != nil {
				t.Fatal(err)
			}
			var stored []byte
			if err := one.DB().Get(&stored, one.DB().Rebind(`SELECT password_hash FROM staff WHERE username = ?`), "op.rush"); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			now := time.Now().UTC()
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			var wrong, right atomic.Int64
			for _, a := range []*testApp{one, two} {
				a.Accounts().SetClock(clock)
				a.Accounts().SetPasswordCheck(func(hash, password []byte) error {
					err := bcrypt.CompareHashAndPassword(hash, password)
					if bytes.Equal(hash, stored) && err != nil {
						wrong.Add(1)
					} else if bytes.Equal(hash, stored) {
						right.Add(1)
					}
					return err
				})
			}
			login := func(a *testApp, password string) response {
				return a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": "op.rush", "password": password})
			}

			var wg sync.WaitGroup
			results := make([]response, 51)
			for i := range results {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					a, password := []*testApp{one, two}[i%2], "wrong-password-1"
					if i == 25 {
						password = pw
					}
					results[i] = login(a, password)
				}(i)
			}
			wg.Wait()
			for i, r := range results {
				switch code := r.errorCodeOrOK(t); {
				case code == "ok" && i == 25, code == "invalid_credentials" && r.Status == 401, code == "account_locked" && r.Status == 429:
				default:
					t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
				}
			}
			if n := wrong.Load(); n > int64(cfg.Auth.StaffMaxFailures) {
				t.Fatalf("%d wrong passwords verified over two instances, want at most %d", n, cfg.Auth.StaffMaxFailures)
			}
			if results[25].Status == 200 && right.Load() != 1 || results[25].Status != 200 && right.Load() != 0 {
				t.Fatalf("right password verified %d times, answered %d", right.Load(), results[25].Status)
			}

			t.Run("the right password is refused on both instances until the lock-out ends", func(t *testing.T) {
				for _, a := range []*testApp{one, two} {
					if r := login(a, pw); r.Status != 429 || r.errorCode(t) != "account_locked" {
						t.Fatalf("right password while locked: %d %s", r.Status, r.Body)
					}
				}
				mu.Lock()
				now = now.Add(cfg.Auth.StaffLockout.D() - time.Second)
				mu.Unlock()
				if r := login(two, pw); r.Status != 429 {
					t.Fatalf("a second before the lock-out ends: %d %s", r.Status, r.Body)
				}
				mu.Lock()
				now = now.Add(2 * time.Second)
				mu.Unlock()
				if r := login(one, pw); r.Status != 200 {
					t.Fatalf("after the lock-out: %d %s", r.Status, r.Body)
				}
			})
		})
	}
}

// errorCodeOrOK is "ok" for a 200 and the envelope's error code otherwise.
func (r response) errorCodeOrOK(t *testing.T) string {
	t.Helper()
	if r.Status == 200 {
		return "ok"
	}
	return r.errorCode(t)
}
