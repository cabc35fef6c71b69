// Package app is the HTTP application of govapp and its composition root: it
// opens the database and the cache, builds the services, the WeChat client and
// the job queue, and serves the single route table through Fiber.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/riverqueue/river"

	"govapp/app/console"
	"govapp/internal/account"
	"govapp/internal/booking"
	"govapp/internal/config"
	"govapp/internal/guide"
	"govapp/internal/housekeeping"
	"govapp/internal/oa"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/platform/idempotency"
	"govapp/internal/platform/jobs"
	"govapp/internal/platform/pii"
	"govapp/internal/platform/ratelimit"
	"govapp/internal/platform/wire"
	"govapp/internal/policy"
	"govapp/internal/push"
	"govapp/internal/ticket"
	"govapp/internal/wechat"
	"govapp/internal/wechat/fakewechat"
	"govapp/internal/wechat/oaserver"
)

// Options are what a caller (main, a test) decides beyond the configuration.
type Options struct {
	// Work makes this process work durable jobs (serve with jobs in process, worker).
	Work bool
	// Fake is the fake WeChat to use when cfg.WeChat.Fake; nil builds one and
	// points the process-wide WeChat HTTP client at it (once per process).
	Fake *fakewechat.Fake
}

type rules struct {
	perIP, perAccount, login ratelimit.Rule
}

// App is one govapp instance.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	db       *db.DB
	cache    *cache.Guard
	closers  []io.Closer
	limiter  ratelimit.Limiter
	rules    rules
	proxies  proxyTrust // who may tell us the client's address
	box      *pii.Box
	fake     *fakewechat.Fake
	wx       *wechat.Client
	accounts *account.Service
	guides   *guide.Service
	policies *policy.Service
	push     *push.Service
	tickets  *ticket.Service
	oa       *oa.Service
	oaServer *oaserver.Server // nil when no official account is configured
	bookings *booking.Service
	con      *console.Console // the staff web console (/console/)
	cal      calendars
	oaClient *wechat.OfficialAccount
	stopBg   context.CancelFunc
	bg       sync.WaitGroup
	idem     *idempotency.Store
	queue    *jobs.Queue
	metrics  *metrics
	fiber    *fiber.App
	openapi  []byte
}

