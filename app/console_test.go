package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"govapp/internal/account"
	"govapp/internal/calendar"
	"govapp/internal/guide"
	"govapp/internal/ticket"
)

const consolePassword = "Test-password-123" // what staffToken and clerkToken set

// consoleClient is a browser without JavaScript: it keeps cookies and
// follows no redirects, so that each answer can be checked.
type consoleClient struct {
	a       *testApp
	cookies map[string]*http.Cookie
	headers []string
}

func (a *testApp) console() *consoleClient {
	return &consoleClient{a: a, cookies: map[string]*http.Cookie{}}
}

func (cc *consoleClient) do(method, path string, form url.Values) response {
	cc.a.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cc.cookies {
		req.AddCookie(c)
	}
	for i := 0; i+1 < len(cc.headers); i += 2 {
		req.Header.Set(cc.headers[i], cc.headers[i+1])
	}
	res, err := cc.a.Fiber().Test(req, 10000)
	if err != nil {
		cc.a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(cc.cookies, c.Name)
		} else {
			cc.cookies[c.Name] = c
		}
	}
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

var csrfPattern = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf reads the CSRF token of the page at path.
func (cc *consoleClient) csrf(path string) string {
	cc.a.t.Helper()
	r := cc.do("GET", path, nil)
	m := csrfPattern.FindSubmatch(r.Body)
	if r.Status != 200 || m == nil {
		cc.a.t.Fatalf("GET %s: %d, no CSRF token: %s", path, r.Status, r.Body)
	}
	return string(m[1])
}

// post submits a form of the page at from, with its CSRF token.
func (cc *consoleClient) post(from, path string, form url.Values) response {
	cc.a.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", cc.csrf(from))
	return cc.do("POST", path, form)
}

func (cc *consoleClient) login(username string) {
	cc.a.t.Helper()
	r := cc.post("/console/login", "/console/login", url.Values{"username": {username}, "password": {consolePassword}})
	if r.Status != 303 || cc.cookies["govapp_console"] == nil {
		cc.a.t.Fatalf("console login %s: %d %s", username, r.Status, r.Body)
	}
}

// consoleStaff creates a member of staff of dept and signs them in to the console.
func (a *testApp) consoleStaff(username string, role account.Role, dept string) *consoleClient {
	a.t.Helper()
	a.staffToken(username, role, dept)
	cc := a.console()
	cc.login(username)
	return cc
}

