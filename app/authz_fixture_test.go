package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/booking"
	"govapp/internal/platform/errs"
	"govapp/internal/ticket"
)

// who is one person of the authorization matrix (TestAuthorizationMatrix).
type who int

const (
	anon   who = iota // no token, no session
	resA              // resident with a bound phone: owns the ticket, the attachment and the appointment
	resB              // another resident
	oper              // 12345 operator
	handX             // handler of department X, to which the ticket is dispatched
	handY             // handler of department Y
	handZ             // handler whose account has no department
	handP             // handler of X's parent department: X is in their subtree
	handC             // handler of a department under X: X is not in theirs
	clerk1            // clerk of hall 1, where A's appointment is
	clerk2            // clerk of hall 2
	editor            // content editor
	admin             // administrator
	everyone
)

var whoNames = [everyone]string{"anonymous", "resident A", "resident B", "operator", "handler of X", "handler of Y", "handler of no department",
	"handler of X's parent", "handler under X", "clerk of hall 1", "clerk of hall 2", "editor", "admin"}

func (p who) String() string { return whoNames[p] }

func (p who) resident() bool { return p == resA || p == resB }

func (p who) staff() bool { return p >= oper && p < everyone }

// role is the staff role of p.
func (p who) role() account.Role {
	switch p {
	case oper:
		return account.RoleOperator
	case handX, handY, handZ, handP, handC:
		return account.RoleHandler
	case clerk1, clerk2:
		return account.RoleClerk
	case editor:
		return account.RoleEditor
	case admin:
		return account.RoleAdmin
	}
	return ""
}

const (
	deptX        = "市住建局"
	deptY        = "市人社局"
	authzGuide   = "GA-0001" // published; made by bookingWorld
	retiredGuide = "AZ-0002" // published, for the retire route only
	hall1Name    = "市民之家"
	hall2Name    = "高新区政务服务中心"
)

// X's place in the department tree (world.deptTree).
const (
	deptParent = "市人民政府"
	deptChild  = "市住建局物业监管科"
)

// world is the fixture of the matrix: one object of each kind, so that every
// path parameter names something real, and one signed-in session of each person.
type world struct {
	a       *testApp
	user    [everyone]string // staff username or resident openid
	phone   [everyone]string
	token   [everyone]string         // bearer token
	console [everyone]*consoleClient // staff console sessions
	csrf    [everyone]string

	ticket    string // A's ticket, dispatched to X and signed: handling
	published string // A's other ticket, answered and published
	upload    int64  // A's image, attached to ticket
	appt      int64  // A's appointment at hall 1
	apptCode  string
	apptSlot  int64
	hall1     int64
	win1      int64
	hall2     int64
	schedAPI  int64 // hall 2's schedules: one for each delete route
	schedCon  int64
	policy    string // published
	victim    int64  // a staff account for the console's staff forms
}

