package console

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/guide"
	"govapp/internal/platform/errs"
)

func guideActor(ctx *fiber.Ctx) guide.Actor {
	p := me(ctx)
	return guide.Actor{ID: p.ID, Name: p.Name}
}

type guidesView struct {
	Items  []guide.EditorItem
	Status string
	Next   string
}

// Guides lists every guide (any status) by code, 50 a page.
func (c *Console) Guides(ctx *fiber.Ctx) error {
	status := ctx.Query("status")
	items, err := c.d.Guides.EditorList(ctx.UserContext(), status, ctx.Query("after"), 50)
	if err != nil {
		return c.fail(ctx, err)
	}
	v := guidesView{Items: items, Status: status}
	if len(items) == 50 {
		v.Next = items[len(items)-1].Code
	}
	return c.render(ctx, fiber.StatusOK, "guides", "办事指南", v)
}

// guideForm is a guide as its form holds it: text, with the lists as JSON.
type guideForm struct {
	Code, Name, Audience, Category, DepartmentID, LegalBasis, ApplicableTo, Fees   string
	LegalDays, PromisedDays, Phone, ComplaintPhone, OnlineURL, MaxVisits, Keywords string
	Rows                                                                           guideRows
	Bookable                                                                       bool
	Revision                                                                       int
}

func indentJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func formOfGuide(g guide.Content, revision int) guideForm {
	return guideForm{Code: g.Code, Name: g.Name, Audience: g.Audience, Category: g.Category, DepartmentID: itoa(g.DepartmentID),
		LegalBasis: g.LegalBasis, ApplicableTo: g.ApplicableTo, Fees: g.Fees, LegalDays: strconv.Itoa(g.LegalTimeLimitDays),
		PromisedDays: strconv.Itoa(g.PromisedTimeLimitDays), Phone: g.Phone, ComplaintPhone: g.ComplaintPhone, OnlineURL: g.OnlineURL,
		MaxVisits: strconv.Itoa(g.MaxVisits), Keywords: strings.Join(g.Keywords, "，"), Rows: rowsOfGuide(g),
		Bookable: g.Bookable, Revision: revision}
}

func readGuideForm(ctx *fiber.Ctx) guideForm {
	v := ctx.FormValue
	return guideForm{Code: v("code"), Name: v("name"), Audience: v("audience"), Category: v("category"), DepartmentID: v("department_id"),
		LegalBasis: v("legal_basis"), ApplicableTo: v("applicable_to"), Fees: v("fees"), LegalDays: v("legal_time_limit_days"),
		PromisedDays: v("promised_time_limit_days"), Phone: v("phone"), ComplaintPhone: v("complaint_phone"), OnlineURL: v("online_url"),
		MaxVisits: v("max_visits"), Keywords: v("keywords"), Rows: readGuideRows(ctx),
		Bookable: formBool(ctx, "bookable"), Revision: int(formInt(ctx, "revision"))}
}

// content turns the form into guide content, naming the fields that are not numbers.
func (f guideForm) content() (guide.Content, error) {
	g := guide.Content{Code: strings.TrimSpace(f.Code), Name: f.Name, Audience: f.Audience, Category: f.Category, LegalBasis: f.LegalBasis,
		ApplicableTo: f.ApplicableTo, Fees: f.Fees, Phone: strings.TrimSpace(f.Phone), ComplaintPhone: strings.TrimSpace(f.ComplaintPhone),
		OnlineURL: strings.TrimSpace(f.OnlineURL), Bookable: f.Bookable, Keywords: splitList(f.Keywords)}
	bad := map[string]string{}
	num := func(field, s string) int {
		s = strings.TrimSpace(s)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			bad[field] = "须为整数"
		}
		return n
	}
	g.DepartmentID = int64(num("department_id", f.DepartmentID))
	g.LegalTimeLimitDays, g.PromisedTimeLimitDays = num("legal_time_limit_days", f.LegalDays), num("promised_time_limit_days", f.PromisedDays)
	g.MaxVisits = num("max_visits", f.MaxVisits)
	f.Rows.into(&g, bad)
	if len(bad) > 0 {
		return g, errs.Invalid(bad)
	}
	return g, nil
}

type guideEditView struct {
	F           guideForm
	Rows        rowsView
	Diff        []diffField // the draft against the published version
	New         bool
	Draft       *guide.Draft
	Versions    []guide.VersionInfo
	Categories  []guide.Category
	Departments []account.Department
}

func (c *Console) guideEdit(ctx *fiber.Ctx, status int, v guideEditView, err error) error {
	v.Categories = c.d.Guides.Categories()
	var derr error
	if v.Departments, derr = c.d.Accounts.Departments(ctx.UserContext()); derr != nil {
		return c.fail(ctx, derr)
	}
	v.Rows = viewRows(v.F.Rows, err)
	title := "新建办事指南"
	if !v.New {
		title = "编辑办事指南 · " + v.F.Code
	}
	var opts []func(*page)
	if err != nil {
		opts = append(opts, c.withError(err))
	}
	return c.render(ctx, status, "guide_edit", title, v, opts...)
}

