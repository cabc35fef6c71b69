package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"govapp/internal/account"
)

func (b *browser) opsValue(sel string) string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read the value of %s: %v", sel, err)
	}
	return v
}

// TestConsoleOperatorActionsInBrowser: on the ticket page an operator
// dispatches with a suggested department, a department found by typing and a
// 派单意见 the handler reads; re-dispatches before signing; edits the reply
// while reviewing it; and records the caller's verdict by phone (issue 14
// items 1, 2 and 15).
func TestConsoleOperatorActionsInBrowser(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	base := a.listen(t)
	br := startBrowser(t, base)
	op := a.staffToken("op-c", account.RoleOperator, "12345 热线中心")
	zj := a.staffToken("zj-c", account.RoleHandler, "市住建局")
	a.staffToken("rs-c", account.RoleHandler, "市人社局")
	zjID, rsID := a.deptID("市住建局"), a.deptID("市人社局")
	api := func(tok, path string, body any) map[string]any {
		t.Helper()
		r := a.do("POST", path, tok, body)
		if r.Status != 200 && r.Status != 201 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		return r.json(t)
	}
	// history: 市住建局 signed a 住房城建 ticket, so it is the suggestion for the next
	past := api(op, "/api/v1/ops/tickets", callBody("楼道灯坏了"))["tracking_no"].(string)
	api(op, "/api/v1/ops/tickets/"+past+"/accept", nil)
	api(op, "/api/v1/ops/tickets/"+past+"/dispatch", map[string]any{"department_id": zjID})
	api(zj, "/api/v1/ops/tickets/"+past+"/sign", nil)
	no := api(op, "/api/v1/ops/tickets", callBody("小区电梯停运两周"))["tracking_no"].(string)
	b := br.on(t)

	b.login("op-c")
	b.open("/console/tickets/" + no)
	b.submit("#do-accept")
	b.want("#dispatch-suggestion", "建议主办单位", "市住建局", "1 件")
	if got := b.opsValue("#dispatch-department"); got != fmt.Sprint(zjID) {
		t.Fatalf("the suggested department is not preselected: %q", got)
	}
	b.do("find a department by typing", chromedp.SendKeys(chromedp.ID("dispatch-department-filter"), "人社"))
	if got := b.opsValue("#dispatch-department"); got != fmt.Sprint(rsID) {
		t.Fatalf("typing 人社 chose department %q, want 市人社局 (%d)", got, rsID)
	}
	b.fill("#dispatch-note", "请核实后回复")
	b.submit("#do-dispatch")
	b.want("#ticket-status", "已派单")
	b.want("#ticket-dispatch-note", "请核实后回复")

	// re-dispatch before signing: the form is still there, as 改派
	b.want("#act-dispatch legend", "改派")
	b.do("find 住建", chromedp.SendKeys(chromedp.ID("dispatch-department-filter"), "住建"))
	if got := b.opsValue("#dispatch-department"); got != fmt.Sprint(zjID) {
		t.Fatalf("typing 住建 chose department %q", got)
	}
	b.fill("#dispatch-note", "应由住建局主办，请三日内到现场核实")
	b.submit("#do-dispatch")
	b.want("#timeline", "改派至市住建局")
	b.logout()

	b.login("zj-c")
	b.open("/console/tickets/" + no)
	b.want("#ticket-dispatch-note", "应由住建局主办，请三日内到现场核实")
	b.want("#timeline", "派单意见：应由住建局主办")
	b.submit("#do-sign")
	b.fill("#reply-reply", "已处理。\n经办人李四 13912345678。")
	b.submit("#do-reply")
	b.want("#ticket-status", "已答复")
	b.logout()

	b.login("op-c")
	b.open("/console/tickets/" + no)
	if got := b.opsValue("#review_pass-reply"); !strings.Contains(got, "李四 13912345678") {
		t.Fatalf("the review form does not start from the handler's reply: %q", got)
	}
	b.fill("#review_pass-reply", "已督促物业更换电梯主板，电梯已恢复运行。")
	b.submit("#do-review_pass")
	b.want("#ticket-status", "待回访")
	b.want("#ticket-reply", "已督促物业更换电梯主板")
	b.want("#timeline", "审核时修改了答复", "李四 13912345678")

	// the callback, recorded from the caller's answers
	b.do("record the answers", chromedp.Click(chromedp.ID("callback-satisfied-yes")), chromedp.Click(chromedp.ID("callback-resolved-yes")))
	b.fill("#callback-note", "电梯已恢复，来电人满意")
	b.submit("#do-callback")
	b.want("#flash", "电话回访")
	b.want("#ticket-status", "已办结")
	b.want("#timeline", "电话回访：满意（5 星），已解决：电梯已恢复，来电人满意")
	if r := a.do("GET", "/api/v1/ops/tickets/"+no, op, nil); !strings.Contains(string(r.Body), `"rating":5`) {
		t.Fatalf("the callback's rating is not on the ticket: %s", r.Body)
	}
}

// TestConsoleCallbackFormOnlyForPhonedInTickets: a ticket the resident rates
// in the app shows no callback form.
func TestConsoleCallbackFormOnlyForPhonedInTickets(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	base := a.listen(t)
	br := startBrowser(t, base)
	op := a.staffToken("op-d", account.RoleOperator, "12345 热线中心")
	zj := a.staffToken("zj-d", account.RoleHandler, "市住建局")
	alice := a.devLogin("o-alice", "")
	r := a.do("POST", "/api/v1/tickets", alice, ticketBody("小区电梯停运两周"))
	no := r.json(t)["tracking_no"].(string)
	for _, s := range []struct {
		tok, action string
		body        any
	}{{op, "accept", nil}, {op, "dispatch", map[string]any{"department_id": a.deptID("市住建局")}}, {zj, "sign", nil},
		{zj, "reply", map[string]any{"reply": "已责令物业于三日内修复电梯。"}}, {op, "review-pass", nil}} {
		if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/"+s.action, s.tok, s.body); r.Status != 200 {
			t.Fatalf("%s: %d %s", s.action, r.Status, r.Body)
		}
	}
	b := br.on(t)
	b.login("op-d")
	b.open("/console/tickets/" + no)
	b.want("#ticket-status", "待回访")
	ctx, cancel := b.timeout()
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#act-callback").length`))
	if err != nil || n != 0 {
		t.Fatalf("a mailbox ticket offers the callback form (%d, %v)", n, err)
	}
}
