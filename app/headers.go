package app

import (
	"github.com/gofiber/fiber/v2"
)

// contentSecurityPolicy allows the pages govapp renders (console, public
// pages, API docs) their own scripts, styles and images only, and no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaderList is what every answer carries: nosniff, the referrer
// policy, no framing, the content security policy, and the cross-origin and
// permissions policies (the set of gofiber's helmet, with our values). HSTS
// is for the TLS terminator in front (set it there).
var securityHeaderList = [][2]string{
	{"X-Xss-Protection", "0"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Cross-Origin-Embedder-Policy", "unsafe-none"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-site"},
	{"Origin-Agent-Cluster", "?1"},
	{"Referrer-Policy", "strict-origin-when-cross-origin"},
	{"X-Dns-Prefetch-Control", "off"},
	{"X-Download-Options", "noopen"},
	{"X-Permitted-Cross-Domain-Policies", "none"},
	{"Content-Security-Policy", contentSecurityPolicy},
	{"Permissions-Policy", "geolocation=(), camera=(), microphone=()"},
}

// securityHeaders sets securityHeaderList on every answer. The keys are
// already in canonical form and kept as bytes, so each request copies them
// without normalising or converting anything: helmet.New did the same work
// through Ctx.Set and cost about a third of a cached guide read.
func securityHeaders() fiber.Handler {
	kv := make([][2][]byte, len(securityHeaderList))
	for i, h := range securityHeaderList {
		kv[i] = [2][]byte{[]byte(h[0]), []byte(h[1])}
	}
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		for _, x := range kv {
			h.SetCanonical(x[0], x[1])
		}
		return c.Next()
	}
}
