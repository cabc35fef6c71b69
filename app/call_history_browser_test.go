package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"govapp/internal/account"
)

// TestCallFormShowsCallerHistory: on 登记来电, typing the caller's number
// shows their earlier tickets — the calls recorded with it and what the
// resident who verified it filed without a contact phone — and a number
// nobody called from says so; ?phone= shows the same without script. A
// handler may not ask for it.
func TestCallFormShowsCallerHistory(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	base := a.listen(t)
	br := startBrowser(t, base)
	op := a.staffToken("op-h", account.RoleOperator, "12345 热线中心")
	a.staffToken("zj-h", account.RoleHandler, "市住建局")
	const phone = "13800138066"
	resident := a.devLogin("o-history", phone)
	web := ticketBody("小区电梯停运两周")
	delete(web, "contact_phone")
	r := a.do("POST", "/api/v1/tickets", resident, web)
	if r.Status != 201 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	filed := r.json(t)["tracking_no"].(string)
	call := ticketBody("小区路灯不亮已经一周")
	call["contact_phone"] = phone
	if r = a.do("POST", "/api/v1/ops/tickets", op, call); r.Status != 201 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	called := r.json(t)["tracking_no"].(string)
	call["contact_phone"], call["title"] = "13900139066", "别人的来电不应出现"
	if r = a.do("POST", "/api/v1/ops/tickets", op, call); r.Status != 201 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	others := r.json(t)["tracking_no"].(string)

	b := br.on(t)
	b.login("op-h")
	b.open("/console/tickets/new")
	wait := func(what, expr string) {
		t.Helper()
		ctx, cancel := b.timeout()
		defer cancel()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr)); err != nil {
			t.Fatalf("%s: %v; the history reads %q", what, err, b.text("#caller-history"))
		}
	}
	b.do("type the caller's number", chromedp.SendKeys(chromedp.ID("contact_phone"), "138 0013 8066"))
	wait("the caller's history", `document.querySelector("#caller-tickets") !== null`)
	b.want("#caller-tickets", filed, called, "小区电梯停运两周", "小区路灯不亮已经一周")
	b.want("#caller-history h2", "2 件")
	if got := b.text("#caller-history"); strings.Contains(got, others) {
		t.Fatalf("another caller's ticket is in the history: %q", got)
	}

	b.do("type a number nobody called from", chromedp.Evaluate[chromedp.Void](`document.getElementById("contact_phone").value = ""`),
		chromedp.SendKeys(chromedp.ID("contact_phone"), "13700137066"))
	wait("no history", `document.querySelector("#caller-none") !== null`)
	b.want("#caller-history", "没有历史工单")

	b.open("/console/tickets/new?phone=" + phone)
	b.want("#caller-tickets", filed, called)

	b.logout()
	b.login("zj-h")
	b.open("/console/tickets/new/history?phone=" + phone)
	if got := b.text("body"); strings.Contains(got, filed) || !strings.Contains(got, "403") {
		t.Fatalf("a handler asks for the caller's history and reads %q", got)
	}
}
