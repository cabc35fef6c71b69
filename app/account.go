package app

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/pii"
)

type wechatLoginReq struct {
	Code string `json:"code"`
}

type devLoginReq struct {
	OpenID   string `json:"openid"`
	Nickname string `json:"nickname,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

type staffLoginReq struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type bindPhoneReq struct {
	Code string `json:"code"`
}

type loginResp struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      meResp    `json:"user"`
}

type departmentRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// meResp is a resident or staff member as the API shows them (phone masked).
type meResp struct {
	ID            int64          `json:"id"`
	Kind          string         `json:"kind"`
	Role          string         `json:"role"`
	Nickname      string         `json:"nickname,omitempty"`
	Phone         string         `json:"phone,omitempty"`
	PhoneVerified bool           `json:"phone_verified,omitempty"`
	Username      string         `json:"username,omitempty"`
	DisplayName   string         `json:"display_name,omitempty"`
	Department    *departmentRef `json:"department,omitempty"`
	HallID        int64          `json:"hall_id,omitempty"`
}

func residentView(r account.Resident) meResp {
	return meResp{ID: r.ID, Kind: account.KindResident, Role: string(account.RoleResident), Nickname: r.Nickname,
		Phone: pii.MaskPhone(r.Phone), PhoneVerified: r.PhoneVerified}
}

func staffView(s account.Staff) meResp {
	v := meResp{ID: s.ID, Kind: account.KindStaff, Role: string(s.Role), Username: s.Username, DisplayName: s.DisplayName, HallID: s.HallID}
	if s.DepartmentID != 0 {
		v.Department = &departmentRef{ID: s.DepartmentID, Name: s.Department}
	}
	return v
}

func (a *App) wechatLogin(c *fiber.Ctx) error {
	var req wechatLoginReq
	if err := bind(c, &req); err != nil {
		return err
	}
	sess, r, err := a.accounts.WeChatLogin(c.UserContext(), req.Code)
	if err != nil {
		return err
	}
	return c.JSON(loginResp{Token: sess.Token, ExpiresAt: sess.ExpiresAt, User: residentView(r)})
}

func (a *App) devLogin(c *fiber.Ctx) error {
	var req devLoginReq
	if err := bind(c, &req); err != nil {
		return err
	}
	sess, r, err := a.accounts.DevLogin(c.UserContext(), req.OpenID, req.Nickname, req.Phone)
	if err != nil {
		return err
	}
	return c.JSON(loginResp{Token: sess.Token, ExpiresAt: sess.ExpiresAt, User: residentView(r)})
}

func (a *App) staffLogin(c *fiber.Ctx) error {
	var req staffLoginReq
	if err := bind(c, &req); err != nil {
		return err
	}
	sess, s, err := a.accounts.StaffLogin(c.UserContext(), req.Username, req.Password)
	if err != nil {
		return err
	}
	return c.JSON(loginResp{Token: sess.Token, ExpiresAt: sess.ExpiresAt, User: staffView(s)})
}

func (a *App) logout(c *fiber.Ctx) error {
	tok, _ := c.Locals(localToken).(string)
	if err := a.accounts.Logout(c.UserContext(), tok); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type refreshResp struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// refresh rotates the caller's token: the old one stops working at once on
// this instance (and within auth.revocation_sync on the others).
func (a *App) refresh(c *fiber.Ctx) error {
	tok, _ := c.Locals(localToken).(string)
	s, err := a.accounts.Refresh(c.UserContext(), tok)
	if err != nil {
		return err
	}
	return c.JSON(refreshResp{Token: s.Token, ExpiresAt: s.ExpiresAt})
}

func (a *App) me(c *fiber.Ctx) error {
	p := principal(c)
	if p.IsStaff() {
		s, err := a.accounts.Staff(c.UserContext(), p.ID)
		if err != nil {
			return err
		}
		return c.JSON(staffView(s))
	}
	r, err := a.accounts.Resident(c.UserContext(), p.ID)
	if err != nil {
		return err
	}
	return c.JSON(residentView(r))
}

func (a *App) bindPhone(c *fiber.Ctx) error {
	var req bindPhoneReq
	if err := bind(c, &req); err != nil {
		return err
	}
	r, err := a.accounts.BindPhone(c.UserContext(), principal(c).ID, req.Code)
	if err != nil {
		return err
	}
	return c.JSON(residentView(r))
}

type departmentResp struct {
	ID       int64  `json:"id"`
	ParentID *int64 `json:"parent_id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
}

func (a *App) listDepartments(c *fiber.Ctx) error {
	ds, err := a.accounts.Departments(c.UserContext())
	if err != nil {
		return err
	}
	out := listResp[departmentResp]{Items: make([]departmentResp, 0, len(ds))}
	for _, d := range ds {
		out.Items = append(out.Items, departmentResp{ID: d.ID, ParentID: d.ParentID, Name: d.Name, Kind: d.Kind})
	}
	return c.JSON(out)
}

type auditResp = audit.Row

func (a *App) listAudit(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	var before int64
	if cur := c.Query("cursor"); cur != "" {
		if before, err = strconv.ParseInt(cur, 10, 64); err != nil || before <= 0 {
			return errs.InvalidField("cursor", "无效的分页游标")
		}
	}
	rows, err := audit.List(c.UserContext(), a.db, before, limit)
	if err != nil {
		return err
	}
	out := listResp[auditResp]{Items: rows}
	if out.Items == nil {
		out.Items = []auditResp{}
	}
	if len(rows) == limit {
		out.NextCursor = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	return c.JSON(out)
}

// pageLimit reads ?limit= (default 20, at most 100).
func pageLimit(c *fiber.Ctx) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return 20, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100 {
		return 0, errs.InvalidField("limit", "须为 1–100 的整数")
	}
	return n, nil
}

type createStaffReq struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
	Role        string `json:"role"`
	Department  string `json:"department,omitempty"`
	HallID      int64  `json:"hall_id,omitempty"`
}

func (a *App) createStaff(c *fiber.Ctx) error {
	var req createStaffReq
	if err := bind(c, &req); err != nil {
		return err
	}
	p := principal(c)
	actor := audit.Entry{ActorKind: account.KindStaff, ActorID: p.ID, ActorName: p.Name}
	s, err := a.accounts.CreateStaff(c.UserContext(), actor, account.NewStaff{Username: req.Username, DisplayName: req.DisplayName,
		Password: req.Password, Role: account.Role(req.Role), Department: req.Department, HallID: req.HallID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(staffView(s))
}
