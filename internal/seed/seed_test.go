package seed_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"govapp/internal/account"
	"govapp/internal/config"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/pii"
	"govapp/internal/seed"
)

// printed matches one line seed.Run prints for a new account.
var printed = regexp.MustCompile(`用户名: (\S+)\s+角色: (\S+)\s+密码: (\S+)`)

func TestRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		box, err := pii.New("a-32-char-or-longer-test-secret-0123456789")
		if err != nil {
			t.Fatal(err)
		}
		// The production bcrypt cost takes over a second per password under
		// the race detector. Seeding never calls WeChat.
		cfg := config.Defaults("embedded").Auth
		cfg.PasswordCost = bcrypt.MinCost
		accounts := account.NewService(d, box, nil, cfg, slog.New(slog.DiscardHandler))
		ctx := context.Background()
		count := func(t *testing.T, q string) int {
			t.Helper()
			var n int
			if err := d.Get(&n, q); err != nil {
				t.Fatal(err)
			}
			return n
		}

		var first bytes.Buffer
		if err := seed.Run(ctx, accounts, &first); err != nil {
			t.Fatal(err)
		}
		passwords := map[string]string{}
		roles := map[account.Role]string{}
		for _, line := range strings.Split(strings.TrimSpace(first.String()), "\n") {
			m := printed.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("unexpected output line %q", line)
			}
			passwords[m[1]] = m[3]
			roles[account.Role(m[2])] = m[1]
		}

		t.Run("a second run creates and prints nothing", func(t *testing.T) {
			depts, staff, audits := count(t, `SELECT COUNT(*) FROM departments`), count(t, `SELECT COUNT(*) FROM staff`),
				count(t, `SELECT COUNT(*) FROM audit_log`)
			var second bytes.Buffer
			if err := seed.Run(ctx, accounts, &second); err != nil {
				t.Fatal(err)
			}
			if second.Len() != 0 {
				t.Fatalf("second run printed %q", second.String())
			}
			if d2, s2, a2 := count(t, `SELECT COUNT(*) FROM departments`), count(t, `SELECT COUNT(*) FROM staff`),
				count(t, `SELECT COUNT(*) FROM audit_log`); d2 != depts || s2 != staff || a2 != audits {
				t.Fatalf("after the second run: %d departments, %d staff, %d audit rows; want %d, %d, %d",
					d2, s2, a2, depts, staff, audits)
			}
		})

		t.Run("every department of the tree exists once", func(t *testing.T) {
			if n := count(t, `SELECT COUNT(*) FROM departments`); n != len(seed.Departments) {
				t.Fatalf("departments = %d, want %d", n, len(seed.Departments))
			}
			tree, err := accounts.Departments(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(tree) == 0 || tree[0].Name != "市人民政府" || tree[0].Path != "/1/" {
				t.Fatalf("root = %+v, want 市人民政府 at /1/", tree)
			}
			for _, dep := range tree[1:] {
				if dep.ParentID == nil || !account.InSubtree(tree[0].Path, dep.Path) {
					t.Fatalf("%s (%s) is not under the city government", dep.Name, dep.Path)
				}
			}
		})

		t.Run("one account per role, each printed once", func(t *testing.T) {
			for _, role := range account.StaffRoles {
				username, ok := roles[role]
				if !ok {
					t.Fatalf("no account printed for role %s (printed %v)", role, roles)
				}
				if n := count(t, `SELECT COUNT(*) FROM staff WHERE role = '`+string(role)+`'`); n != 1 {
					t.Fatalf("%d staff with role %s, want 1", n, role)
				}
				if strings.Count(first.String(), passwords[username]) != 1 {
					t.Fatalf("password of %s printed %d times", username, strings.Count(first.String(), passwords[username]))
				}
			}
			if n := count(t, `SELECT COUNT(*) FROM staff`); n != len(account.StaffRoles) || len(passwords) != n {
				t.Fatalf("%d staff, %d printed; want %d", n, len(passwords), len(account.StaffRoles))
			}
		})

		t.Run("every account's department is printed, the handler's with what it handles", func(t *testing.T) {
			for _, line := range strings.Split(strings.TrimSpace(first.String()), "\n") {
				m := printed.FindStringSubmatch(line)
				var dept string
				for _, st := range seed.Staff {
					if st.Username() == m[1] {
						dept = st.Department()
					}
				}
				if dept == "" || !strings.Contains(line, "部门: "+dept) {
					t.Errorf("line %q does not name the department %q", line, dept)
				}
			}
			if !regexp.MustCompile(`用户名: handler .*部门: 市住建局（办理`).MatchString(first.String()) {
				t.Errorf("the handler's line does not say it handles 市住建局's tickets:\n%s", first.String())
			}
		})

		t.Run("every printed password signs in", func(t *testing.T) {
			for username, password := range passwords {
				t.Run(username, func(t *testing.T) {
					t.Parallel()
					_, st, err := accounts.StaffLogin(ctx, username, password)
					if err != nil {
						t.Fatalf("StaffLogin(%s, printed password): %v", username, err)
					}
					if st.DepartmentID == 0 || roles[st.Role] != username {
						t.Fatalf("staff = %+v, want the %s account with a department", st, st.Role)
					}
				})
			}
		})
	})
}

func TestPassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		p, err := seed.Password()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 14 || account.CheckPasswordStrength(p) != nil || strings.ContainsAny(p, "loIO01") {
			t.Fatalf("password %q: want 14 unambiguous characters with letters and digits", p)
		}
		if seen[p] {
			t.Fatalf("password %q repeated", p)
		}
		seen[p] = true
	}
}
