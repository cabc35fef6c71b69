package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"govapp/app"
	"govapp/internal/config"
	"govapp/internal/guide"
	"govapp/internal/seed"
)

func newLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
}

// open loads the configuration and builds the instance.
func open(ctx context.Context, work bool) (*app.App, config.Config, *slog.Logger, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, cfg, nil, err
	}
	log := newLogger(cfg)
	logConfig(log, cfg)
	a, err := app.New(ctx, cfg, log, app.Options{Work: work})
	return a, cfg, log, err
}

// logConfig writes the effective configuration once at start-up, secrets
// masked (config.Effective), so that an operator can see what runs.
func logConfig(log *slog.Logger, cfg config.Config) {
	log.Info("configuration", "profile", cfg.Profile, "effective", cfg.Effective())
}

func serve(ctx context.Context, _ []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	logConfig(log, cfg)
	a, err := app.New(ctx, cfg, log, app.Options{Work: cfg.Jobs.RunInServe})
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- a.Listen(cfg.HTTP.Addr) }()
	log.Info("govapp serving", "profile", cfg.Profile, "addr", cfg.HTTP.Addr, "jobs", cfg.Jobs.RunInServe)
	select {
	case err := <-errc:
		_ = a.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.HTTP.ShutdownGrace.D().String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownGrace.D())
	defer cancel()
	return a.Shutdown(sctx)
}

func worker(ctx context.Context, _ []string) error {
	a, cfg, log, err := open(ctx, true)
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	log.Info("govapp worker running", "profile", cfg.Profile)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownGrace.D())
	defer cancel()
	return a.Shutdown(sctx)
}

// migrate opens the database and migrates it — nothing else, so that a
// production migration job needs GOVAPP_DATABASE_URL only.
func migrate(ctx context.Context, _ []string) error {
	cfg, err := config.LoadDatabase()
	if err != nil {
		return err
	}
	if err := app.MigrateDatabase(ctx, cfg); err != nil {
		return err
	}
	fmt.Println("数据库迁移完成")
	return nil
}

func seedCmd(ctx context.Context, _ []string) error {
	a, _, _, err := open(ctx, false)
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck
	if err := seed.Run(ctx, a.Accounts(), os.Stdout); err != nil {
		return err
	}
	if err := seed.Guides(ctx, a.Guides(), os.Stdout); err != nil {
		return err
	}
	if err := seed.Halls(ctx, a.Bookings(), a.Accounts(), a.Guides(), os.Stdout); err != nil {
		return err
	}
	return seed.Policies(ctx, a.Policies(), os.Stdout)
}

func importGuides(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import-guides", flag.ContinueOnError)
	publish := fs.Bool("publish", false, "导入后立即发布")
	skip := fs.Bool("skip-invalid", false, "跳过有误的行，导入其余行")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("import-guides: usage: govapp import-guides [--publish] [--skip-invalid] FILE.json|FILE.csv")
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var rows []guide.ImportRow
	if strings.HasSuffix(strings.ToLower(path), ".csv") {
		rows, err = guide.ParseCSV(f)
	} else {
		var b []byte
		if b, err = io.ReadAll(f); err == nil {
			rows, err = guide.ParseJSON(b)
		}
	}
	if err != nil {
		return err
	}
	a, _, _, err := open(ctx, false)
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck
	rep, err := a.Guides().Import(ctx, guide.Actor{Name: "cli"}, rows, guide.ImportOptions{Publish: *publish, SkipInvalid: *skip})
	if err != nil {
		return err
	}
	fmt.Printf("共 %d 行：接受 %d，拒绝 %d；新建 %d，更新 %d，发布 %d\n", rep.Total, rep.Accepted, rep.Refused, rep.Created, rep.Updated, rep.Published)
	for _, r := range rep.Refusals {
		fmt.Printf("  第 %d 行（%s）：", r.Row, r.Code)
		for _, k := range sortedKeys(r.Errors) {
			fmt.Printf("%s %s；", k, r.Errors[k])
		}
		fmt.Println()
	}
	if !rep.Committed {
		return errors.New("import-guides: 文件中有错误的行，未导入任何数据（使用 --skip-invalid 可跳过错误行）")
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func healthcheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	url := fs.String("url", "", "健康检查地址（默认按 GOVAPP_HTTP_ADDR 取本机端口）")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		port := "8080"
		if cfg, err := config.Load(); err == nil {
			if _, p, err := net.SplitHostPort(cfg.HTTP.Addr); err == nil && p != "" {
				port = p
			}
		}
		*url = "http://127.0.0.1:" + port + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d", *url, res.StatusCode)
	}
	return nil
}

func createOAMenu(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("create-oa-menu", flag.ContinueOnError)
	file := fs.String("file", app.OAMenuFile, "菜单配置文件")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, _, _, err := open(ctx, false)
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck
	if err := a.PublishOAMenu(ctx, *file); err != nil {
		return err
	}
	fmt.Println("公众号菜单已更新")
	return nil
}
