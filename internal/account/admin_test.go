package account_test

import (
	"context"
	"testing"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
)

func TestAdminManagesStaff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ctx := context.Background()
		dept := withDepartments(t, f)
		boss, err := f.svc.CreateStaff(ctx, admin, account.NewStaff{Username: "boss", Password: staffPassword, Role: account.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		zj, err := f.svc.CreateStaff(ctx, admin, account.NewStaff{Username: "zj1", Password: staffPassword, Role: account.RoleOperator})
		if err != nil {
			t.Fatal(err)
		}
		actor := audit.Entry{ActorKind: account.KindStaff, ActorID: boss.ID, ActorName: boss.Username}
		var last int64
		f.auditTrail(t, &last)

		t.Run("list is ordered by username", func(t *testing.T) {
			all, err := f.svc.ListStaff(ctx)
			if err != nil || len(all) != 2 || all[0].Username != "boss" || all[1].Username != "zj1" {
				t.Fatalf("ListStaff = %+v, %v", all, err)
			}
		})
		t.Run("role and department change and are audited", func(t *testing.T) {
			got, err := f.svc.UpdateStaff(ctx, actor, zj.ID, account.StaffUpdate{DisplayName: "住建经办", Role: account.RoleHandler, DepartmentID: dept.ID})
			if err != nil {
				t.Fatal(err)
			}
			if got.Role != account.RoleHandler || got.Department != "市住建局" || got.DisplayName != "住建经办" {
				t.Fatalf("updated = %+v", got)
			}
			if a := actions(f.auditTrail(t, &last)); len(a) != 1 || a[0] != "staff.update" {
				t.Fatalf("audit = %v", a)
			}
		})
		t.Run("an unknown role or department changes nothing", func(t *testing.T) {
			_, err := f.svc.UpdateStaff(ctx, actor, zj.ID, account.StaffUpdate{Role: "boss"})
			wantInvalid(t, err, "role")
			_, err = f.svc.UpdateStaff(ctx, actor, zj.ID, account.StaffUpdate{Role: account.RoleHandler, DepartmentID: 9999})
			wantErr(t, err, account.ErrDepartmentNotFound)
			if got, _ := f.svc.Staff(ctx, zj.ID); got.DepartmentID != dept.ID {
				t.Fatalf("department changed to %d", got.DepartmentID)
			}
		})
		t.Run("an admin cannot lock themselves out", func(t *testing.T) {
			_, err := f.svc.UpdateStaff(ctx, actor, boss.ID, account.StaffUpdate{Role: account.RoleAdmin, Disabled: true})
			wantErr(t, err, account.ErrSelfLockout)
			_, err = f.svc.UpdateStaff(ctx, actor, boss.ID, account.StaffUpdate{Role: account.RoleEditor})
			wantErr(t, err, account.ErrSelfLockout)
		})
		t.Run("disabling ends the sessions", func(t *testing.T) {
			sess, _, err := f.svc.StaffLogin(ctx, "zj1", staffPassword)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.UpdateStaff(ctx, actor, zj.ID, account.StaffUpdate{Role: account.RoleHandler, Disabled: true}); err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.Authenticate(ctx, sess.Token)
			wantErr(t, err, account.ErrInvalidToken)
			_, _, err = f.svc.StaffLogin(ctx, "zj1", staffPassword)
			wantErr(t, err, account.ErrAccountDisabled)
		})
		t.Run("a reset password replaces the old one and ends the sessions", func(t *testing.T) {
			sess, _, err := f.svc.StaffLogin(ctx, "boss", staffPassword)
			if err != nil {
				t.Fatal(err)
			}
			wantInvalid(t, f.svc.ResetPassword(ctx, actor, boss.ID, "short1"), "password")
			if err := f.svc.ResetPassword(ctx, actor, boss.ID, "Xinmima2026anquan"); err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.Authenticate(ctx, sess.Token)
			wantErr(t, err, account.ErrInvalidToken)
			_, _, err = f.svc.StaffLogin(ctx, "boss", staffPassword)
			wantErr(t, err, account.ErrInvalidCredentials)
			if _, _, err := f.svc.StaffLogin(ctx, "boss", "Xinmima2026anquan"); err != nil {
				t.Fatal(err)
			}
			wantErr(t, f.svc.ResetPassword(ctx, actor, 9999, "Xinmima2026anquan"), account.ErrStaffNotFound)
		})
	})
}
