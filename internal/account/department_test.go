package account_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"govapp/internal/account"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
)

func TestEnsureDepartment(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		f := newFixture(t, d, nil)
		ctx := context.Background()
		ensure := func(t *testing.T, name, parent, kind string) account.Department {
			t.Helper()
			dep, err := f.svc.EnsureDepartment(ctx, name, parent, kind, 0)
			if err != nil {
				t.Fatalf("EnsureDepartment(%s): %v", name, err)
			}
			return dep
		}

		t.Run("paths name every ancestor", func(t *testing.T) {
			city := ensure(t, "市人民政府", "", "city")
			bureau := ensure(t, "市公安局", "市人民政府", "bureau")
			section := ensure(t, "市公安局户政管理支队", "市公安局", "section")
			if city.Path != "/1/" || city.ParentID != nil {
				t.Fatalf("root = %+v, want path /1/ and no parent", city)
			}
			if bureau.Path != "/1/2/" || bureau.ParentID == nil || *bureau.ParentID != city.ID || bureau.Kind != "bureau" {
				t.Fatalf("bureau = %+v, want path /1/2/ under %d", bureau, city.ID)
			}
			if section.Path != "/1/2/3/" || section.ParentID == nil || *section.ParentID != bureau.ID {
				t.Fatalf("section = %+v, want path /1/2/3/ under %d", section, bureau.ID)
			}
		})

		t.Run("ensuring an existing department creates nothing", func(t *testing.T) {
			before := f.count(t, `SELECT COUNT(*) FROM departments`)
			again := ensure(t, "市公安局", "市人民政府", "bureau")
			moved := ensure(t, " 市公安局 ", "", "center")
			if again.ID != 2 || again.Path != "/1/2/" || moved.ID != again.ID || moved.Path != again.Path || moved.Kind != "bureau" {
				t.Fatalf("again = %+v, with other parent and kind = %+v; want the existing /1/2/", again, moved)
			}
			if after := f.count(t, `SELECT COUNT(*) FROM departments`); after != before {
				t.Fatalf("departments = %d, want still %d", after, before)
			}
		})

		t.Run("an unknown parent is not found", func(t *testing.T) {
			_, err := f.svc.EnsureDepartment(ctx, "城南区人民政府", "不存在的政府", "district", 0)
			wantErr(t, err, account.ErrDepartmentNotFound)
			if n := f.count(t, `SELECT COUNT(*) FROM departments WHERE name = ?`, "城南区人民政府"); n != 0 {
				t.Fatalf("created %d departments under an unknown parent", n)
			}
		})

		t.Run("an empty or overlong name is refused", func(t *testing.T) {
			for _, name := range []string{"", "   ", strings.Repeat("局", 65)} {
				if _, err := f.svc.EnsureDepartment(ctx, name, "", "bureau", 0); err == nil {
					t.Fatalf("EnsureDepartment(%q) succeeded", name)
				}
			}
		})

		t.Run("the tree lists parents before children", func(t *testing.T) {
			// Enough departments for two-digit ids, whose paths sort
			// differently from their numbers ("/1/10/" < "/1/2/").
			for i := 1; i <= 4; i++ {
				district := fmt.Sprintf("第%d区人民政府", i)
				ensure(t, district, "市人民政府", "district")
				ensure(t, fmt.Sprintf("第%d区政务服务中心", i), district, "section")
				ensure(t, fmt.Sprintf("第%d区第一街道办事处", i), district, "section")
			}
			ensure(t, "市公安局交通警察支队", "市公安局", "section")
			tree, err := f.svc.Departments(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(tree) != f.count(t, `SELECT COUNT(*) FROM departments`) || len(tree) < 12 {
				t.Fatalf("Departments() listed %d", len(tree))
			}
			seen := map[int64]bool{}
			for _, dep := range tree {
				if dep.ParentID != nil && !seen[*dep.ParentID] {
					t.Fatalf("%s (%s) listed before its parent %d", dep.Name, dep.Path, *dep.ParentID)
				}
				seen[dep.ID] = true
			}
		})
	})
}

func TestInSubtree(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		root, path string
		want       bool
	}{
		{"a department is in its own subtree", "/1/4/", "/1/4/", true},
		{"a child is in its parent's subtree", "/1/4/", "/1/4/9/", true},
		{"a grandchild is in the subtree", "/1/", "/1/4/9/", true},
		{"the parent is not in the child's subtree", "/1/4/", "/1/", false},
		{"a sibling is not in the subtree", "/1/4/", "/1/5/", false},
		{"an id with the same leading digit is not a child", "/1/4/", "/1/40/", false},
		{"a root with the same leading digit is not a child", "/1/", "/12/", false},
		{"no department sees nothing", "", "/1/", false},
		{"no department sees nothing, even with no path", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := account.InSubtree(c.root, c.path); got != c.want {
				t.Fatalf("InSubtree(%q, %q) = %v, want %v", c.root, c.path, got, c.want)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	for _, r := range account.StaffRoles {
		if !r.Valid() {
			t.Errorf("%s is a staff role but not Valid", r)
		}
	}
	for _, r := range []account.Role{account.RoleResident, "", "root"} {
		if r.Valid() {
			t.Errorf("%q is Valid, want only staff roles", r)
		}
	}
}