// NewGuide shows an empty guide form.
func (c *Console) NewGuide(ctx *fiber.Ctx) error {
	f := formOfGuide(guide.Content{Audience: guide.AudiencePersonal, Process: []guide.Step{}, Materials: []guide.Material{},
		Halls: []guide.Hall{}}, 0)
	f.DepartmentID = ""
	return c.guideEdit(ctx, fiber.StatusOK, guideEditView{F: f, New: true}, nil)
}

// CreateGuide saves a new draft.
func (c *Console) CreateGuide(ctx *fiber.Ctx) error {
	f := readGuideForm(ctx)
	g, err := f.content()
	if err == nil {
		_, err = c.d.Guides.Create(ctx.UserContext(), guideActor(ctx), g)
	}
	if err != nil {
		return c.guideFormError(ctx, guideEditView{F: f, New: true}, err)
	}
	return back(ctx, "/console/guides/"+g.Code, "ok", "已保存草稿")
}

func (c *Console) guideFormError(ctx *fiber.Ctx, v guideEditView, err error) error {
	status, _ := c.classify(err)
	if status >= 500 {
		return c.fail(ctx, err)
	}
	return c.guideEdit(ctx, status, v, err)
}

// Guide shows the draft of a guide for editing, with its versions.
func (c *Console) Guide(ctx *fiber.Ctx) error {
	code := ctx.Params("code")
	d, err := c.d.Guides.GetDraft(ctx.UserContext(), code)
	if err != nil {
		return c.fail(ctx, err)
	}
	vs, err := c.d.Guides.Versions(ctx.UserContext(), code)
	if err != nil {
		return c.fail(ctx, err)
	}
	diff, err := c.guideDiff(ctx, d)
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.guideEdit(ctx, fiber.StatusOK, guideEditView{F: formOfGuide(d.Content, d.Revision), Draft: d, Versions: vs, Diff: diff}, nil)
}

// guideDiff compares the draft with the published version: every field of a
// guide never published is new.
func (c *Console) guideDiff(ctx *fiber.Ctx, d *guide.Draft) ([]diffField, error) {
	var pub guide.Guide
	if d.PublishedVersion > 0 {
		b, err := c.d.Guides.Version(ctx.UserContext(), d.Content.Code, d.PublishedVersion)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &pub); err != nil {
			return nil, fmt.Errorf("console: decode guide %s version %d: %w", d.Content.Code, d.PublishedVersion, err)
		}
	}
	return diffDocs(guideFields(pub.Content), guideFields(d.Content)), nil
}

// SaveGuide saves the draft, refusing it when someone saved since the form was opened.
func (c *Console) SaveGuide(ctx *fiber.Ctx) error {
	code := ctx.Params("code")
	f := readGuideForm(ctx)
	f.Code = code
	g, err := f.content()
	if err == nil {
		_, err = c.d.Guides.Update(ctx.UserContext(), guideActor(ctx), code, g, f.Revision)
	}
	if err != nil {
		d, _ := c.d.Guides.GetDraft(ctx.UserContext(), code)
		vs, _ := c.d.Guides.Versions(ctx.UserContext(), code)
		return c.guideFormError(ctx, guideEditView{F: f, Draft: d, Versions: vs}, err)
	}
	return back(ctx, "/console/guides/"+code, "ok", "已保存草稿（尚未发布）")
}

// PublishGuide publishes the draft as a new version residents see at once.
func (c *Console) PublishGuide(ctx *fiber.Ctx) error {
	code := ctx.Params("code")
	g, err := c.d.Guides.Publish(ctx.UserContext(), guideActor(ctx), code)
	if err != nil {
		return c.failBack(ctx, "/console/guides/"+code, err)
	}
	return back(ctx, "/console/guides/"+code, "ok", "已发布第 "+strconv.Itoa(g.Version)+" 版")
}

// GuidePreview shows the draft as residents will see it once published.
func (c *Console) GuidePreview(ctx *fiber.Ctx) error {
	g, err := c.d.Guides.Preview(ctx.UserContext(), ctx.Params("code"))
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.render(ctx, fiber.StatusOK, "guide_view", "预览 · "+g.Name, g)
}

// GuideVersion shows one published version as residents saw it.
func (c *Console) GuideVersion(ctx *fiber.Ctx) error {
	n, _ := strconv.Atoi(ctx.Params("version"))
	b, err := c.d.Guides.Version(ctx.UserContext(), ctx.Params("code"), n)
	if err != nil {
		return c.fail(ctx, err)
	}
	var g guide.Guide
	if err := json.Unmarshal(b, &g); err != nil {
		return c.fail(ctx, err)
	}
	return c.render(ctx, fiber.StatusOK, "guide_view", "第 "+strconv.Itoa(g.Version)+" 版 · "+g.Name, &g)
}
