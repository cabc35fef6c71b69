package account

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"govapp/internal/audit"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
)

// ErrSelfLockout is returned when an admin would disable themselves or give
// up their own admin role.
var ErrSelfLockout = errs.New(errs.KindConflict, "self_lockout", "不能停用自己的账号或取消自己的管理员角色")

// ListStaff returns every staff account, ordered by username.
func (s *Service) ListStaff(ctx context.Context) ([]Staff, error) {
	stmt := `SELECT ` + staffColumns + ` FROM staff s LEFT JOIN departments d ON d.id = s.department_id ORDER BY s.username`
	var rows []staffRow
	if err := s.db.SelectContext(ctx, &rows, stmt); err != nil {
		return nil, db.MapErrorIn("account.ListStaff", err, nil, nil)
	}
	out := make([]Staff, len(rows))
	for i, r := range rows {
		out[i] = r.staff()
	}
	return out, nil
}

// StaffUpdate is what an admin may change of a staff account.
type StaffUpdate struct {
	DisplayName  string
	Role         Role
	DepartmentID int64 // 0: none
	HallID       int64 // 0: none
	Disabled     bool
}

// UpdateStaff changes a staff account's name, role, department, hall and
// whether it is disabled. Disabling ends the account's sessions at once. An
// admin may not disable themselves or drop their own admin role
// (ErrSelfLockout). The change is audited with actor.
func (s *Service) UpdateStaff(ctx context.Context, actor audit.Entry, id int64, u StaffUpdate) (Staff, error) {
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	fields := map[string]string{}
	if !u.Role.Valid() {
		fields["role"] = "须为 operator、handler、clerk、editor 或 admin"
	}
	if len([]rune(u.DisplayName)) > 32 {
		fields["display_name"] = "不能超过 32 个字"
	}
	if len(fields) > 0 {
		return Staff{}, errs.Invalid(fields)
	}
	if actor.ActorID == id && (u.Disabled || u.Role != RoleAdmin) {
		return Staff{}, ErrSelfLockout
	}
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := getStaff(ctx, tx, id); err != nil {
			return err
		}
		if u.DepartmentID > 0 {
			var n int
			if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM departments WHERE id = ?`), u.DepartmentID); err != nil {
				return err
			}
			if n == 0 {
				return ErrDepartmentNotFound
			}
		}
		const stmt = `UPDATE staff SET display_name = ?, role = ?, department_id = ?, hall_id = ?, disabled = ?, updated_at = ? WHERE id = ?`
		if _, err := tx.ExecContext(ctx, tx.Rebind(stmt), u.DisplayName, string(u.Role), nullID(u.DepartmentID), nullID(u.HallID),
			u.Disabled, s.now(), id); err != nil {
			return fmt.Errorf("account: update staff %d: %w", id, err)
		}
		if u.Disabled {
			if err := deleteSessionsOf(ctx, tx, KindStaff, id); err != nil {
				return err
			}
		}
		actor.Action, actor.TargetType, actor.TargetID = "staff.update", "staff", strconv.FormatInt(id, 10)
		actor.Detail = "role=" + string(u.Role) + " disabled=" + strconv.FormatBool(u.Disabled)
		return audit.Record(ctx, tx, actor)
	})
	if err != nil {
		return Staff{}, db.MapErrorIn("account.UpdateStaff", err, nil, nil)
	}
	return s.Staff(ctx, id)
}

// ResetPassword sets a new password for a staff account, lifts any lock-out
// and ends its sessions. The change is audited with actor (never the password).
func (s *Service) ResetPassword(ctx context.Context, actor audit.Entry, id int64, password string) error {
	if err := CheckPasswordStrength(password); err != nil {
		return err
	}
	hash, err := hashPassword(password, s.cfg.PasswordCost)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		const stmt = `UPDATE staff SET password_hash = ?, updated_at = ? WHERE id = ? RETURNING username`
		var username string
		if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), hash, s.now(), id).Scan(&username); err != nil {
			return db.MapError(fmt.Errorf("account: reset password %d: %w", id, err), ErrStaffNotFound, nil)
		}
		if err := clearLoginAttempts(ctx, tx, s.box.Hash("staff_login", username)); err != nil {
			return err
		}
		if err := deleteSessionsOf(ctx, tx, KindStaff, id); err != nil {
			return err
		}
		actor.Action, actor.TargetType, actor.TargetID = "staff.reset_password", "staff", strconv.FormatInt(id, 10)
		return audit.Record(ctx, tx, actor)
	})
	return db.MapErrorIn("account.ResetPassword", err, nil, nil)
}

func nullID(id int64) any {
	if id <= 0 {
		return nil
	}
	return id
}
