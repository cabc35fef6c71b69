package app

import (
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/platform/errs"
	"govapp/internal/platform/wire"
)

// param is one query parameter a route reads: its name, its type ("string"
// when empty; "integer", "number", "boolean", "date", "date-time"), the
// values it takes when they are few, and what it means. The route table
// declares them (route.Query); the OpenAPI document lists them and
// refuseUnknownQuery answers 400 to any other.
type param struct {
	Name     string
	Type     string
	Enum     []string
	Desc     string
	Required bool
}

// schema is the parameter's JSON schema in the OpenAPI document.
func (p param) schema() map[string]any {
	s := map[string]any{"type": "string"}
	switch p.Type {
	case "integer", "number", "boolean":
		s["type"] = p.Type
	case "date", "date-time":
		s["format"] = p.Type
	}
	if len(p.Enum) > 0 {
		s["enum"] = p.Enum
	}
	return s
}

// openAPI is the parameter as an OpenAPI parameter object.
func (p param) openAPI() map[string]any {
	o := map[string]any{"name": p.Name, "in": "query", "required": p.Required, "description": p.Desc, "schema": p.schema()}
	switch {
	case len(p.Enum) > 0:
		o["example"] = p.Enum[0]
	case p.Type == "date":
		o["example"] = time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	case p.Type == "date-time":
		o["example"] = wire.Time(time.Now().AddDate(0, 0, 7).Truncate(time.Hour))
	}
	return o
}

// Parameters shared by several routes.
var (
	qCursor = param{Name: "cursor", Desc: "上一页返回的 next_cursor"}
	qLimit  = param{Name: "limit", Type: "integer", Desc: "每页条数（1–100，默认 20）"}
	qFormat = param{Name: "format", Enum: []string{"json", "html"}, Desc: "json（默认）或 html（可打印页面）"}
	qDeptID = param{Name: "department_id", Type: "integer", Desc: "部门编号"}

	ticketStatusEnum = []string{"submitted", "accepted", "rejected", "cancelled", "dispatched", "returned", "handling", "need_info", "replied", "visiting", "closed", "merged"}
	ticketKindEnum   = []string{"consultation", "help", "complaint", "report", "suggestion", "praise"}
	ticketChanEnum   = []string{"hotline", "mailbox"}
	ticketSortEnum   = []string{"urgent", "newest"}
)

// paged is ps followed by cursor and limit.
func paged(ps ...param) []param { return append(ps, qCursor, qLimit) }

// refusesUnknownQuery tells whether unknown query parameters on the route are
// refused: on the JSON API (/api/…, /openapi.json, /healthz, /readyz) yes.
// Pages opened in a browser or from a WeChat share (the console, the calling
// display, /p/:id, /docs) and the WeChat callback, whose query WeChat
// writes, accept and ignore parameters they do not read: WeChat adds
// from=, isappinstalled= and the like to shared links, and a page answering
// 400 to them would be broken for residents.
func refusesUnknownQuery(r route) bool {
	return strings.HasPrefix(r.Path, "/api/") || r.Produces == ""
}

// refuseUnknownQuery answers 400 invalid_request naming every query
// parameter the route does not declare, as bind does for unknown JSON fields.
func refuseUnknownQuery(declared []param) fiber.Handler {
	known := make(map[string]bool, len(declared))
	for _, p := range declared {
		known[p.Name] = true
	}
	return func(c *fiber.Ctx) error {
		if len(c.Request().URI().QueryString()) == 0 {
			return c.Next()
		}
		var unknown []string
		c.Request().URI().QueryArgs().VisitAll(func(k, _ []byte) {
			if !known[string(k)] {
				unknown = append(unknown, string(k))
			}
		})
		if len(unknown) == 0 {
			return c.Next()
		}
		sort.Strings(unknown)
		fields := make(map[string]string, len(unknown))
		for _, k := range unknown {
			if r := []rune(k); len(r) > 64 {
				k = string(r[:64])
			}
			fields[k] = "不支持的参数"
		}
		return errs.Invalid(fields)
	}
}

// oaQuery is what WeChat puts in the query of a callback to the official
// account's server address.
var oaQuery = []param{
	{Name: "signature", Desc: "签名"}, {Name: "timestamp", Type: "integer", Desc: "时间戳"}, {Name: "nonce", Desc: "随机数"},
	{Name: "echostr", Desc: "验证服务器地址时回显的字符串"}, {Name: "openid", Desc: "用户的 openid"},
	{Name: "encrypt_type", Enum: []string{"aes", "raw"}, Desc: "安全模式为 aes"}, {Name: "msg_signature", Desc: "安全模式的消息签名"},
}
