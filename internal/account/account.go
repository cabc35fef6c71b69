// Package account holds residents, staff, departments and sessions: WeChat and
// development login for residents, password login with lock-out for staff,
// opaque session tokens stored hashed, and the department tree.
package account

import (
	"context"
	"time"

	"govapp/internal/audit"
	"govapp/internal/platform/errs"
)

// Role is a staff role; residents have RoleResident.
type Role string

// Roles.
const (
	RoleResident Role = "resident"
	RoleOperator Role = "operator"
	RoleHandler  Role = "handler"
	RoleClerk    Role = "clerk"
	RoleEditor   Role = "editor"
	RoleAdmin    Role = "admin"
)

// StaffRoles lists the roles a staff account may have.
var StaffRoles = []Role{RoleOperator, RoleHandler, RoleClerk, RoleEditor, RoleAdmin}

// Valid reports whether r is a staff role.
func (r Role) Valid() bool {
	for _, s := range StaffRoles {
		if r == s {
			return true
		}
	}
	return false
}

// Subject kinds of a session, and of the periodic jobs' actor.
const (
	KindResident = "resident"
	KindStaff    = "staff"
	KindSystem   = "system"
)

// Principal is who acts: resolved from a request's session token, or System
// for the periodic jobs. It is the one actor type every service takes.
type Principal struct {
	Kind         string
	ID           int64
	Role         Role
	Name         string
	DepartmentID int64  // staff only; 0 when none
	DeptPath     string // "/1/4/" — the department's place in the tree
	HallID       int64  // clerks only
	OpenID       string // residents: for WeChat's content check
}

// System is the actor of periodic jobs (reminders, auto-close, sweeps).
var System = Principal{Kind: KindSystem, Name: "系统"}

// IsStaff reports whether p is a staff member.
func (p Principal) IsStaff() bool { return p.Kind == KindStaff }

// IsResident reports whether p is a resident.
func (p Principal) IsResident() bool { return p.Kind == KindResident }

// Audit is the audit-log entry of p taking action on a target.
func (p Principal) Audit(action, targetType, targetID, detail string) audit.Entry {
	return audit.Entry{ActorKind: p.Kind, ActorID: p.ID, ActorName: p.Name, Action: action,
		TargetType: targetType, TargetID: targetID, Detail: detail}
}

// Resident is a citizen identified by their WeChat openid.
type Resident struct {
	ID            int64
	OpenID        string
	UnionID       string
	Nickname      string
	Phone         string // decrypted; never logged, masked in output
	PhoneVerified bool
	CreatedAt     time.Time
}

// Staff is a console user.
type Staff struct {
	ID           int64
	Username     string
	DisplayName  string
	Role         Role
	DepartmentID int64
	Department   string
	DeptPath     string
	HallID       int64
	Disabled     bool
}

// Department is a node of the department tree.
type Department struct {
	ID        int64  `db:"id" json:"id"`
	ParentID  *int64 `db:"parent_id" json:"parent_id"`
	Name      string `db:"name" json:"name"`
	Kind      string `db:"kind" json:"kind"`
	Path      string `db:"path" json:"-"`
	SortOrder int    `db:"sort_order" json:"sort_order"`
}

// Session is a freshly issued token. Token is shown once and stored hashed.
type Session struct {
	Token     string
	ExpiresAt time.Time
}

// WeChatIdentity is what WeChat's code2session tells about a resident.
type WeChatIdentity struct {
	OpenID, UnionID, SessionKey string
}

// WeChat is the part of WeChat the account service needs.
type WeChat interface {
	Login(ctx context.Context, code string) (WeChatIdentity, error)
	PhoneNumber(ctx context.Context, code string) (string, error)
}

// Errors.
var (
	ErrInvalidToken       = errs.New(errs.KindUnauthorized, "invalid_token", "登录已失效，请重新登录")
	ErrInvalidCredentials = errs.New(errs.KindUnauthorized, "invalid_credentials", "用户名或密码错误")
	ErrAccountLocked      = errs.New(errs.KindTooMany, "account_locked", "密码错误次数过多，账号已锁定")
	ErrAccountDisabled    = errs.New(errs.KindForbidden, "account_disabled", "账号已停用，请联系管理员")
	ErrDevLoginDisabled   = errs.New(errs.KindNotFound, "dev_login_disabled", "开发登录未启用")
	ErrUsernameTaken      = errs.New(errs.KindConflict, "username_taken", "用户名已被使用")
	ErrDepartmentNotFound = errs.New(errs.KindNotFound, "department_not_found", "部门不存在")
	ErrResidentNotFound   = errs.New(errs.KindNotFound, "resident_not_found", "用户不存在")
	ErrStaffNotFound      = errs.New(errs.KindNotFound, "staff_not_found", "工作人员不存在")
	ErrWeakPassword       = errs.InvalidField("password", "密码至少 10 位，且须包含字母和数字")
)
