package app

import (
	"fmt"
	"strings"
	"testing"

	"govapp/internal/account"
)

// audience is who a route is for; it gives the default expectation of each
// person, written here independently of the route table's Auth and Roles
// so that loosening a route's guard fails the matrix.
type audience struct {
	kind  int // audPublic…
	roles []account.Role
}

const (
	audPublic    = iota // anyone, signed in or not
	audSignedIn         // any resident or staff member
	audResidents        // residents only
	audStaff            // staff of roles (admins always); no roles: any staff
	audConsole          // console pages (cookie session) of roles (admins always); no roles: any staff
)

var (
	public    = audience{kind: audPublic}
	signedIn  = audience{kind: audSignedIn}
	residents = audience{kind: audResidents}
	rOp, rHd  = account.RoleOperator, account.RoleHandler
	rCk, rEd  = account.RoleClerk, account.RoleEditor
	rAd       = account.RoleAdmin
)

func staffOnly(roles ...account.Role) audience { return audience{kind: audStaff, roles: roles} }
func pages(roles ...account.Role) audience     { return audience{kind: audConsole, roles: roles} }

// expect is the default outcome of p on a route for aud.
func (aud audience) expect(p who) outcome {
	mayStaff := func() bool {
		if p.role() == account.RoleAdmin || len(aud.roles) == 0 {
			return true
		}
		for _, r := range aud.roles {
			if r == p.role() {
				return true
			}
		}
		return false
	}
	switch aud.kind {
	case audSignedIn:
		if p == anon {
			return s401
		}
	case audResidents:
		switch {
		case p == anon:
			return s401
		case p.staff():
			return s403
		}
	case audStaff:
		switch {
		case p == anon:
			return s401
		case p.resident() || !mayStaff():
			return s403
		}
	case audConsole:
		switch {
		case !p.staff():
			return toLogin
		case !mayStaff():
			return s403
		}
	}
	return passed
}

// agrees reports how r's guard differs from what aud says ("" when it does
// not): the API's guard is the route's Auth and Roles (the console's is
// inside its handlers, and only the requests can tell).
func (aud audience) agrees(r route) string {
	want := map[int]authLevel{audPublic: authNone, audSignedIn: authAny, audResidents: authResident, audStaff: authStaff}[aud.kind]
	same := len(r.Roles) == len(aud.roles)
	for i := 0; same && i < len(r.Roles); i++ {
		same = r.Roles[i] == aud.roles[i]
	}
	if r.Auth != want || !same {
		return fmt.Sprintf("the route table guards it with Auth %d, Roles %v; the matrix expects Auth %d, Roles %v", r.Auth, r.Roles, want, aud.roles)
	}
	return ""
}

// probe is one line of the matrix: a route, who it is for, the exceptions
// that ownership makes, and what the request carries.
type probe struct {
	method, path string
	console      bool
	aud          audience
	except       map[who]outcome
	body         func(w *world) any // API; nil sends no body
	form         map[string]string  // console; {hall1}, {win1} and {apptCode} are filled in
	fresh        bool               // a new token or session for each person (the route ends it)
	oa           bool               // signed as WeChat signs the official account's callbacks
	see, hide    []who              // who must, and who must not, find secret in the answer
	secret       func(w *world) string
}

func line(key string, aud audience) probe {
	method, path, _ := strings.Cut(key, " ")
	return probe{method: method, path: path, aud: aud, console: strings.HasPrefix(path, "/console")}
}

// but makes an exception: ps get o instead of the audience's default.
func (m probe) but(o outcome, ps ...who) probe {
	ex := map[who]outcome{}
	for p, x := range m.except {
		ex[p] = x
	}
	for _, p := range ps {
		ex[p] = o
	}
	m.except = ex
	return m
}

func (m probe) with(body func(w *world) any) probe { m.body = body; return m }

func (m probe) fields(kv ...string) probe {
	m.form = map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.form[kv[i]] = kv[i+1]
	}
	return m
}

func (m probe) freshSession() probe { m.fresh = true; return m }

func (m probe) signedByWeChat() probe { m.oa = true; return m }

func (m probe) only(see, hide []who, secret func(w *world) string) probe {
	m.see, m.hide, m.secret = see, hide, secret
	return m
}

func (m probe) expect(p who) outcome {
	if o, ok := m.except[p]; ok {
		return o
	}
	return m.aud.expect(p)
}

