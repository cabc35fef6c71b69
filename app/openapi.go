package app

import (
	"encoding/json"
	"html/template"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

var paramPattern = regexp.MustCompile(`:([A-Za-z_]+)`)

// openAPIPath turns Fiber's /guides/:code into OpenAPI's /guides/{code}.
func openAPIPath(p string) string { return paramPattern.ReplaceAllString(p, "{$1}") }

// buildOpenAPI generates the OpenAPI 3 document from the route table, so that
// the document and the routes cannot drift apart.
func (a *App) buildOpenAPI() ([]byte, error) {
	paths := map[string]map[string]any{}
	for _, r := range a.routes() {
		op := map[string]any{
			"summary":     r.Summary,
			"tags":        []string{r.Tag},
			"operationId": strings.ToLower(r.Method) + strings.NewReplacer("/", "_", ":", "", "-", "_", ".", "_").Replace(r.Path),
		}
		var params []map[string]any
		for _, m := range paramPattern.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Query {
			params = append(params, q.openAPI())
		}
		if r.Idempotent {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false,
				"description": "同一键与同一请求体在 24 小时内只执行一次，重复请求返回首次的响应", "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.Auth != authNone {
			op["security"] = []map[string][]string{{"bearer": {}}}
			if len(r.Roles) > 0 {
				roles := make([]string, len(r.Roles))
				for i, x := range r.Roles {
					roles[i] = string(x)
				}
				op["x-roles"] = roles
			}
		}
		if r.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Body))}}}
		}
		status := r.Status
		if status == 0 {
			status = 200
		}
		ok := map[string]any{"description": "成功"}
		switch {
		case r.Resp != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Resp))}}
		case r.Produces != "":
			ok["content"] = map[string]any{r.Produces: map[string]any{"schema": map[string]any{"type": "string"}}}
		}
		op["responses"] = map[string]any{
			itoa(status): ok,
			"default":    map[string]any{"description": "错误", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
		}
		p := openAPIPath(r.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(r.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "govapp 掌上政务 API", "version": "1.0.0",
			"description": "城市政务小程序与公众号后端：办事指南、12345 热线与市长信箱、预约办事、政策发布与推送。错误统一为 {\"error\":{\"code\",\"message\",\"request_id\"}}。"},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{"Error": map[string]any{"type": "object", "required": []string{"error"},
				"properties": map[string]any{"error": map[string]any{"type": "object", "required": []string{"code", "message", "request_id"},
					"properties": map[string]any{
						"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"},
						"request_id": map[string]any{"type": "string"},
						"fields":     map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
					}}}}},
		},
	}
	return json.Marshal(doc)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

var timeType = reflect.TypeOf(time.Time{})

// schemaOf describes a Go type as a JSON schema from its json tags.
func schemaOf(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = schemaOf(f.Type)
			if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
	return map[string]any{}
}

func (a *App) openapiJSON(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(a.openapi)
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>govapp 接口说明</title>
<style>body{font:15px/1.6 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.4rem .6rem;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace}.m{font-weight:bold}.GET{color:#0a7}.POST{color:#05c}.PUT{color:#a60}.DELETE{color:#c22}h2{margin-top:2rem}</style></head>
<body><h1>govapp 掌上政务 API</h1>
<p>基础路径 <code>/api/v1</code>，JSON，UTF-8。认证：<code>Authorization: Bearer &lt;token&gt;</code>。
错误格式：<code>{"error":{"code":"…","message":"…","request_id":"…"}}</code>。机器可读文档：<a href="/openapi.json">/openapi.json</a>。</p>
{{range .}}<h2>{{.Tag}}</h2><table><tr><th>方法</th><th>路径</th><th>说明</th><th>权限</th></tr>
{{range .Routes}}<tr><td class="m {{.Method}}">{{.Method}}</td><td><code>{{.Path}}</code></td><td>{{.Summary}}{{if .Idempotent}}（支持 Idempotency-Key）{{end}}</td><td>{{.Who}}</td></tr>
{{end}}</table>{{end}}</body></html>`))

type docsRoute struct {
	Method, Path, Summary, Who string
	Idempotent                 bool
}

type docsGroup struct {
	Tag    string
	Routes []docsRoute
}

func (a *App) docsPage(c *fiber.Ctx) error {
	var groups []docsGroup
	index := map[string]int{}
	for _, r := range a.routes() {
		who := "公开"
		switch r.Auth {
		case authResident:
			who = "居民"
		case authStaff:
			who = "工作人员"
		case authAny:
			who = "已登录"
		}
		if len(r.Roles) > 0 {
			var rs []string
			for _, x := range r.Roles {
				rs = append(rs, string(x))
			}
			who += "（" + strings.Join(rs, "、") + "）"
		}
		i, ok := index[r.Tag]
		if !ok {
			i = len(groups)
			index[r.Tag] = i
			groups = append(groups, docsGroup{Tag: r.Tag})
		}
		groups[i].Routes = append(groups[i].Routes, docsRoute{Method: r.Method, Path: openAPIPath(r.Path), Summary: r.Summary, Who: who, Idempotent: r.Idempotent})
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return docsTemplate.Execute(c, groups)
}
