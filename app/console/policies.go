package console

import (
	"encoding/json"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/platform/errs"
	"govapp/internal/policy"
)

func policyActor(ctx *fiber.Ctx) policy.Actor {
	p := me(ctx)
	return policy.Actor{ID: p.ID, Name: p.Name}
}

func policyID(ctx *fiber.Ctx) int64 {
	n, _ := strconv.ParseInt(ctx.Params("id"), 10, 64)
	return n
}

func policyURL(id int64) string { return "/console/policies/" + itoa(id) }

type policiesView struct {
	Items  []policy.EditorItem
	Status string
	Next   int64
}

// Policies lists every policy (any status), newest first, 50 a page.
func (c *Console) Policies(ctx *fiber.Ctx) error {
	status := ctx.Query("status")
	before, _ := strconv.ParseInt(ctx.Query("before"), 10, 64)
	items, err := c.d.Policies.EditorList(ctx.UserContext(), status, before, 50)
	if err != nil {
		return c.fail(ctx, err)
	}
	v := policiesView{Items: items, Status: status}
	if len(items) == 50 {
		v.Next = items[len(items)-1].ID
	}
	return c.render(ctx, fiber.StatusOK, "policies", "政策发布", v)
}

// policyForm is a policy as its form holds it; Body is Markdown (markdown.go).
type policyForm struct {
	Title, DocNumber, Issuer, IssueDate, EffectiveDate, Body string
	Topics                                                   []string
	Major                                                    bool
	RelatedGuides, Attachments, Interpretations              string
	Revision                                                 int
}

func formOfPolicy(p policy.Content, revision int) policyForm {
	return policyForm{Title: p.Title, DocNumber: p.DocNumber, Issuer: p.Issuer, IssueDate: p.IssueDate, EffectiveDate: p.EffectiveDate,
		Body: htmlToMarkdown(p.Body), Topics: p.Topics, Major: p.Major, RelatedGuides: strings.Join(p.RelatedGuides, "，"),
		Attachments: indentJSON(p.Attachments), Interpretations: indentJSON(p.Interpretations), Revision: revision}
}

func readPolicyForm(ctx *fiber.Ctx) policyForm {
	v := ctx.FormValue
	return policyForm{Title: v("title"), DocNumber: v("doc_number"), Issuer: v("issuer"), IssueDate: v("issue_date"),
		EffectiveDate: v("effective_date"), Body: v("body"), Topics: formStrings(ctx, "topics"), Major: formBool(ctx, "major"),
		RelatedGuides: v("related_guides"), Attachments: v("attachments"), Interpretations: v("interpretations"),
		Revision: int(formInt(ctx, "revision"))}
}

