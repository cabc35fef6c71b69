package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
)

// contentSecurityPolicy allows the pages govapp renders (console, public
// pages, API docs) their own scripts, styles and images only, and no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets nosniff, the referrer policy, no framing and, on HTML
// answers, the content security policy. HSTS is for the TLS terminator in
// front (set it there).
func securityHeaders() fiber.Handler {
	return helmet.New(helmet.Config{
		XSSProtection:             "0",
		ContentTypeNosniff:        "nosniff",
		XFrameOptions:             "DENY",
		ReferrerPolicy:            "strict-origin-when-cross-origin",
		ContentSecurityPolicy:     contentSecurityPolicy,
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-site",
		CrossOriginEmbedderPolicy: "unsafe-none",
		OriginAgentCluster:        "?1",
		PermissionPolicy:          "geolocation=(), camera=(), microphone=()",
	})
}
