// Package console is the staff web console served under /console/: Chinese,
// server-rendered pages whose forms work without JavaScript, a cookie session
// with CSRF protection, and role-aware navigation. Its handlers are thin: they
// read a form, make one service call and render or redirect. The routes are
// lines of the application's route table (app/routes.go).
package console

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/booking"
	"govapp/internal/calendar"
	"govapp/internal/config"
	"govapp/internal/guide"
	"govapp/internal/platform/errs"
	"govapp/internal/policy"
	"govapp/internal/ticket"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/*
var assetFS embed.FS

// Deps are the services and settings the console works with.
type Deps struct {
	Accounts *account.Service
	Tickets  *ticket.Service
	Guides   *guide.Service
	Policies *policy.Service
	Bookings *booking.Service
	// Calendar returns the working-day calendar in force.
	Calendar func() *calendar.Calendar
	// SetCalendarDay makes date a day off or a make-up working day.
	SetCalendarDay func(ctx context.Context, p account.Principal, d calendar.Date, k calendar.Kind, name string) error
	// CalendarWarning returns the banner every admin page shows while next
	// year's holidays are not entered (empty: none).
	CalendarWarning func() string
	// PolicyPage answers with the resident's page of p (the preview).
	PolicyPage func(c *fiber.Ctx, p *policy.Policy) error
	// AuditLog lists the audit log for the admin page, filtered.
	AuditLog func(ctx context.Context, f audit.Filter) ([]audit.Row, error)
	// Display tunes the public calling display of the halls.
	Display DisplaySettings
	// Classify maps an error to its HTTP status and domain error (app/errors.go).
	Classify func(error) (int, *errs.Error)
	// RequestID returns the request's id for error pages.
	RequestID func(c *fiber.Ctx) string
	// Tickets are the ticket settings: the categories and the SLA rules
	// (tickets.*, shown read-only to admins).
	TicketRules config.Tickets
	// CSRFKey keys the CSRF tokens derived from session tokens.
	CSRFKey []byte
	// SecureCookies marks cookies Secure even on plain HTTP (TLS terminated in front).
	SecureCookies bool
	Log           *slog.Logger
}

// Console serves the staff pages.
type Console struct {
	d     Deps
	pages map[string]*template.Template
}

// New parses the embedded templates and returns the console.
func New(d Deps) (*Console, error) {
	c := &Console{d: d, pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New(base).Funcs(c.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/_partials.html", n)
		if err != nil {
			return nil, err
		}
		c.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return c, nil
}

func (c *Console) loc() *time.Location { return c.d.Calendar().Location() }

// navItem is one link of the navigation bar.
type navItem struct {
	Href, Label string
	Roles       []account.Role
}

var nav = []navItem{
	{"/console/tickets", "工单队列", []account.Role{account.RoleOperator, account.RoleHandler}},
	{"/console/tickets/new", "登记来电", []account.Role{account.RoleOperator}},
	{"/console/stats", "统计", []account.Role{account.RoleOperator}},
	{"/console/hall", "今日大厅", []account.Role{account.RoleClerk}},
	{"/console/guides", "办事指南", []account.Role{account.RoleEditor}},
	{"/console/policies", "政策发布", []account.Role{account.RoleEditor}},
	{"/console/staff", "工作人员", nil},
	{"/console/audit", "审计日志", nil},
	{"/console/departments", "部门", nil},
	{"/console/calendar", "节假日", nil},
	{"/console/halls", "服务大厅", nil},
}

// allowed reports whether role may use what roles name; admins may use everything.
func allowed(role account.Role, roles []account.Role) bool {
	if role == account.RoleAdmin {
		return true
	}
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// page is what every template receives.
type page struct {
	Title   string
	Me      account.Principal
	CSRF    string
	Nav     []navItem
	Path    string
	Flash   *flash
	Refresh int // seconds between automatic reloads; 0 for none
	Errors  map[string]string
	Error   string
	// Warning is the admins' banner (next year's holidays not entered).
	Warning string
	D       any
}

// Field returns the message of a field error, if any.
func (p page) Field(name string) string { return p.Errors[name] }

// render answers with the named page inside the layout.
func (c *Console) render(ctx *fiber.Ctx, status int, name, title string, data any, opts ...func(*page)) error {
	t, ok := c.pages[name]
	if !ok {
		return errors.New("console: no template " + name)
	}
	p := page{Title: title, Path: ctx.Path(), D: data, Flash: takeFlash(ctx)}
	if me, ok := principalOf(ctx); ok {
		p.Me, p.CSRF = me, c.csrfToken(sessionToken(ctx))
		for _, n := range nav {
			if allowed(me.Role, n.Roles) {
				p.Nav = append(p.Nav, n)
			}
		}
		if me.Role == account.RoleAdmin && c.d.CalendarWarning != nil {
			p.Warning = c.d.CalendarWarning()
		}
	}
	for _, o := range opts {
		o(&p)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	ctx.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	ctx.Set(fiber.HeaderCacheControl, "no-store")
	return ctx.Status(status).Send(buf.Bytes())
}

// withError shows err above the page: its message and its field messages.
func (c *Console) withError(err error) func(*page) {
	return func(p *page) {
		_, e := c.classify(err)
		p.Error, p.Errors = e.Message, e.Fields
	}
}

func refresh(seconds int) func(*page) { return func(p *page) { p.Refresh = seconds } }

// classify maps err like the API does, logging server errors.
func (c *Console) classify(err error) (int, *errs.Error) {
	status, e := c.d.Classify(err)
	if status >= 500 {
		c.d.Log.Error("console request failed", "status", status, "err", err.Error())
	}
	return status, e
}

// fail answers with an error page in the status err maps to.
func (c *Console) fail(ctx *fiber.Ctx, err error) error {
	status, e := c.classify(err)
	if status == fiber.StatusUnauthorized {
		return c.toLogin(ctx)
	}
	return c.render(ctx, status, "error", "出错了", errorView{Status: status, Message: e.Message, Fields: e.Fields,
		RequestID: c.d.RequestID(ctx)})
}

type errorView struct {
	Status    int
	Message   string
	Fields    map[string]string
	RequestID string
}

// back redirects (303) to target after a form post, with a flash message.
func back(ctx *fiber.Ctx, target, kind, msg string) error {
	setFlash(ctx, kind, msg)
	return ctx.Redirect(target, fiber.StatusSeeOther)
}

// failBack redirects to target with err's message (and field messages) as the flash.
func (c *Console) failBack(ctx *fiber.Ctx, target string, err error) error {
	status, e := c.classify(err)
	if status == fiber.StatusUnauthorized {
		return c.toLogin(ctx)
	}
	if status >= 500 {
		return c.fail(ctx, err)
	}
	return back(ctx, target, "error", errorText(e))
}

// errorText joins a domain error's message and its field messages.
func errorText(e *errs.Error) string {
	msg := e.Message
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msg += "；" + fieldLabel(k) + "：" + e.Fields[k]
	}
	return msg
}

// Asset serves the embedded stylesheet and script.
func (c *Console) Asset(ctx *fiber.Ctx) error {
	name := ctx.Params("name")
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil || strings.Contains(name, "/") {
		return ctx.SendStatus(fiber.StatusNotFound)
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		ctx.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		ctx.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	}
	ctx.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return ctx.Send(b)
}

// Home sends a signed-in member of staff to the first page of their role.
func (c *Console) Home(ctx *fiber.Ctx) error {
	me, _ := principalOf(ctx)
	for _, n := range nav {
		if allowed(me.Role, n.Roles) {
			return ctx.Redirect(n.Href, fiber.StatusSeeOther)
		}
	}
	return c.render(ctx, fiber.StatusOK, "error", "控制台", errorView{Status: 200, Message: "您的角色没有可用的页面"})
}

// safeNext keeps a post-login target inside the console.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/console/") || strings.HasPrefix(next, "//") ||
		strings.Contains(next, "\\") || strings.HasPrefix(u.Path, "/console/login") || path.Clean(u.Path) != strings.TrimSuffix(u.Path, "/") {
		return "/console/"
	}
	return u.RequestURI()
}