func newWorld(t *testing.T, a *testApp) *world {
	t.Helper()
	w := &world{a: a}
	w1 := a.bookingWorld(hall1Name, 5) // GA-0001 published, the admin "admin-hall", hall 1 with a window and a schedule
	w2 := a.bookingWorld(hall2Name, 5)
	w.hall1, w.win1, w.hall2 = w1.hall, w1.win, w2.hall

	w.user = [everyone]string{"", "o-authz-a", "o-authz-b", "authz-op", "authz-hx", "authz-hy", "authz-hz", "authz-hp", "authz-hc", "authz-ck1", "authz-ck2", "authz-ed", "admin-hall"}
	w.phone[resA], w.phone[resB] = "13800138001", "13800138002"
	w.token[resA] = a.devLogin(w.user[resA], w.phone[resA])
	w.token[resB] = a.devLogin(w.user[resB], w.phone[resB])
	w.token[oper] = a.staffToken(w.user[oper], account.RoleOperator, "12345 热线中心")
	w.deptTree(t)
	w.token[handX] = a.staffToken(w.user[handX], account.RoleHandler, deptX)
	w.token[handP] = a.staffToken(w.user[handP], account.RoleHandler, deptParent)
	w.token[handC] = a.staffToken(w.user[handC], account.RoleHandler, deptChild)
	w.token[handY] = a.staffToken(w.user[handY], account.RoleHandler, deptY)
	w.token[handZ] = a.staffToken(w.user[handZ], account.RoleHandler, "")
	w.token[clerk1] = a.clerkToken(w.user[clerk1], w.hall1)
	w.token[clerk2] = a.clerkToken(w.user[clerk2], w.hall2)
	w.token[editor] = a.staffToken(w.user[editor], account.RoleEditor, "")
	w.token[admin] = w1.admin
	a.staffToken("authz-victim", account.RoleOperator, "")
	w.victim = a.staffIDOf("authz-victim")

	must := func(r response, want int, what string) map[string]any {
		t.Helper()
		if r.Status != want {
			t.Fatalf("fixture: %s: %d %s", what, r.Status, r.Body)
		}
		if len(r.Body) == 0 {
			return nil
		}
		return r.json(t)
	}
	id := func(m map[string]any) int64 { return int64(m["id"].(float64)) }

	// A's ticket with an attachment, dispatched to X and signed by X's handler.
	w.upload = id(must(a.uploadFile(w.token[resA], "photo.png", pngBytes(t)), 201, "upload"))
	body := ticketBody("小区电梯停运两周")
	body["attachment_ids"] = []int64{w.upload}
	w.ticket = must(a.do("POST", "/api/v1/tickets", w.token[resA], body), 201, "submit")["tracking_no"].(string)
	ops := "/api/v1/ops/tickets/" + w.ticket
	must(a.do("POST", ops+"/accept", w.token[oper], nil), 200, "accept")
	must(a.do("POST", ops+"/dispatch", w.token[oper], map[string]any{"department_id": a.deptID(deptX)}), 200, "dispatch")
	must(a.do("POST", ops+"/sign", w.token[handX], nil), 200, "sign")

	// A's other ticket, answered and published.
	w.published = must(a.do("POST", "/api/v1/tickets", w.token[resA], ticketBody("幸福路路灯不亮")), 201, "submit")["tracking_no"].(string)
	ops = "/api/v1/ops/tickets/" + w.published
	must(a.do("POST", ops+"/accept", w.token[oper], nil), 200, "accept")
	must(a.do("POST", ops+"/answer", w.token[oper], map[string]any{"reply": "已通知路灯管理处于本周内修复。"}), 200, "answer")
	must(a.do("POST", ops+"/publication", w.token[oper], nil), 200, "publish ticket")

	// A's appointment at hall 1, on the day at 08:45: inside the check-in
	// window and past the cancellation cut-off, so that A's own cancel and
	// reschedule are refused by the clock (409), not by ownership.
	ap := must(a.do("POST", "/api/v1/appointments", w.token[resA], bookBody(w1.slots[0])), 201, "book")
	w.appt, w.apptCode, w.apptSlot = id(ap), ap["code"].(string), w1.slots[0]
	a.setClock(time.Date(2026, 11, 17, 8, 45, 0, 0, cst).UTC())

	// Hall 2 gets a second schedule: the API and the console each delete one.
	h2 := fmt.Sprintf("/api/v1/admin/halls/%d/schedules", w.hall2)
	w.schedCon = id(must(a.do("POST", h2, w.token[admin], map[string]any{"window_id": w2.win, "days": "workdays", "start": "13:00",
		"end": "16:00", "slot_minutes": 30, "capacity": 5}), 201, "schedule"))
	for _, it := range must(a.do("GET", h2, w.token[admin], nil), 200, "schedules")["items"].([]any) {
		if s := id(it.(map[string]any)); s != w.schedCon {
			w.schedAPI = s
		}
	}
	if w.schedAPI == 0 {
		t.Fatal("fixture: hall 2 has no first schedule")
	}

	// A second published guide (the retire route retires it) and a published policy.
	must(a.do("POST", "/api/v1/admin/guides", w.token[editor], guideBody(retiredGuide, "居住证签注", a.deptID("市公安局"))), 201, "guide")
	must(a.do("POST", "/api/v1/admin/guides/"+retiredGuide+"/publish", w.token[editor], nil), 200, "publish guide")
	w.policy = a.createPolicy(w.token[editor], policyBody("关于实施失业保险稳岗返还政策的通知", "长人社发〔2025〕8号", []string{"jiuye"}, false))
	must(a.do("POST", "/api/v1/admin/policies/"+w.policy+"/publish", w.token[editor], nil), 200, "publish policy")

	// Console sessions of the staff, with their CSRF tokens.
	for p := oper; p < everyone; p++ {
		w.console[p], w.csrf[p] = w.signIn(t, p)
	}
	return w
}