func TestConsoleSession(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	a.staffToken("op1", account.RoleOperator, "12345 热线中心")

	t.Run("a logged-out request is redirected to the login page", func(t *testing.T) {
		r := a.console().do("GET", "/console/tickets?status=handling", nil)
		if r.Status != 303 || r.Header.Get("Location") != "/console/login?next=%2Fconsole%2Ftickets%3Fstatus%3Dhandling" {
			t.Fatalf("GET /console/tickets logged out: %d %q", r.Status, r.Header.Get("Location"))
		}
		if r := a.console().do("POST", "/console/tickets", url.Values{"title": {"x"}}); r.Status != 303 ||
			r.Header.Get("Location") != "/console/login" {
			t.Fatalf("POST logged out: %d %q", r.Status, r.Header.Get("Location"))
		}
	})
	t.Run("a wrong password shows the form again", func(t *testing.T) {
		cc := a.console()
		r := cc.post("/console/login", "/console/login", url.Values{"username": {"op1"}, "password": {"wrong-password-1"}})
		if r.Status != 401 || !strings.Contains(string(r.Body), "用户名或密码错误") || cc.cookies["govapp_console"] != nil {
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
	})
	t.Run("the session cookie is HttpOnly and SameSite=Lax, and the login goes where it was sent", func(t *testing.T) {
		cc := a.console()
		tok := cc.csrf("/console/login?next=%2Fconsole%2Fstats")
		r := cc.do("POST", "/console/login", url.Values{"_csrf": {tok}, "username": {"op1"}, "password": {consolePassword},
			"next": {"/console/stats"}})
		if r.Status != 303 || r.Header.Get("Location") != "/console/stats" {
			t.Fatalf("login: %d %q", r.Status, r.Header.Get("Location"))
		}
		c := cc.cookies["govapp_console"]
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/console" {
			t.Fatalf("session cookie: %+v", c)
		}
		if r := cc.do("GET", "/console/stats", nil); r.Status != 200 {
			t.Fatalf("stats after login: %d", r.Status)
		}
	})
	t.Run("the login page sends nowhere outside the console", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/console/", "/api/v1/me", "/console/../api"} {
			cc := a.console()
			tok := cc.csrf("/console/login")
			r := cc.do("POST", "/console/login", url.Values{"_csrf": {tok}, "username": {"op1"}, "password": {consolePassword}, "next": {next}})
			if loc := r.Header.Get("Location"); r.Status != 303 || !strings.HasPrefix(loc, "/console/") || strings.Contains(loc, "..") {
				t.Fatalf("next=%q: %d %q", next, r.Status, loc)
			}
		}
	})
	t.Run("over HTTPS the cookie is Secure", func(t *testing.T) {
		cfg := testConfig(t, embedded)
		cfg.HTTP.PublicURL = "https://gov.example.cn"
		b := newTestApp(t, cfg)
		b.staffToken("op2", account.RoleOperator, "12345 热线中心")
		cc := b.console()
		cc.login("op2")
		if c := cc.cookies["govapp_console"]; c == nil || !c.Secure {
			t.Fatalf("session cookie over https: %+v", c)
		}
	})
	t.Run("logout ends the session on the server", func(t *testing.T) {
		cc := a.console()
		cc.login("op1")
		stolen := *cc.cookies["govapp_console"]
		if r := cc.post("/console/tickets", "/console/logout", nil); r.Status != 303 || r.Header.Get("Location") != "/console/login" {
			t.Fatalf("logout: %d %q", r.Status, r.Header.Get("Location"))
		}
		replay := a.console()
		replay.cookies["govapp_console"] = &stolen
		if r := replay.do("GET", "/console/tickets", nil); r.Status != 303 {
			t.Fatalf("the old cookie still works after logout: %d", r.Status)
		}
	})
}

func TestConsoleRefusesFormsWithoutCSRFToken(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	op := a.consoleStaff("op1", account.RoleOperator, "12345 热线中心")
	call := url.Values{"caller_name": {"张三"}, "contact_phone": {"13800138000"}, "kind": {"complaint"}, "category": {"住房城建"},
		"title": {"小区电梯停运两周"}, "content": {"小区电梯已经停运两周，物业一直不修，老人上下楼非常困难。"}}
	for name, token := range map[string]string{"missing": "", "forged": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		form := url.Values{}
		for k, v := range call {
			form[k] = v
		}
		if token != "" {
			form.Set("_csrf", token)
		}
		r := op.do("POST", "/console/tickets", form)
		if r.Status != 403 || !strings.Contains(string(r.Body), "页面已过期或来源不明") {
			t.Fatalf("%s token: %d %s", name, r.Status, r.Body)
		}
	}
	if n := a.count(`SELECT COUNT(*) FROM tickets`); n != 0 {
		t.Fatalf("%d tickets recorded by refused forms", n)
	}
	other := a.consoleStaff("op2", account.RoleOperator, "12345 热线中心")
	form := url.Values{"_csrf": {other.csrf("/console/tickets/new")}}
	for k, v := range call {
		form[k] = v
	}
	if r := op.do("POST", "/console/tickets", form); r.Status != 403 {
		t.Fatalf("another session's token: %d", r.Status)
	}
	if r := op.post("/console/tickets/new", "/console/tickets", call); r.Status != 303 {
		t.Fatalf("with the token: %d %s", r.Status, r.Body)
	}
	if r := a.console().do("POST", "/console/login", url.Values{"username": {"op1"}, "password": {consolePassword}}); r.Status != 403 {
		t.Fatalf("login without the form's token: %d", r.Status)
	}
}