func these(p ...who) []who { return p }

// The ownership rules (SPEC §5, §6, §10) as exceptions to the audiences.
var (
	// A's ticket: resident B is told it does not exist.
	notB = []who{resB}
	// X's ticket: the handlers of another department, of a department under X
	// (the ticket is not assigned to it), or of none, are told it does not exist.
	// The handlers of X and of X's parent see it: X is in their subtree (SPEC §1).
	notX = []who{handY, handZ, handC}
	seeX = []who{oper, handX, handP, admin}
	// Operator actions of the transition table: the handlers who see the ticket
	// may not take the action (403); the other handlers cannot see it (404).
	opAction = func(m probe) probe { return m.but(s403, handX, handP).but(s404, notX...) }
	// Actions of the lead department's handlers, those of X's subtree and of the
	// departments above it (ticket.byLead): not the operator's (403).
	leadAction = func(m probe) probe { return m.but(s403, oper).but(s404, notX...) }
	// A's image: A, the operator (and admin) and the handlers who see the ticket may read it.
	notImage = []who{resB, handY, handZ, handC, clerk1, clerk2, editor}

	ticketNo   = func(w *world) string { return w.ticket }
	apptCode   = func(w *world) string { return w.apptCode }
	hall1Shown = func(*world) string { return hall1Name }
	empty      = func(*world) any { return map[string]any{} }
)

