package app

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"govapp/internal/config"
	"govapp/internal/guide"
	"govapp/internal/seed"
)

// BenchmarkGuideDetail runs the cached guide detail through the whole
// middleware chain in memory (no network), next to a bare Fiber handler
// returning the same bytes: the difference is what govapp adds per request.
func BenchmarkGuideDetail(b *testing.B) {
	cfg := config.Defaults(config.ProfileEmbedded)
	cfg.DataDir = b.TempDir()
	cfg.SecretKey = testSecret
	cfg.RateLimit.Enabled = false
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := New(context.Background(), cfg, log, Options{Fake: fake})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = a.Shutdown(context.Background()) }()
	if err := seed.Guides(context.Background(), a.Guides(), io.Discard); err != nil {
		b.Fatal(err)
	}
	code := a.Guides().Catalog().List(guide.Filter{})[0].Code
	path := "/api/v1/guides/" + code
	run := func(b *testing.B, h fasthttp.RequestHandler) {
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI(path)
		ctx.Request.Header.SetMethod("GET")
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("%d %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
		body := append([]byte(nil), ctx.Response.Body()...)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			ctx.Response.Reset()
			h(&ctx)
		}
		_ = body
	}
	var body []byte
	b.Run("govapp", func(b *testing.B) {
		h := a.Fiber().Handler()
		run(b, h)
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI(path)
		h(&ctx)
		body = append([]byte(nil), ctx.Response.Body()...)
	})
	b.Run("bare", func(b *testing.B) {
		f := fiber.New()
		f.Get("/api/v1/guides/:code", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
			return c.Send(body)
		})
		run(b, f.Handler())
	})
}
