package console

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/guide"
	"govapp/internal/platform/errs"
)

// The guide form holds the process steps, materials and halls as repeated
// rows: one input per column, named process_name, material_form … and sent in
// the order the rows stand on the page. A row whose inputs are all empty is
// no row (the form always offers one blank row to fill without JavaScript).

// materialForms are the choices of a material's form, in Chinese.
var materialForms = []struct{ Code, Name string }{
	{"original", "原件"}, {"copy", "复印件"}, {"original_and_copy", "原件和复印件"},
}

// guideRows are the rows of the three lists as the form holds them.
type guideRows struct {
	Process   []guide.Step
	Materials []materialRow
	Halls     []guide.Hall
}

// materialRow is a material with its copies as typed (a number is checked on save).
type materialRow struct {
	guide.Material
	CopiesText string
}

func rowsOfGuide(g guide.Content) guideRows {
	r := guideRows{Process: g.Process, Halls: g.Halls}
	for _, m := range g.Materials {
		r.Materials = append(r.Materials, materialRow{Material: m, CopiesText: strconv.Itoa(m.Copies)})
	}
	return r
}

// column returns the i-th value of a repeated field, or "".
func column(cols map[string][]string, name string, i int) string {
	if c := cols[name]; i < len(c) {
		return c[i]
	}
	return ""
}

func readColumns(ctx *fiber.Ctx, names ...string) (map[string][]string, int) {
	cols, n := map[string][]string{}, 0
	for _, name := range names {
		cols[name] = formStrings(ctx, name)
		n = max(n, len(cols[name]))
	}
	return cols, n
}

func blank(ss ...string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// readGuideRows reads the rows of the form, skipping blank ones.
func readGuideRows(ctx *fiber.Ctx) guideRows {
	var r guideRows
	cols, n := readColumns(ctx, "process_name", "process_description", "process_time_limit")
	for i := 0; i < n; i++ {
		s := guide.Step{Name: column(cols, "process_name", i), Description: column(cols, "process_description", i),
			TimeLimit: column(cols, "process_time_limit", i)}
		if !blank(s.Name, s.Description, s.TimeLimit) {
			r.Process = append(r.Process, s)
		}
	}
	cols, n = readColumns(ctx, "material_name", "material_form", "material_copies", "material_required",
		"material_condition", "material_template_url", "material_notes")
	for i := 0; i < n; i++ {
		m := materialRow{Material: guide.Material{Name: column(cols, "material_name", i), Form: column(cols, "material_form", i),
			Required: column(cols, "material_required", i) != "no", Condition: column(cols, "material_condition", i),
			TemplateURL: strings.TrimSpace(column(cols, "material_template_url", i)), Notes: column(cols, "material_notes", i)},
			CopiesText: strings.TrimSpace(column(cols, "material_copies", i))}
		if !blank(m.Name, m.Condition, m.TemplateURL, m.Notes) {
			r.Materials = append(r.Materials, m)
		}
	}
	cols, n = readColumns(ctx, "hall_name", "hall_address", "hall_phone", "hall_hours")
	for i := 0; i < n; i++ {
		h := guide.Hall{Name: column(cols, "hall_name", i), Address: column(cols, "hall_address", i),
			Phone: strings.TrimSpace(column(cols, "hall_phone", i)), Hours: column(cols, "hall_hours", i)}
		if !blank(h.Name, h.Address, h.Phone, h.Hours) {
			r.Halls = append(r.Halls, h)
		}
	}
	return r
}

// into puts the rows into g, recording in bad the rows whose numbers are not numbers.
func (r guideRows) into(g *guide.Content, bad map[string]string) {
	g.Process, g.Halls = append([]guide.Step{}, r.Process...), append([]guide.Hall{}, r.Halls...)
	g.Materials = []guide.Material{}
	for i, m := range r.Materials {
		if m.CopiesText == "" {
			m.Copies = 1
		} else if n, err := strconv.Atoi(m.CopiesText); err != nil || n < 0 {
			bad[fmt.Sprintf("materials[%d].copies", i)] = "份数须为不小于 0 的整数"
		} else {
			m.Copies = n
		}
		g.Materials = append(g.Materials, m.Material)
	}
}

// rowErrors are the messages of err that concern row i of list ("materials",
// 2 → the errors under "materials[2]."), labelled by their column, in order.
func rowErrors(err error, list string, i int) []string {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	prefix := fmt.Sprintf("%s[%d].", list, i)
	var keys []string
	for k := range e.Fields {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, columnLabel(strings.TrimPrefix(k, prefix))+"："+e.Fields[k])
	}
	return out
}

var columnLabels = map[string]string{"name": "名称", "description": "说明", "time_limit": "时限", "form": "形式",
	"copies": "份数", "required": "是否必需", "condition": "需要的情形", "template_url": "样表地址", "notes": "备注",
	"address": "地址", "phone": "电话", "hours": "办公时间"}

func columnLabel(k string) string {
	if l, ok := columnLabels[k]; ok {
		return l
	}
	return k
}

// rowsView is what the template draws: each row with its errors.
type rowsView struct {
	Process   []rowView[guide.Step]
	Materials []rowView[materialRow]
	Halls     []rowView[guide.Hall]
	Forms     []struct{ Code, Name string }
}

type rowView[T any] struct {
	Row    T
	Errors []string
}

func viewRows(r guideRows, err error) rowsView {
	v := rowsView{Forms: materialForms}
	for i, s := range r.Process {
		v.Process = append(v.Process, rowView[guide.Step]{s, rowErrors(err, "process", i)})
	}
	for i, m := range r.Materials {
		v.Materials = append(v.Materials, rowView[materialRow]{m, rowErrors(err, "materials", i)})
	}
	for i, h := range r.Halls {
		v.Halls = append(v.Halls, rowView[guide.Hall]{h, rowErrors(err, "halls", i)})
	}
	return v
}
