package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"govapp/app"
	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/config"
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
	a, err := app.New(ctx, cfg, log, app.Options{Work: work})
	return a, cfg, log, err
}

func serve(ctx context.Context, _ []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := newLogger(cfg)
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

func migrate(ctx context.Context, _ []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	cfg.Database.AutoMigrate = true
	a, err := app.New(ctx, cfg, newLogger(cfg), app.Options{})
	if err != nil {
		return err
	}
	fmt.Println("数据库迁移完成")
	return a.Shutdown(ctx)
}

func seedCmd(ctx context.Context, _ []string) error {
	a, _, _, err := open(ctx, false)
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck
	return seed.Run(ctx, a.Accounts(), os.Stdout)
}

func createStaff(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("create-staff", flag.ContinueOnError)
	username := fs.String("username", "", "用户名")
	role := fs.String("role", "", "角色：operator、handler、clerk、editor、admin")
	dept := fs.String("department", "", "部门名称")
	hall := fs.Int64("hall", 0, "大厅编号（窗口人员）")
	display := fs.String("name", "", "显示名")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *username == "" || *role == "" {
		return errors.New("create-staff: --username and --role are required")
	}
	fmt.Fprintln(os.Stderr, "请输入密码（至少 10 位，含字母和数字），回车结束：")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("create-staff: read password: %w", err)
	}
	a, _, _, err := open(ctx, false)
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck
	s, err := a.Accounts().CreateStaff(ctx, audit.Entry{ActorKind: "system", ActorName: "cli"}, account.NewStaff{
		Username: *username, DisplayName: *display, Password: strings.TrimRight(line, "\r\n"),
		Role: account.Role(*role), Department: *dept, HallID: *hall})
	if err != nil {
		return err
	}
	fmt.Printf("已创建工作人员 %s（编号 %d，角色 %s）\n", s.Username, s.ID, s.Role)
	return nil
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