// authzMatrix is every route of (*App).routes(), one line each.
func authzMatrix() []probe {
	return []probe{
		line("GET /healthz", public),
		line("GET /readyz", public),
		line("GET /metrics", public),
		line("GET /openapi.json", public),
		line("GET /docs", public),
		// The official account's callback: WeChat's signature is its guard, not our tokens.
		line("GET /wechat/oa", public).signedByWeChat(),
		line("POST /wechat/oa", public).signedByWeChat().with(func(*world) any { return oaText("o-authz-oa", 42, "身份证") }),

		line("POST /api/v1/auth/wechat/login", public),
		line("POST /api/v1/auth/dev/login", public),
		line("POST /api/v1/auth/staff/login", public),
		line("POST /api/v1/auth/logout", signedIn).freshSession(),
		line("POST /api/v1/auth/refresh", signedIn).freshSession(),
		line("GET /api/v1/me", signedIn),
		line("POST /api/v1/me/phone", residents),

		line("GET /api/v1/departments", public),
		line("GET /api/v1/admin/audit-log", staffOnly(rAd)),
		line("POST /api/v1/admin/staff", staffOnly(rAd)),
		line("POST /api/v1/me/subscribe-grants", residents),
		line("GET /api/v1/me/subscribe-grants", residents),
		line("GET /api/v1/me/notification-settings", residents),
		line("PUT /api/v1/me/notification-settings", residents),
		line("POST /api/v1/tickets", residents),
		line("GET /api/v1/me/tickets", residents).only(these(resA), these(resB), ticketNo),
		line("GET /api/v1/me/tickets/:no", residents).but(s404, notB...),
		line("POST /api/v1/me/tickets/:no/rating", residents).but(s404, notB...).with(func(*world) any { return map[string]any{"rating": 5} }),
		line("POST /api/v1/me/tickets/:no/info", residents).but(s404, notB...).with(func(*world) any { return map[string]any{"note": "补充：电梯在 3 栋"} }),
		line("POST /api/v1/me/tickets/:no/withdraw", residents).but(s404, notB...).with(empty),
		line("POST /api/v1/uploads", signedIn),
		line("GET /api/v1/uploads/:id", signedIn).but(s404, notImage...),
		line("POST /api/v1/ops/tickets", staffOnly(rOp)),
		line("GET /api/v1/ops/tickets", staffOnly(rOp, rHd)).only(seeX, notX, ticketNo),
		line("GET /api/v1/ops/tickets/:no", staffOnly(rOp, rHd)).but(s404, notX...),
		line("GET /api/v1/ops/tickets/:no/duplicates", staffOnly(rOp)),
		line("GET /api/v1/ops/callers/:phone/tickets", staffOnly(rOp)),
		line("POST /api/v1/ops/tickets/:no/callback", staffOnly(rOp)).with(func(*world) any { return map[string]any{"satisfied": true, "resolved": true} }),
		line("GET /api/v1/ops/tickets/:no/suggested-department", staffOnly(rOp)),
		opAction(line("POST /api/v1/ops/tickets/:no/accept", staffOnly(rOp, rHd))),
		opAction(line("POST /api/v1/ops/tickets/:no/reject", staffOnly(rOp, rHd))),
		opAction(line("POST /api/v1/ops/tickets/:no/answer", staffOnly(rOp, rHd))),
		opAction(line("POST /api/v1/ops/tickets/:no/dispatch", staffOnly(rOp, rHd))),
		leadAction(line("POST /api/v1/ops/tickets/:no/sign", staffOnly(rOp, rHd))),
		leadAction(line("POST /api/v1/ops/tickets/:no/return", staffOnly(rOp, rHd))),
		leadAction(line("POST /api/v1/ops/tickets/:no/ask-info", staffOnly(rOp, rHd))),
		leadAction(line("POST /api/v1/ops/tickets/:no/request-extension", staffOnly(rOp, rHd))),
		opAction(line("POST /api/v1/ops/tickets/:no/approve-extension", staffOnly(rOp, rHd))),
		leadAction(line("POST /api/v1/ops/tickets/:no/reply", staffOnly(rOp, rHd))),
		opAction(line("POST /api/v1/ops/tickets/:no/review-pass", staffOnly(rOp, rHd))),
		opAction(line("POST /api/v1/ops/tickets/:no/review-fail", staffOnly(rOp, rHd))),
		opAction(line("POST /api/v1/ops/tickets/:no/merge", staffOnly(rOp, rHd))),
		line("GET /api/v1/ops/tickets/:no/publication", staffOnly(rOp)),
		line("POST /api/v1/ops/tickets/:no/publication", staffOnly(rOp)),
		line("GET /api/v1/public/tickets", public),
		line("GET /api/v1/public/tickets/:no", public),
		line("GET /api/v1/public/stats/tickets", public),
		line("GET /api/v1/admin/calendar", staffOnly(rAd)),
		line("PUT /api/v1/admin/calendar/:date", staffOnly(rAd)),

		line("GET /api/v1/guide-categories", public),
		line("GET /api/v1/ticket-categories", public),
		line("GET /api/v1/subscribe-templates", public),
		line("GET /api/v1/guides", public),
		line("GET /api/v1/guides/:code", public),
		line("GET /api/v1/guides/:code/checklist", public),
		line("GET /api/v1/admin/guides", staffOnly(rEd)),
		line("POST /api/v1/admin/guides", staffOnly(rEd)),
		line("POST /api/v1/admin/guides/import", staffOnly(rEd)),
		line("GET /api/v1/admin/guides/:code", staffOnly(rEd)),
		line("PUT /api/v1/admin/guides/:code", staffOnly(rEd)),
		line("GET /api/v1/admin/guides/:code/preview", staffOnly(rEd)),
		line("POST /api/v1/admin/guides/:code/publish", staffOnly(rEd)),
		line("POST /api/v1/admin/guides/:code/retire", staffOnly(rEd)),
		line("GET /api/v1/admin/guides/:code/versions", staffOnly(rEd)),
		line("GET /api/v1/admin/guides/:code/versions/:version", staffOnly(rEd)),

		line("GET /api/v1/halls", public),
		line("GET /api/v1/halls/:id", public),
		line("GET /api/v1/halls/:id/slots", public),
		line("POST /api/v1/appointments", residents),
		line("GET /api/v1/me/appointments", residents).only(these(resA), these(resB), apptCode),
		line("GET /api/v1/me/appointments/:id", residents).but(s404, notB...).only(these(resA), these(resB), apptCode),
		line("POST /api/v1/me/appointments/:id/cancel", residents).but(s404, notB...),
		line("POST /api/v1/me/appointments/:id/reschedule", residents).but(s404, notB...).with(func(w *world) any { return map[string]any{"slot_id": w.apptSlot} }),
		line("POST /api/v1/admin/halls", staffOnly(rAd)),
		line("PUT /api/v1/admin/halls/:id", staffOnly(rAd)),
		line("POST /api/v1/admin/halls/:id/windows", staffOnly(rAd)),
		line("PUT /api/v1/admin/halls/:id/guides", staffOnly(rAd)),
		line("GET /api/v1/admin/halls/:id/schedules", staffOnly(rAd)),
		line("POST /api/v1/admin/halls/:id/schedules", staffOnly(rAd)),
		line("DELETE /api/v1/admin/halls/:id/schedules/:sid", staffOnly(rAd)),
		line("GET /api/v1/admin/halls/:id/closures", staffOnly(rAd)),
		line("POST /api/v1/admin/halls/:id/closures", staffOnly(rAd)),
		line("POST /api/v1/ops/halls/:id/checkin", staffOnly(rCk)).but(s403, clerk2).with(func(w *world) any { return map[string]any{"code": w.apptCode} }),
		line("POST /api/v1/ops/halls/:id/walk-ins", staffOnly(rCk)).but(s403, clerk2).with(func(*world) any { return map[string]any{"guide_code": "NO-SUCH"} }),
		line("POST /api/v1/ops/halls/:id/call-next", staffOnly(rCk)).but(s403, clerk2).with(window1),
		line("POST /api/v1/ops/halls/:id/recall", staffOnly(rCk)).but(s403, clerk2).with(window1),
		line("POST /api/v1/ops/halls/:id/complete", staffOnly(rCk)).but(s403, clerk2).with(window1),
		line("POST /api/v1/ops/halls/:id/absent", staffOnly(rCk)).but(s403, clerk2).with(window1),
		line("GET /api/v1/ops/halls/:id/queue", staffOnly(rCk)).but(s403, clerk2),

		line("GET /api/v1/topics", public),
		line("GET /api/v1/policies", public),
		line("GET /api/v1/policies/:id", public),
		line("GET /api/v1/me/subscriptions", residents),
		line("PUT /api/v1/me/subscriptions", residents),
		line("GET /p/:id", public),
		line("GET /api/v1/admin/policies", staffOnly(rEd)),
		line("POST /api/v1/admin/policies", staffOnly(rEd)),
		line("GET /api/v1/admin/policies/:id", staffOnly(rEd)),
		line("PUT /api/v1/admin/policies/:id", staffOnly(rEd)),
		line("GET /api/v1/admin/policies/:id/preview", staffOnly(rEd)),
		line("POST /api/v1/admin/policies/:id/publish", staffOnly(rEd)),
		line("POST /api/v1/admin/policies/:id/correct", staffOnly(rEd)),
		line("POST /api/v1/admin/policies/:id/withdraw", staffOnly(rEd)),
		line("GET /api/v1/admin/policies/:id/versions", staffOnly(rEd)),
		line("GET /api/v1/admin/policies/:id/deliveries", staffOnly(rEd)),

		// The console: a cookie session (none: the login page), the page's roles (403 otherwise).
		line("GET /console", pages()),
		line("GET /console/login", public),
		// posted from a fresh browser whoever the person is: the sign-in form has no session yet
		line("POST /console/login", public).fields("username", "authz-victim", "password", consolePassword),
		line("POST /console/logout", pages()).freshSession(),
		line("GET /console/assets/:name", public),
		line("GET /console/tickets", pages(rOp, rHd)).only(seeX, notX, ticketNo),
		line("GET /console/tickets/new", pages(rOp)),
		line("GET /console/tickets/new/history", pages(rOp)),
		line("POST /console/tickets", pages(rOp)),
		line("GET /console/tickets/:no", pages(rOp, rHd)).but(s404, notX...),
		leadAction(line("POST /console/tickets/:no/actions/:action", pages(rOp, rHd))), // ask_info
		line("GET /console/tickets/:no/publication", pages(rOp)),
		line("POST /console/tickets/:no/publication", pages(rOp)),
		line("GET /console/stats", pages(rOp)),
		line("GET /console/hall", pages(rCk)).only(these(clerk1), these(clerk2), hall1Shown),
		line("POST /console/hall/checkin", pages(rCk)).but(s404, clerk2).fields("hall_id", "{hall1}", "code", "{apptCode}"),
		line("POST /console/hall/walk-ins", pages(rCk)).fields("hall_id", "{hall1}", "guide_code", "NO-SUCH"),
		line("POST /console/hall/queue/:action", pages(rCk)).but(s404, clerk2).fields("hall_id", "{hall1}", "window_id", "{win1}"),
		line("GET /console/guides", pages(rEd)),
		line("GET /console/guides/new", pages(rEd)),
		line("POST /console/guides", pages(rEd)),
		line("GET /console/guides/:code", pages(rEd)),
		line("POST /console/guides/:code", pages(rEd)),
		line("GET /console/guides/:code/preview", pages(rEd)),
		line("POST /console/guides/:code/publish", pages(rEd)),
		line("GET /console/guides/:code/versions/:version", pages(rEd)),
		line("GET /console/policies", pages(rEd)),
		line("GET /console/policies/new", pages(rEd)),
		line("POST /console/policies", pages(rEd)),
		line("GET /console/policies/:id", pages(rEd)),
		line("POST /console/policies/:id", pages(rEd)),
		line("GET /console/policies/:id/preview", pages(rEd)),
		line("POST /console/policies/:id/publish", pages(rEd)),
		line("POST /console/policies/:id/correct", pages(rEd)),
		line("POST /console/policies/:id/withdraw", pages(rEd)),
		line("GET /console/policies/:id/deliveries", pages(rEd)),
		line("GET /console/audit", pages(rAd)),
		line("GET /display/halls/:id", public),
		line("GET /console/staff", pages(rAd)),
		line("POST /console/staff", pages(rAd)),
		line("POST /console/staff/:id", pages(rAd)),
		line("POST /console/staff/:id/password", pages(rAd)),
		line("GET /console/departments", pages(rAd)),
		line("POST /console/departments", pages(rAd)),
		line("GET /console/calendar", pages(rAd)),
		line("POST /console/calendar", pages(rAd)),
		line("GET /console/halls", pages(rAd)),
		line("POST /console/halls", pages(rAd)),
		line("GET /console/halls/:id", pages(rAd)),
		line("POST /console/halls/:id", pages(rAd)),
		line("POST /console/halls/:id/windows", pages(rAd)),
		line("POST /console/halls/:id/guides", pages(rAd)),
		line("POST /console/halls/:id/schedules", pages(rAd)),
		line("POST /console/halls/:id/schedules/:sid/delete", pages(rAd)),
		line("POST /console/halls/:id/closures", pages(rAd)),
	}
}