func (f policyForm) content() (policy.Content, error) {
	p := policy.Content{Title: f.Title, DocNumber: f.DocNumber, Issuer: f.Issuer, IssueDate: f.IssueDate, EffectiveDate: f.EffectiveDate,
		Body: markdownToHTML(f.Body), Topics: f.Topics, Major: f.Major, RelatedGuides: splitList(f.RelatedGuides)}
	bad := map[string]string{}
	list := func(field, s string, into any) {
		if s = strings.TrimSpace(s); s == "" {
			s = "[]"
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(into); err != nil {
			bad[field] = "须为 JSON 数组：" + jsonError(err)
		}
	}
	list("attachments", f.Attachments, &p.Attachments)
	list("interpretations", f.Interpretations, &p.Interpretations)
	if len(bad) > 0 {
		return p, errs.Invalid(bad)
	}
	return p, nil
}

type policyEditView struct {
	ID       int64
	F        policyForm
	Preview  template.HTML // the body as residents will read it, when asked
	Diff     []diffField   // the draft against the published version
	Draft    *policy.Draft
	Versions []policy.VersionInfo
	Topics   []policy.Topic
}

func (c *Console) policyEdit(ctx *fiber.Ctx, status int, v policyEditView, err error) error {
	v.Topics = c.d.Policies.Topics()
	if err == nil && v.Draft != nil && v.Draft.PublishedVersion > 0 {
		pub, perr := c.d.Policies.Version(ctx.UserContext(), v.ID, v.Draft.PublishedVersion)
		if perr != nil {
			return c.fail(ctx, perr)
		}
		v.Diff = diffDocs(policyFields(pub.Content), policyFields(v.Draft.Content))
	}
	title := "新建政策"
	if v.ID != 0 {
		title = "编辑政策 · " + v.F.Title
	}
	var opts []func(*page)
	if err != nil {
		opts = append(opts, c.withError(err))
	}
	return c.render(ctx, status, "policy_edit", title, v, opts...)
}

func (c *Console) policyFormError(ctx *fiber.Ctx, v policyEditView, err error) error {
	status, _ := c.classify(err)
	if status >= 500 {
		return c.fail(ctx, err)
	}
	return c.policyEdit(ctx, status, v, err)
}

// NewPolicy shows an empty policy form.
func (c *Console) NewPolicy(ctx *fiber.Ctx) error {
	return c.policyEdit(ctx, fiber.StatusOK, policyEditView{F: formOfPolicy(policy.Content{Attachments: []policy.Attachment{},
		Interpretations: []policy.Interpretation{}}, 0)}, nil)
}

// CreatePolicy saves a new draft (its body HTML is cleaned by the service).
func (c *Console) CreatePolicy(ctx *fiber.Ctx) error {
	f := readPolicyForm(ctx)
	if formBool(ctx, "preview") {
		return c.policyEdit(ctx, fiber.StatusOK, policyEditView{F: f, Preview: c.bodyPreview(f)}, nil)
	}
	p, err := f.content()
	var d *policy.Draft
	if err == nil {
		d, err = c.d.Policies.Create(ctx.UserContext(), policyActor(ctx), p)
	}
	if err != nil {
		return c.policyFormError(ctx, policyEditView{F: f}, err)
	}
	return back(ctx, policyURL(d.ID), "ok", "已保存草稿")
}

// Policy shows a policy's draft for editing, with its versions and the
// release actions its status allows.
func (c *Console) Policy(ctx *fiber.Ctx) error {
	id := policyID(ctx)
	d, err := c.d.Policies.GetDraft(ctx.UserContext(), id)
	if err != nil {
		return c.fail(ctx, err)
	}
	vs, err := c.d.Policies.Versions(ctx.UserContext(), id)
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.policyEdit(ctx, fiber.StatusOK, policyEditView{ID: id, F: formOfPolicy(d.Content, d.Revision), Draft: d, Versions: vs}, nil)
}

// SavePolicy saves the draft, refusing it when someone saved since.
func (c *Console) SavePolicy(ctx *fiber.Ctx) error {
	id := policyID(ctx)
	f := readPolicyForm(ctx)
	if formBool(ctx, "preview") {
		d, err := c.d.Policies.GetDraft(ctx.UserContext(), id)
		if err != nil {
			return c.fail(ctx, err)
		}
		return c.policyEdit(ctx, fiber.StatusOK, policyEditView{ID: id, F: f, Draft: d, Preview: c.bodyPreview(f)}, nil)
	}
	p, err := f.content()
	if err == nil {
		_, err = c.d.Policies.Update(ctx.UserContext(), policyActor(ctx), id, p, f.Revision)
	}
	if err != nil {
		d, derr := c.d.Policies.GetDraft(ctx.UserContext(), id)
		if derr != nil {
			return c.fail(ctx, derr)
		}
		vs, _ := c.d.Policies.Versions(ctx.UserContext(), id)
		return c.policyFormError(ctx, policyEditView{ID: id, F: f, Draft: d, Versions: vs}, err)
	}
	return back(ctx, policyURL(id), "ok", "已保存草稿（尚未发布）")
}

// PolicyPreview shows the draft as the resident's page will.
func (c *Console) PolicyPreview(ctx *fiber.Ctx) error {
	p, err := c.d.Policies.Preview(ctx.UserContext(), policyID(ctx))
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.d.PolicyPage(ctx, p)
}

// PublishPolicy publishes the first version and tells the subscribers of its topics.
func (c *Console) PublishPolicy(ctx *fiber.Ctx) error {
	id := policyID(ctx)
	p, err := c.d.Policies.Publish(ctx.UserContext(), policyActor(ctx), id, true)
	if err != nil {
		return c.failBack(ctx, policyURL(id), err)
	}
	return back(ctx, policyURL(id)+"/deliveries", "ok", "已发布《"+p.Title+"》，正在推送给订阅的居民")
}

// CorrectPolicy publishes the edited draft as a corrected version.
func (c *Console) CorrectPolicy(ctx *fiber.Ctx) error {
	id := policyID(ctx)
	p, err := c.d.Policies.Correct(ctx.UserContext(), policyActor(ctx), id, ctx.FormValue("changelog"), formBool(ctx, "notify"))
	if err != nil {
		return c.failBack(ctx, policyURL(id), err)
	}
	return back(ctx, policyURL(id), "ok", "已发布更正（第 "+strconv.Itoa(p.Version)+" 版）")
}

// WithdrawPolicy withdraws a policy with a reason residents see.
func (c *Console) WithdrawPolicy(ctx *fiber.Ctx) error {
	id := policyID(ctx)
	if _, err := c.d.Policies.Withdraw(ctx.UserContext(), policyActor(ctx), id, ctx.FormValue("reason")); err != nil {
		return c.failBack(ctx, policyURL(id), err)
	}
	return back(ctx, policyURL(id), "ok", "已撤回")
}

type deliveriesView struct {
	ID       int64
	Title    string
	D        *policy.Deliveries
	Releases []releaseView
}

// Deliveries shows the push progress of each release, refreshing while one is under way.
func (c *Console) Deliveries(ctx *fiber.Ctx) error {
	id := policyID(ctx)
	d, err := c.d.Policies.Deliveries(ctx.UserContext(), id)
	if err != nil {
		return c.fail(ctx, err)
	}
	dr, err := c.d.Policies.GetDraft(ctx.UserContext(), id)
	if err != nil {
		return c.fail(ctx, err)
	}
	var opts []func(*page)
	for _, r := range d.Releases {
		if !r.Done {
			opts = append(opts, refresh(5))
			break
		}
	}
	return c.render(ctx, fiber.StatusOK, "deliveries", "推送进度 · "+dr.Content.Title, deliveriesView{ID: id, Title: dr.Content.Title, D: d, Releases: viewReleases(d.Releases)}, opts...)
}

// bodyPreview is the Markdown body of f converted and sanitised as saving
// would store it, without saving anything.
func (c *Console) bodyPreview(f policyForm) template.HTML {
	return template.HTML(c.d.Policies.Sanitizer().HTML(markdownToHTML(f.Body))) //nolint:gosec // sanitised by the policy sanitiser
}
