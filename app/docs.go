package app

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// GET /docs renders the OpenAPI document itself — every operation with its
// parameters, request fields and response fields — as one static page
// rendered on the server: no script, no stylesheet or font from another
// host (the page's CSP allows none), readable on a phone and printable.

//go:embed templates/docs.html
var docsFS embed.FS

var docsTemplate = template.Must(template.New("docs.html").ParseFS(docsFS, "templates/docs.html"))

// docsField is one row of a parameter or schema table; Depth indents the
// fields of nested objects.
type docsField struct {
	Name, In, Type, Desc, Example string
	Required                      bool
	Depth                         int
}

type docsOp struct {
	ID, Method, Path, Summary, Who string
	Idempotent                     bool
	Params, Body, Resp             []docsField
	BodyOptional                   bool
	Status                         string
}

type docsGroup struct {
	Tag string
	Ops []docsOp
}

type docsView struct {
	Title, Description string
	Groups             []docsGroup
	Count              int
}

// docsView reads the generated document back, so that the page shows what
// /openapi.json says and nothing else.
func (a *App) docsView() (docsView, error) {
	var doc struct {
		Info struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"info"`
		Paths map[string]map[string]struct {
			Summary     string           `json:"summary"`
			Tags        []string         `json:"tags"`
			OperationID string           `json:"operationId"`
			Parameters  []map[string]any `json:"parameters"`
			Security    []any            `json:"security"`
			Roles       []string         `json:"x-roles"`
			RequestBody *struct {
				Required bool `json:"required"`
				Content  map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(a.openapi, &doc); err != nil {
		return docsView{}, err
	}
	v := docsView{Title: doc.Info.Title, Description: doc.Info.Description}
	index := map[string]int{}
	// in the route table's order: routes() lists them as the domains group them
	for _, r := range a.routes() {
		path, method := openAPIPath(r.Path), strings.ToLower(r.Method)
		op, ok := doc.Paths[path][method]
		if !ok {
			continue
		}
		d := docsOp{ID: op.OperationID, Method: r.Method, Path: path, Summary: op.Summary, Idempotent: r.Idempotent, Who: "公开"}
		if len(op.Security) > 0 {
			d.Who = map[authLevel]string{authResident: "居民", authStaff: "工作人员", authAny: "已登录"}[r.Auth]
			if len(op.Roles) > 0 {
				d.Who += "（" + strings.Join(op.Roles, "、") + "）"
			}
		}
		for _, p := range op.Parameters {
			sc, _ := p["schema"].(map[string]any)
			f := docsField{Name: str(p["name"]), In: str(p["in"]), Type: typeName(sc), Desc: str(p["description"]), Required: p["required"] == true}
			if ex, ok := p["example"]; ok {
				f.Example = exampleText(ex)
			}
			if en, ok := sc["enum"].([]any); ok {
				f.Desc = strings.TrimSpace(f.Desc + " 可选值：" + joinAny(en))
			}
			d.Params = append(d.Params, f)
		}
		if rb := op.RequestBody; rb != nil {
			d.Body = flatten(rb.Content["application/json"].Schema, 0)
			d.BodyOptional = !rb.Required
		}
		for code, resp := range op.Responses {
			if code == "default" {
				continue
			}
			d.Status = code
			if c, ok := resp.Content["application/json"]; ok {
				d.Resp = flatten(c.Schema, 0)
			}
		}
		tag := "其他"
		if len(op.Tags) > 0 {
			tag = op.Tags[0]
		}
		i, ok := index[tag]
		if !ok {
			i = len(v.Groups)
			index[tag] = i
			v.Groups = append(v.Groups, docsGroup{Tag: tag})
		}
		v.Groups[i].Ops = append(v.Groups[i].Ops, d)
		v.Count++
	}
	return v, nil
}

// flatten lists an object schema's fields (nested objects and arrays of
// objects indented under their field), required ones first.
func flatten(s map[string]any, depth int) []docsField {
	if s == nil || depth > 4 {
		return nil
	}
	if s["type"] == "array" {
		items, _ := s["items"].(map[string]any)
		return flatten(items, depth)
	}
	props, _ := s["properties"].(map[string]any)
	req := map[string]bool{}
	if rs, ok := s["required"].([]any); ok {
		for _, r := range rs {
			req[str(r)] = true
		}
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if req[names[i]] != req[names[j]] {
			return req[names[i]]
		}
		return names[i] < names[j]
	})
	var out []docsField
	for _, n := range names {
		ps, _ := props[n].(map[string]any)
		f := docsField{Name: n, Type: typeName(ps), Desc: str(ps["description"]), Required: req[n], Depth: depth}
		if ex, ok := ps["example"]; ok {
			f.Example = exampleText(ex)
		}
		if en, ok := ps["enum"].([]any); ok {
			f.Desc = strings.TrimSpace(f.Desc + " 可选值：" + joinAny(en))
		}
		out = append(out, f)
		out = append(out, flatten(ps, depth+1)...)
	}
	return out
}

func typeName(s map[string]any) string {
	t := str(s["type"])
	switch t {
	case "array":
		items, _ := s["items"].(map[string]any)
		return typeName(items) + "[]"
	case "string":
		if f := str(s["format"]); f != "" {
			return "string (" + f + ")"
		}
	case "":
		return "any"
	}
	return t
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func exampleText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func joinAny(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = str(v)
	}
	return strings.Join(parts, "、")
}

func (a *App) docsPage(c *fiber.Ctx) error {
	v, err := a.docsView()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return docsTemplate.Execute(c, v)
}
