package app

import (
	"strings"
	"testing"

	"govapp/internal/account"
	"govapp/internal/platform/pii"
)

// anonTicket is an anonymous ticket of the anonymity matrix and what would
// identify the person behind it.
type anonTicket struct {
	what  string
	no    string
	shown []string // operators must find these in the ticket's detail (so that hiding them proves something)
	inAPI []string // and these in the API's detail
	ident []string // nobody but operators may find any of these anywhere
}

// TestAuthorizationMatrixAnonymousTicket: an anonymous ticket (a 举报
// whistleblower's) is anonymous to the departments that handle it — only
// operators (and admins) see who filed it: the contact phone, the caller's
// name, the submitter's id, the submitter's own verified phone. The handlers
// of the lead department, of the department above it and of a co-department
// see the ticket and work it, but find none of these, masked or not, in the
// API's detail, the queue, the answers to their actions or the console's pages.
func TestAuthorizationMatrixAnonymousTicket(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := &world{a: a}
		w.deptTree(t)
		w.user[oper], w.user[handX], w.user[handP], w.user[handC], w.user[handY], w.user[admin] =
			"anon-op", "anon-hx", "anon-hp", "anon-hc", "anon-hy", "anon-admin"
		w.token[oper] = a.staffToken(w.user[oper], account.RoleOperator, "12345 热线中心")
		w.token[handX] = a.staffToken(w.user[handX], account.RoleHandler, deptX)
		w.token[handP] = a.staffToken(w.user[handP], account.RoleHandler, deptParent)
		w.token[handC] = a.staffToken(w.user[handC], account.RoleHandler, deptChild)
		w.token[handY] = a.staffToken(w.user[handY], account.RoleHandler, deptY)
		w.token[admin] = a.staffToken(w.user[admin], account.RoleAdmin, "")
		staff := these(oper, handX, handP, handC, handY, admin)
		for _, p := range staff {
			w.console[p], w.csrf[p] = w.signIn(t, p)
		}
		handlers := these(handX, handP, handC) // lead, above the lead, co-department
		operators := these(oper, admin)

		const verified, contact, callPhone, caller = "13900139007", "13700137005", "13600136004", "王五举报人"
		res := a.devLogin("o-whistleblower", verified)
		must := func(r response, what string) response {
			t.Helper()
			if r.Status != 200 && r.Status != 201 {
				t.Fatalf("fixture: %s: %d %s", what, r.Status, r.Body)
			}
			return r
		}
		type answer struct {
			what string
			r    response
		}
		var answers []answer // the lead handler's answers to their own actions
		work := func(no string, resident string) {
			ops := "/api/v1/ops/tickets/" + no
			must(a.do("POST", ops+"/accept", w.token[oper], nil), "accept")
			must(a.do("POST", ops+"/dispatch", w.token[oper], map[string]any{"department_id": a.deptID(deptX),
				"co_departments": []int64{a.deptID(deptChild)}}), "dispatch")
			answers = append(answers, answer{"sign " + no, must(a.do("POST", ops+"/sign", w.token[handX], nil), "sign")})
			if resident != "" {
				answers = append(answers, answer{"ask-info " + no,
					must(a.do("POST", ops+"/ask-info", w.token[handX], map[string]any{"note": "请补充收费的时间"}), "ask-info")})
				must(a.do("POST", "/api/v1/me/tickets/"+no+"/info", resident, map[string]any{"note": "2026年11月10日上午"}), "info")
			}
		}

		body := ticketBody("某物业公司违规收取停车费")
		body["kind"], body["anonymous"], body["contact_phone"] = "report", true, contact
		web := anonTicket{what: "submitted anonymously", shown: []string{contact}, inAPI: []string{`"submitter_id"`},
			ident: []string{contact, pii.MaskPhone(contact), verified, pii.MaskPhone(verified), `"submitter_id"`}}
		web.no = must(a.do("POST", "/api/v1/tickets", res, body), "submit").json(t)["tracking_no"].(string)
		work(web.no, res)

		call := map[string]any{"kind": "report", "category": "住房城建", "title": "举报违规收费", "content": "来电举报某物业公司违规收取停车费，要求匿名。",
			"contact_phone": callPhone, "caller_name": caller, "anonymous": true}
		phoned := anonTicket{what: "an anonymous call", shown: []string{callPhone, caller},
			ident: []string{callPhone, pii.MaskPhone(callPhone), caller}}
		phoned.no = must(a.do("POST", "/api/v1/ops/tickets", w.token[oper], call), "record call").json(t)["tracking_no"].(string)
		work(phoned.no, "")

		for _, x := range answers {
			for _, s := range append(web.ident, phoned.ident...) {
				if strings.Contains(string(x.r.Body), s) {
					t.Errorf("the lead department's handler's answer to %s shows %q", x.what, s)
				}
			}
		}

		detail := func(m probe) probe { return m.but(s404, handY) }
		rows := []struct {
			m      probe
			detail bool // operators find the identity in it
		}{
			{detail(line("GET /api/v1/ops/tickets/:no", staffOnly(rOp, rHd))), true},
			{line("GET /api/v1/ops/tickets", staffOnly(rOp, rHd)), false},
			{leadAction(line("POST /api/v1/ops/tickets/:no/request-extension", staffOnly(rOp, rHd))).but(s403, handC).
				with(func(*world) any { return map[string]any{"days": 3, "note": "需要现场核查"} }), false},
			{detail(line("GET /console/tickets/:no", pages(rOp, rHd))), true},
			{line("GET /console/tickets", pages(rOp, rHd)), false},
		}
		for _, tk := range []anonTicket{web, phoned} {
			w.ticket = tk.no
			for _, row := range rows {
				m := row.m
				for _, p := range staff {
					r := w.probe(t, m, p)
					got, bad := judge(r, m.console)
					if want := m.expect(p); bad != "" || got != want {
						t.Errorf("%s, %s %s as %s: %s (%d), want %s %s", tk.what, m.method, m.path, p, got, r.Status, want, bad)
						continue
					}
					page := string(r.Body)
					if row.detail && contains(operators, p) {
						shown := tk.shown
						if !m.console {
							shown = append(shown, tk.inAPI...)
						}
						for _, s := range shown {
							if !strings.Contains(page, s) {
								t.Errorf("%s, %s %s as %s: the operator does not find %q, so hiding it from the handlers proves nothing", tk.what, m.method, m.path, p, s)
							}
						}
						continue
					}
					if !contains(handlers, p) {
						continue
					}
					for _, s := range tk.ident {
						if strings.Contains(page, s) {
							t.Errorf("%s, %s %s as %s: the answer shows %q", tk.what, m.method, m.path, p, s)
						}
					}
				}
			}
		}
	})
}
