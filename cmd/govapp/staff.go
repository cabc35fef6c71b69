package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/platform/errs"
)

// stdin and stdout are the streams create-staff reads the password from and
// reports to (a seam for the tests).
var (
	stdin  io.Reader = os.Stdin
	stdout io.Writer = os.Stdout
)

// staffFlags names, for each field of account.NewStaff, the flag that sets
// it and what it is in English, so that an error names what to change.
var staffFlags = map[string]struct{ flag, en string }{
	"username":     {"--username", "username"},
	"role":         {"--role", "role"},
	"password":     {"密码（标准输入）", "password (standard input)"},
	"department":   {"--department", "department"},
	"hall":         {"--hall", "hall"},
	"hall_id":      {"--hall", "hall"},
	"display_name": {"--name", "display name"},
}

// staffEnglish says in English why a field of create-staff was refused.
var staffEnglish = map[string]string{
	"username":     "3-32 characters: a lowercase letter, then letters, digits, '.', '_' or '-'",
	"role":         "one of operator, handler, clerk, editor, admin",
	"password":     "at least 10 characters with letters and digits",
	"department":   "no department of that name",
	"hall":         "no hall with that id",
	"display_name": "at most 32 characters",
}

// fieldError is a create-staff error that names its fields in Chinese and English.
type fieldError struct {
	msg    string
	fields map[string]string
}

// Error returns one line per field: the flag, the Chinese rule, the English one.
func (e fieldError) Error() string {
	var b strings.Builder
	b.WriteString("create-staff: " + e.msg)
	keys := make([]string, 0, len(e.fields))
	for k := range e.fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := staffFlags[k]
		if !ok {
			f.flag, f.en = k, k
		}
		fmt.Fprintf(&b, "\n  %s：%s", f.flag, e.fields[k])
		if en := staffEnglish[k]; en != "" {
			fmt.Fprintf(&b, "（%s: %s）", f.en, en)
		}
	}
	return b.String()
}

// describeStaffError turns what CreateStaff returned into an error naming the
// field to change, without the database's own text; other errors pass as they are.
func describeStaffError(err error, n account.NewStaff) error {
	switch {
	case errors.Is(err, account.ErrUsernameTaken):
		return fieldError{msg: "用户名已被使用，请换一个（username already taken）",
			fields: map[string]string{"username": "“" + n.Username + "”已存在"}}
	case errors.Is(err, account.ErrDepartmentNotFound):
		return fieldError{msg: "部门不存在（department not found）", fields: map[string]string{"department": "没有名为“" + n.Department + "”的部门"}}
	}
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		return fieldError{msg: "参数有误（invalid input）", fields: e.Fields}
	}
	if e, ok := errs.As(err); ok && e.Kind != errs.KindInternal {
		return fmt.Errorf("create-staff: %s（%s）", e.Message, e.Code)
	}
	return err
}

// checkStaffFlags refuses, before the password is asked for, what the flags
// alone show to be wrong.
func checkStaffFlags(username, role string, hall int64) error {
	fields := map[string]string{}
	if username == "" {
		fields["username"] = "必填"
	}
	if role == "" {
		fields["role"] = "必填"
	} else if !account.Role(role).Valid() {
		fields["role"] = "须为 operator、handler、clerk、editor 或 admin"
	}
	if hall < 0 {
		fields["hall"] = "须为大厅编号（正整数）"
	}
	if len(fields) > 0 {
		return fieldError{msg: "参数有误（invalid input）", fields: fields}
	}
	return nil
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
	if err := checkStaffFlags(*username, *role, *hall); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "请输入密码（至少 10 位，含字母和数字），回车结束：")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("create-staff: read password: %w", err)
	}
	a, _, _, err := open(ctx, false)
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck
	if *hall > 0 {
		if _, err := a.Bookings().Hall(ctx, *hall); err != nil {
			if errs.KindOf(err) == errs.KindNotFound {
				return fieldError{msg: "大厅不存在（hall not found）", fields: map[string]string{"hall": fmt.Sprintf("没有编号为 %d 的服务大厅", *hall)}}
			}
			return err
		}
	}
	n := account.NewStaff{Username: *username, DisplayName: *display, Password: strings.TrimRight(line, "\r\n"),
		Role: account.Role(*role), Department: *dept, HallID: *hall}
	s, err := a.Accounts().CreateStaff(ctx, audit.Entry{ActorKind: "system", ActorName: "cli"}, n)
	if err != nil {
		return describeStaffError(err, n)
	}
	fmt.Fprintf(stdout, "已创建工作人员 %s（编号 %d，角色 %s）\n", s.Username, s.ID, s.Role)
	if s.Role == account.RoleClerk && s.HallID == 0 {
		fmt.Fprintln(stdout, "注意：窗口人员尚未分配服务大厅，登录后“今日大厅”无法使用；请用 --hall 或在控制台“工作人员”页指定大厅")
	}
	return nil
}
