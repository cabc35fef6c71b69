package app

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/guide"
	"govapp/internal/platform/errs"
	"govapp/internal/policy"
)

// policyGuides names a policy's related guides from the guide catalogue.
type policyGuides struct{ a *App }

var _ policy.Guides = policyGuides{}

func (g policyGuides) GuideName(ctx context.Context, code string) (string, bool, error) {
	gd, err := g.a.guides.Get(ctx, code)
	if errors.Is(err, guide.ErrNotFound) || errors.Is(err, guide.ErrVersionMissing) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return gd.Name, true, nil
}

// Policies returns the policy service.
func (a *App) Policies() *policy.Service { return a.policies }

// policyID reads the :id of a policy route; anything but a positive number
// is a policy that does not exist.
func policyID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, policy.ErrNotFound
	}
	return id, nil
}

func policyActor(c *fiber.Ctx) policy.Actor {
	p := principal(c)
	return policy.Actor{ID: p.ID, Name: p.Name}
}

type topicResp = policy.TopicCount

func (a *App) listTopics(c *fiber.Ctx) error {
	return c.JSON(listResp[topicResp]{Items: a.policies.TopicCounts()})
}

type policyListResp = policy.Page

func (a *App) listPolicies(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	page, err := a.policies.List(policy.ListQuery{Q: c.Query("q"), Topic: c.Query("topic"), Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return err
	}
	return c.JSON(page)
}

type policyResp = policy.Policy

func (a *App) getPolicy(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err != nil {
		return err
	}
	b, err := a.policies.Detail(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=30")
	return c.Send(b)
}

// subscriptionsReq is the whole set of topics a resident follows.
type subscriptionsReq struct {
	Topics []string `json:"topics"`
}

type subscriptionsResp struct {
	Topics []string `json:"topics"`
}

func (a *App) getSubscriptions(c *fiber.Ctx) error {
	topics, err := a.policies.Subscriptions(c.UserContext(), principal(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(subscriptionsResp{Topics: topics})
}

func (a *App) putSubscriptions(c *fiber.Ctx) error {
	var req subscriptionsReq
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Topics == nil {
		return errs.InvalidField("topics", "须为主题编码数组（退订全部请传空数组）")
	}
	topics, err := a.policies.SetSubscriptions(c.UserContext(), principal(c).ID, req.Topics)
	if err != nil {
		return err
	}
	return c.JSON(subscriptionsResp{Topics: topics})
}

type policyEditorListResp = listResp[policy.EditorItem]

func (a *App) adminListPolicies(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	var before int64
	if cur := c.Query("cursor"); cur != "" {
		if before, err = strconv.ParseInt(cur, 10, 64); err != nil || before <= 0 {
			return policy.ErrBadCursor
		}
	}
	items, err := a.policies.EditorList(c.UserContext(), c.Query("status"), before, limit)
	if err != nil {
		return err
	}
	out := policyEditorListResp{Items: items}
	if len(items) == limit {
		out.NextCursor = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	return c.JSON(out)
}

type policyContentReq = policy.Content

func (a *App) createPolicy(c *fiber.Ctx) error {
	var req policyContentReq
	if err := bind(c, &req); err != nil {
		return err
	}
	d, err := a.policies.Create(c.UserContext(), policyActor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (a *App) getPolicyDraft(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err != nil {
		return err
	}
	d, err := a.policies.GetDraft(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (a *App) updatePolicy(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err != nil {
		return err
	}
	var req policyContentReq
	if err := bind(c, &req); err != nil {
		return err
	}
	var expected int
	if m := strings.Trim(c.Get(fiber.HeaderIfMatch), `"W/`); m != "" {
		if expected, err = strconv.Atoi(m); err != nil || expected <= 0 {
			return errs.InvalidField("If-Match", "须为草稿的修订号")
		}
	}
	d, err := a.policies.Update(c.UserContext(), policyActor(c), id, req, expected)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (a *App) previewPolicy(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err != nil {
		return err
	}
	p, err := a.policies.Preview(c.UserContext(), id)
	if err != nil {
		return err
	}
	switch c.Query("format", "json") {
	case "json":
		return c.JSON(p)
	case "html":
		b, err := a.renderPolicyPage(p)
		if err != nil {
			return err
		}
		a.pageHeaders(c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Send(b)
	}
	return errs.InvalidField("format", "须为 json 或 html")
}

func (a *App) publishPolicy(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err != nil {
		return err
	}
	p, err := a.policies.Publish(c.UserContext(), policyActor(c), id, true)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// correctReq publishes the edited draft as a new version.
type correctReq struct {
	Changelog string `json:"changelog"`
	Notify    bool   `json:"notify"` // tell the subscribers again
}

func (a *App) correctPolicy(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err != nil {
		return err
	}
	var req correctReq
	if err := bind(c, &req); err != nil {
		return err
	}
	p, err := a.policies.Correct(c.UserContext(), policyActor(c), id, req.Changelog, req.Notify)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

type withdrawReq struct {
	Reason string `json:"reason"` // shown to residents
}

func (a *App) withdrawPolicy(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err != nil {
		return err
	}
	var req withdrawReq
	if err := bind(c, &req); err != nil {
		return err
	}
	p, err := a.policies.Withdraw(c.UserContext(), policyActor(c), id, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

type policyVersionsResp = listResp[policy.VersionInfo]

func (a *App) policyVersions(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err != nil {
		return err
	}
	vs, err := a.policies.Versions(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(policyVersionsResp{Items: vs})
}

type deliveriesResp = policy.Deliveries

func (a *App) policyDeliveries(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err != nil {
		return err
	}
	d, err := a.policies.Deliveries(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(d)
}

var policyTemplate = template.Must(template.New("policy.html").Funcs(template.FuncMap{
	"kind": func(k string) string {
		return map[string]string{policy.KindText: "文字解读", policy.KindGraphic: "图解", policy.KindVideo: "视频解读"}[k]
	},
	"paragraphs": func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	},
}).ParseFS(templateFS, "templates/policy.html"))

// policyPageView is what the public page template reads.
type policyPageView struct {
	P           *policy.Policy
	Body        template.HTML // sanitised again on the way out
	Description string
	URL         string // canonical address, when http.public_url is set
	Image       string // first 图解, for share cards
	loc         *time.Location
}

// Date writes t as a day in the city's zone.
func (v policyPageView) Date(t time.Time) string { return t.In(v.loc).Format("2006-01-02") }

// renderPolicyPage renders the mobile page of p (nil: the page of a policy
// that does not exist).
func (a *App) renderPolicyPage(p *policy.Policy) ([]byte, error) {
	v := policyPageView{P: p, loc: a.cfgLoc()}
	if p != nil {
		san := a.policies.Sanitizer()
		v.Body = template.HTML(san.HTML(p.Body)) //nolint:gosec // sanitised by the UGC policy just above
		v.Description = policy.Excerpt(san.Text(p.Body), 120)
		if p.Status == policy.StatusWithdrawn {
			v.Description = "该政策已撤回：" + p.WithdrawReason
		}
		if base := strings.TrimRight(a.cfg.HTTP.PublicURL, "/"); base != "" && p.Status != policy.StatusPreview {
			v.URL = base + "/p/" + strconv.FormatInt(p.ID, 10)
		}
		for _, in := range p.Interpretations {
			if in.Kind == policy.KindGraphic && v.Image == "" {
				v.Image = in.ImageURL
			}
		}
	}
	var buf bytes.Buffer
	if err := policyTemplate.Execute(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// pageHeaders are the headers of the public HTML pages: no script may run,
// whatever a body holds; only the allowed video players may be framed.
func (a *App) pageHeaders(c *fiber.Ctx) {
	frames := "'none'"
	if hosts := a.cfg.Policies.VideoHosts; len(hosts) > 0 {
		frames = "https://" + strings.Join(hosts, " https://")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; frame-src "+
		frames+"; base-uri 'none'; form-action 'none'")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
}

// policyPage serves GET /p/:id, the page shared from the official account:
// rendered once per version, answered from memory after that.
func (a *App) policyPage(c *fiber.Ctx) error {
	id, err := policyID(c)
	if err == nil {
		var b []byte
		if b, err = a.policies.Page(c.UserContext(), id, a.renderPolicyPage); err == nil {
			a.pageHeaders(c)
			c.Set(fiber.HeaderCacheControl, "public, max-age=60")
			return c.Send(b)
		}
	}
	if !errors.Is(err, policy.ErrNotFound) {
		return err
	}
	b, err := a.renderPolicyPage(nil)
	if err != nil {
		return err
	}
	a.pageHeaders(c)
	return c.Status(fiber.StatusNotFound).Send(b)
}
