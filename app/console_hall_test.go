package app

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/config"
)

// TestHallDisplayAuditAndLocksOnEachBackend checks the SQL behind the hall
// display, the audit filters and the staff lock-out status on SQLite and
// PostgreSQL: the display lists the called and waiting numbers of today
// only, the audit log filters by actor, kind of action and local dates, and
// the staff list marks a locked account.
func TestHallDisplayAuditAndLocksOnEachBackend(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := a.bookingWorld("市民之家", 2)
		ad := a.consoleStaff("ad-be", account.RoleAdmin, "市政务服务中心")
		hall := fmt.Sprintf("/console/hall?hall=%d", w.hall)
		for range 3 {
			if r := ad.post(hall, "/console/hall/walk-ins", url.Values{"hall_id": {fmt.Sprint(w.hall)}}); r.Status != 303 {
				t.Fatalf("walk-in: %d", r.Status)
			}
		}
		if r := ad.post(hall, "/console/hall/queue/call-next", url.Values{"hall_id": {fmt.Sprint(w.hall)}, "window_id": {fmt.Sprint(w.win)}}); r.Status != 303 {
			t.Fatalf("call: %d", r.Status)
		}
		t.Run("display", func(t *testing.T) {
			r := a.console().do("GET", fmt.Sprintf("/display/halls/%d", w.hall), nil)
			text := visibleText(t, r.Body)
			if r.Status != 200 || !strings.Contains(text, "综合窗口1") || !strings.Contains(text, "等候 2 人") || strings.Contains(text, "居民身份证换领") {
				t.Fatalf("%d %q", r.Status, text)
			}
			a.setClock(time.Now().Add(48 * time.Hour)) // another day: yesterday's numbers are gone
			if text := visibleText(t, a.console().do("GET", fmt.Sprintf("/display/halls/%d", w.hall), nil).Body); !strings.Contains(text, "暂无叫号") || !strings.Contains(text, "等候 0 人") {
				t.Fatalf("the next day the display reads %q", text)
			}
		})
		t.Run("audit filters", func(t *testing.T) {
			today := time.Now().In(cst).Format("2006-01-02")
			text := visibleText(t, ad.do("GET", "/console/audit?action=hall.&from="+today+"&to="+today, nil).Body)
			if !strings.Contains(text, "新增窗口") || strings.Contains(text, "创建账号") {
				t.Fatalf("halls today: %q", text)
			}
			if text := visibleText(t, ad.do("GET", "/console/audit?actor=ad-b%25", nil).Body); !strings.Contains(text, "没有符合条件的记录") {
				t.Fatalf("a %% in the actor is a character, not a wildcard: %q", text)
			}
			if text := visibleText(t, ad.do("GET", "/console/audit?actor=admin-hall", nil).Body); !strings.Contains(text, "新增窗口") || strings.Contains(text, "登录被拒") {
				t.Fatalf("by actor: %q", text)
			}
		})
		t.Run("locked staff", func(t *testing.T) {
			a.staffToken("ed-be", account.RoleEditor, "")
			for range a.cfg.Auth.StaffMaxFailures + 1 {
				a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": "ed-be", "password": "wrong-password-1"})
			}
			text := visibleText(t, ad.do("GET", "/console/staff", nil).Body)
			if i := strings.Index(text, "ed-be"); i < 0 || !strings.Contains(text[i:], "已锁定") || strings.Count(text, "已锁定") != 1 {
				t.Fatalf("the staff list reads %q", text)
			}
		})
	})
}

// TestCallingDisplayFollowsItsSettings: booking.display_refresh and
// booking.display_next set the reload period and the waiting numbers listed.
func TestCallingDisplayFollowsItsSettings(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, embedded)
	cfg.Booking.DisplayRefresh, cfg.Booking.DisplayNext = config.Duration(12*time.Second), 1
	a := newTestApp(t, cfg)
	w := a.bookingWorld("市民之家", 2)
	ad := a.consoleStaff("ad-set", account.RoleAdmin, "市政务服务中心")
	for range 3 {
		if r := ad.post(fmt.Sprintf("/console/hall?hall=%d", w.hall), "/console/hall/walk-ins", url.Values{"hall_id": {fmt.Sprint(w.hall)}}); r.Status != 303 {
			t.Fatalf("walk-in: %d", r.Status)
		}
	}
	r := a.console().do("GET", fmt.Sprintf("/display/halls/%d", w.hall), nil)
	body := string(r.Body)
	if !strings.Contains(body, `<meta http-equiv="refresh" content="12">`) || strings.Count(body, "<li>A00") != 1 || !strings.Contains(visibleText(t, r.Body), "等候 3 人") {
		t.Fatalf("%d %s", r.Status, body)
	}
}
