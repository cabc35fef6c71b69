// Command govapp is the city's government-affairs mini-program backend: one
// binary with the subcommands serve, worker, migrate, seed, create-staff and
// healthcheck.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `govapp — 掌上政务后端

用法: govapp <命令> [参数]

  serve          启动 API、控制台与后台任务（按配置）
  worker         仅运行后台任务
  migrate        执行数据库迁移
  seed           写入演示数据（部门、工作人员；可重复执行）
  import-guides  [--publish] [--skip-invalid] FILE   导入办事指南（JSON 数组或 CSV）
  create-oa-menu [--file configs/oa_menu.yaml]   按配置创建公众号菜单
  create-staff   --username NAME --role ROLE [--department NAME] [--hall ID]，密码从标准输入读取
  healthcheck    [--url URL] 检查本机 /healthz（容器健康检查用）
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmds := map[string]func(context.Context, []string) error{
		"serve": serve, "worker": worker, "migrate": migrate, "seed": seedCmd,
		"create-staff": createStaff, "healthcheck": healthcheck, "import-guides": importGuides,
		"create-oa-menu": createOAMenu,
	}
	run, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err := run(ctx, os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "govapp:", err)
		os.Exit(1)
	}
}
