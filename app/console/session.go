package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/platform/errs"
)

const (
	sessionCookie = "govapp_console"
	loginCookie   = "govapp_console_login" // double-submit token of the login form
	flashCookie   = "govapp_console_flash"
	cookiePath    = "/console"
	csrfField     = "_csrf"
	csrfHeader    = "X-CSRF-Token"

	localPrincipal = "console_principal"
	localSession   = "console_session"
)

var errCSRF = errs.New(errs.KindForbidden, "csrf_failed", "页面已过期或来源不明，请刷新页面后重试")

func principalOf(ctx *fiber.Ctx) (account.Principal, bool) {
	p, ok := ctx.Locals(localPrincipal).(account.Principal)
	return p, ok
}

func me(ctx *fiber.Ctx) account.Principal {
	p, _ := principalOf(ctx)
	return p
}

func sessionToken(ctx *fiber.Ctx) string {
	s, _ := ctx.Locals(localSession).(string)
	return s
}

// csrfToken is the CSRF token of a session: a keyed hash of its token, so
// that it needs no storage and dies with the session.
func (c *Console) csrfToken(session string) string {
	if session == "" {
		return ""
	}
	m := hmac.New(sha256.New, c.d.CSRFKey)
	m.Write([]byte("console-csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func sameToken(a, b string) bool {
	return a != "" && b != "" && hmac.Equal([]byte(a), []byte(b))
}

func submittedCSRF(ctx *fiber.Ctx) string {
	if v := ctx.FormValue(csrfField); v != "" {
		return v
	}
	return ctx.Get(csrfHeader)
}

func (c *Console) secure(ctx *fiber.Ctx) bool { return c.d.SecureCookies || ctx.Protocol() == "https" }

func (c *Console) setCookie(ctx *fiber.Ctx, name, value string, expires time.Time) {
	ctx.Cookie(&fiber.Cookie{Name: name, Value: value, Path: cookiePath, Expires: expires, HTTPOnly: true,
		Secure: c.secure(ctx), SameSite: fiber.CookieSameSiteLaxMode})
}

func (c *Console) clearCookie(ctx *fiber.Ctx, name string) {
	c.setCookie(ctx, name, "", time.Unix(1, 0))
}

// toLogin sends a request without a valid session to the login page; a page
// request comes back to where it was going once signed in.
func (c *Console) toLogin(ctx *fiber.Ctx) error {
	target := "/console/login"
	if ctx.Method() == fiber.MethodGet {
		target += "?next=" + url.QueryEscape(string(ctx.Request().URI().RequestURI()))
	}
	if ctx.Cookies(sessionCookie) != "" {
		c.clearCookie(ctx, sessionCookie)
	}
	return ctx.Redirect(target, fiber.StatusSeeOther)
}

// Auth guards a console route: a staff session from the cookie (the login
// page otherwise), one of roles (403 otherwise; admins pass everywhere) and,
// on every POST, the session's CSRF token (403 otherwise).
func (c *Console) Auth(roles []account.Role, h fiber.Handler) fiber.Handler {
	return func(ctx *fiber.Ctx) error {
		tok := ctx.Cookies(sessionCookie)
		if tok == "" {
			return c.toLogin(ctx)
		}
		p, err := c.d.Accounts.Authenticate(ctx.UserContext(), tok)
		if err != nil || !p.IsStaff() {
			if err != nil && errs.KindOf(err) != errs.KindUnauthorized && errs.KindOf(err) != errs.KindForbidden {
				return c.fail(ctx, err)
			}
			return c.toLogin(ctx)
		}
		ctx.Locals(localPrincipal, p)
		ctx.Locals(localSession, tok)
		if ctx.Method() != fiber.MethodGet && !sameToken(submittedCSRF(ctx), c.csrfToken(tok)) {
			return c.fail(ctx, errCSRF)
		}
		if roles != nil && !allowed(p.Role, roles) {
			return c.fail(ctx, errs.ErrForbidden.WithMessage("您的角色不能使用此页面"))
		}
		return h(ctx)
	}
}

// LoginPage shows the sign-in form (or goes home when already signed in).
func (c *Console) LoginPage(ctx *fiber.Ctx) error {
	if tok := ctx.Cookies(sessionCookie); tok != "" {
		if p, err := c.d.Accounts.Authenticate(ctx.UserContext(), tok); err == nil && p.IsStaff() {
			return ctx.Redirect(safeNext(ctx.Query("next")), fiber.StatusSeeOther)
		}
	}
	return c.loginForm(ctx, fiber.StatusOK, "", nil)
}

type loginView struct {
	Username, Next, Token string
}

func (c *Console) loginForm(ctx *fiber.Ctx, status int, username string, err error) error {
	tok := ctx.Cookies(loginCookie)
	if len(tok) < 32 {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		tok = base64.RawURLEncoding.EncodeToString(b)
		c.setCookie(ctx, loginCookie, tok, time.Time{})
	}
	v := loginView{Username: username, Next: safeNext(ctx.Query("next", ctx.FormValue("next"))), Token: tok}
	var opts []func(*page)
	if err != nil {
		opts = append(opts, c.withError(err))
	}
	return c.render(ctx, status, "login", "工作人员登录", v, opts...)
}

// Login signs a member of staff in: the session token goes into an HttpOnly,
// SameSite=Lax cookie (Secure over HTTPS or when configured).
func (c *Console) Login(ctx *fiber.Ctx) error {
	if !sameToken(ctx.FormValue(csrfField), ctx.Cookies(loginCookie)) {
		return c.fail(ctx, errCSRF)
	}
	username := ctx.FormValue("username")
	sess, _, err := c.d.Accounts.StaffLogin(ctx.UserContext(), username, ctx.FormValue("password"))
	if err != nil {
		status, _ := c.classify(err)
		if status >= 500 {
			return c.fail(ctx, err)
		}
		return c.loginForm(ctx, status, username, err)
	}
	c.setCookie(ctx, sessionCookie, sess.Token, sess.ExpiresAt)
	c.clearCookie(ctx, loginCookie)
	return ctx.Redirect(safeNext(ctx.FormValue("next")), fiber.StatusSeeOther)
}

// Logout ends the session on the server and clears the cookie.
func (c *Console) Logout(ctx *fiber.Ctx) error {
	if err := c.d.Accounts.Logout(ctx.UserContext(), sessionToken(ctx)); err != nil && !errors.Is(err, account.ErrInvalidToken) {
		return c.fail(ctx, err)
	}
	c.clearCookie(ctx, sessionCookie)
	return back(ctx, "/console/login", "ok", "已退出登录")
}

// flash is a one-time message shown on the next page.
type flash struct {
	Kind string `json:"k"` // ok or error
	Msg  string `json:"m"`
}

func setFlash(ctx *fiber.Ctx, kind, msg string) {
	b, _ := json.Marshal(flash{Kind: kind, Msg: msg})
	ctx.Cookie(&fiber.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: cookiePath,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: ctx.Protocol() == "https"})
}

func takeFlash(ctx *fiber.Ctx) *flash {
	v := ctx.Cookies(flashCookie)
	if v == "" {
		return nil
	}
	ctx.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: cookiePath, Expires: time.Unix(1, 0), HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(b, &f) != nil || f.Msg == "" || (f.Kind != "ok" && f.Kind != "error") {
		return nil
	}
	return &f
}
