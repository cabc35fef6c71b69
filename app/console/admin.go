package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/booking"
	"govapp/internal/calendar"
	"govapp/internal/config"
	"govapp/internal/platform/errs"
	"govapp/internal/ticket"
)

func auditActor(ctx *fiber.Ctx) audit.Entry {
	p := me(ctx)
	return audit.Entry{ActorKind: account.KindStaff, ActorID: p.ID, ActorName: p.Name}
}

type staffView struct {
	Staff       []account.Staff
	Roles       []account.Role
	Departments []account.Department
	Halls       []booking.Hall
	HallNames   map[int64]string
	Locked      map[string]string // username → end of the lock-out, local time
	F           map[string]string
}

// Staff lists the staff accounts with a form to create one and, per
// account, forms to change it and to reset its password.
func (c *Console) Staff(ctx *fiber.Ctx) error {
	return c.staffPage(ctx, fiber.StatusOK, map[string]string{"role": string(account.RoleOperator)}, nil)
}

func (c *Console) staffPage(ctx *fiber.Ctx, status int, f map[string]string, err error) error {
	v := staffView{Roles: account.StaffRoles, F: f}
	var lerr error
	if v.Staff, lerr = c.d.Accounts.ListStaff(ctx.UserContext()); lerr == nil {
		if v.Departments, lerr = c.d.Accounts.Departments(ctx.UserContext()); lerr == nil {
			v.Halls, lerr = c.d.Bookings.Halls(ctx.UserContext(), nil, nil)
		}
	}
	if lerr == nil {
		names := make([]string, 0, len(v.Staff))
		for _, s := range v.Staff {
			names = append(names, s.Username)
		}
		var locked map[string]time.Time
		locked, lerr = c.d.Accounts.LockedUntil(ctx.UserContext(), names)
		v.Locked = map[string]string{}
		for u, t := range locked {
			v.Locked[u] = t.In(c.loc()).Format("2006-01-02 15:04")
		}
		v.HallNames = map[int64]string{}
		for _, h := range v.Halls {
			v.HallNames[h.ID] = h.Name
		}
	}
	if lerr != nil {
		return c.fail(ctx, lerr)
	}
	var opts []func(*page)
	if err != nil {
		opts = append(opts, c.withError(err))
	}
	return c.render(ctx, status, "staff", "工作人员", v, opts...)
}

// CreateStaff creates a staff account.
func (c *Console) CreateStaff(ctx *fiber.Ctx) error {
	n := account.NewStaff{Username: strings.TrimSpace(ctx.FormValue("username")), DisplayName: ctx.FormValue("display_name"),
		Password: ctx.FormValue("password"), Role: account.Role(ctx.FormValue("role")), Department: ctx.FormValue("department"),
		HallID: formInt(ctx, "hall_id")}
	s, err := c.d.Accounts.CreateStaff(ctx.UserContext(), auditActor(ctx), n)
	if err != nil {
		status, _ := c.classify(err)
		if status >= 500 {
			return c.fail(ctx, err)
		}
		f := map[string]string{"username": n.Username, "display_name": n.DisplayName, "role": string(n.Role),
			"department": n.Department, "hall_id": ctx.FormValue("hall_id")}
		return c.staffPage(ctx, status, f, err)
	}
	return back(ctx, "/console/staff", "ok", "已创建账号 "+s.Username)
}

func staffID(ctx *fiber.Ctx) int64 {
	n, _ := strconv.ParseInt(ctx.Params("id"), 10, 64)
	return n
}

// UpdateStaff changes a staff account's role, department, hall and status.
func (c *Console) UpdateStaff(ctx *fiber.Ctx) error {
	u := account.StaffUpdate{DisplayName: ctx.FormValue("display_name"), Role: account.Role(ctx.FormValue("role")),
		DepartmentID: formInt(ctx, "department_id"), HallID: formInt(ctx, "hall_id"), Disabled: formBool(ctx, "disabled")}
	s, err := c.d.Accounts.UpdateStaff(ctx.UserContext(), auditActor(ctx), staffID(ctx), u)
	if err != nil {
		return c.failBack(ctx, "/console/staff", err)
	}
	return back(ctx, "/console/staff", "ok", "已保存 "+s.Username)
}

// ResetPassword sets a new password for a staff account.
func (c *Console) ResetPassword(ctx *fiber.Ctx) error {
	if err := c.d.Accounts.ResetPassword(ctx.UserContext(), auditActor(ctx), staffID(ctx), ctx.FormValue("password")); err != nil {
		return c.failBack(ctx, "/console/staff", err)
	}
	return back(ctx, "/console/staff", "ok", "已重置密码，该账号需用新密码重新登录")
}

type deptRow struct {
	account.Department
	Depth    int
	Parent   string
	KindName string
}

