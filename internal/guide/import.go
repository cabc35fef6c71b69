package guide

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/platform/errs"
)

// ImportRow is one guide of an import file: the API's fields plus
// department_name, used when department_id is not given.
type ImportRow struct {
	Row            int
	Content        Content
	DepartmentName string
	Errors         map[string]string
}

type importDoc struct {
	Content
	DepartmentName string `json:"department_name"`
}

// ErrBadFile is returned when an import file cannot be read at all.
var ErrBadFile = errs.New(errs.KindInvalid, "invalid_import_file", "导入文件格式有误")

// maxImportRows bounds one import.
const maxImportRows = 50_000

// ParseJSON reads a JSON array of guides; rows that do not decode carry their errors.
func ParseJSON(b []byte) ([]ImportRow, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, ErrBadFile.WithMessage("导入文件须为 JSON 数组")
	}
	if len(raws) > maxImportRows {
		return nil, ErrBadFile.WithMessage(fmt.Sprintf("一次最多导入 %d 条", maxImportRows))
	}
	rows := make([]ImportRow, len(raws))
	for i, raw := range raws {
		rows[i] = decodeRow(i+1, raw)
	}
	return rows, nil
}

func decodeRow(n int, raw []byte) ImportRow {
	var d importDoc
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	r := ImportRow{Row: n}
	if err := dec.Decode(&d); err != nil {
		r.Errors = map[string]string{fieldOf(err): "格式有误：" + reasonOf(err)}
		return r
	}
	r.Content, r.DepartmentName = d.Content, strings.TrimSpace(d.DepartmentName)
	return r
}

func fieldOf(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	if m := err.Error(); strings.HasPrefix(m, "json: unknown field ") {
		return strings.Trim(strings.TrimPrefix(m, "json: unknown field "), `"`)
	}
	return "row"
}

func reasonOf(err error) string {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		return "类型错误"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "不支持的字段"
	}
	return "不是有效的 JSON 对象"
}

var (
	listColumns = map[string]bool{"process": true, "materials": true, "halls": true, "keywords": true}
	intColumns  = map[string]bool{"department_id": true, "legal_time_limit_days": true, "promised_time_limit_days": true, "max_visits": true}
	boolColumns = map[string]bool{"bookable": true}
)

// ParseCSV reads a CSV file whose header names the API's fields; list fields
// hold JSON in their cell.
func ParseCSV(r io.Reader) ([]ImportRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, ErrBadFile.WithMessage("CSV 文件缺少表头")
	}
	known := fieldNames()
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !known[header[i]] {
			return nil, ErrBadFile.WithMessage(fmt.Sprintf("CSV 表头含未知字段：%s", header[i]))
		}
	}
	var rows []ImportRow
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ErrBadFile.WithMessage(fmt.Sprintf("CSV 第 %d 行格式有误", n+1))
		}
		if len(rows) >= maxImportRows {
			return nil, ErrBadFile.WithMessage(fmt.Sprintf("一次最多导入 %d 条", maxImportRows))
		}
		rows = append(rows, csvRow(n, header, rec))
	}
	return rows, nil
}

func csvRow(n int, header, rec []string) ImportRow {
	m := map[string]any{}
	bad := map[string]string{}
	for i, h := range header {
		cell := ""
		if i < len(rec) {
			cell = strings.TrimSpace(rec[i])
		}
		switch {
		case listColumns[h]:
			if cell == "" {
				cell = "[]"
			}
			if !json.Valid([]byte(cell)) {
				bad[h] = "须为 JSON 数组"
				continue
			}
			m[h] = json.RawMessage(cell)
		case intColumns[h]:
			if cell == "" {
				continue
			}
			v, err := strconv.ParseInt(cell, 10, 64)
			if err != nil {
				bad[h] = "须为整数"
				continue
			}
			m[h] = v
		case boolColumns[h]:
			switch strings.ToLower(cell) {
			case "true", "1", "是", "yes":
				m[h] = true
			case "", "false", "0", "否", "no":
				m[h] = false
			default:
				bad[h] = "须为 true 或 false"
			}
		default:
			m[h] = cell
		}
	}
	if len(bad) > 0 {
		return ImportRow{Row: n, Errors: bad}
	}
	b, _ := json.Marshal(m)
	return decodeRow(n, b)
}