// New builds an instance: database (migrated when configured), cache, WeChat,
// services, job queue and HTTP routes. It starts nothing; see Start.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	cfg.Auth.DevLogin = cfg.DevLoginOn() // what it comes to: explicit, or loopback-only on embedded
	if cfg.Auth.DevLogin {
		log.Warn("开发登录已开启：任何人可以任意 openid 和手机号登录（POST /api/v1/auth/dev/login，模拟微信的 dev: 与 dev-phone: 码）。"+
			"仅供本机开发；在网络上提供服务时请监听非回环地址且不要设置 auth.dev_login / GOVAPP_DEV_LOGIN",
			"addr", cfg.HTTP.Addr, "explicit", !config.LoopbackOnly(cfg.HTTP.Addr))
	}
	a := &App{cfg: cfg, log: log}
	ok := false
	defer func() {
		if !ok {
			a.closeStores()
		}
	}()
	if err := a.openStores(ctx); err != nil {
		return nil, err
	}
	box, err := pii.New(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	a.box = box
	if err := a.openWeChat(o.Fake); err != nil {
		return nil, err
	}
	a.accounts = account.NewService(a.db, box, wxAccount{c: a.wx, refuseDevCodes: cfg.WeChat.Fake && !cfg.Auth.DevLogin}, cfg.Auth, log)
	a.idem = idempotency.NewStore(a.db, box, cfg.Idempotency.TTL.D()).WithClaimLease(cfg.Idempotency.ClaimLease.D())
	a.guides = guide.NewService(a.db, log, guide.Options{SharedCache: a.cache,
		DetailTTL: cfg.Guides.CacheTTL.D(), LocalTTL: cfg.Guides.LocalCacheTTL.D()})
	a.guides.SetSearchCutoff(cfg.Guides.SearchCutoff)
	if err := a.guides.Load(ctx); err != nil {
		return nil, err
	}
	var unions oa.UnionIDResolver // the official account's user info, when there is one
	if a.oaClient != nil {
		unions = a.oaClient
	}
	if a.oa, err = newOAService(a.db, a.guides, cfg.WeChat, OAMenuFile, unions, log); err != nil {
		return nil, err
	}
	if cfg.WeChat.OA.AppID != "" && cfg.WeChat.OA.Token != "" {
		if a.oaServer, err = newOAServer(cfg.WeChat, a.cache, oaHandler{a.oa}, oaSender(a.oaClient), log); err != nil {
			return nil, err
		}
	}
	a.push = push.NewService(a.db, nil, cfg.Push, push.Deps{
		Sender:    wxSender{mp: a.wx, oa: a.oaClient, mpApp: cfg.WeChat.MP.AppID, state: cfg.Push.MiniProgramState},
		Followers: a.oa,
		Throttle:  a.newThrottle(),
	}, log)
	a.policies = policy.NewService(a.db, log, a.push, policyGuides{a}, policy.Options{SharedCache: a.cache,
		DetailTTL: cfg.Policies.CacheTTL.D(), LocalTTL: cfg.Policies.LocalCacheTTL.D(), VideoHosts: cfg.Policies.VideoHosts})
	if err := a.policies.Load(ctx); err != nil {
		return nil, err
	}
	a.push.Register(policy.AudienceKind, a.policies.Subscribers())
	if err := a.loadCalendar(ctx); err != nil {
		return nil, err
	}
	tc := cfg.Tickets
	if tc.UploadDir == "" {
		tc.UploadDir = filepath.Join(cfg.DataDir, "uploads")
	}
	a.tickets = ticket.NewService(a.db, box, a.cal.get, a.push, contentChecker{a.wx}, tc, a.cfgLoc(), log)
	a.bookings = booking.NewService(a.db, a.cache, a.bookingCalendar, a.push, a.guides, cfg.Booking, a.cfgLoc(), log)
	a.queue, err = jobs.New(a.db, jobs.Options{
		Workers: cfg.Jobs.Workers, PollInterval: cfg.Jobs.PollInterval.D(), Work: o.Work, Logger: log,
		Register: a.registerWorkers, RescueStuckAfter: cfg.Jobs.RescueStuckAfter.D(),
		Periodic: []*river.PeriodicJob{housekeeping.Periodic(cfg.Jobs.PurgeInterval.D()), ticket.Periodic(cfg.Tickets.SweepInterval.D()),
			booking.Periodic(cfg.Booking.SweepInterval.D())},
	})
	if err != nil {
		return nil, err
	}
	a.push.SetQueue(a.queue)
	a.metrics = newMetrics(a.db, func() bool { return !a.cache.Degraded() })
	if a.con, err = a.newConsole(); err != nil {
		return nil, fmt.Errorf("app: console: %w", err)
	}
	if a.proxies, err = newProxyTrust(cfg.HTTP.ProxyHeader, cfg.HTTP.TrustedProxies); err != nil {
		return nil, err
	}
	a.fiber = a.newFiber()
	if a.openapi, err = a.buildOpenAPI(); err != nil {
		return nil, fmt.Errorf("app: openapi: %w", err)
	}
	ok = true
	return a, nil
}

// OpenDB opens the configured database: PostgreSQL when database.url is
// set, else the embedded SQLite file.
func OpenDB(cfg config.Config) (*db.DB, error) {
	opts := db.Options{MaxOpenConns: cfg.Database.MaxOpenConns, MaxIdleConns: cfg.Database.MaxIdleConns, QueryTimeout: cfg.Database.QueryTimeout.D()}
	if cfg.Database.URL != "" {
		return db.OpenPostgres(cfg.Database.URL, opts)
	}
	return db.OpenSQLite(cfg.SQLitePath(), opts)
}

