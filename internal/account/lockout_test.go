package account_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
)

// checkCounter wraps bcrypt's comparison to count the verifications run:
// all of them, and those against one account's stored hash by outcome.
type checkCounter struct {
	hash            atomic.Pointer[[]byte]
	all             atomic.Int64
	failed, matched atomic.Int64
}

func (c *checkCounter) check(hash, password []byte) error {
	err := bcrypt.CompareHashAndPassword(hash, password)
	c.all.Add(1)
	if h := c.hash.Load(); h != nil && bytes.Equal(hash, *h) {
		if err != nil {
			c.failed.Add(1)
		} else {
			c.matched.Add(1)
		}
	}
	return err
}

// watch makes c count the verifications against username's stored hash.
func (c *checkCounter) watch(t *testing.T, d *db.DB, username string) {
	t.Helper()
	var h []byte
	if err := d.Get(&h, d.Rebind(`SELECT password_hash FROM staff WHERE username = ?`), username); err != nil {
		t.Fatal(err)
	}
	c.hash.Store(&h)
}

// TestStaffLockoutUnderConcurrency: 50 wrong passwords and the right one sent
// at once through two services on one database verify at most
// StaffMaxFailures wrong passwords; the account ends locked, refusing the
// right password until the lock-out has passed.
func TestStaffLockoutUnderConcurrency(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		counter := &checkCounter{}
		one, two := newFixture(t, d, nil), newFixture(t, d, nil)
		two.svc.SetClock(one.clock.Now)
		for _, f := range []*fixture{one, two} {
			f.svc.SetPasswordCheck(counter.check)
		}
		withDepartments(t, one)
		if _, err := one.svc.CreateStaff(context.Background(), admin, account.NewStaff{Username: "zhao.lei", Password: staffPassword,
			Role: account.RoleOperator, Department: "市住建局"}); err != nil {
			t.Fatal(err)
		}
		counter.watch(t, d, "zhao.lei")

		var wg sync.WaitGroup
		var signedIn atomic.Int64
		errc := make(chan error, 51)
		for i := 0; i <= 50; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				svc, pw := []*fixture{one, two}[i%2].svc, wrongPassword
				if i == 25 {
					pw = staffPassword
				}
				_, _, err := svc.StaffLogin(context.Background(), "zhao.lei", pw)
				switch {
				case err == nil && i == 25:
					signedIn.Add(1)
				case errors.Is(err, account.ErrInvalidCredentials) && i != 25, errors.Is(err, account.ErrAccountLocked):
				default:
					errc <- err
				}
			}(i)
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Errorf("unexpected answer: %v", err)
		}
		max := int64(one.cfg.StaffMaxFailures)
		if n := counter.failed.Load(); n > max {
			t.Fatalf("%d wrong passwords verified, want at most %d", n, max)
		}
		if n := counter.matched.Load(); n != signedIn.Load() {
			t.Fatalf("%d verifications matched, %d logins succeeded", n, signedIn.Load())
		}
		if n := counter.all.Load(); n != 51 {
			t.Fatalf("%d password checks for 51 attempts, want one each (refusals compare with a dummy hash)", n)
		}

		before := counter.matched.Load()
		for _, f := range []*fixture{one, two} {
			_, _, err := f.svc.StaffLogin(context.Background(), "zhao.lei", staffPassword)
			wantErr(t, err, account.ErrAccountLocked)
		}
		one.clock.Advance(one.cfg.StaffLockout.D() - time.Second)
		_, _, err := two.svc.StaffLogin(context.Background(), "zhao.lei", staffPassword)
		wantErr(t, err, account.ErrAccountLocked)
		if n := counter.matched.Load(); n != before {
			t.Fatalf("the right password was verified %d times while locked", n-before)
		}
		one.clock.Advance(2 * time.Second)
		if _, _, err := two.svc.StaffLogin(context.Background(), "zhao.lei", staffPassword); err != nil {
			t.Fatalf("after the lock-out: %v", err)
		}
	})
}