var window1 = func(w *world) any { return map[string]any{"window_id": w.win1} }

// TestAuthorizationMatrix sends every route of the route table as each of
// the people of the fixture and checks who passes authorization (SPEC §10: a resident never
// reads another's ticket or appointment; a handler never sees another
// department's tickets, a handler sees those of their department's subtree; only editors and admins publish guides and
// policies; only operators publish ticket results; only admins manage staff).
func TestAuthorizationMatrix(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *testApp) {
		matrix := authzMatrix()
		listed := map[string]*probe{}
		for i, m := range matrix {
			key := m.method + " " + m.path
			if listed[key] != nil {
				t.Errorf("the matrix lists %s twice", key)
			}
			listed[key] = &matrix[i]
		}
		served, incomplete := map[string]bool{}, false
		for _, r := range a.routes() {
			key := r.Method + " " + r.Path
			served[key] = true
			switch m := listed[key]; {
			case m == nil:
				incomplete = true
				t.Errorf("route %s has no line in the authorization matrix (authzMatrix)", key)
			case !m.console:
				if diff := m.aud.agrees(r); diff != "" {
					t.Errorf("%s: %s", key, diff)
				}
			}
		}
		for key := range listed {
			if !served[key] {
				incomplete = true
				t.Errorf("the authorization matrix lists %s, which is no longer a route", key)
			}
		}
		if incomplete {
			return
		}

		w := newWorld(t, a)
		for _, m := range matrix {
			for p := anon; p < everyone; p++ {
				r := w.probe(t, m, p)
				got, bad := judge(r, m.console)
				want := m.expect(p)
				if bad != "" || got != want {
					t.Errorf("%s %s as %s: %s (%d), want %s %s", m.method, m.path, p, got, r.Status, want, bad)
					continue
				}
				if m.secret == nil {
					continue
				}
				secret := m.secret(w)
				if contains(m.see, p) && !strings.Contains(string(r.Body), secret) {
					t.Errorf("%s %s as %s: the answer lacks %q, so the check of who must not see it proves nothing", m.method, m.path, p, secret)
				}
				if contains(m.hide, p) && strings.Contains(string(r.Body), secret) {
					t.Errorf("%s %s as %s: the answer shows %q", m.method, m.path, p, secret)
				}
			}
		}
		t.Logf("%d routes × %d people", len(matrix), everyone)
	})
}

func contains(ps []who, p who) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}
