package app

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainPackagesImportNeitherFiberNorWeChat keeps the layout of STYLE.md:
// only app/ imports Fiber, and only internal/wechat imports silenceper/wechat.
func TestDomainPackagesImportNeitherFiberNorWeChat(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Deps ","}}`, "govapp/internal/...").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, "|")
		checked++
		for _, dep := range strings.Split(deps, ",") {
			if strings.HasPrefix(dep, "github.com/gofiber/") {
				t.Errorf("%s depends on %s: only app/ may use Fiber", pkg, dep)
			}
			if strings.HasPrefix(dep, "github.com/silenceper/wechat") && !strings.HasPrefix(pkg, "govapp/internal/wechat") {
				t.Errorf("%s depends on %s: only internal/wechat may use the WeChat library", pkg, dep)
			}
			if dep == "github.com/silenceper/wechat/v2" {
				t.Errorf("%s imports the root WeChat package (it turns logrus to debug and logs personal data)", pkg)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages listed", checked)
	}
}
