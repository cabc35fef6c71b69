package app

import (
	"slices"
	"strings"
	"testing"

	"govapp/internal/account"
	"govapp/internal/ticket"
)

// TestActionsAreTheActorsAndStable: the API's "actions" on a ticket are the
// ones the reader may take now — the same list, in the same order, on every
// read — and a handler is never offered an operator's action (accept above
// all); every action offered is one the service then accepts.
func TestActionsAreTheActorsAndStable(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		alice := a.devLogin("o-actions", "13800138001")
		op := a.staffToken("op-actions", account.RoleOperator, "12345 热线中心")
		hd := a.staffToken("zj-actions", account.RoleHandler, "市住建局")
		other := a.staffToken("rs-actions", account.RoleHandler, "市人社局")
		no := a.do("POST", "/api/v1/tickets", alice, ticketBody("小区电梯停运两周")).json(t)["tracking_no"].(string)
		path := "/api/v1/ops/tickets/" + no

		actions := func(token string) []string {
			t.Helper()
			r := a.do("GET", path, token, nil)
			if r.Status != 200 {
				t.Fatalf("read: %d %s", r.Status, r.Body)
			}
			var out []string
			for _, x := range r.json(t)["actions"].([]any) {
				out = append(out, x.(string))
			}
			return out
		}
		stable := func(token, who string) []string {
			t.Helper()
			first := actions(token)
			for i := 0; i < 100; i++ {
				if got := actions(token); !slices.Equal(got, first) {
					t.Fatalf("%s: read %d gives %v, the first gave %v", who, i+2, got, first)
				}
			}
			return first
		}
		operatorOnly := []string{"accept", "reject", "answer", "dispatch", "review_pass", "review_fail", "approve_extension", "callback", "merge"}
		noOperatorAction := func(who string, got []string) {
			t.Helper()
			for _, x := range got {
				if slices.Contains(operatorOnly, x) {
					t.Fatalf("%s is offered the operator's %s: %v", who, x, got)
				}
			}
		}

		if got := stable(op, "the operator on a new ticket"); !slices.Contains(got, "accept") || slices.Contains(got, "sign") {
			t.Fatalf("the operator on a new ticket: %v", got)
		}
		if r := a.do("POST", path+"/accept", op, nil); r.Status != 200 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", path+"/dispatch", op, map[string]any{"department_id": a.deptID("市住建局")}); r.Status != 200 {
			t.Fatalf("dispatch: %d %s", r.Status, r.Body)
		}
		got := stable(hd, "the lead handler on a dispatched ticket")
		noOperatorAction("the lead handler", got)
		if strings.Join(got, ",") != "sign,return" {
			t.Fatalf("the lead handler on a dispatched ticket: %v, want sign and return", got)
		}
		if got := stable(op, "the operator on a dispatched ticket"); !slices.Contains(got, "dispatch") || slices.Contains(got, "sign") {
			t.Fatalf("the operator may re-dispatch, not sign: %v", got)
		}
		if r := a.do("GET", path, other, nil); r.Status != 404 {
			t.Fatalf("another department's handler reads it: %d", r.Status)
		}
		for _, x := range got {
			if x == "sign" { // every action offered is accepted
				if r := a.do("POST", path+"/sign", hd, nil); r.Status != 200 {
					t.Fatalf("sign, as offered: %d %s", r.Status, r.Body)
				}
			}
		}
		got = stable(hd, "the lead handler on a ticket in hand")
		noOperatorAction("the lead handler", got)
		if strings.Join(got, ",") != "ask_info,request_extension,reply" {
			t.Fatalf("the handler in hand: %v", got)
		}
		if r := a.do("POST", path+"/request-extension", hd, map[string]any{"days": 3, "note": "需协调供电公司"}); r.Status != 200 {
			t.Fatalf("extension: %d %s", r.Status, r.Body)
		}
		if got := actions(hd); slices.Contains(got, "request_extension") {
			t.Fatalf("an extension is offered twice: %v", got)
		}
		if got := actions(op); !slices.Contains(got, "approve_extension") {
			t.Fatalf("the operator is not offered the approval: %v", got)
		}
		// the order is the table's, whoever reads
		for _, got := range [][]string{actions(op), actions(hd)} {
			order := ticket.Actions()
			last := -1
			for _, x := range got {
				i := slices.Index(order, ticket.Action(x))
				if i < last {
					t.Fatalf("%v is not in the table's order", got)
				}
				last = i
			}
		}
	})
}