// TestLockedAndUnknownLookAlike: an account locked out and a username that
// does not exist answer the same, attempt after attempt, each attempt costing
// one bcrypt comparison; the name typed for an unknown account (sometimes a
// password typed in the wrong field) is never written to the audit log.
func TestLockedAndUnknownLookAlike(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		f := newFixture(t, d, nil)
		counter := &checkCounter{}
		f.svc.SetPasswordCheck(counter.check)
		withDepartments(t, f)
		if _, err := f.svc.CreateStaff(context.Background(), admin, account.NewStaff{Username: "sun.mei", Password: staffPassword,
			Role: account.RoleHandler, Department: "市住建局"}); err != nil {
			t.Fatal(err)
		}
		const typed = "Mima2026sun!" // a password typed as the username
		ctx := audit.WithRequest(context.Background(), audit.Request{RequestID: "req-1", IP: "203.0.113.9"})
		answer := func(t *testing.T, username, password string) string {
			t.Helper()
			before := counter.all.Load()
			_, _, err := f.svc.StaffLogin(ctx, username, password)
			if n := counter.all.Load() - before; n != 1 {
				t.Fatalf("%s: %d password checks, want 1", username, n)
			}
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("%s: %v, want a domain error", username, err)
			}
			return fmt.Sprintf("%s | %v | %s | %v", e.Code, e.Kind, e.Message, e.RetryAfter)
		}
		t.Run("a locked account and an unknown name answer the same", func(t *testing.T) {
			for i := 1; i <= f.cfg.StaffMaxFailures+3; i++ {
				known, unknown := answer(t, "sun.mei", wrongPassword), answer(t, typed, wrongPassword)
				if known != unknown {
					t.Fatalf("attempt %d: sun.mei answers %q, an unknown name %q", i, known, unknown)
				}
				if i > f.cfg.StaffMaxFailures && !strings.HasPrefix(known, "account_locked") {
					t.Fatalf("attempt %d: %q, want account_locked", i, known)
				}
				f.clock.Advance(time.Second)
			}
			if known, unknown := answer(t, "sun.mei", staffPassword), answer(t, typed, staffPassword); known != unknown {
				t.Fatalf("the right password while locked answers %q, an unknown name %q", known, unknown)
			}
		})
		t.Run("the audit log never holds the typed unknown name", func(t *testing.T) {
			var rows []audit.Row
			if err := d.Select(&rows, `SELECT id, actor_kind, actor_id, actor_name, action, target_type, target_id, request_id, ip, detail, created_at FROM audit_log`); err != nil {
				t.Fatal(err)
			}
			var unknownRows int
			for _, r := range rows {
				all := strings.Join([]string{r.ActorKind, r.ActorName, r.Action, r.TargetType, r.TargetID, r.RequestID, r.IP, r.Detail}, " ")
				if strings.Contains(strings.ToLower(all), strings.ToLower(typed)) {
					t.Fatalf("audit row holds the typed username: %+v", r)
				}
				if r.ActorID == nil && strings.HasPrefix(r.Action, "staff.login") {
					unknownRows++
				}
			}
			if unknownRows != f.cfg.StaffMaxFailures+4 {
				t.Fatalf("%d audit rows for the unknown name's attempts, want %d", unknownRows, f.cfg.StaffMaxFailures+4)
			}
		})
	})
}

// TestLoginAttemptRows: the counted attempts are stored under a keyed hash of
// the name typed, lifted by a password reset, and purged once their window
// has ended.
func TestLoginAttemptRows(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		f := newFixture(t, d, nil)
		ctx := context.Background()
		st, err := f.svc.CreateStaff(ctx, admin, account.NewStaff{Username: "qian.hao", Password: staffPassword, Role: account.RoleEditor})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i <= f.cfg.StaffMaxFailures; i++ {
			_, _, _ = f.svc.StaffLogin(ctx, "qian.hao", wrongPassword)
		}
		_, _, err = f.svc.StaffLogin(ctx, "qian.hao", staffPassword)
		wantErr(t, err, account.ErrAccountLocked)

		t.Run("no row holds the name typed", func(t *testing.T) {
			if n := f.count(t, `SELECT COUNT(*) FROM login_attempts WHERE key_hash LIKE '%qian%'`); n != 0 {
				t.Fatal("the username is stored in login_attempts")
			}
		})
		t.Run("a password reset lifts the lock-out", func(t *testing.T) {
			if err := f.svc.ResetPassword(ctx, admin, st.ID, "Xinmima2026anquan"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.svc.StaffLogin(ctx, "qian.hao", "Xinmima2026anquan"); err != nil {
				t.Fatalf("after the reset: %v", err)
			}
		})
		t.Run("purge drops the windows that have ended, and only those", func(t *testing.T) {
			f.clock.Advance(f.cfg.StaffLockout.D() + time.Second) // qian.hao's window has ended
			_, _, _ = f.svc.StaffLogin(ctx, "nobody.here", wrongPassword)
			f.clock.Advance(f.cfg.StaffLockout.D() / 2)
			_, _, _ = f.svc.StaffLogin(ctx, "qian.hao", wrongPassword) // opens a new one
			f.clock.Advance(f.cfg.StaffLockout.D()/2 + time.Second)
			if _, err := f.svc.PurgeExpired(ctx); err != nil {
				t.Fatal(err)
			}
			if n := f.count(t, `SELECT COUNT(*) FROM login_attempts`); n != 1 {
				t.Fatalf("%d windows left, want 1 (qian.hao's, still open)", n)
			}
		})
	})
}
