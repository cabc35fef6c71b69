package app

import (
	"regexp"
	"strings"
	"testing"

	"govapp/internal/account"
)

// TestConsoleClerkWithoutHall: a clerk whose account has no hall gets a page
// that says why and what to do, not an error page with a stray status.
func TestConsoleClerkWithoutHall(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	clerk := a.consoleStaff("clerk-nohall", account.RoleClerk, "市政务服务中心")
	r := clerk.do("GET", "/console/hall", nil)
	body := string(r.Body)
	if r.Status != 200 || !strings.Contains(body, `id="no-hall"`) || !strings.Contains(body, "您的账号尚未分配服务大厅") ||
		!strings.Contains(body, "系统管理员") || !strings.Contains(body, "所属大厅") {
		t.Fatalf("clerk without a hall: %d\n%s", r.Status, body)
	}
	main := regexp.MustCompile(`(?s)<main.*</main>`).FindString(body)
	if strings.Contains(main, "200") || strings.Contains(main, `id="error-status"`) {
		t.Fatalf("the page shows a stray status:\n%s", main)
	}
}
