package account_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
)

const (
	staffPassword = "Zhujian2026anquan"
	wrongPassword = "Zhujian2025anquan"
)

// admin is the actor that creates the test accounts.
var admin = audit.Entry{ActorKind: account.KindStaff, ActorID: 1, ActorName: "admin"}

// withDepartments creates 市人民政府 and its 市住建局 and returns the latter.
func withDepartments(t *testing.T, f *fixture) account.Department {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.EnsureDepartment(ctx, "市人民政府", "", "city", 0); err != nil {
		t.Fatal(err)
	}
	dept, err := f.svc.EnsureDepartment(ctx, "市住建局", "市人民政府", "bureau", 1)
	if err != nil {
		t.Fatal(err)
	}
	return dept
}

// auditTrail reads the audit rows written since *last, and moves *last on.
func (f *fixture) auditTrail(t *testing.T, last *int64) []audit.Row {
	t.Helper()
	var rows []audit.Row
	const q = `SELECT id, actor_kind, actor_id, actor_name, action, target_type, target_id, request_id, ip, detail, created_at
		FROM audit_log WHERE id > ? ORDER BY id`
	if err := f.db.Select(&rows, f.db.Rebind(q), *last); err != nil {
		t.Fatal(err)
	}
	if len(rows) > 0 {
		*last = rows[len(rows)-1].ID
	}
	return rows
}

func actions(rows []audit.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Action
	}
	return out
}

