package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"govapp/internal/account"
)

// shoot saves a PNG of the element sel under docs/screenshots/name when
// GOVAPP_SCREENSHOTS names the repository root (the committed pictures of
// the console come from there), and does nothing otherwise.
func (b *browser) edShoot(sel, name string) {
	b.t.Helper()
	root := os.Getenv("GOVAPP_SCREENSHOTS")
	if root == "" {
		return
	}
	ctx, cancel := b.timeout()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS(sel), 0.6))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", sel, err)
	}
	if err := os.WriteFile(filepath.Join(root, "docs", "screenshots", name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) edCount(sel string) int {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+edJSString(sel)+`).length`))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

func (b *browser) edClick(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

func edJSString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TestGuideAndPolicyEditorsInBrowser: an editor edits a published guide's
// lists as rows — adds, reorders, removes, sees the error of a bad row beside
// it — and checks the diff against the published version before publishing;
// a policy body is written in Markdown, previewed as the sanitised HTML
// residents will read (typed HTML stays text), and diffed after a change.
func TestGuideAndPolicyEditorsInBrowser(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	base := a.listen(t)
	br := startBrowser(t, base)
	a.staffToken("zj-rows", account.RoleHandler, "市住建局")
	ed := a.staffToken("ed-rows", account.RoleEditor, "")
	if r := a.do("POST", "/api/v1/admin/guides", ed, guideBody("GR-0001", "居住证办理", a.deptID("市住建局"))); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := a.do("POST", "/api/v1/admin/guides/GR-0001/publish", ed, nil); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}

	t.Run("guide rows: add, reorder, remove, per-row errors, diff before publishing", func(t *testing.T) {
		b := br.on(t)
		b.login("ed-rows")
		b.open("/console/guides/GR-0001")
		if n := b.edCount("#process-rows tbody tr.row"); n != 3 { // two steps and the blank row
			t.Fatalf("%d process rows, want the 2 steps and a blank one", n)
		}
		b.edClick("#add-materials")
		rows := "#material-rows tbody tr.row"
		if n := b.edCount(rows); n != 3 {
			t.Fatalf("after 添加一行 there are %d material rows, want 3", n)
		}
		b.fill(rows+":nth-child(3) input[name=material_name]", "居住证申领登记表",
			rows+":nth-child(3) select[name=material_required]", "no")
		b.edClick(rows + ":nth-child(3) button[data-row=up]")
		b.edClick(rows + ":nth-child(2) button[data-row=up]")
		if got := b.edValue(rows + ":nth-child(1) input[name=material_name]"); got != "居住证申领登记表" {
			t.Fatalf("after moving it up twice the first material is %q", got)
		}
		b.want(rows+":nth-child(1) .seq", "1")
		b.edClick("#process-rows tbody tr.row:nth-child(2) button[data-row=remove]")
		b.submit("#save")
		// a material that is not required must say when it is needed: the error stands beside its row
		b.want("#material-rows tr.row-errors", "需要的情形")
		if got := b.edValue("#material-rows tbody tr.row.invalid input[name=material_name]"); got != "居住证申领登记表" {
			t.Fatalf("the row in error is %q", got)
		}
		b.fill("#material-rows tbody tr.row.invalid input[name=material_condition]", "首次申领时")
		b.submit("#save")
		b.want("#flash", "已保存草稿")
		b.want("#guide-diff", "申请材料", "+ 居住证申领登记表 · 原件 1 份 · 非必需：首次申领时", "办理流程", "- 2. 办结")
		b.edShoot("main", "guide-editor.png")
		b.submit("#publish")
		b.want("#flash", "已发布第 2 版")
		if b.edCount("#guide-diff") != 0 {
			t.Fatal("a diff is shown with nothing left to publish")
		}
		status, g := getJSON(t, base+"/api/v1/guides/GR-0001")
		mats, _ := g["materials"].([]any)
		if status != 200 || len(mats) != 2 || mats[0].(map[string]any)["name"] != "居住证申领登记表" || len(g["process"].([]any)) != 1 {
			t.Fatalf("residents see %d %v / %v", status, g["materials"], g["process"])
		}
	})

	t.Run("policy body in Markdown with a preview and a diff", func(t *testing.T) {
		b := br.on(t)
		b.open("/console/policies/new")
		b.fill("#p-title", "稳就业十条", "#p-issuer", "市政府办公厅", "#p-issue", "2026-03-18",
			"#p-body", "# 一、补贴对象\n\n**高校毕业生**可申领补贴，详见 [通知](https://www.gov.cn/a)。\n\n- 一次性求职补贴\n- 社保补贴\n\n<script>alert(1)</script>")
		b.edClick(`input[name=topics][value=jiuye]`)
		b.submit("#preview-body")
		b.want("#body-preview h2:nth-of-type(2)", "一、补贴对象")
		b.want("#body-preview strong", "高校毕业生")
		b.want("#body-preview li", "一次性求职补贴")
		b.want("#body-preview", "<script>alert(1)</script>")
		if b.edCount("#body-preview script") != 0 || b.edCount("#body-preview a[href='https://www.gov.cn/a']") != 1 {
			t.Fatal("the preview runs typed HTML or lost the link")
		}
		if got := b.edValue("#p-body"); !strings.HasPrefix(got, "# 一、补贴对象") {
			t.Fatalf("after the preview the body reads %q", got)
		}
		b.submit("#save")
		b.want("#flash", "已保存草稿")
		if got := b.edValue("#p-body"); !strings.Contains(got, "**高校毕业生**") || !strings.Contains(got, "- 社保补贴") {
			t.Fatalf("the saved body opens as %q, want the Markdown back", got)
		}
		b.submit("#publish")
		b.open(strings.TrimSuffix(b.location(), "/deliveries"))
		b.fill("#p-body", strings.Replace(b.edValue("#p-body"), "- 社保补贴", "- 社保补贴（每月 500 元）", 1))
		b.submit("#save")
		b.want("#policy-diff", "正文", "- - 社保补贴", "+ - 社保补贴（每月 500 元）")
		b.logout()
	})
}

func (b *browser) edValue(sel string) string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}