// deptTree makes X a department between a parent and a child (SPEC §1:
// departments form a tree, a handler sees their department's subtree), and
// checks that the paths say so: otherwise the matrix's lines for the parent's
// and the child's handlers would prove nothing about the subtree.
func (w *world) deptTree(t *testing.T) {
	t.Helper()
	ctx, acc := context.Background(), w.a.Accounts()
	p, err := acc.EnsureDepartment(ctx, deptParent, "", "city", 0)
	if err != nil {
		t.Fatal(err)
	}
	x, err := acc.EnsureDepartment(ctx, deptX, deptParent, "bureau", 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := acc.EnsureDepartment(ctx, deptChild, deptX, "section", 0)
	if err != nil {
		t.Fatal(err)
	}
	if x.Path != fmt.Sprintf("%s%d/", p.Path, x.ID) || c.Path != fmt.Sprintf("%s%d/", x.Path, c.ID) {
		t.Fatalf("fixture: not a tree: %s %q, %s %q, %s %q", p.Name, p.Path, x.Name, x.Path, c.Name, c.Path)
	}
}

// signIn opens a new console session of staff p and reads its CSRF token
// from the layout (every signed-in page has the logout form).
func (w *world) signIn(t *testing.T, p who) (*consoleClient, string) {
	t.Helper()
	cc := w.a.console()
	cc.login(w.user[p])
	r := cc.do("GET", "/console/stats", nil) // 200 or the 403 page: both carry the layout
	m := csrfPattern.FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no CSRF token on the console page of %s: %d %s", p, r.Status, r.Body)
	}
	return cc, string(m[1])
}

// freshToken signs p in again (for the logout route, which revokes the token it is called with).
func (w *world) freshToken(t *testing.T, p who) string {
	t.Helper()
	switch {
	case p == anon:
		return ""
	case p.resident():
		return w.a.devLogin(w.user[p], w.phone[p])
	}
	r := w.a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": w.user[p], "password": consolePassword})
	if r.Status != 200 {
		t.Fatalf("staff login %s: %d %s", p, r.Status, r.Body)
	}
	return r.json(t)["token"].(string)
}

// path fills the parameters of a route pattern with the fixture's objects.
func (w *world) path(t *testing.T, pattern string) string {
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = w.param(t, pattern, s[1:])
		}
	}
	return strings.Join(segs, "/")
}

func (w *world) param(t *testing.T, pattern, name string) string {
	has := func(prefix string) bool { return strings.HasPrefix(pattern, prefix) }
	switch name {
	case "no":
		if has("/api/v1/public/") {
			return w.published
		}
		return w.ticket
	case "code":
		if strings.HasSuffix(pattern, "/retire") {
			return retiredGuide
		}
		return authzGuide
	case "version":
		return "1"
	case "phone":
		return "13800138000"
	case "date":
		return "2027-01-01"
	case "name":
		return "console.css"
	case "action":
		if has("/console/hall/") {
			return "call-next"
		}
		return string(ticket.ActAskInfo)
	case "sid":
		if has("/console/") {
			return fmt.Sprint(w.schedCon)
		}
		return fmt.Sprint(w.schedAPI)
	case "id":
		switch {
		case has("/api/v1/uploads/"):
			return fmt.Sprint(w.upload)
		case has("/api/v1/me/appointments/"):
			return fmt.Sprint(w.appt)
		case has("/api/v1/halls/"), has("/api/v1/ops/halls/"), has("/display/halls/"):
			return fmt.Sprint(w.hall1)
		case has("/api/v1/admin/halls/"), has("/console/halls/"): // admins' forms change hall 2, not the hall A booked
			return fmt.Sprint(w.hall2)
		case has("/api/v1/policies/"), has("/api/v1/admin/policies/"), has("/p/"), has("/console/policies/"):
			return w.policy
		case has("/console/staff/"):
			return fmt.Sprint(w.victim)
		}
	}
	t.Fatalf("the matrix fixture has no object for :%s of %s: add one to world.param", name, pattern)
	return ""
}

// outcome is what a request proved about authorization.
type outcome int

const (
	passed  outcome = 0   // authorization let the request through (any answer but 401, 403, 404 or 5xx)
	toLogin outcome = -1  // console: sent to the login page
	s401    outcome = 401 // not signed in
	s403    outcome = 403 // signed in, not allowed
	s404    outcome = 404 // not theirs: it does not exist for them
)

func (o outcome) String() string {
	switch o {
	case passed:
		return "allowed"
	case toLogin:
		return "login redirect"
	}
	return fmt.Sprint(int(o))
}

