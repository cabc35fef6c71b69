package app

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/guide"
	"govapp/internal/platform/errs"
)

//go:embed templates/*.html
var templateFS embed.FS

var checklistTemplate = template.Must(template.New("checklist.html").
	Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }}).
	ParseFS(templateFS, "templates/checklist.html"))

type categoryResp = guide.CategoryCount

func (a *App) guideCategories(c *fiber.Ctx) error {
	return c.JSON(listResp[categoryResp]{Items: a.guides.CategoryCounts()})
}

type guideListResp = guide.Page

func (a *App) listGuides(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	q := guide.ListQuery{Q: c.Query("q"), Limit: limit, Cursor: c.Query("cursor"),
		Filter: guide.Filter{Category: c.Query("category"), Audience: c.Query("audience")}}
	if d := c.Query("department_id"); d != "" {
		if q.Filter.DepartmentID, err = strconv.ParseInt(d, 10, 64); err != nil || q.Filter.DepartmentID <= 0 {
			return errs.InvalidField("department_id", "须为正整数")
		}
	}
	page, err := a.guides.List(q)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (a *App) getGuide(c *fiber.Ctx) error {
	b, err := a.guides.Detail(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=30")
	return c.Send(a.withHallIDs(c.UserContext(), b))
}

type checklistResp = guide.Checklist

func (a *App) guideChecklist(c *fiber.Ctx) error {
	g, err := a.guides.Get(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	cl := guide.NewChecklist(g)
	switch c.Query("format", "json") {
	case "json":
		return c.JSON(cl)
	case "html":
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return checklistTemplate.Execute(c, cl)
	}
	return errs.InvalidField("format", "须为 json 或 html")
}

func actorOf(c *fiber.Ctx) guide.Actor {
	p := principal(c)
	return guide.Actor{ID: p.ID, Name: p.Name}
}

type editorListResp = listResp[guide.EditorItem]

func (a *App) adminListGuides(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	items, err := a.guides.EditorList(c.UserContext(), c.Query("status"), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := editorListResp{Items: items}
	if len(items) == limit {
		out.NextCursor = items[len(items)-1].Code
	}
	return c.JSON(out)
}

type guideContentReq = guide.Content

func (a *App) createGuide(c *fiber.Ctx) error {
	var req guideContentReq
	if err := bind(c, &req); err != nil {
		return err
	}
	d, err := a.guides.Create(c.UserContext(), actorOf(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (a *App) getGuideDraft(c *fiber.Ctx) error {
	d, err := a.guides.GetDraft(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (a *App) updateGuide(c *fiber.Ctx) error {
	var req guideContentReq
	if err := bind(c, &req); err != nil {
		return err
	}
	var expected int
	if m := strings.Trim(c.Get(fiber.HeaderIfMatch), `"W/`); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n <= 0 {
			return errs.InvalidField("If-Match", "须为草稿的修订号")
		}
		expected = n
	}
	if req.Code != "" && req.Code != c.Params("code") {
		return errs.InvalidField("code", "事项编码不能修改")
	}
	d, err := a.guides.Update(c.UserContext(), actorOf(c), c.Params("code"), req, expected)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (a *App) previewGuide(c *fiber.Ctx) error {
	g, err := a.guides.Preview(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(g)
}

type guideResp = guide.Guide

func (a *App) publishGuide(c *fiber.Ctx) error {
	g, err := a.guides.Publish(c.UserContext(), actorOf(c), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(g)
}

func (a *App) retireGuide(c *fiber.Ctx) error {
	if err := a.guides.Retire(c.UserContext(), actorOf(c), c.Params("code")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type versionsResp = listResp[guide.VersionInfo]

func (a *App) guideVersions(c *fiber.Ctx) error {
	vs, err := a.guides.Versions(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []guide.VersionInfo{}
	}
	return c.JSON(versionsResp{Items: vs})
}

func (a *App) guideVersion(c *fiber.Ctx) error {
	v, err := strconv.Atoi(c.Params("version"))
	if err != nil || v <= 0 {
		return errs.InvalidField("version", "须为正整数")
	}
	b, err := a.guides.Version(c.UserContext(), c.Params("code"), v)
	if err != nil {
		return err
	}
	var g guide.Guide // the stored document, re-encoded in the API's time convention
	if err := json.Unmarshal(b, &g); err != nil {
		return fmt.Errorf("guide %s v%d: %w", c.Params("code"), v, err)
	}
	return c.JSON(&g)
}

type importResp struct {
	Error  *errorDetail `json:"error,omitempty"`
	Report guide.Report `json:"report"`
}

var errImportRefused = errs.New(errs.KindUnprocessable, "import_refused", "导入文件中有错误的行，未导入任何数据")

func (a *App) importGuides(c *fiber.Ctx) error {
	var rows []guide.ImportRow
	var err error
	switch ct := strings.ToLower(string(c.Request().Header.ContentType())); {
	case strings.HasPrefix(ct, "text/csv"):
		rows, err = guide.ParseCSV(strings.NewReader(string(c.Body())))
	case strings.HasPrefix(ct, "application/json"):
		rows, err = guide.ParseJSON(c.Body())
	default:
		return errs.New(errs.KindInvalid, "unsupported_media_type", "请以 application/json 或 text/csv 上传")
	}
	if err != nil {
		return err
	}
	opts := guide.ImportOptions{Publish: c.QueryBool("publish"), SkipInvalid: c.QueryBool("skip_invalid")}
	rep, err := a.guides.Import(c.UserContext(), actorOf(c), rows, opts)
	if err != nil {
		return err
	}
	if !rep.Committed {
		rid := requestID(c)
		msg := errImportRefused.Message
		return c.Status(fiber.StatusUnprocessableEntity).JSON(importResp{Report: rep,
			Error: &errorDetail{Code: errImportRefused.Code, Message: msg, RequestID: rid}})
	}
	return c.JSON(importResp{Report: rep})
}