// MigrateDatabase opens the configured database, applies the migrations and
// closes it: `govapp migrate`, which needs no cache, WeChat or secrets.
func MigrateDatabase(ctx context.Context, cfg config.Config) error {
	d, err := OpenDB(cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	return Migrate(ctx, d)
}

func (a *App) openStores(ctx context.Context) error {
	cfg := a.cfg
	var err error
	if a.db, err = OpenDB(cfg); err != nil {
		return err
	}
	if cfg.Database.AutoMigrate {
		if err := Migrate(ctx, a.db); err != nil {
			return err
		}
	}
	var inner cache.Cache
	if cfg.Redis.URL != "" {
		r, err := cache.NewRedis(cfg.Redis.URL, cache.RedisOptions{DialTimeout: cfg.Redis.DialTimeout.D(),
			ReadTimeout: cfg.Redis.ReadTimeout.D(), WriteTimeout: cfg.Redis.WriteTimeout.D(), PoolSize: cfg.Redis.PoolSize, Prefix: "govapp:" + a.db.Keyspace()})
		if err != nil {
			return err
		}
		a.closers = append(a.closers, r)
		inner = r
		a.limiter = ratelimit.NewRedis(r.Client(), "govapp:"+a.db.Keyspace(), a.log)
	} else {
		inner = cache.NewMemory(0)
		a.limiter = ratelimit.NewMemory()
	}
	if !cfg.RateLimit.Enabled {
		a.limiter = ratelimit.Off{}
	}
	rl := cfg.RateLimit
	a.rules = rules{
		perIP:      ratelimit.Rule{Limit: rl.PerIP.Limit, Window: rl.PerIP.Window.D()},
		perAccount: ratelimit.Rule{Limit: rl.PerAccount.Limit, Window: rl.PerAccount.Window.D()},
		login:      ratelimit.Rule{Limit: rl.Login.Limit, Window: rl.Login.Window.D()},
	}
	a.cache = cache.NewGuard(inner, a.log, time.Second)
	return nil
}

// Migrate applies govapp's migrations and River's.
func Migrate(ctx context.Context, d *db.DB) error {
	u, done, err := d.Untimed() // a migration may rightly outlast database.query_timeout
	if err != nil {
		return err
	}
	defer done()
	if _, err := u.Migrate(ctx); err != nil {
		return err
	}
	return jobs.Migrate(ctx, u)
}

var httpClientOnce sync.Once

func (a *App) openWeChat(fake *fakewechat.Fake) error {
	wcfg := a.cfg.WeChat
	if wcfg.Fake {
		if fake == nil {
			fake = fakewechat.New(wcfg.MP.AppID, wcfg.MP.Secret)
			fake.AddApp(wcfg.OA.AppID, wcfg.OA.Secret)
			httpClientOnce.Do(func() { wechat.SetHTTPClient(wechat.NewHTTPClient(wcfg, fake.Transport())) })
		}
		a.fake = fake
	} else {
		httpClientOnce.Do(func() { wechat.SetHTTPClient(wechat.NewHTTPClient(wcfg, nil)) })
	}
	wx, err := wechat.New(wcfg, a.cache, a.log)
	if err != nil {
		return err
	}
	a.wx = wx
	if wcfg.OA.AppID != "" && wcfg.OA.Secret != "" {
		if a.oaClient, err = wechat.NewOfficialAccount(wcfg, a.cache, a.log); err != nil {
			return err
		}
	}
	return nil
}

// newThrottle caps the push rate: shared through Redis when there is one.
func (a *App) newThrottle() push.Throttle {
	for _, c := range a.closers {
		if r, ok := c.(*cache.Redis); ok {
			return push.NewRedisThrottle(r.Client(), "govapp:"+a.db.Keyspace()+"push-rate", a.cfg.Push.RatePerSecond, a.log)
		}
	}
	return push.NewLocalThrottle(a.cfg.Push.RatePerSecond)
}

// Push returns the push service.
func (a *App) Push() *push.Service { return a.push }

func (a *App) registerWorkers(w *river.Workers) {
	river.AddWorker(w, &ticket.SweepWorker{S: a.tickets, Log: a.log})
	river.AddWorker(w, &booking.SweepWorker{S: a.bookings, Log: a.log})
	river.AddWorker(w, &push.FanoutWorker{S: a.push})
	river.AddWorker(w, &push.SendWorker{S: a.push, MaxRun: a.cfg.Jobs.RescueStuckAfter.D() / 2})
	river.AddWorker(w, &housekeeping.PurgeWorker{Log: a.log, Purgers: map[string]housekeeping.Purger{
		"sessions": a.accounts, "idempotency_keys": a.idem, "guide_changes": a.guides, "policy_changes": a.policies,
		"uploads":             ticket.UploadPurger{S: a.tickets},                  // unattached images, stray .part files, past quota rows
		"ticket_daily_counts": housekeeping.PurgeFunc(a.tickets.PurgeDailyCounts), // past days' counts of the per-resident cap
	}})
}

func (a *App) newFiber() *fiber.App {
	h := a.cfg.HTTP
	f := fiber.New(fiber.Config{
		AppName:               "govapp",
		ErrorHandler:          a.errorHandler,
		JSONEncoder:           wire.Marshal, // the one time convention: internal/platform/wire
		BodyLimit:             h.BodyLimit,  // routes with a limit of their own: bodyLimits
		ReadTimeout:           h.ReadTimeout.D(),
		WriteTimeout:          h.WriteTimeout.D(),
		IdleTimeout:           h.IdleTimeout.D(),
		DisableStartupMessage: true,
		ReadBufferSize:        16 << 10,
	})
	f.Use(a.withRequestID, a.observe, a.recoverer(), securityHeaders(), refuseEncodedBody, a.limitIP("all", a.rules.perIP))
	routes := a.routes()
	f.Server().HeaderReceived = newBodyLimits(routes, h.BodyLimit).forRequest
	a.mount(f, routes)
	return f
}

// Fiber returns the HTTP application (tests drive it with Test).
func (a *App) Fiber() *fiber.App { return a.fiber }

// DB returns the database handle.
func (a *App) DB() *db.DB { return a.db }

// Accounts returns the account service.
func (a *App) Accounts() *account.Service { return a.accounts }

// Queue returns the job queue.
func (a *App) Queue() *jobs.Queue { return a.queue }

// every runs fn each interval until bg ends, logging its failures: the
// loops that keep an instance's in-memory copies (revocations, catalogues,
// calendar) current with the database.
func (a *App) every(bg context.Context, interval time.Duration, what string, fn func(context.Context) error) {
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-bg.Done():
				return
			case <-t.C:
				if err := fn(bg); err != nil && bg.Err() == nil {
					a.log.Warn(what+" failed", "err", err)
				}
			}
		}
	}()
}

