package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"govapp/internal/account"
	"govapp/internal/platform/errs"
)

// runCreateStaff runs `govapp create-staff args` on the embedded profile in
// dir, with password on standard input; it returns what was printed and the error.
func runCreateStaff(t *testing.T, password string, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	stdin, stdout = strings.NewReader(password+"\n"), &out
	err := createStaff(context.Background(), args)
	return out.String(), err
}

// TestCreateStaffErrorsNameTheField: the CLI says which flag to change, in
// Chinese and English, and never prints the database's error text.
func TestCreateStaffErrorsNameTheField(t *testing.T) {
	t.Setenv("GOVAPP_DATA_DIR", t.TempDir())
	t.Setenv("GOVAPP_LOG_LEVEL", "error")
	if err := migrate(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	const pw = "Passw0rd-strong1"
	if out, err := runCreateStaff(t, pw, "--username", "zhang", "--role", "operator"); err != nil || !strings.Contains(out, "已创建工作人员 zhang") {
		t.Fatalf("first create: %q %v", out, err)
	}
	cases := []struct {
		name     string
		password string
		args     []string
		want     []string
	}{
		{"an existing username", pw, []string{"--username", "zhang", "--role", "operator"},
			[]string{"用户名已被使用", "username already taken", "--username：“zhang”已存在"}},
		{"a bad role, refused before the password is asked", "weak", []string{"--username", "Z", "--role", "boss"},
			[]string{"--role：须为 operator", "role: one of operator"}},
		{"a bad username and password", "weak", []string{"--username", "Z", "--role", "editor"},
			[]string{"--username：", "username: 3-32", "密码（标准输入）："}},
		{"a weak password", "weak", []string{"--username", "wang", "--role", "operator"},
			[]string{"密码（标准输入）：", "password (standard input): at least 10"}},
		{"missing flags", pw, []string{"--name", "王五"},
			[]string{"--username：必填", "--role：必填"}},
		{"an unknown department", pw, []string{"--username", "lisi", "--role", "handler", "--department", "无此部门"},
			[]string{"--department：", "无此部门"}},
		{"an unknown hall", pw, []string{"--username", "zhao", "--role", "clerk", "--hall", "99"},
			[]string{"--hall：没有编号为 99 的服务大厅", "hall not found"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := runCreateStaff(t, c.password, c.args...)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			for _, raw := range []string{"UNIQUE", "constraint", "SQLSTATE", "请求参数有误"} {
				if strings.Contains(msg, raw) {
					t.Errorf("error shows %q:\n%s", raw, msg)
				}
			}
		})
	}
	out, err := runCreateStaff(t, pw, "--username", "qian", "--role", "clerk")
	if err != nil || !strings.Contains(out, "尚未分配服务大厅") {
		t.Fatalf("a clerk without a hall is created with a warning: %q %v", out, err)
	}
}

func TestDescribeStaffErrorHidesTheCause(t *testing.T) {
	cause := errors.New("pq: duplicate key value violates unique constraint \"staff_username_key\"")
	err := describeStaffError(account.ErrUsernameTaken.Wrap(cause), account.NewStaff{Username: "zhang"})
	if strings.Contains(err.Error(), "duplicate") || !strings.Contains(err.Error(), "--username") {
		t.Fatalf("got %q", err)
	}
	other := errors.New("disk full")
	if got := describeStaffError(other, account.NewStaff{}); got != other {
		t.Fatalf("an unknown error must pass as it is: %v", got)
	}
	if got := describeStaffError(errs.InvalidField("display_name", "不能超过 32 个字"), account.NewStaff{}); !strings.Contains(got.Error(), "--name：不能超过 32 个字") {
		t.Fatalf("got %q", got)
	}
}
