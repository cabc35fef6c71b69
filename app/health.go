package app

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

type healthResp struct {
	Status string `json:"status"`
}

type readyResp struct {
	Status   string `json:"status"` // ok, degraded (cache down), unavailable (database down)
	Database string `json:"database"`
	Cache    string `json:"cache"`
	Backend  string `json:"cache_backend"`
}

func (a *App) healthz(c *fiber.Ctx) error {
	return c.JSON(healthResp{Status: "ok"})
}

// readyz reports the database and the cache separately: a dead cache leaves
// the instance ready but degraded (200); a dead database makes it unready (503).
func (a *App) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	r := readyResp{Status: "ok", Database: "ok", Cache: "ok", Backend: a.cache.Name()}
	if err := a.db.Ping(ctx); err != nil {
		r.Database, r.Status = "unavailable", "unavailable"
	}
	if err := a.cache.Ping(ctx); err != nil {
		r.Cache = "degraded"
		if r.Status == "ok" {
			r.Status = "degraded"
		}
	}
	if r.Database != "ok" {
		return c.Status(fiber.StatusServiceUnavailable).JSON(r)
	}
	return c.JSON(r)
}
