package app

import (
	"strings"
	"testing"

	"govapp/internal/account"
)

// callBody is a phone call an operator records.
func callBody(title string) map[string]any {
	b := ticketBody(title)
	b["caller_name"] = "张三"
	return b
}

// TestOperatorActionsOverHTTP: the callback of a phoned-in ticket (issue 14
// item 1), the 派单意见 reaching the handler (item 2), re-dispatch before
// signing, the reviewer's edit of the reply and the suggested department
// (item 15).
func TestOperatorActionsOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		op := a.staffToken("op1", account.RoleOperator, "12345 热线中心")
		zj := a.staffToken("zj1", account.RoleHandler, "市住建局")
		rs := a.staffToken("rs1", account.RoleHandler, "市人社局")
		zjID, rsID := a.deptID("市住建局"), a.deptID("市人社局")
		call := func(title string) string {
			t.Helper()
			r := a.do("POST", "/api/v1/ops/tickets", op, callBody(title))
			if r.Status != 201 {
				t.Fatalf("record: %d %s", r.Status, r.Body)
			}
			return r.json(t)["tracking_no"].(string)
		}
		step := func(no, tok, action string, body any, want int) response {
			t.Helper()
			r := a.do("POST", "/api/v1/ops/tickets/"+no+"/"+action, tok, body)
			if r.Status != want {
				t.Fatalf("%s: %d %s", action, r.Status, r.Body)
			}
			return r
		}
		timeline := func(no, tok string) string {
			t.Helper()
			r := a.do("GET", "/api/v1/ops/tickets/"+no, tok, nil)
			if r.Status != 200 {
				t.Fatalf("detail: %d %s", r.Status, r.Body)
			}
			return string(r.Body)
		}

		no := call("小区电梯停运两周")
		if r := a.do("GET", "/api/v1/ops/tickets/"+no+"/suggested-department", op, nil); r.Status != 200 || r.json(t)["suggestion"] != nil {
			t.Fatalf("a suggestion with no history: %d %s", r.Status, r.Body)
		}
		step(no, op, "accept", nil, 200)
		step(no, op, "dispatch", map[string]any{"department_id": rsID, "note": "请核实后回复"}, 200)
		// re-dispatch before signing, with the 派单意见 for the new department
		r := step(no, op, "dispatch", map[string]any{"department_id": zjID, "note": "请三日内到现场核实并联系物业", "internal_note": "该小区本月第三次来电"}, 200)
		if r.json(t)["department"] != "市住建局" {
			t.Fatalf("after re-dispatch: %s", r.Body)
		}
		if r := a.do("GET", "/api/v1/ops/tickets/"+no, rs, nil); r.Status != 404 {
			t.Fatalf("the first department still reads the re-dispatched ticket: %d", r.Status)
		}
		body := timeline(no, zj)
		for _, want := range []string{"改派至市住建局", "派单意见：请三日内到现场核实并联系物业", "该小区本月第三次来电"} {
			if !strings.Contains(body, want) {
				t.Fatalf("the handler's detail lacks %q: %s", want, body)
			}
		}
		step(no, zj, "sign", nil, 200)
		step(no, op, "dispatch", map[string]any{"department_id": rsID}, 409) // signed: no more re-dispatch
		step(no, zj, "reply", map[string]any{"reply": "已处理，经办人李四 13912345678。"}, 200)
		step(no, op, "review-pass", map[string]any{"reply": "短"}, 400)
		r = step(no, op, "review-pass", map[string]any{"reply": "已督促物业更换电梯主板，电梯已恢复运行。"}, 200)
		if r.json(t)["reply"] != "已督促物业更换电梯主板，电梯已恢复运行。" {
			t.Fatalf("the edited reply was not kept: %s", r.Body)
		}
		if body := timeline(no, op); !strings.Contains(body, "审核时修改了答复") || !strings.Contains(body, "13912345678") {
			t.Fatalf("the timeline does not keep the handler's original: %s", body)
		}

		// the callback: offered for a phoned-in ticket, operators only, a complete verdict, counted as a rating
		// (rate is the resident's action: it is not offered to the operator)
		if d := a.do("GET", "/api/v1/ops/tickets/"+no, op, nil); !strings.Contains(string(d.Body), `"actions":["callback"]`) {
			t.Fatalf("the actions of a phoned-in ticket in 待回访: %s", d.Body)
		}
		step(no, zj, "callback", map[string]any{"satisfied": true, "resolved": true}, 403)
		if r := step(no, op, "callback", map[string]any{"resolved": true}, 400); !strings.Contains(string(r.Body), "satisfied") {
			t.Fatalf("a callback without satisfied names no field: %s", r.Body)
		}
		r = step(no, op, "callback", map[string]any{"satisfied": true, "resolved": true, "comment": "电梯已修好"}, 200)
		if m := r.json(t); m["status"] != "closed" || m["rating"] != float64(5) || m["rating_comment"] != "电梯已修好" {
			t.Fatalf("after the callback: %s", r.Body)
		}
		step(no, op, "callback", map[string]any{"satisfied": true, "resolved": true}, 409)
		var audited int
		if err := a.DB().Get(&audited, a.DB().Rebind(`SELECT COUNT(*) FROM audit_log WHERE action = 'ticket.callback' AND target_id = ? AND actor_name = 'op1'`), no); err != nil || audited != 1 {
			t.Fatalf("%d audit rows of the callback (%v), want 1", audited, err)
		}
		st := a.do("GET", "/api/v1/public/stats/tickets", "", nil)
		if st.Status != 200 || !strings.Contains(string(st.Body), `"rated":1`) {
			t.Fatalf("the callback is not counted in the statistics: %d %s", st.Status, st.Body)
		}
		// 市住建局 has now signed one 住房城建 ticket: it is suggested for the next
		next := call("楼道电梯又坏了")
		r = a.do("GET", "/api/v1/ops/tickets/"+next+"/suggested-department", op, nil)
		if sg, _ := r.json(t)["suggestion"].(map[string]any); r.Status != 200 || sg == nil || sg["department"] != "市住建局" || sg["tickets"] != float64(1) {
			t.Fatalf("suggestion: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", "/api/v1/ops/tickets/"+next+"/suggested-department", zj, nil); r.Status != 403 {
			t.Fatalf("a handler asks for a suggestion: %d", r.Status)
		}

		// unsatisfied: back to the same department, once
		two := call("路灯不亮")
		step(two, op, "accept", nil, 200)
		step(two, op, "dispatch", map[string]any{"department_id": zjID}, 200)
		step(two, zj, "sign", nil, 200)
		step(two, zj, "reply", map[string]any{"reply": "已安排维修路灯。"}, 200)
		step(two, op, "review-pass", nil, 200)
		r = step(two, op, "callback", map[string]any{"satisfied": false, "resolved": false, "comment": "路灯仍不亮"}, 200)
		if m := r.json(t); m["status"] != "handling" || m["reopened"] != true || m["department"] != "市住建局" {
			t.Fatalf("an unsatisfied callback: %s", r.Body)
		}
		if body := timeline(two, op); !strings.Contains(body, "电话回访：不满意") || !strings.Contains(body, "未解决") {
			t.Fatalf("the timeline lacks the callback: %s", body)
		}
	})
}

// TestCallbackRefusedForAppTickets: a resident who filed in the app rates there.
func TestCallbackRefusedForAppTickets(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	alice := a.devLogin("o-alice", "")
	op := a.staffToken("op1", account.RoleOperator, "12345 热线中心")
	zj := a.staffToken("zj1", account.RoleHandler, "市住建局")
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
	// the resident rates in the app: the operator has nothing to do (neither
	// a callback nor the resident's rate is offered to them)
	if d := a.do("GET", "/api/v1/ops/tickets/"+no, op, nil); d.json(t)["actions"] != nil {
		t.Fatalf("the operator's actions on an app ticket in 待回访: %v", d.json(t)["actions"])
	}
	r = a.do("POST", "/api/v1/ops/tickets/"+no+"/callback", op, map[string]any{"satisfied": true, "resolved": true})
	if r.Status != 409 || r.errorCode(t) != "not_phoned_in" {
		t.Fatalf("callback on a mailbox ticket: %d %s", r.Status, r.Body)
	}
}
