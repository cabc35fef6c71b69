package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"govapp/internal/account"
)

// TestHallScreensInBrowser: a clerk picks their window once and the hall page
// then calls numbers to it alone; the hall's public calling display, opened
// without a login, shows the called number at that window and the waiting
// numbers, large, reloading itself, with no guide, name or phone on it.
func TestHallScreensInBrowser(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	base := a.listen(t)
	br := startBrowser(t, base)
	w := a.bookingWorld("市民之家", 5)
	r := a.do("POST", fmt.Sprintf("/api/v1/admin/halls/%d/windows", w.hall), w.admin, map[string]any{"name": "综合窗口2", "kind": "comprehensive", "prefix": "A"})
	if r.Status != 201 {
		t.Fatalf("second window: %d %s", r.Status, r.Body)
	}
	win2 := int64(r.json(t)["id"].(float64))
	a.setClock(time.Date(2026, 11, 17, 9, 5, 0, 0, cst).UTC())
	a.clerkToken("clerk-mine", w.hall)
	b := br.on(t)

	t.Run("my window: picked once, the page calls to it alone", func(t *testing.T) {
		b := br.on(t)
		b.login("clerk-mine")
		for range 3 {
			b.submit("#walkin")
			b.want("#flash", "已取号")
		}
		b.fill("#my-window", fmt.Sprint(win2))
		b.submit("#pick-window")
		b.want("#flash", "综合窗口2")
		b.want("#h-windows", "我的窗口：综合窗口2")
		if n := b.edCount(".windows .window"); n != 1 || b.edCount(fmt.Sprintf("#window-%d", win2)) != 1 {
			t.Fatalf("in my-window mode the page shows %d windows", n)
		}
		b.submit(fmt.Sprintf("#call-next-%d", win2))
		b.want("#flash", "到 综合窗口2 办理")
		b.open("/console/hall") // the choice stays
		b.want(fmt.Sprintf("#window-%d .serving", win2), "在办")
		b.fill("#my-window", "0")
		b.submit("#pick-window")
		if n := b.edCount(".windows .window"); n != 2 {
			t.Fatalf("back to all windows the page shows %d", n)
		}
		b.open(fmt.Sprintf("/console/hall?window=%d", w.win+win2+100))
		b.want("#flash", "该窗口不存在")
	})

	t.Run("the public calling display", func(t *testing.T) {
		b.logout()
		b.open(fmt.Sprintf("/display/halls/%d", w.hall))
		if loc := b.location(); !strings.HasPrefix(loc, "/display/halls/") {
			t.Fatalf("the display sent a logged-out screen to %s", loc)
		}
		b.want("#hall-name", "市民之家")
		b.want("#calling tr.latest", "A", "综合窗口2")
		b.want("#waiting", "2")
		if n := b.edCount("#next li"); n != 2 {
			t.Fatalf("%d waiting numbers listed, want 2", n)
		}
		page := b.text("body")
		for _, private := range []string{"居民身份证换领", "综合业务", "138", "签到"} {
			if strings.Contains(page, private) {
				t.Fatalf("the public display shows %q: %s", private, page)
			}
		}
		ctx, cancel := b.timeout()
		defer cancel()
		every, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('meta[http-equiv=refresh]').content`))
		if err != nil || every != "5" {
			t.Fatalf("the display reloads every %q s (%v), want 5", every, err)
		}
		b.edShoot("html", "calling-display.png")
		res, err := http.Get(base + "/display/halls/999999")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Fatalf("an unknown hall's display: %d", res.StatusCode)
		}
	})
}

// TestAdminAuditAndStaffInBrowser: the audit page filters by actor, kind of
// action and dates; the staff list shows each account's hall and whether
// wrong passwords locked it.
func TestAdminAuditAndStaffInBrowser(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	base := a.listen(t)
	br := startBrowser(t, base)
	w := a.bookingWorld("市民之家", 5)
	a.clerkToken("clerk-list", w.hall)
	a.staffToken("admin-b", account.RoleAdmin, "")
	a.staffToken("ed-audit", account.RoleEditor, "")
	for range a.cfg.Auth.StaffMaxFailures + 1 {
		a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": "ed-audit", "password": "wrong-password-1"})
	}
	b := br.on(t)
	b.login("admin-b")

	t.Run("staff list: hall and lock status", func(t *testing.T) {
		b := br.on(t)
		b.open("/console/staff")
		row := func(user string) string {
			ctx, cancel := b.timeout()
			defer cancel()
			s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#staff tbody tr')].map(r => r.innerText).find(t => t.startsWith(`+edJSString(user)+`)) || ''`))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if r := row("clerk-list"); !strings.Contains(r, "市民之家") || !strings.Contains(r, "正常") {
			t.Fatalf("the clerk's row reads %q", r)
		}
		if r := row("ed-audit"); !strings.Contains(r, "已锁定") || !strings.Contains(r, "自动解锁") {
			t.Fatalf("the locked editor's row reads %q", r)
		}
		if r := row("admin-b"); strings.Contains(r, "已锁定") {
			t.Fatalf("an account not locked reads %q", r)
		}
	})

	t.Run("audit log: actor, kind of action, dates", func(t *testing.T) {
		b := br.on(t)
		b.open("/console/audit")
		b.want("#audit", "创建账号", "设置可预约事项")
		b.fill("#a-action", "hall.")
		b.submit("#audit-search")
		got := b.text("#audit tbody")
		if strings.Contains(got, "创建账号") || !strings.Contains(got, "新增排班") {
			t.Fatalf("filtered to halls the log reads %q", got)
		}
		b.open("/console/audit?actor=ed-audit")
		if got := b.text("#audit tbody"); !strings.Contains(got, "登录被拒") || strings.Contains(got, "新增排班") {
			t.Fatalf("filtered to ed-audit the log reads %q", got)
		}
		b.open("/console/audit?from=2000-01-01&to=2000-01-31")
		b.want("#audit tbody", "没有符合条件的记录")
		b.open("/console/audit?from=2000-02-01&to=2000-01-01")
		b.want("#audit-filter", "结束日期不能早于开始日期")
		b.open("/console/audit?from=明天")
		b.want("#audit-filter", "日期格式应为")
	})
	_ = base
}
