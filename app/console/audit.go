package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/audit"
	"govapp/internal/calendar"
	"govapp/internal/platform/errs"
)

// auditGroups are the kinds of action the audit page filters by (a prefix
// of the action), in Chinese.
var auditGroups = []struct{ Code, Name string }{
	{"staff.", "账号与登录"}, {"ticket.", "工单"}, {"guide.", "办事指南"}, {"policy.", "政策"},
	{"hall.", "服务大厅"}, {"calendar.", "节假日日历"}, {"department.", "部门"},
}

// auditActionNames name the recorded actions; others show their group.
var auditActionNames = map[string]string{
	"staff.create": "创建账号", "staff.update": "修改账号", "staff.password_reset": "重置密码", "staff.login": "登录",
	"staff.login_refused": "登录被拒", "staff.logout": "退出登录", "ticket.publish": "公开办理结果",
	"guide.create": "新建指南", "guide.update": "保存指南草稿", "guide.publish": "发布指南", "guide.retire": "下线指南",
	"guide.import": "导入指南", "policy.create": "新建政策", "policy.update": "保存政策草稿", "policy.publish": "发布政策",
	"policy.correct": "发布更正", "policy.withdraw": "撤回政策", "hall.save": "保存大厅", "hall.window_add": "新增窗口",
	"hall.guides": "设置可预约事项", "hall.schedule_add": "新增排班", "hall.schedule_remove": "停用排班", "hall.close": "闭厅",
	"calendar.set": "设置节假日",
}

func auditActionName(a string) string {
	if n, ok := auditActionNames[a]; ok {
		return n
	}
	for _, g := range auditGroups {
		if strings.HasPrefix(a, g.Code) {
			return g.Name + "（" + strings.TrimPrefix(a, g.Code) + "）"
		}
	}
	return a
}

// auditRow is an entry with its actor and action said in Chinese.
type auditRow struct {
	audit.Row
	Who, What, Target string
}

var auditTargetNames = map[string]string{"staff": "账号", "staff_login": "登录", "ticket": "工单", "guide": "办事指南",
	"policy": "政策", "hall": "服务大厅", "calendar": "日历", "department": "部门"}

type auditView struct {
	Rows                    []auditRow
	Actor, Action, From, To string
	Groups                  []struct{ Code, Name string }
	Next                    string // the query of the next page
}

// auditPage is the number of entries a page of the audit log shows.
const auditPage = 100

// AuditLog lists the audit log, newest first, filtered by actor, kind of
// action and a date range (local dates, both included).
func (c *Console) AuditLog(ctx *fiber.Ctx) error {
	v := auditView{Actor: strings.TrimSpace(ctx.Query("actor")), Action: ctx.Query("action"), From: ctx.Query("from"),
		To: ctx.Query("to"), Groups: auditGroups}
	f, err := v.filter(c.loc())
	if err == nil {
		f.Before, _ = strconv.ParseInt(ctx.Query("before"), 10, 64)
		var rows []audit.Row
		rows, err = c.d.AuditLog(ctx.UserContext(), f)
		for _, r := range rows {
			who := r.ActorName
			if who == "" {
				who = nameOr(map[string]string{"staff": "工作人员", "resident": "居民", "system": "系统"}[r.ActorKind], r.ActorKind)
			}
			v.Rows = append(v.Rows, auditRow{Row: r, Who: who, What: auditActionName(r.Action),
				Target: nameOr(auditTargetNames[r.TargetType], r.TargetType)})
		}
	}
	if err != nil {
		status, _ := c.classify(err)
		if status >= 500 {
			return c.fail(ctx, err)
		}
		return c.render(ctx, status, "audit", "审计日志", v, c.withError(err))
	}
	if len(v.Rows) == auditPage {
		q := ctx.Request().URI().QueryArgs()
		q.Set("before", itoa(v.Rows[len(v.Rows)-1].ID))
		v.Next = string(q.QueryString())
	}
	return c.render(ctx, fiber.StatusOK, "audit", "审计日志", v)
}

// filter checks the form's dates and kind of action.
func (v auditView) filter(loc *time.Location) (audit.Filter, error) {
	f, bad := audit.Filter{Actor: v.Actor, Limit: auditPage}, map[string]string{}
	if v.Action != "" {
		for _, g := range auditGroups {
			if g.Code == v.Action {
				f.Action = v.Action
			}
		}
		if f.Action == "" {
			bad["action"] = "请从列表中选择操作类型"
		}
	}
	date := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			bad[field] = "日期格式应为 " + calendar.Example(time.Now().In(loc))
		}
		return t
	}
	f.From = date("from", v.From)
	if to := date("to", v.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		bad["to"] = "结束日期不能早于开始日期"
	}
	if len(bad) > 0 {
		return f, errs.Invalid(bad)
	}
	return f, nil
}