func fieldNames() map[string]bool {
	b, _ := json.Marshal(importDoc{})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// ImportOptions controls an import.
type ImportOptions struct {
	Publish     bool // publish every imported guide
	SkipInvalid bool // import the valid rows even when some are refused
}

// RowError is a refused row and why.
type RowError struct {
	Row    int               `json:"row"`
	Code   string            `json:"code"`
	Errors map[string]string `json:"errors"`
}

// Report is what an import did.
type Report struct {
	Total     int        `json:"total"`
	Accepted  int        `json:"accepted"`
	Refused   int        `json:"refused"`
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Published int        `json:"published"`
	Committed bool       `json:"committed"`
	Refusals  []RowError `json:"refusals"`
}

// Import validates every row, then writes the valid ones in one transaction:
// new codes become drafts, known codes get their draft replaced, and with
// Publish each is published. A file with any refused row changes nothing
// unless SkipInvalid is set.
func (s *Service) Import(ctx context.Context, actor Actor, rows []ImportRow, o ImportOptions) (Report, error) {
	rep := Report{Total: len(rows), Refusals: []RowError{}}
	var deptIDs []int64
	if err := s.db.SelectContext(ctx, &deptIDs, `SELECT id FROM departments`); err != nil {
		return rep, err
	}
	known := map[int64]bool{}
	for _, id := range deptIDs {
		known[id] = true
	}
	seen := map[string]int{}
	var valid []*ImportRow
	for i := range rows {
		r := &rows[i]
		if r.Errors == nil {
			r.Errors = s.checkImportRow(r, known, seen, o.Publish)
		}
		if len(r.Errors) > 0 {
			rep.Refusals = append(rep.Refusals, RowError{Row: r.Row, Code: r.Content.Code, Errors: r.Errors})
			continue
		}
		valid = append(valid, r)
	}
	rep.Refused, rep.Accepted = len(rep.Refusals), len(valid)
	if rep.Refused > 0 && !o.SkipInvalid {
		rep.Accepted = 0
		return rep, nil
	}
	var published []*Guide
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		for _, r := range valid {
			g, created, err := s.importRow(ctx, tx, actor, r, o.Publish)
			if err != nil {
				return fmt.Errorf("guide: import row %d (%s): %w", r.Row, r.Content.Code, err)
			}
			if created {
				rep.Created++
			} else {
				rep.Updated++
			}
			if g != nil {
				published = append(published, g)
			}
		}
		detail := fmt.Sprintf("accepted=%d refused=%d published=%d", rep.Accepted, rep.Refused, len(published))
		return audit.Record(ctx, tx, actor.audit("guide.import", "", detail))
	})
	if err != nil {
		return Report{Total: len(rows), Refusals: rep.Refusals, Refused: rep.Refused}, err
	}
	for _, g := range published {
		s.cat.put(g)
	}
	rep.Published, rep.Committed = len(published), true
	return rep, nil
}

func (s *Service) checkImportRow(r *ImportRow, known map[int64]bool, seen map[string]int, publish bool) map[string]string {
	c := r.Content
	c.Normalize()
	r.Content = c
	if c.DepartmentID == 0 && r.DepartmentName != "" {
		c.DepartmentID = -1 // stands for "resolved by name" during the checks
	}
	fields := map[string]string{}
	check := c
	if check.DepartmentID == -1 {
		check.DepartmentID = 0
	}
	if err := check.Validate(s.categoryMap); err != nil {
		if e, ok := errs.As(err); ok {
			for k, v := range e.Fields {
				fields[k] = v
			}
		}
	}
	if c.DepartmentID > 0 && !known[c.DepartmentID] {
		fields["department_id"] = "受理单位不存在"
	}
	if n := len([]rune(r.DepartmentName)); n > 64 {
		fields["department_name"] = "不能超过 64 个字"
	}
	if publish {
		check.DepartmentID = c.DepartmentID
		if err := check.Complete(); err != nil {
			if e, ok := errs.As(err); ok {
				for k, v := range e.Fields {
					if _, dup := fields[k]; !dup {
						fields[k] = v
					}
				}
			}
		}
	}
	if prev, dup := seen[c.Code]; dup && c.Code != "" {
		fields["code"] = fmt.Sprintf("与第 %d 行的事项编码重复", prev)
	} else {
		seen[c.Code] = r.Row
	}
	if len(fields) == 0 {
		return nil
	}
	return fields
}

func (s *Service) importRow(ctx context.Context, tx *sqlx.Tx, actor Actor, r *ImportRow, publish bool) (*Guide, bool, error) {
	c := r.Content
	if c.DepartmentID == 0 && r.DepartmentName != "" {
		d, err := account.EnsureDepartmentTx(ctx, tx, r.DepartmentName, "", "bureau", 0)
		if err != nil {
			return nil, false, err
		}
		c.DepartmentID = d.ID
	}
	_, err := getRow(ctx, tx, c.Code, false)
	created := errors.Is(err, ErrNotFound)
	switch {
	case created:
		err = s.createTx(ctx, tx, actor, &c)
	case err == nil:
		err = s.updateTx(ctx, tx, actor, &c, 0)
	}
	if err != nil || !publish {
		return nil, created, err
	}
	g, err := s.publishTx(ctx, tx, actor, c.Code)
	if errors.Is(err, ErrNothingToPub) {
		return nil, created, nil
	}
	return g, created, err
}