// denials are the messages with which the console's forms redirect back
// when the service refuses the person (failBack turns a 403 or 404 into a flash).
var denials = map[string]outcome{
	ticket.ErrNotFound.Message:   s404,
	ticket.ErrNotYours.Message:   s403,
	errs.ErrForbidden.Message:    s403,
	booking.ErrOtherHall.Message: s403,
	// the console's hall forms work on the clerk's own hall: hall 1's code
	// and window do not exist there
	booking.ErrBadCode.Message:        s404,
	booking.ErrWindowNotFound.Message: s404,
}

// flashOf decodes the one-time message a console answer sets.
func flashOf(r response) (kind, msg string) {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name != "govapp_console_flash" || c.Value == "" {
			continue
		}
		b, err := base64.RawURLEncoding.DecodeString(c.Value)
		var f struct{ K, M string }
		if err == nil && json.Unmarshal(b, &f) == nil {
			return f.K, f.M
		}
	}
	return "", ""
}

// judge classifies an answer; bad is set when it cannot be judged (a 5xx,
// an API denial outside the envelope, a console 403 that is the CSRF check).
func judge(r response, console bool) (o outcome, bad string) {
	if r.Status >= 500 {
		return passed, fmt.Sprintf("(server error %d: %.300s)", r.Status, r.Body)
	}
	if console {
		kind, msg := flashOf(r)
		switch {
		case r.Status == 303 && strings.HasPrefix(r.Header.Get("Location"), "/console/login") && kind != "ok":
			return toLogin, ""
		case r.Status == 303 && kind == "error" && denials[msg] != 0:
			return denials[msg], ""
		case r.Status == 403 && strings.Contains(string(r.Body), "页面已过期"):
			return s403, "(the console refused the probe's CSRF token)"
		case r.Status == 401 || r.Status == 403 || r.Status == 404:
			return outcome(r.Status), ""
		}
		return passed, ""
	}
	switch r.Status {
	case 401, 403, 404:
		var env struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(r.Body, &env) != nil || env.Error.Code == "" || !hasHan(env.Error.Message) {
			return outcome(r.Status), fmt.Sprintf("(a %d outside the error envelope: %.300s)", r.Status, r.Body)
		}
		switch c := env.Error.Code; {
		case c == "route_not_found":
			return outcome(r.Status), "(no such route: the probe's path is wrong)"
		case r.Status == 403 && c != "forbidden" && c != "other_hall":
			return outcome(r.Status), "(a 403 that is not an authorization refusal: " + c + ")"
		}
		return outcome(r.Status), ""
	}
	return passed, ""
}

// probe sends the row's request as p and returns the answer.
func (w *world) probe(t *testing.T, m probe, p who) response {
	t.Helper()
	a := w.a
	path := w.path(t, m.path)
	if m.oa {
		path += a.oaQuery(fmt.Sprintf("authz-%d", p))
		if m.method == "GET" {
			path += "&echostr=authz-echo"
		}
	}
	if !m.console {
		tok := w.token[p]
		if m.fresh {
			tok = w.freshToken(t, p)
		}
		if m.body == nil { // no body: where the handler binds one, validation refuses it and nothing changes
			return a.do(m.method, path, tok, nil)
		}
		return a.do(m.method, path, tok, m.body(w))
	}
	form := url.Values{}
	for k, v := range m.form {
		form.Set(k, w.formValue(v))
	}
	var cc *consoleClient
	switch {
	case m.method == "POST" && m.path == "/console/login":
		// the sign-in form itself: anyone may post it, with the form's token
		cc = a.console()
		form.Set("_csrf", cc.csrf("/console/login"))
	case m.fresh && p.staff():
		var tok string
		cc, tok = w.signIn(t, p)
		form.Set("_csrf", tok)
	case p.staff():
		cc = w.console[p]
		form.Set("_csrf", w.csrf[p])
	default:
		cc = a.console()
		if p.resident() { // a resident's bearer token is no console session
			cc.cookies["govapp_console"] = &http.Cookie{Name: "govapp_console", Value: w.token[p]}
		}
	}
	if m.method == "GET" {
		return cc.do("GET", path, nil)
	}
	return cc.do(m.method, path, form)
}

// formValue expands the fixture names a console form may use.
func (w *world) formValue(v string) string {
	switch v {
	case "{hall1}":
		return fmt.Sprint(w.hall1)
	case "{win1}":
		return fmt.Sprint(w.win1)
	case "{apptCode}":
		return w.apptCode
	}
	return v
}
