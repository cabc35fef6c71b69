package app

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"govapp/internal/account"
)

// queueItems lists the queue as tok sees it with the query q.
func (a *testApp) queueItems(t *testing.T, tok, q string) []map[string]any {
	t.Helper()
	r := a.do("GET", "/api/v1/ops/tickets?"+q, tok, nil)
	if r.Status != 200 {
		t.Fatalf("queue ?%s: %d %s", q, r.Status, r.Body)
	}
	var out []map[string]any
	for _, it := range r.json(t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func trackingNos(items []map[string]any) []string {
	var nos []string
	for _, it := range items {
		nos = append(nos, it["tracking_no"].(string))
	}
	return nos
}

func hasNo(items []map[string]any, no string) bool {
	for _, n := range trackingNos(items) {
		if n == no {
			return true
		}
	}
	return false
}

// TestQueueShowsTheCurrentStepsDeadline: the queue and the detail carry the
// deadline of the step the ticket waits on (受理, then 签收, then 答复, then
// 审核答复) with its countdown, and the queue puts the most urgent first by
// default (overdue, then the soonest deadline; tickets waiting on nothing
// last), newest first on request, and pages either way.
func TestQueueShowsTheCurrentStepsDeadline(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		op := a.staffToken("dl-op", account.RoleOperator, "12345 热线中心")
		zj := a.staffToken("dl-zj", account.RoleHandler, "市住建局")
		call := func(title, phone string) string {
			t.Helper()
			body := ticketBody(title)
			body["contact_phone"] = phone
			r := a.do("POST", "/api/v1/ops/tickets", op, body)
			if r.Status != 201 {
				t.Fatalf("record: %d %s", r.Status, r.Body)
			}
			return r.json(t)["tracking_no"].(string)
		}
		current := func(no string) (map[string]any, map[string]any) {
			t.Helper()
			r := a.do("GET", "/api/v1/ops/tickets/"+no, op, nil)
			if r.Status != 200 {
				t.Fatalf("detail: %d %s", r.Status, r.Body)
			}
			m := r.json(t)
			tk, _ := m["ticket"].(map[string]any)
			if tk == nil {
				tk = m
			}
			cd, _ := tk["current_deadline"].(map[string]any)
			return cd, tk["deadlines"].(map[string]any)
		}
		step := func(tok, no, action string, body any) {
			t.Helper()
			if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/"+action, tok, body); r.Status != 200 {
				t.Fatalf("%s: %d %s", action, r.Status, r.Body)
			}
		}
		wantStep := func(no, stepName, label, dueKey string) {
			t.Helper()
			cd, dl := current(no)
			if cd == nil || cd["step"] != stepName || cd["step_label"] != label {
				t.Fatalf("%s: current_deadline %v, want step %s (%s)", no, cd, stepName, label)
			}
			if cd["due_at"] != dl[dueKey] || cd["due_at"] == nil {
				t.Fatalf("%s at %s: due_at %v, want %s %v", no, stepName, cd["due_at"], dueKey, dl[dueKey])
			}
			if left, _ := cd["seconds_left"].(float64); left <= 0 || cd["overdue"] != false || cd["time_left"] == "" {
				t.Fatalf("%s: a fresh deadline reads %v", no, cd)
			}
		}

		first := call("小区电梯停运两周", "13800138000")
		wantStep(first, "accept", "受理", "accept_by")
		items := a.queueItems(t, op, "")
		if cd := items[0]["current_deadline"].(map[string]any); cd["step"] != "accept" || !strings.Contains(cd["time_left"].(string), "小时") && !strings.Contains(cd["time_left"].(string), "分") {
			t.Fatalf("the queue shows %v for a ticket to accept, want the accept countdown", cd)
		}
		step(op, first, "accept", nil)
		wantStep(first, "reply", "答复", "reply_by")
		step(op, first, "dispatch", map[string]any{"department_id": a.deptID("市住建局")})
		wantStep(first, "sign", "签收", "sign_by") // not the reply deadline while it waits to be signed
		step(zj, first, "sign", nil)
		wantStep(first, "reply", "答复", "reply_by")
		step(zj, first, "reply", map[string]any{"reply": "已责令物业于三日内修复电梯。"})
		wantStep(first, "review", "审核答复", "reply_by")
		step(op, first, "review-pass", nil)
		if cd, _ := current(first); cd != nil {
			t.Fatalf("a ticket waiting for the resident's rating has the deadline %v", cd)
		}

		second := call("路灯不亮已经一周", "13800138001")
		third := call("噪音扰民严重影响休息", "13800138002")
		fourth := call("道路破损需要修补", "13800138003")
		// the third is past its accept deadline: it leads the queue
		past := time.Now().Add(-3 * time.Hour).UTC()
		if _, err := a.DB().Exec(a.DB().Rebind(`UPDATE tickets SET accept_due_at = ? WHERE tracking_no = ?`), past, third); err != nil {
			t.Fatal(err)
		}
		items = a.queueItems(t, op, "")
		got := trackingNos(items)
		want := []string{third, second, fourth, first}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("urgent order %v, want %v (overdue, soonest due and the longest waiting among equals, nothing due last)", got, want)
		}
		if cd := items[0]["current_deadline"].(map[string]any); cd["overdue"] != true || cd["seconds_left"].(float64) >= 0 ||
			!strings.HasPrefix(cd["time_left"].(string), "超期") {
			t.Fatalf("the overdue ticket reads %v", cd)
		}
		if items[3]["current_deadline"] != nil {
			t.Fatalf("the visiting ticket has a deadline: %v", items[3]["current_deadline"])
		}
		if got := trackingNos(a.queueItems(t, op, "sort=newest")); strings.Join(got, ",") != strings.Join([]string{fourth, third, second, first}, ",") {
			t.Fatalf("newest order %v", got)
		}
		// pages of the urgent order follow on
		r := a.do("GET", "/api/v1/ops/tickets?limit=3", op, nil)
		page1 := r.json(t)
		next, _ := page1["next_cursor"].(string)
		if r.Status != 200 || next == "" {
			t.Fatalf("page 1: %d %s", r.Status, r.Body)
		}
		if p2 := a.queueItems(t, op, "limit=3&cursor="+url.QueryEscape(next)); len(p2) != 1 || p2[0]["tracking_no"] != first {
			t.Fatalf("page 2 %v, want [%s]", trackingNos(p2), first)
		}
		for _, q := range []string{"sort=oldest", "cursor=abc", "sort=newest&cursor=" + url.QueryEscape(next)} {
			if r := a.do("GET", "/api/v1/ops/tickets?"+q, op, nil); r.Status != 400 || !hasHan(string(r.Body)) {
				t.Fatalf("?%s: %d %s, want 400 in Chinese", q, r.Status, r.Body)
			}
		}
	})
}