// Departments shows the department tree with a form to add a department.
func (c *Console) Departments(ctx *fiber.Ctx) error {
	ds, err := c.d.Accounts.Departments(ctx.UserContext())
	if err != nil {
		return c.fail(ctx, err)
	}
	names := map[int64]string{}
	for _, d := range ds {
		names[d.ID] = d.Name
	}
	rows := make([]deptRow, len(ds))
	for i, d := range ds {
		rows[i] = deptRow{Department: d, Depth: strings.Count(d.Path, "/") - 2, KindName: nameOr(deptKindNames[d.Kind], d.Kind)}
		if d.ParentID != nil {
			rows[i].Parent = names[*d.ParentID]
		}
	}
	return c.render(ctx, fiber.StatusOK, "departments", "部门", rows)
}

var deptKinds = map[string]bool{"city": true, "bureau": true, "center": true, "district": true, "section": true}

// CreateDepartment adds a department under a parent (nothing when it exists).
func (c *Console) CreateDepartment(ctx *fiber.Ctx) error {
	name, kind := strings.TrimSpace(ctx.FormValue("name")), ctx.FormValue("kind")
	if name == "" || len([]rune(name)) > 64 {
		return c.failBack(ctx, "/console/departments", errs.InvalidField("name", "须为 1–64 个字"))
	}
	if !deptKinds[kind] {
		return c.failBack(ctx, "/console/departments", errs.InvalidField("kind", "未知的部门类型"))
	}
	d, err := c.d.Accounts.EnsureDepartment(ctx.UserContext(), name, ctx.FormValue("parent"), kind, int(formInt(ctx, "sort_order")))
	if err != nil {
		return c.failBack(ctx, "/console/departments", err)
	}
	return back(ctx, "/console/departments", "ok", "已添加部门 "+d.Name)
}

type calendarView struct {
	Year  int
	Years []int
	Days  []calendar.Day
	Hours string
	SLA   [][2]string // the SLA rules in force, as label and value
}

// slaRules describes the ticket deadlines of the configuration.
func slaRules(t config.Tickets) [][2]string {
	out := [][2]string{
		{"受理时限", working(t.AcceptWithin.D()) + "（工作时间）"},
		{"签收时限", strconv.Itoa(t.SignWithinDays) + " 个工作日"},
	}
	for _, k := range kindOrder {
		if n, ok := t.ReplyDays[k]; ok {
			out = append(out, [2]string{ticket.Kinds[k] + "答复时限", strconv.Itoa(n) + " 个工作日"})
		}
	}
	return append(out,
		[2]string{"紧急诉求", humanDuration(t.UrgentWithin.D()) + "内答复（自然时间）"},
		[2]string{"催办提醒", "用去 " + strconv.Itoa(int(t.ReminderAt*100)) + "% 时限时"},
		[2]string{"延期上限", strconv.Itoa(t.MaxExtension) + " 个工作日，限一次"},
		[2]string{"未评价自动办结", "答复后 " + humanDuration(t.AutoCloseAfter.D())})
}

// Calendar lists a year's holidays and make-up working days with a form to set a day.
func (c *Console) Calendar(ctx *fiber.Ctx) error {
	cal := c.d.Calendar()
	year, _ := strconv.Atoi(ctx.Query("year"))
	if year == 0 {
		year = time.Now().In(cal.Location()).Year()
	}
	v := calendarView{Year: year, Years: cal.Years(), Hours: cal.Hours().String(), SLA: slaRules(c.d.TicketRules)}
	for _, d := range cal.Days() {
		if d.Date.Year == year {
			v.Days = append(v.Days, d)
		}
	}
	return c.render(ctx, fiber.StatusOK, "calendar", "节假日与调休", v)
}

// SetCalendarDay makes a date a day off or a make-up working day.
func (c *Console) SetCalendarDay(ctx *fiber.Ctx) error {
	d, err := calendar.ParseDate(ctx.FormValue("date"))
	if err != nil {
		return c.failBack(ctx, "/console/calendar", errs.InvalidField("date", "须为日期，如 "+calendar.Example(time.Now().In(c.loc()))))
	}
	k, err := calendar.ParseKind(ctx.FormValue("kind"))
	if err != nil {
		return c.failBack(ctx, "/console/calendar", errs.InvalidField("kind", "须为放假或调休上班"))
	}
	name := strings.TrimSpace(ctx.FormValue("name"))
	if len([]rune(name)) > 20 {
		return c.failBack(ctx, "/console/calendar", errs.InvalidField("name", "不能超过 20 个字"))
	}
	if err := c.d.SetCalendarDay(ctx.UserContext(), me(ctx), d, k, name); err != nil {
		return c.failBack(ctx, "/console/calendar", err)
	}
	return back(ctx, "/console/calendar?year="+strconv.Itoa(d.Year), "ok", "已设置 "+d.String())
}
