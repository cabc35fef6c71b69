// Package seed fills a fresh installation with the city's department tree and
// one staff account per role. Running it again adds nothing.
package seed

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"

	"govapp/internal/account"
	"govapp/internal/audit"
)

// dept is one node of the seeded tree.
type dept struct {
	name, parent, kind string
}

// Departments is the department tree of the demo city: the government, its
// bureaus and centres, their sections, and the districts.
var Departments = []dept{
	{"市人民政府", "", "city"},
	{"市政务服务中心", "市人民政府", "center"},
	{"12345 热线中心", "市人民政府", "center"},
	{"市公安局", "市人民政府", "bureau"},
	{"市公安局户政管理支队", "市公安局", "section"},
	{"市公安局交通警察支队", "市公安局", "section"},
	{"市公安局出入境管理支队", "市公安局", "section"},
	{"市人社局", "市人民政府", "bureau"},
	{"市社会保险事业管理中心", "市人社局", "section"},
	{"市就业服务中心", "市人社局", "section"},
	{"市住建局", "市人民政府", "bureau"},
	{"市住房公积金管理中心", "市人民政府", "center"},
	{"市自然资源和规划局", "市人民政府", "bureau"},
	{"市不动产登记中心", "市自然资源和规划局", "section"},
	{"市市场监管局", "市人民政府", "bureau"},
	{"市卫健委", "市人民政府", "bureau"},
	{"市医保局", "市人民政府", "bureau"},
	{"市教育局", "市人民政府", "bureau"},
	{"市民政局", "市人民政府", "bureau"},
	{"市城管局", "市人民政府", "bureau"},
	{"市生态环境局", "市人民政府", "bureau"},
	{"市交通运输局", "市人民政府", "bureau"},
	{"市税务局", "市人民政府", "bureau"},
	{"城东区人民政府", "市人民政府", "district"},
	{"城东区政务服务中心", "城东区人民政府", "section"},
	{"城东区东湖街道办事处", "城东区人民政府", "section"},
	{"城西区人民政府", "市人民政府", "district"},
	{"城西区政务服务中心", "城西区人民政府", "section"},
	{"城西区西山街道办事处", "城西区人民政府", "section"},
	{"高新区管委会", "市人民政府", "district"},
	{"高新区政务服务中心", "高新区管委会", "section"},
}

// staffSeed is one demo staff account.
type staffSeed struct {
	username, display, department string
	role                          account.Role
}

// Username returns the account's username.
func (s staffSeed) Username() string { return s.username }

// Department returns the name of the account's department.
func (s staffSeed) Department() string { return s.department }

// Staff are the demo accounts, one per role.
var Staff = []staffSeed{
	{"admin", "系统管理员", "市政务服务中心", account.RoleAdmin},
	{"operator", "热线话务员", "12345 热线中心", account.RoleOperator},
	{"handler", "住建局经办人", "市住建局", account.RoleHandler},
	{"clerk", "窗口工作人员", "市政务服务中心", account.RoleClerk},
	{"editor", "内容编辑", "市政务服务中心", account.RoleEditor},
}

// Run seeds departments and staff, printing each new account's password once to out.
func Run(ctx context.Context, accounts *account.Service, out io.Writer) error {
	for i, d := range Departments {
		if _, err := accounts.EnsureDepartment(ctx, d.name, d.parent, d.kind, i); err != nil {
			return fmt.Errorf("seed: department %s: %w", d.name, err)
		}
	}
	system := audit.Entry{ActorKind: "system", ActorName: "seed"}
	for _, s := range Staff {
		exists, err := accounts.StaffExists(ctx, s.username)
		if err != nil {
			return err
		}
		if exists {
			continue
		}
		pw, err := Password()
		if err != nil {
			return err
		}
		if _, err := accounts.CreateStaff(ctx, system, account.NewStaff{Username: s.username, DisplayName: s.display,
			Password: pw, Role: s.role, Department: s.department}); err != nil {
			return fmt.Errorf("seed: staff %s: %w", s.username, err)
		}
		fmt.Fprintf(out, "已创建工作人员账号  用户名: %-9s 角色: %-8s 密码: %s  部门: %s%s\n", s.username, s.role, pw, s.department, roleNote(s.role))
	}
	return nil
}

// roleNote says what a seeded account works on beyond its department.
func roleNote(r account.Role) string {
	switch r {
	case account.RoleHandler:
		return "（办理转办到本部门及下级部门的工单）"
	case account.RoleClerk:
		return "（大厅在 seed 的服务大厅步骤中分配：" + ClerkHall + "）"
	}
	return ""
}

const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Password returns a random 14-character password with letters and digits.
func Password() (string, error) {
	for {
		b := make([]byte, 14)
		for i := range b {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			if err != nil {
				return "", err
			}
			b[i] = alphabet[n.Int64()]
		}
		if account.CheckPasswordStrength(string(b)) == nil {
			return string(b), nil
		}
	}
}
