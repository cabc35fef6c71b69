package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	_ "github.com/lib/pq" // the "postgres" driver for the schema set-up

	"govapp/app"
	"govapp/internal/config"
	"govapp/internal/seed"
)

// Environment variables naming the production-profile servers (the same the tests use).
const (
	envPostgres = "GOVAPP_TEST_POSTGRES_URL"
	envRedis    = "GOVAPP_TEST_REDIS_URL"
)

// errSkip means the profile cannot run here (its servers are not configured).
var errSkip = errors.New("skipped")

// instance is one govapp App serving on a loopback port.
type instance struct {
	cfg     config.Config
	app     *app.App
	base    string // http://127.0.0.1:port
	cleanup []func()
}

// startApp builds, starts and seeds an App of the profile on a fresh data
// directory (embedded) or a fresh PostgreSQL schema and the test Redis
// (production), and serves it on a loopback port.
func startApp(ctx context.Context, profile string) (inst *instance, err error) {
	return startAppWith(ctx, profile, nil, false)
}

// startAppWith is startApp with a configuration tweak and, when work is set,
// the durable-job workers running in the App.
func startAppWith(ctx context.Context, profile string, tweak func(*config.Config), work bool) (inst *instance, err error) {
	inst = &instance{}
	defer func() {
		if err != nil {
			inst.close()
		}
	}()
	cfg := config.Defaults(config.ProfileEmbedded)
	dir, err := os.MkdirTemp("", "govbench-")
	if err != nil {
		return nil, err
	}
	inst.cleanup = append(inst.cleanup, func() { _ = os.RemoveAll(dir) })
	cfg.DataDir = dir
	cfg.SecretKey = randomHex(24)
	cfg.RateLimit.Enabled = false
	cfg.Auth.PasswordCost = 4
	cfg.Log.Level = "warn"
	switch profile {
	case "embedded":
	case "production":
		pg, rd := os.Getenv(envPostgres), os.Getenv(envRedis)
		if pg == "" || rd == "" {
			return nil, fmt.Errorf("%w: set %s and %s", errSkip, envPostgres, envRedis)
		}
		u, drop, err := freshSchema(pg)
		if err != nil {
			return nil, err
		}
		inst.cleanup = append(inst.cleanup, drop)
		cfg.Database.URL = u
		cfg.Database.MaxOpenConns = config.Defaults(config.ProfileProduction).Database.MaxOpenConns
		cfg.Redis.URL = rd
	default:
		return nil, fmt.Errorf("unknown profile %q (embedded, production)", profile)
	}
	if tweak != nil {
		tweak(&cfg)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, cfg, log, app.Options{Work: work})
	if err != nil {
		return nil, fmt.Errorf("app.New: %w", err)
	}
	inst.app = a
	inst.cfg = cfg
	// Shut down before the schema is dropped and the directory removed.
	inst.cleanup = append(inst.cleanup, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Shutdown(sctx)
	})
	if err := a.Start(ctx); err != nil {
		return nil, fmt.Errorf("app.Start: %w", err)
	}
	if err := seed.Run(ctx, a.Accounts(), io.Discard); err != nil {
		return nil, err
	}
	if err := seed.Guides(ctx, a.Guides(), io.Discard); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = a.Fiber().Listener(ln) }()
	inst.base = "http://" + ln.Addr().String()
	return inst, nil
}

// startSecond starts another App on the same database and cache as inst
// (production profile: what a second instance behind the load balancer is).
func startSecond(ctx context.Context, inst *instance) (*instance, error) {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, inst.cfg, log, app.Options{})
	if err != nil {
		return nil, fmt.Errorf("second app.New: %w", err)
	}
	b := &instance{cfg: inst.cfg, app: a}
	b.cleanup = append(b.cleanup, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Shutdown(sctx)
	})
	if err := a.Start(ctx); err != nil {
		b.close()
		return nil, fmt.Errorf("second app.Start: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.close()
		return nil, err
	}
	go func() { _ = a.Fiber().Listener(ln) }()
	b.base = "http://" + ln.Addr().String()
	return b, nil
}

// close shuts the App down and removes what startApp made, last made first.
func (inst *instance) close() {
	for i := len(inst.cleanup) - 1; i >= 0; i-- {
		inst.cleanup[i]()
	}
	inst.cleanup = nil
}

// freshSchema creates a PostgreSQL schema and returns a URL whose
// connections use it (search_path), and a function that drops it.
func freshSchema(base string) (string, func(), error) {
	schema := "bench_" + randomHex(6)
	admin, err := sql.Open("postgres", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// startBare serves body with the content type on every path of
// /api/v1/guides/:code from a bare Fiber app: the baseline of the detail benchmark.
func startBare(body []byte, contentType string) (string, func(), error) {
	f := fiber.New(fiber.Config{DisableStartupMessage: true})
	f.Get("/api/v1/guides/:code", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, contentType)
		return c.Send(body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() { _ = f.Listener(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = f.ShutdownWithTimeout(5 * time.Second) }, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// memoryMB returns the process's peak (VmHWM) and current (VmRSS) resident
// set in MB, from /proc/self/status (zero where unavailable).
func memoryMB() (peak, current float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmHWM":
			peak = kb / 1024
		case "VmRSS":
			current = kb / 1024
		}
	}
	return peak, current
}
