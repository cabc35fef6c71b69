package app

import (
	"strings"
	"testing"

	"govapp/internal/account"
)

// TestAuthorizationMatrixAssignedToChild is the other half of the matrix's
// lines for the handler under X (who is told X's ticket does not exist): a
// handler of a department under X sees a ticket once it is assigned to their
// department — as a co-department (协办), where they still may not sign, which
// is the lead department's (SPEC §5), or as the lead department, which they
// sign; the handlers above the lead keep seeing it (SPEC §1: a department's subtree).
func TestAuthorizationMatrixAssignedToChild(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := &world{a: a}
		w.deptTree(t)
		res := a.devLogin("o-subtree", "")
		op := a.staffToken("subtree-op", account.RoleOperator, "12345 热线中心")
		hand := map[who]string{
			handP: a.staffToken("subtree-hp", account.RoleHandler, deptParent),
			handX: a.staffToken("subtree-hx", account.RoleHandler, deptX),
			handC: a.staffToken("subtree-hc", account.RoleHandler, deptChild),
		}
		dispatched := func(title string, dispatch map[string]any) string {
			t.Helper()
			r := a.do("POST", "/api/v1/tickets", res, ticketBody(title))
			if r.Status != 201 {
				t.Fatalf("submit: %d %s", r.Status, r.Body)
			}
			no := r.json(t)["tracking_no"].(string)
			for _, step := range []struct {
				action string
				body   any
			}{{"accept", nil}, {"dispatch", dispatch}} {
				if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/"+step.action, op, step.body); r.Status != 200 {
					t.Fatalf("%s: %d %s", step.action, r.Status, r.Body)
				}
			}
			return no
		}
		// sees checks that p reads the ticket and finds it in their queue.
		sees := func(p who, no string) {
			t.Helper()
			if r := a.do("GET", "/api/v1/ops/tickets/"+no, hand[p], nil); r.Status != 200 {
				t.Errorf("%s reads %s: %d %s, want 200", p, no, r.Status, r.Body)
			}
			if r := a.do("GET", "/api/v1/ops/tickets", hand[p], nil); r.Status != 200 || !strings.Contains(string(r.Body), no) {
				t.Errorf("the queue of %s lacks %s: %d %.300s", p, no, r.Status, r.Body)
			}
		}
		sign := func(p who, no string, want int) {
			t.Helper()
			r := a.do("POST", "/api/v1/ops/tickets/"+no+"/sign", hand[p], nil)
			if r.Status != want {
				t.Fatalf("%s signs %s: %d %s, want %d", p, no, r.Status, r.Body, want)
			}
			if want == 403 && r.errorCode(t) != "forbidden" {
				t.Errorf("%s signs %s: %s, want forbidden", p, no, r.errorCode(t))
			}
		}

		// X leads, the department under X helps.
		co := dispatched("小区电梯停运两周", map[string]any{"department_id": a.deptID(deptX), "co_departments": []int64{a.deptID(deptChild)}})
		for _, p := range []who{handC, handX, handP} {
			sees(p, co)
		}
		sign(handC, co, 403)
		sign(handX, co, 200)

		// The department under X leads: it signs; X and X's parent see it.
		lead := dispatched("楼道消防通道被占用", map[string]any{"department_id": a.deptID(deptChild)})
		for _, p := range []who{handC, handX, handP} {
			sees(p, lead)
		}
		sign(handC, lead, 200)
	})
}