// TestStaff creates one account and walks it through the rules of staff
// login, step by step: each step starts from where the previous one left it.
func TestStaff(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		f := newFixture(t, d, nil)
		dept := withDepartments(t, f)
		valid := account.NewStaff{Username: "wang.li", DisplayName: "王丽", Password: staffPassword,
			Role: account.RoleHandler, Department: "市住建局"}
		st, err := f.svc.CreateStaff(context.Background(), admin, valid)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("create", func(t *testing.T) {
			ctx := context.Background()
			t.Run("the account has its role and department, and is audited", func(t *testing.T) {
				want := account.Staff{ID: st.ID, Username: "wang.li", DisplayName: "王丽", Role: account.RoleHandler,
					DepartmentID: dept.ID, Department: "市住建局", DeptPath: dept.Path}
				if st != want || st.ID == 0 {
					t.Fatalf("CreateStaff = %+v, want %+v", st, want)
				}
				if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'staff.create' AND actor_name = 'admin' AND target_id = ?`,
					strconv.FormatInt(st.ID, 10)); n != 1 {
					t.Fatalf("staff.create audit rows = %d, want 1", n)
				}
			})

			t.Run("the password is stored as a bcrypt hash of the configured cost", func(t *testing.T) {
				var hash string
				if err := d.Get(&hash, d.Rebind(`SELECT password_hash FROM staff WHERE id = ?`), st.ID); err != nil {
					t.Fatal(err)
				}
				if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost != f.cfg.PasswordCost || strings.Contains(hash, staffPassword) {
					t.Fatalf("password_hash %q: cost %d (%v), want a bcrypt hash of cost %d", hash, cost, err, f.cfg.PasswordCost)
				}
				if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(staffPassword)); err != nil {
					t.Fatalf("stored hash does not match the password: %v", err)
				}
			})

			t.Run("weak passwords are refused", func(t *testing.T) {
				t.Parallel()
				for _, pw := range []string{"", "abc123", "abcdefghijklmn", "12345678901234", "短密码12345", strings.Repeat("a1", 37)} {
					n := valid
					n.Username, n.Password = "weak.pw", pw
					_, err := f.svc.CreateStaff(ctx, admin, n)
					wantInvalid(t, err, "password")
				}
			})

			t.Run("a role outside the staff roles is refused", func(t *testing.T) {
				t.Parallel()
				for _, role := range []account.Role{"", "superuser", "Admin", account.RoleResident} {
					n := valid
					n.Username, n.Role = "bad.role", role
					_, err := f.svc.CreateStaff(ctx, admin, n)
					wantInvalid(t, err, "role")
				}
			})

			t.Run("a malformed username is refused", func(t *testing.T) {
				t.Parallel()
				for _, name := range []string{"", "ab", "Wang", "1wang", "wang li", "王丽", strings.Repeat("w", 33)} {
					n := valid
					n.Username = name
					_, err := f.svc.CreateStaff(ctx, admin, n)
					wantInvalid(t, err, "username")
				}
			})

			t.Run("a taken username is a conflict", func(t *testing.T) {
				t.Parallel()
				n := valid
				n.DisplayName = "另一个王丽"
				_, err := f.svc.CreateStaff(ctx, admin, n)
				wantErr(t, err, account.ErrUsernameTaken)
				if errs.KindOf(err) != errs.KindConflict {
					t.Fatalf("kind = %v, want conflict", errs.KindOf(err))
				}
			})

			t.Run("an unknown department is not found", func(t *testing.T) {
				t.Parallel()
				n := valid
				n.Username, n.Department = "li.na", "市不存在局"
				_, err := f.svc.CreateStaff(ctx, admin, n)
				wantErr(t, err, account.ErrDepartmentNotFound)
				if exists, err := f.svc.StaffExists(ctx, "li.na"); err != nil || exists {
					t.Fatalf("StaffExists(li.na) = %v, %v; want false", exists, err)
				}
			})
		})

		req := audit.Request{RequestID: "req-7f3a", IP: "203.0.113.7"}
		ctx := audit.WithRequest(context.Background(), req)
		var last int64
		f.auditTrail(t, &last)

		// audited checks the rows written since the previous check: one per
		// attempt, in order, by wang.li, from the request of ctx.
		audited := func(t *testing.T, want ...string) {
			t.Helper()
			rows := f.auditTrail(t, &last)
			if got := actions(rows); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("audited actions = %v, want %v", got, want)
			}
			for _, r := range rows {
				if r.ActorKind != account.KindStaff || r.ActorID == nil || *r.ActorID != st.ID || r.ActorName != "wang.li" ||
					r.TargetType != "staff" || r.TargetID != strconv.FormatInt(st.ID, 10) || r.RequestID != req.RequestID || r.IP != req.IP {
					t.Fatalf("audit row = %+v, want actor and target wang.li (%d), request %+v", r, st.ID, req)
				}
			}
		}
		login := func(t *testing.T, password string) (account.Session, error) {
			t.Helper()
			sess, _, err := f.svc.StaffLogin(ctx, "wang.li", password)
			return sess, err
		}
		wrong := func(t *testing.T, times int) {
			t.Helper()
			for i := 0; i < times; i++ {
				_, err := login(t, wrongPassword)
				wantErr(t, err, account.ErrInvalidCredentials)
			}
		}
		right := func(t *testing.T) account.Session {
			t.Helper()
			sess, err := login(t, staffPassword)
			if err != nil {
				t.Fatalf("login with the right password: %v", err)
			}
			return sess
		}

		t.Run("the right password signs in with role and department", func(t *testing.T) {
			sess, got, err := f.svc.StaffLogin(ctx, "wang.li", staffPassword)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != st.ID || !sess.ExpiresAt.Equal(start.Add(f.cfg.StaffTokenTTL.D())) {
				t.Fatalf("StaffLogin = %+v, %+v; want staff %d, expiry after StaffTokenTTL", sess, got, st.ID)
			}
			p, err := f.svc.Authenticate(ctx, sess.Token)
			if err != nil {
				t.Fatal(err)
			}
			want := account.Principal{Kind: account.KindStaff, ID: st.ID, Role: account.RoleHandler, Name: "wang.li",
				DepartmentID: dept.ID, DeptPath: dept.Path}
			if p != want || !p.IsStaff() || dept.Path != "/1/2/" {
				t.Fatalf("principal = %+v, want %+v in department /1/2/", p, want)
			}
			audited(t, "staff.login")
		})

		t.Run("five wrong passwords lock the account even against the right one", func(t *testing.T) {
			f.clock.Advance(30 * time.Second)
			wrong(t, 5)
			f.clock.Advance(time.Minute)
			_, err := login(t, staffPassword)
			e, ok := errs.As(err)
			if !ok || e.Code != "account_locked" || e.Kind != errs.KindTooMany {
				t.Fatalf("sixth attempt = %v, want account_locked", err)
			}
			// Locked at 09:00:30 Shanghai time until 09:15:30, asked at
			// 09:01:30: the message names the first whole minute after.
			if !strings.Contains(e.Message, "请于 2026-03-02 09:16 后重试") {
				t.Fatalf("message = %q, want it to say 请于 2026-03-02 09:16 后重试", e.Message)
			}
			if e.RetryAfter != f.cfg.StaffLockout.D()-time.Minute {
				t.Fatalf("RetryAfter = %v, want %v", e.RetryAfter, f.cfg.StaffLockout.D()-time.Minute)
			}
			audited(t, "staff.login_failed", "staff.login_failed", "staff.login_failed", "staff.login_failed",
				"staff.login_failed", "staff.login_refused")
		})

		t.Run("after the lock-out the right password works; a success gives back no failure", func(t *testing.T) {
			f.clock.Advance(f.cfg.StaffLockout.D())
			wrong(t, 4) // the five before the lock no longer count
			right(t)
			right(t) // a success costs no attempt…
			wrong(t, 1)
			_, err := login(t, staffPassword) // …nor gives back the failures before it
			wantErr(t, err, account.ErrAccountLocked)
			audited(t,
				"staff.login_failed", "staff.login_failed", "staff.login_failed", "staff.login_failed", "staff.login", "staff.login",
				"staff.login_failed", "staff.login_refused")
		})

		t.Run("of ten concurrent wrong passwords five are checked and five refused", func(t *testing.T) {
			f.clock.Advance(f.cfg.StaffLockout.D())
			var wg sync.WaitGroup
			results := make(chan error, 10)
			for i := 0; i < 10; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, err := f.svc.StaffLogin(ctx, "wang.li", wrongPassword)
					results <- err
				}()
			}
			wg.Wait()
			close(results)
			answers := map[string]int{}
			for err := range results {
				e, _ := errs.As(err)
				answers[e.Code]++
			}
			if answers["invalid_credentials"] != 5 || answers["account_locked"] != 5 {
				t.Fatalf("answers %v, want 5 invalid_credentials and 5 account_locked", answers)
			}
			rows := f.auditTrail(t, &last)
			counts := map[string]int{}
			for _, r := range rows {
				counts[r.Action]++
			}
			if counts["staff.login_failed"] != 5 || counts["staff.login_refused"] != 5 || len(rows) != 10 {
				t.Fatalf("audited %v, want 5 staff.login_failed and 5 staff.login_refused", counts)
			}
			_, err := login(t, staffPassword)
			wantErr(t, err, account.ErrAccountLocked)
			audited(t, "staff.login_refused")
		})

		t.Run("an unknown username is refused like a wrong password and not written down", func(t *testing.T) {
			_, _, err := f.svc.StaffLogin(context.Background(), "zhang.wei", staffPassword)
			wantErr(t, err, account.ErrInvalidCredentials)
			rows := f.auditTrail(t, &last)
			if len(rows) != 1 || rows[0].Action != "staff.login_failed" || rows[0].ActorID != nil || rows[0].ActorName != "" ||
				rows[0].RequestID != "" || rows[0].IP != "" || strings.Contains(rows[0].TargetID+rows[0].Detail, "zhang") {
				t.Fatalf("audit rows = %+v, want one staff.login_failed naming no one, without request facts", rows)
			}
		})

		t.Run("empty or oversized credentials are refused", func(t *testing.T) {
			for _, c := range []struct{ user, pw string }{{"", staffPassword}, {"wang.li", ""}, {strings.Repeat("w", 65), staffPassword}, {"wang.li", strings.Repeat("p", 129)}} {
				_, _, err := f.svc.StaffLogin(ctx, c.user, c.pw)
				wantErr(t, err, account.ErrInvalidCredentials)
			}
		})

		t.Run("a disabled account cannot sign in and its sessions stop working", func(t *testing.T) {
			f.clock.Advance(f.cfg.StaffLockout.D() + time.Second)
			sess := right(t)
			f.exec(t, `UPDATE staff SET disabled = TRUE WHERE username = ?`, "wang.li")
			_, err := login(t, staffPassword)
			wantErr(t, err, account.ErrAccountDisabled)
			_, err = f.svc.Authenticate(ctx, sess.Token)
			wantErr(t, err, account.ErrAccountDisabled)
			audited(t, "staff.login", "staff.login_refused")
		})
	})
}
