package console

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/ticket"
)

// Chinese names of what the pages show.
var (
	channelNames = map[string]string{ticket.ChannelHotline: "12345 热线", ticket.ChannelMailbox: "市长信箱"}
	roleNames    = map[account.Role]string{
		account.RoleOperator: "话务员", account.RoleHandler: "承办单位经办人", account.RoleClerk: "窗口人员",
		account.RoleEditor: "内容编辑", account.RoleAdmin: "管理员",
	}
	queueNames = map[string]string{"waiting": "等候", "called": "在办", "done": "办结", "absent": "过号",
		"appointment": "预约", "walk_in": "现场取号", "expected": "待到", "no_show": "爽约"}
	redactNames = map[string]string{"phone": "手机号", "landline": "固定电话", "id_card": "身份证号", "plate": "车牌",
		"name": "姓名", "address": "门牌", "email": "邮箱", "bank_card": "银行卡号", "account": "社交账号", "submitter": "提交人身份"}
	fieldLabels = map[string]string{
		"title": "标题", "content": "内容", "reply": "答复", "note": "说明", "department_id": "承办单位", "days": "延期天数",
		"contact_phone": "来电号码", "caller_name": "来电人", "kind": "类型", "category": "分类", "location": "地点",
		"priority": "紧急程度", "parent": "主工单", "co_departments": "协办单位", "internal_note": "内部说明",
		"name": "名称", "code": "编码", "username": "用户名", "password": "密码", "role": "角色", "date": "日期",
		"process": "办理流程", "materials": "申请材料", "halls": "办理地点", "fees": "收费", "phone": "咨询电话",
		"legal_basis": "设定依据", "body": "正文", "topics": "主题", "changelog": "更正说明", "reason": "原因",
		"issuer": "发文机关", "doc_number": "文号", "issue_date": "成文日期", "effective_date": "施行日期", "attachments": "附件",
		"interpretations": "政策解读", "related_guides": "相关办事指南", "display_name": "姓名", "online_url": "网上办理地址",
		"complaint_phone": "投诉电话", "legal_time_limit_days": "法定时限", "promised_time_limit_days": "承诺时限",
		"max_visits": "跑动次数", "keywords": "关键词", "audience": "服务对象", "applicable_to": "适用对象", "hours": "开放时间",
		"district": "区域", "address": "地址", "lat": "坐标", "window_id": "窗口", "slot_minutes": "每段分钟",
		"capacity": "名额", "start": "开始时间", "end": "结束时间", "guide_code": "事项编码", "prefix": "号段字母",
	}
)

// fieldLabel names a form field in Chinese ("materials[0].name" → "申请材料[0].name").
func fieldLabel(k string) string {
	base, rest, _ := strings.Cut(k, "[")
	if l, ok := fieldLabels[base]; ok {
		if rest != "" {
			return l + "[" + rest
		}
		return l
	}
	return k
}

func (c *Console) funcs() template.FuncMap {
	return template.FuncMap{
		"dt":          func(t any) string { return c.when(t, "2006-01-02 15:04") },
		"day":         func(t any) string { return c.when(t, "2006-01-02") },
		"hm":          func(t any) string { return c.when(t, "15:04") },
		"statusName":  func(s any) string { v := fmt.Sprint(s); return nameOr(ticket.StatusLabels[ticket.Status(v)], v) },
		"channelName": func(s string) string { return nameOr(channelNames[s], s) },
		"kindName":    func(s string) string { return nameOr(ticket.Kinds[s], s) },
		"actionName":  func(s any) string { v := fmt.Sprint(s); return nameOr(ticket.ActionLabels[v], v) },
		"roleName":    func(r account.Role) string { return nameOr(roleNames[r], string(r)) },
		"queueName":   func(s string) string { return nameOr(queueNames[s], s) },
		"label":       fieldLabel,
		"pct": func(f any) string {
			switch v := f.(type) {
			case *float64:
				if v == nil {
					return "—"
				}
				return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
			case float64:
				return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
			}
			return "—"
		},
		"num": func(f *float64) string {
			if f == nil {
				return "—"
			}
			return strconv.FormatFloat(*f, 'f', 2, 64)
		},
		"join":       strings.Join,
		"list":       func(v ...any) []any { return v },
		"redactName": func(k string) string { return nameOr(redactNames[k], k) },
		"add":        func(a, b int) int { return a + b },
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
	}
}

func nameOr(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return name
}

// when formats a time (or *time.Time) in the city's zone; empty for none.
func (c *Console) when(v any, layout string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	if t.IsZero() {
		return ""
	}
	return t.In(c.loc()).Format(layout)
}

// working writes working time in days of 8 working hours, hours and minutes.
func working(d time.Duration) string {
	days := int(d / (8 * time.Hour))
	hours := int(d % (8 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d天%d小时", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d小时%d分", hours, mins)
	}
	return fmt.Sprintf("%d分钟", mins)
}

// formInt reads a form field as an integer (0 when empty or not a number).
func formInt(ctx *fiber.Ctx, key string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(ctx.FormValue(key)), 10, 64)
	return n
}

// formInts reads every value of a repeated form field as integers.
func formInts(ctx *fiber.Ctx, key string) []int64 {
	var out []int64
	for _, v := range ctx.Request().PostArgs().PeekMulti(key) {
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// formStrings reads every value of a repeated form field.
func formStrings(ctx *fiber.Ctx, key string) []string {
	var out []string
	for _, v := range ctx.Request().PostArgs().PeekMulti(key) {
		out = append(out, string(v))
	}
	return out
}

func formBool(ctx *fiber.Ctx, key string) bool {
	v := ctx.FormValue(key)
	return v == "on" || v == "true" || v == "1"
}

// splitList splits "a, b，c" into its trimmed, non-empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