// TestCallerHistoryByPhoneHash: operators find a caller's tickets by phone —
// as the contact phone of a call, or as the verified phone of the resident
// who filed without one — in the queue's search (q=) and on the callers
// route; a ticket filed without a contact phone is reachable on the
// resident's verified phone; handlers may not list callers, and neither
// their search nor any detail leads them from a phone to an anonymous ticket.
func TestCallerHistoryByPhoneHash(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		op := a.staffToken("ch-op", account.RoleOperator, "12345 热线中心")
		zj := a.staffToken("ch-zj", account.RoleHandler, "市住建局")
		const phone, other, anonPhone = "13800138011", "13900139022", "13700137033"
		alice := a.devLogin("o-ch-alice", phone)
		carol := a.devLogin("o-ch-carol", anonPhone)
		submit := func(tok string, body map[string]any) string {
			t.Helper()
			r := a.do("POST", "/api/v1/tickets", tok, body)
			if r.Status != 201 {
				t.Fatalf("submit: %d %s", r.Status, r.Body)
			}
			return r.json(t)["tracking_no"].(string)
		}
		record := func(title, p string) string {
			t.Helper()
			body := ticketBody(title)
			body["contact_phone"] = p
			r := a.do("POST", "/api/v1/ops/tickets", op, body)
			if r.Status != 201 {
				t.Fatalf("record: %d %s", r.Status, r.Body)
			}
			return r.json(t)["tracking_no"].(string)
		}
		dispatch := func(no string) {
			t.Helper()
			for _, s := range []struct {
				action string
				body   any
			}{{"accept", nil}, {"dispatch", map[string]any{"department_id": a.deptID("市住建局")}}} {
				if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/"+s.action, op, s.body); r.Status != 200 {
					t.Fatalf("%s: %d %s", s.action, r.Status, r.Body)
				}
			}
		}
		contactOf := func(tok, no string) string {
			t.Helper()
			r := a.do("GET", "/api/v1/ops/tickets/"+no, tok, nil)
			if r.Status != 200 {
				t.Fatalf("detail: %d %s", r.Status, r.Body)
			}
			m := r.json(t)
			if tk, ok := m["ticket"].(map[string]any); ok {
				m = tk
			}
			s, _ := m["contact_phone"].(string)
			return s
		}

		body := ticketBody("小区电梯停运两周")
		delete(body, "contact_phone")
		web := submit(alice, body) // no contact phone: the verified one stands in
		called := record("小区路灯不亮", phone)
		stranger := record("噪音扰民严重影响休息", other)
		anon := ticketBody("某物业公司违规收取停车费")
		anon["kind"], anon["anonymous"] = "report", true
		delete(anon, "contact_phone")
		secret := submit(carol, anon)
		dispatch(web)
		dispatch(secret)

		if got := contactOf(op, web); got != phone {
			t.Fatalf("the operator reads %q as the contact of a ticket filed without one, want the verified %s", got, phone)
		}
		if got := contactOf(zj, web); got != phone {
			t.Fatalf("the lead handler reads %q, want the verified %s", got, phone)
		}
		if got := contactOf(op, secret); got != anonPhone {
			t.Fatalf("the operator reads %q for the anonymous ticket, want %s", got, anonPhone)
		}
		if r := a.do("GET", "/api/v1/ops/tickets/"+secret, zj, nil); r.Status != 200 || strings.Contains(string(r.Body), anonPhone) ||
			strings.Contains(string(r.Body), "1370") {
			t.Fatalf("the handler of an anonymous ticket learns its phone: %d %s", r.Status, r.Body)
		}

		for _, path := range []string{"/api/v1/ops/callers/" + phone + "/tickets", "/api/v1/ops/callers/+86%20138-0013-8011/tickets"} {
			r := a.do("GET", path, op, nil)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			var items []map[string]any
			for _, it := range r.json(t)["items"].([]any) {
				items = append(items, it.(map[string]any))
			}
			if got := trackingNos(items); strings.Join(got, ",") != called+","+web {
				t.Fatalf("%s lists %v, want the call and the resident's ticket [%s %s]", path, got, called, web)
			}
		}
		if got := trackingNos(a.queueItems(t, op, "caller_phone="+other)); len(got) != 1 || got[0] != stranger {
			t.Fatalf("caller_phone=%s lists %v", other, got)
		}
		if items := a.queueItems(t, op, "q="+phone); !hasNo(items, web) || !hasNo(items, called) || hasNo(items, stranger) {
			t.Fatalf("q=<phone> lists %v, want %s and %s", trackingNos(items), web, called)
		}
		if items := a.queueItems(t, op, "q="+anonPhone); !hasNo(items, secret) {
			t.Fatalf("the operator's q=<phone> misses the anonymous ticket: %v", trackingNos(items))
		}
		// the handler: its own department's ticket by phone, never the anonymous one
		if items := a.queueItems(t, zj, "q="+phone); !hasNo(items, web) {
			t.Fatalf("the handler's q=<phone> lists %v, want %s", trackingNos(items), web)
		}
		if items := a.queueItems(t, zj, "q="+anonPhone); len(items) != 0 {
			t.Fatalf("the handler finds the anonymous ticket by its submitter's phone: %v", trackingNos(items))
		}
		if items := a.queueItems(t, zj, ""); !hasNo(items, secret) {
			t.Fatalf("the handler does not see the anonymous ticket at all: %v", trackingNos(items))
		}
		for _, q := range []string{"/api/v1/ops/callers/" + phone + "/tickets", "/api/v1/ops/tickets?caller_phone=" + phone} {
			if r := a.do("GET", q, zj, nil); r.Status != 403 {
				t.Fatalf("a handler asks for a caller's history (%s): %d %s", q, r.Status, r.Body)
			}
		}
		if r := a.do("GET", "/api/v1/ops/callers/abc/tickets", op, nil); r.Status != 400 || !strings.Contains(string(r.Body), "电话号码") {
			t.Fatalf("a caller that is no phone number: %d %s", r.Status, r.Body)
		}
	})
}