// FakeWeChat returns the fake WeChat of the embedded profile, nil in production.
func (a *App) FakeWeChat() *fakewechat.Fake { return a.fake }

// Start starts the background loops of this instance (following the guide
// change feed) and, when it works jobs, the job workers.
func (a *App) Start(ctx context.Context) error {
	if err := a.accounts.SyncRevocations(ctx); err != nil {
		return err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.stopBg = cancel
	a.every(bg, a.cfg.Auth.RevocationSync.D(), "token revocation sync", a.accounts.SyncRevocations)
	a.every(bg, a.cfg.Guides.SyncInterval.D(), "guide catalogue sync", a.guides.Sync)
	a.every(bg, a.cfg.Policies.SyncInterval.D(), "policy catalogue sync", a.policies.Sync)
	a.every(bg, time.Minute, "calendar reload", a.loadCalendar)
	return a.queue.Start(ctx)
}

// Guides returns the guide service.
func (a *App) Guides() *guide.Service { return a.guides }

// Listen serves HTTP on addr until Shutdown.
func (a *App) Listen(addr string) error { return a.fiber.Listen(addr) }

// Shutdown stops accepting requests, lets in-flight requests and jobs finish
// within ctx, then closes the stores.
func (a *App) Shutdown(ctx context.Context) error {
	var errsOut []error
	if err := a.fiber.ShutdownWithContext(ctx); err != nil {
		errsOut = append(errsOut, fmt.Errorf("http: %w", err))
	}
	if err := a.queue.Stop(ctx); err != nil {
		errsOut = append(errsOut, err)
	}
	if a.oaServer != nil {
		if err := a.oaServer.Wait(ctx); err != nil {
			errsOut = append(errsOut, err)
		}
	}
	if a.stopBg != nil {
		a.stopBg()
		a.bg.Wait()
	}
	a.closeStores()
	return errors.Join(errsOut...)
}

func (a *App) closeStores() {
	for _, c := range a.closers {
		_ = c.Close()
	}
	a.closers = nil
	if a.db != nil {
		_ = a.db.Close()
	}
}
