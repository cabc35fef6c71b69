package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/idempotency"
	"govapp/internal/platform/ratelimit"
)

const (
	localRequestID = "request_id"
	localPrincipal = "principal"
	localToken     = "token"
	localRoute     = "route"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._\-]{8,64}$`)

// withRequestID accepts a well-formed incoming X-Request-ID or makes one, and
// puts it, with the client IP, in the request's context for logs and audit.
func (a *App) withRequestID(c *fiber.Ctx) error {
	rid := c.Get(fiber.HeaderXRequestID)
	if !requestIDPattern.MatchString(rid) {
		rid = newRequestID()
	}
	c.Locals(localRequestID, rid)
	c.Set(fiber.HeaderXRequestID, rid)
	ctx := audit.WithRequest(context.Background(), audit.Request{RequestID: rid, IP: a.resolveClientIP(c)})
	c.SetUserContext(ctx)
	return c.Next()
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func requestID(c *fiber.Ctx) string {
	if rid, ok := c.Locals(localRequestID).(string); ok && rid != "" {
		return rid
	}
	rid := newRequestID()
	c.Locals(localRequestID, rid)
	return rid
}

// routePath is the matched route's pattern ("/api/v1/guides/:code"), never the
// raw path, so that logs and metrics hold no identifiers typed by residents.
func routePath(c *fiber.Ctx) string {
	if r, ok := c.Locals(localRoute).(string); ok {
		return r
	}
	return "unmatched"
}

// observe answers errors through the error handler, then logs the request
// (request id, route, status, latency — no query, body or personal data) and
// records its metrics.
func (a *App) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := a.errorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	elapsed := time.Since(start)
	route := routePath(c)
	a.metrics.observe(c.Method(), route, status, elapsed)
	level := a.log.Info
	if status >= 500 {
		level = a.log.Warn
	}
	if route != "/healthz" && route != "/metrics" {
		level("request", "request_id", requestID(c), "method", c.Method(), "route", route,
			"status", status, "latency_ms", float64(elapsed.Microseconds())/1000, "ip", clientIP(c), "bytes", len(c.Response().Body()))
	}
	return nil
}

func (a *App) recoverer() fiber.Handler {
	return recover.New(recover.Config{
		EnableStackTrace:  true,
		StackTraceHandler: func(c *fiber.Ctx, p any) { a.logPanic(c, p, debug.Stack()) },
	})
}

// principal returns the signed-in principal set by requireAuth.
func principal(c *fiber.Ctx) account.Principal {
	p, _ := c.Locals(localPrincipal).(account.Principal)
	return p
}

func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// requireAuth resolves the bearer token; kinds limits who may pass
// (residents, staff or both) and roles, when given, which staff roles.
func (a *App) requireAuth(level authLevel, roles []account.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		tok := bearer(c)
		if tok == "" {
			return errs.ErrUnauthorized
		}
		p, err := a.accounts.Authenticate(c.UserContext(), tok)
		if err != nil {
			return err
		}
		switch {
		case level == authResident && p.Kind != account.KindResident:
			return errs.ErrForbidden.WithMessage("该接口仅供居民使用")
		case level == authStaff && p.Kind != account.KindStaff:
			return errs.ErrForbidden.WithMessage("该接口仅供工作人员使用")
		}
		if len(roles) > 0 && !hasRole(p.Role, roles) {
			return errs.ErrForbidden
		}
		c.Locals(localPrincipal, p)
		c.Locals(localToken, tok)
		if d := a.limiter.Allow(c.UserContext(), "acct:"+p.Kind+":"+strconv.FormatInt(p.ID, 10), a.rules.perAccount); !d.Allowed {
			return errs.ErrTooMany.WithRetryAfter(d.RetryAfter)
		}
		return c.Next()
	}
}

func hasRole(r account.Role, roles []account.Role) bool {
	for _, x := range roles {
		if r == x || r == account.RoleAdmin {
			return true
		}
	}
	return false
}

// limitIP applies a per-IP rule under name. WeChat's own servers, which push
// every official-account message from a few addresses, are not limited
// (their requests are authenticated by signature).
func (a *App) limitIP(name string, rule ratelimit.Rule) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Path() == "/wechat/oa" {
			return c.Next()
		}
		if d := a.limiter.Allow(c.UserContext(), name+":ip:"+clientIP(c), rule); !d.Allowed {
			return errs.ErrTooMany.WithRetryAfter(d.RetryAfter)
		}
		return c.Next()
	}
}

var errBadText = errs.New(errs.KindInvalid, "invalid_characters", "请求中含有无效字符（空字符或非 UTF-8 编码的文字）")

// refuseBadText refuses a request whose query, or whose body, holds a NUL
// or bytes that are not UTF-8: no text the API stores or searches may contain
// them, PostgreSQL rejects them (a 500 where the answer is the client's
// fault) and SQLite would store them. A form body is checked field by field
// (decoded); any other body, whatever its Content-Type says, is checked as
// the JSON text the binder would read it as (a raw NUL, an escaped \u0000,
// invalid UTF-8) — except on routes whose body is binary (uploads) and
// multipart forms (files). Path parameters reach handlers still escaped.
func refuseBadText(binary bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		bad := false
		check := func(k, v []byte) { bad = bad || !cleanText(k) || !cleanText(v) }
		if len(c.Request().URI().QueryString()) > 0 {
			c.Request().URI().QueryArgs().VisitAll(check)
		}
		if body := c.Request().Body(); len(body) > 0 && !binary {
			ct := c.Request().Header.ContentType()
			switch {
			case hasPrefixFold(ct, fiber.MIMEApplicationForm):
				c.Request().PostArgs().VisitAll(check)
			case hasPrefixFold(ct, fiber.MIMEMultipartForm):
			case hasPrefixFold(ct, "text/"), hasPrefixFold(ct, "application/xml"):
				bad = bad || !cleanText(body)
			default:
				bad = bad || !cleanText(body) || jsonHasNUL(body)
			}
		}
		if bad {
			return errBadText
		}
		return c.Next()
	}
}

// hasPrefixFold is strings.HasPrefix(strings.ToLower(b), prefix) for an
// ASCII lower-case prefix, without allocating.
func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

func cleanText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

// jsonHasNUL reports whether a JSON text holds the escape \u0000 (a
// backslash before it that is itself escaped does not count).
func jsonHasNUL(b []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(`u0000`))
		if j < 0 {
			return false
		}
		j += i
		n := 0
		for k := j - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 1 {
			return true
		}
		i = j + 1
	}
}

var errBadIdemKey = errs.New(errs.KindInvalid, "invalid_idempotency_key", "Idempotency-Key 须为 8–128 位字母、数字或 -_.:")

// idempotent replays the stored response of a repeated write carrying the
// same Idempotency-Key and body; the first response (below 500) is kept for
// the configured retention.
func (a *App) idempotent(c *fiber.Ctx) error {
	key := c.Get("Idempotency-Key")
	if key == "" {
		return c.Next()
	}
	if !idempotency.ValidKey(key) {
		return errBadIdemKey
	}
	p := principal(c)
	scope := idempotency.Scope(p.Kind, p.ID, clientIP(c))
	hash := idempotency.RequestHash(c.Method(), c.Path(), c.Body())
	ctx := c.UserContext()
	prev, err := a.idem.Begin(ctx, scope, key, c.Method(), c.Path(), hash)
	if err != nil {
		return err
	}
	if prev != nil {
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, prev.ContentType)
		return c.Status(prev.Status).Send(prev.Body)
	}
	if err := c.Next(); err != nil {
		if herr := a.errorHandler(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	if status >= 500 {
		if err := a.idem.Release(context.WithoutCancel(ctx), scope, key); err != nil {
			a.log.Error("idempotency release failed", "request_id", requestID(c), "err", err)
		}
		return nil
	}
	body := append([]byte(nil), c.Response().Body()...)
	if err := a.idem.Complete(context.WithoutCancel(ctx), scope, key, status, string(c.Response().Header.ContentType()), body); err != nil {
		return fmt.Errorf("idempotency: %w", err)
	}
	return nil
}
