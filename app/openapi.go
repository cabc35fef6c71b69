package app

import (
	"encoding/json"
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
			bs := schemaOf(reflect.TypeOf(r.Body))
			_, needed := bs["required"] // a body whose fields are all optional may be left out
			op["requestBody"] = map[string]any{"required": needed, "content": map[string]any{
				"application/json": map[string]any{"schema": bs}}}
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
		return map[string]any{"type": "string", "format": "date-time", "example": "2026-12-03T09:30:00+08:00"}
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
			fs := schemaOf(f.Type)
			if d := f.Tag.Get("desc"); d != "" {
				fs["description"] = d
			}
			if ex, ok := f.Tag.Lookup("example"); ok {
				fs["example"] = exampleValue(f.Type, ex)
			}
			props[name] = fs
			if f.Tag.Get("required") == "true" || !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
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

// exampleValue is a field's example tag as the JSON value of the field's
// type: a string stays a string, anything else ("5", "true", "[15]") is
// JSON; a tag that is not is a mistake the document test finds.
func exampleValue(t reflect.Type, ex string) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.String {
		return ex
	}
	var v any
	if err := json.Unmarshal([]byte(ex), &v); err != nil {
		return "invalid example: " + ex
	}
	return v
}

func (a *App) openapiJSON(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(a.openapi)
}
