package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/platform/db"
)

type healthResp struct {
	Status string `json:"status"`
}

type readyResp struct {
	Status   string `json:"status"` // ok, degraded (cache down, disk nearly full), unavailable (database down)
	Database string `json:"database"`
	Cache    string `json:"cache"`
	Backend  string `json:"cache_backend"`
	// Storage is reported when a disk govapp writes to has less free space
	// than health.min_free_bytes (or cannot be measured).
	Storage *storageResp `json:"storage,omitempty"`
	// Calendar warns, from health.calendar_next_year_from on, that the
	// holiday calendar has no entry for the next year; it leaves the status
	// as it is (the instance serves, its deadlines follow weekends only).
	Calendar *calendarGap `json:"calendar,omitempty"`
}

// storageResp says which disk is short of space: dir is "uploads" or
// "database" (the SQLite file's), never a path.
type storageResp struct {
	Status       string `json:"status"` // low, unknown
	Dir          string `json:"dir"`
	FreeBytes    int64  `json:"free_bytes"`
	MinFreeBytes int64  `json:"min_free_bytes"`
}

func (a *App) healthz(c *fiber.Ctx) error {
	return c.JSON(healthResp{Status: "ok"})
}

// readyz reports the database, the cache and the free disk space separately:
// a dead cache or a disk below health.min_free_bytes leaves the instance
// ready but degraded (200); a dead database makes it unready (503).
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
	if r.Storage = a.storage(ctx); r.Storage != nil && r.Storage.Status == "low" && r.Status == "ok" {
		r.Status = "degraded"
	}
	r.Calendar = a.calendarGap()
	if r.Database != "ok" {
		return c.Status(fiber.StatusServiceUnavailable).JSON(r)
	}
	return c.JSON(r)
}

// storage returns the first disk govapp writes to (images; the SQLite file)
// with less free space than health.min_free_bytes, one that cannot be
// measured, or nil when all have space enough.
func (a *App) storage(ctx context.Context) *storageResp {
	min := a.cfg.Health.MinFreeBytes
	dirs := [][2]string{{"uploads", a.tickets.UploadDir()}}
	if a.db.Dialect == db.SQLite {
		dirs = append(dirs, [2]string{"database", filepath.Dir(a.cfg.SQLitePath())})
	}
	var unknown *storageResp
	for _, d := range dirs {
		free, err := freeBytes(existingDir(d[1]))
		if err != nil {
			a.log.WarnContext(ctx, "readyz: free disk space unknown", "dir", d[0], "err", err.Error())
			unknown = &storageResp{Status: "unknown", Dir: d[0], MinFreeBytes: min}
			continue
		}
		if free < min {
			return &storageResp{Status: "low", Dir: d[0], FreeBytes: free, MinFreeBytes: min}
		}
	}
	return unknown
}

// existingDir returns dir, or its nearest ancestor that exists (the upload
// directory is made at the first upload).
func existingDir(dir string) string {
	for {
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}