func TestConsolePagesFollowRoles(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	clients := map[account.Role]*consoleClient{
		account.RoleOperator: a.consoleStaff("op1", account.RoleOperator, "12345 热线中心"),
		account.RoleHandler:  a.consoleStaff("zj1", account.RoleHandler, "市住建局"),
		account.RoleClerk:    a.consoleStaff("ck1", account.RoleClerk, ""),
		account.RoleEditor:   a.consoleStaff("ed1", account.RoleEditor, ""),
		account.RoleAdmin:    a.consoleStaff("ad1", account.RoleAdmin, ""),
	}
	pages := map[string][]account.Role{
		"/console/tickets":     {account.RoleOperator, account.RoleHandler},
		"/console/tickets/new": {account.RoleOperator},
		"/console/stats":       {account.RoleOperator},
		"/console/hall":        {account.RoleClerk},
		"/console/guides":      {account.RoleEditor},
		"/console/guides/new":  {account.RoleEditor},
		"/console/policies":    {account.RoleEditor},
		"/console/staff":       {},
		"/console/departments": {},
		"/console/calendar":    {},
		"/console/halls":       {},
	}
	for path, roles := range pages {
		for role, cc := range clients {
			want := 403
			if role == account.RoleAdmin || hasRole(role, roles) {
				want = 200
			}
			r := cc.do("GET", path, nil)
			if r.Status != want {
				t.Errorf("%s opens %s: %d, want %d", role, path, r.Status, want)
			}
			if want == 403 && !strings.Contains(string(r.Body), "没有权限") {
				t.Errorf("%s opens %s: the 403 page does not say why: %s", role, path, r.Body)
			}
			if want == 200 && !strings.Contains(string(r.Body), `href="`+path+`"`) && path != "/console/guides/new" {
				t.Errorf("%s: the navigation does not offer %s", role, path)
			}
		}
	}
	if r := clients[account.RoleHandler].do("GET", "/console/", nil); r.Status != 303 || r.Header.Get("Location") != "/console/tickets" {
		t.Fatalf("a handler's home: %d %q", r.Status, r.Header.Get("Location"))
	}
}

func TestConsoleEscapesUserContent(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	op := a.consoleStaff("op1", account.RoleOperator, "12345 热线中心")
	const evil = `<img src=x onerror=alert(1)>`
	r := op.post("/console/tickets/new", "/console/tickets", url.Values{"contact_phone": {"13800138000"}, "kind": {"complaint"},
		"category": {"住房城建"}, "title": {evil}, "content": {"内容里也有 <script>alert(2)</script> 和 \"引号\"", "x"},
		"caller_name": {`"><b>王</b>`}})
	if r.Status != 303 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	no := strings.TrimPrefix(r.Header.Get("Location"), "/console/tickets/")
	for _, path := range []string{"/console/tickets", "/console/tickets/" + no, "/console/tickets?q=" + url.QueryEscape(evil)} {
		body := string(op.do("GET", path, nil).Body)
		if strings.Contains(body, "<img src=x") || strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>王") {
			t.Fatalf("%s renders user content as HTML", path)
		}
		if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Fatalf("%s does not show the title as text", path)
		}
	}
}

// TestConsoleTicketFlowWithoutJavaScript drives the operator and handler
// pages with plain forms: record, accept, dispatch, sign, reply, review,
// publish; a validation error keeps what was typed.
func TestConsoleTicketFlowWithoutJavaScript(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	op := a.consoleStaff("op1", account.RoleOperator, "12345 热线中心")
	zj := a.consoleStaff("zj1", account.RoleHandler, "市住建局")
	rs := a.consoleStaff("rs1", account.RoleHandler, "市人社局")
	r := op.post("/console/tickets/new", "/console/tickets", url.Values{"caller_name": {"李四"}, "contact_phone": {"13900139000"},
		"kind": {"complaint"}, "category": {"住房城建"}, "title": {"楼道堆放杂物"}, "public_consent": {"on"},
		"content": {"幸福小区 3 栋楼道长期堆放杂物，存在消防隐患，请回电 13900139000。"}})
	if r.Status != 303 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	page := r.Header.Get("Location")
	no := strings.TrimPrefix(page, "/console/tickets/")
	act := func(cc *consoleClient, action string, form url.Values, want int) response {
		t.Helper()
		r := cc.post(page, page+"/actions/"+action, form)
		if r.Status != want {
			t.Fatalf("%s: %d %s", action, r.Status, r.Body)
		}
		return r
	}
	if body := string(op.do("GET", page, nil).Body); !strings.Contains(body, `id="act-accept"`) || strings.Contains(body, `id="act-sign"`) {
		t.Fatalf("a submitted ticket must offer accept and not sign")
	}
	act(op, "accept", nil, 303)
	zjID := a.deptID("市住建局")
	act(op, "dispatch", url.Values{"department_id": {fmt.Sprint(zjID)}}, 303)
	if r := rs.do("GET", page, nil); r.Status != 404 {
		t.Fatalf("another department's handler opens the ticket: %d", r.Status)
	}
	if !strings.Contains(string(zj.do("GET", "/console/tickets", nil).Body), no) {
		t.Fatal("the handler's queue does not list the dispatched ticket")
	}
	act(zj, "sign", nil, 303)
	r = act(zj, "reply", url.Values{"reply": {"短"}}, 400)
	if !strings.Contains(string(r.Body), ">短</textarea>") || !strings.Contains(string(r.Body), "至少 5 个字") {
		t.Fatalf("a refused reply must come back with what was typed and why: %s", r.Body)
	}
	act(zj, "reply", url.Values{"reply": {"已联系物业于本周内清理楼道杂物，并加强日常巡查。"}}, 303)
	act(op, "review_pass", nil, 303)
	if body := string(op.do("GET", page+"/publication", nil).Body); !strings.Contains(body, `<del title="手机号">13900139000</del>`) {
		t.Fatalf("the publication page shows no redaction diff: %s", body)
	}
	pv, err := a.tickets.PreviewPublication(context.Background(), ticket.Actor{Kind: "staff", Role: account.RoleOperator}, no)
	if err != nil {
		t.Fatal(err)
	}
	r = op.post(page+"/publication", page+"/publication", url.Values{"title": {pv.Title.Redacted}, "content": {pv.Content.Redacted},
		"reply": {pv.Reply.Redacted}})
	if r.Status != 303 || r.Header.Get("Location") != page {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	pub := a.do("GET", "/api/v1/public/tickets/"+no, "", nil)
	if pub.Status != 200 || strings.Contains(string(pub.Body), "13900139000") || strings.Contains(string(pub.Body), "李四") {
		t.Fatalf("public copy: %d %s", pub.Status, pub.Body)
	}
}

// TestConsoleAdminAndEditorPages renders every page with data behind it and
// submits the admin and editor forms without JavaScript.
func TestConsoleAdminAndEditorPages(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	w := a.bookingWorld("市民之家", 2)
	ad := a.consoleStaff("ad1", account.RoleAdmin, "市政务服务中心")
	if _, err := a.Accounts().EnsureDepartment(context.Background(), "市住建局", "", "bureau", 0); err != nil {
		t.Fatal(err)
	}
	ok := func(r response, what string) {
		t.Helper()
		if r.Status != 303 {
			t.Fatalf("%s: %d %s", what, r.Status, r.Body)
		}
		if f := ad.cookies["govapp_console_flash"]; f == nil {
			t.Fatalf("%s: no message for the next page", what)
		}
		if body := string(ad.do("GET", r.Header.Get("Location"), nil).Body); !strings.Contains(body, `class="flash ok"`) {
			t.Fatalf("%s: the next page shows no success: %s", what, body)
		}
	}

	t.Run("staff are created, changed and get a new password", func(t *testing.T) {
		ok(ad.post("/console/staff", "/console/staff", url.Values{"username": {"zj9"}, "display_name": {"住建小王"},
			"password": {consolePassword}, "role": {"handler"}, "department": {"市住建局"}}), "create")
		r := ad.post("/console/staff", "/console/staff", url.Values{"username": {"zj9"}, "password": {"short"}, "role": {"handler"}})
		if r.Status != 400 || !strings.Contains(string(r.Body), `value="zj9"`) || !strings.Contains(string(r.Body), "密码至少 10 位") {
			t.Fatalf("a weak password: %d", r.Status)
		}
		var id int64
		_ = a.DB().Get(&id, `SELECT id FROM staff WHERE username = 'zj9'`)
		path := fmt.Sprintf("/console/staff/%d", id)
		ok(ad.post("/console/staff", path, url.Values{"role": {"operator"}, "department_id": {"0"}, "hall_id": {"0"}}), "update")
		zj9 := a.console()
		zj9.login("zj9")
		if r := zj9.do("GET", "/console/stats", nil); r.Status != 200 {
			t.Fatalf("the new role does not apply: %d", r.Status)
		}
		ok(ad.post("/console/staff", path+"/password", url.Values{"password": {"Another-password-456"}}), "reset")
		if r := zj9.do("GET", "/console/stats", nil); r.Status != 303 {
			t.Fatalf("a reset password keeps the old session: %d", r.Status)
		}
		ok(ad.post("/console/staff", path, url.Values{"role": {"operator"}, "disabled": {"on"}}), "disable")
		if r := ad.post("/console/staff", fmt.Sprintf("/console/staff/%d", a.staffIDOf("ad1")), url.Values{"role": {"editor"}}); r.Status != 303 ||
			ad.cookies["govapp_console_flash"] == nil || !strings.Contains(string(ad.do("GET", "/console/staff", nil).Body), "不能停用自己") {
			t.Fatalf("an admin drops their own role: %d", r.Status)
		}
	})
	t.Run("departments and the calendar", func(t *testing.T) {
		ok(ad.post("/console/departments", "/console/departments", url.Values{"name": {"市住建局物业科"}, "parent": {"市住建局"},
			"kind": {"section"}}), "department")
		if body := string(ad.do("GET", "/console/departments", nil).Body); !strings.Contains(body, "市住建局物业科") {
			t.Fatal("the new department is not listed")
		}
		ok(ad.post("/console/calendar", "/console/calendar", url.Values{"date": {"2027-02-06"}, "kind": {"workday"}, "name": {"春节"}}), "calendar")
		if body := string(ad.do("GET", "/console/calendar?year=2027", nil).Body); !strings.Contains(body, "2027-02-06") ||
			!strings.Contains(body, "投诉答复时限") {
			t.Fatal("the day set or the SLA rules are not listed")
		}
		if !a.cal.cur.Load().IsWorkingDate(mustDate(t, "2027-02-06")) {
			t.Fatal("the calendar in force did not change")
		}
	})
	t.Run("halls, windows, schedules and closures", func(t *testing.T) {
		hall := fmt.Sprintf("/console/halls/%d", w.hall)
		ok(ad.post(hall, hall+"/windows", url.Values{"name": {"户籍专窗"}, "kind": {"dedicated"}, "prefix": {"B"}}), "window")
		ok(ad.post(hall, hall+"/guides", url.Values{"guides": {"GA-0001 B\n"}}), "guides")
		ok(ad.post(hall, hall+"/schedules", url.Values{"window_id": {fmt.Sprint(w.win)}, "days": {"custom"}, "weekday": {"6"},
			"start": {"09:00"}, "end": {"11:00"}, "slot_minutes": {"30"}, "capacity": {"3"}}), "schedule")
		ok(ad.post(hall, hall+"/closures", url.Values{"date": {"2026-11-18"}, "reason": {"设备检修"}}), "closure")
		ok(ad.post("/console/halls", "/console/halls", url.Values{"name": {"高新区政务服务中心"}, "hours_1": {"09:00-17:00"}}), "hall")
		body := string(ad.do("GET", hall, nil).Body)
		for _, want := range []string{"户籍专窗", "GA-0001 B", "设备检修", "星期 6"} {
			if !strings.Contains(body, want) {
				t.Fatalf("the hall page lacks %q", want)
			}
		}
		if r := ad.do("GET", fmt.Sprintf("/console/hall?hall=%d", w.hall), nil); r.Status != 200 || !strings.Contains(string(r.Body), "户籍专窗") {
			t.Fatalf("an admin opens the hall's day: %d", r.Status)
		}
	})
	t.Run("guides and policies", func(t *testing.T) {
		form := url.Values{"code": {"GB-0002"}, "name": {"不动产登记"}, "audience": {"personal"}, "category": {"hukou"},
			"process_name": {"申请", ""}, "process_description": {"窗口提交", ""}, "process_time_limit": {"即时", ""},
			"material_name": {"身份证", "户口簿"}, "material_form": {"original", "copy"}, "material_copies": {"1", "两份"},
			"material_required": {"yes", "no"}, "material_condition": {"", ""}, "material_template_url": {"", ""}, "material_notes": {"", ""}}
		r := ad.post("/console/guides/new", "/console/guides", form)
		if b := string(r.Body); r.Status != 400 || !strings.Contains(b, "份数：份数须为") || !strings.Contains(b, "不动产登记") || !strings.Contains(b, `value="两份"`) {
			t.Fatalf("a bad row must come back with its error beside it: %d", r.Status)
		}
		form["material_copies"] = []string{"1", "2"}
		form["material_condition"] = []string{"", "户籍不在本市时"}
		ok(ad.post("/console/guides/new", "/console/guides", form), "guide")
		var draft string
		if err := a.DB().Get(&draft, a.DB().Rebind(`SELECT draft FROM guides WHERE code = ?`), "GB-0002"); err != nil {
			t.Fatal(err)
		}
		var d guide.Content
		if err := json.Unmarshal([]byte(draft), &d); err != nil || len(d.Process) != 1 || len(d.Materials) != 2 ||
			d.Materials[1].Copies != 2 || d.Materials[1].Required || d.Materials[1].Form != "copy" || d.Materials[1].Name != "户口簿" {
			t.Fatalf("the rows saved as %+v (%v)", d, err)
		}
		for _, p := range []string{"/console/guides", "/console/guides/GB-0002", "/console/guides/GB-0002/preview",
			"/console/guides/GA-0001/versions/1"} {
			if r := ad.do("GET", p, nil); r.Status != 200 {
				t.Fatalf("GET %s: %d", p, r.Status)
			}
		}
		r = ad.post("/console/guides/GB-0002", "/console/guides/GB-0002/publish", nil)
		if r.Status != 303 || !strings.Contains(string(ad.do("GET", "/console/guides/GB-0002", nil).Body), "发布前须") {
			t.Fatalf("publishing an incomplete guide must say what is missing: %d", r.Status)
		}
		stale := ad.csrf("/console/guides/GB-0002")
		form.Set("_csrf", stale)
		form.Set("revision", "1")
		form.Set("name", "不动产登记（改）")
		if r := ad.do("POST", "/console/guides/GB-0002", form); r.Status != 303 {
			t.Fatalf("save: %d %s", r.Status, r.Body)
		}
		if r := ad.do("POST", "/console/guides/GB-0002", form); r.Status != 409 || !strings.Contains(string(r.Body), "已被他人修改") {
			t.Fatalf("a stale save: %d", r.Status)
		}

		pf := url.Values{"title": {"稳就业十条"}, "doc_number": {"长政办发〔2025〕12号"}, "issue_date": {"2025-03-18"}, "issuer": {"市政府办公厅"},
			"body": {`<p>措施。</p><script>alert(1)</script>`}, "topics": {"jiuye"}, "attachments": {""}, "interpretations": {""}}
		r = ad.post("/console/policies/new", "/console/policies", pf)
		if r.Status != 303 {
			t.Fatalf("policy: %d %s", r.Status, r.Body)
		}
		p := r.Header.Get("Location")
		for _, path := range []string{"/console/policies", p, p + "/preview"} {
			r := ad.do("GET", path, nil)
			if r.Status != 200 || strings.Contains(string(r.Body), "<script>alert") {
				t.Fatalf("GET %s: %d", path, r.Status)
			}
		}
		ok(ad.post(p, p+"/publish", nil), "publish policy")
		if r := ad.do("GET", p+"/deliveries", nil); r.Status != 200 || !strings.Contains(string(r.Body), "第 1 版") {
			t.Fatalf("deliveries: %d %s", r.Status, r.Body)
		}
		ok(ad.post(p, p+"/withdraw", url.Values{"reason": {"已被新政策替代"}}), "withdraw")
	})
	t.Run("operators see statistics", func(t *testing.T) {
		if r := ad.do("GET", "/console/stats?from=2026-01-01&to=2026-12-31", nil); r.Status != 200 || !strings.Contains(string(r.Body), `id="stats-total"`) {
			t.Fatalf("stats: %d", r.Status)
		}
		if r := ad.do("GET", "/console/stats?from=2026-12-31&to=2026-01-01", nil); r.Status != 400 {
			t.Fatalf("stats backwards: %d", r.Status)
		}
	})
}

func (a *testApp) staffIDOf(username string) int64 {
	a.t.Helper()
	var id int64
	if err := a.DB().Get(&id, a.DB().Rebind(`SELECT id FROM staff WHERE username = ?`), username); err != nil {
		a.t.Fatal(err)
	}
	return id
}

func mustDate(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConsoleQueuePagesKeepTheFilter(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	op := a.consoleStaff("op1", account.RoleOperator, "12345 热线中心")
	actor := ticket.Actor{Kind: account.KindStaff, ID: a.staffIDOf("op1"), Role: account.RoleOperator, Name: "op1"}
	for i := 0; i < 52; i++ {
		kind := ticket.KindComplaint
		if i == 0 {
			kind = ticket.KindConsultation
		}
		if _, err := a.tickets.Record(context.Background(), actor, ticket.Input{Kind: kind, Category: "住房城建",
			Title: fmt.Sprintf("路灯不亮第 %02d 处", i), Content: "小区门口的路灯已经坏了一个月，晚上出行不便。", ContactPhone: "13800138000"}); err != nil {
			t.Fatal(err)
		}
	}
	first := string(op.do("GET", "/console/tickets?kind=complaint", nil).Body)
	m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(first)
	if m == nil || !strings.Contains(m[1], "kind=complaint") || !strings.Contains(m[1], "cursor=") {
		t.Fatalf("no next page keeping the filter: %v", m)
	}
	next := string(op.do("GET", strings.ReplaceAll(m[1], "&amp;", "&"), nil).Body)
	// most urgent first: equal deadlines, the longest waiting first, so page 2 holds the newest
	if !strings.Contains(next, "路灯不亮第 51 处") || strings.Contains(next, "路灯不亮第 01 处") || strings.Contains(next, "路灯不亮第 00 处") ||
		strings.Contains(next, `rel="next"`) {
		t.Fatal("the second page is not the rest of the filtered queue")
	}
}
