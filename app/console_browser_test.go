package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"govapp/internal/account"
)

// chromiumPath names the browser the console tests drive: GOVAPP_TEST_CHROMIUM
// (CI sets it and then the browser must be there), else Debian's chromium when
// installed; the tests are skipped otherwise.
func chromiumPath(t *testing.T) string {
	if testing.Short() {
		t.Skip("-short (make test-fast): the browser tests run in make test")
	}
	if p := os.Getenv("GOVAPP_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (set GOVAPP_TEST_CHROMIUM to run the console browser tests)")
	return ""
}

// browser is one headless chromium tab on the console of a test server.
type browser struct {
	t       *testing.T
	ctx     context.Context
	base    string
	mu      sync.Mutex
	dialogs []string // messages of the dialogs the pages opened (all accepted)
}

func startBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatalf("start %s: %v", exe, err)
	}
	b := &browser{t: t, ctx: ctx, base: base}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return b
}

// on returns the browser for subtest t: a failure there saves a screenshot of
// the page it ended on under t's temporary directory and logs its path.
func (b *browser) on(t *testing.T) *browser {
	dir := t.TempDir()
	c := &browser{t: t, ctx: b.ctx, base: b.base}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
		if err != nil {
			t.Logf("no screenshot: %v", err)
			return
		}
		name := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+".png")
		if err := os.WriteFile(name, png, 0o644); err != nil {
			t.Logf("no screenshot: %v", err)
			return
		}
		t.Logf("screenshot of the final page (%s): %s", loc, name)
	})
	return c
}

func (b *browser) timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 15*time.Second)
}

// do runs steps, failing the test with what was being done.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// submit clicks a button or link and waits for the page it leads to.
func (b *browser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

func (b *browser) fill(fields ...string) {
	b.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(fields[i]), fields[i+1]))
	}
	b.do("fill the form", steps...)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *browser) location() string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.base)
}

// want fails unless the text of sel contains every one of parts.
func (b *browser) want(sel string, parts ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, p := range parts {
		if !strings.Contains(got, p) {
			b.t.Fatalf("%s on %s reads %q, want %q", sel, b.location(), got, p)
		}
	}
}

func (b *browser) login(username string) {
	b.t.Helper()
	b.open("/console/login")
	b.do("type the credentials", chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), consolePassword))
	b.submit("#login")
	b.want("#whoami", username)
}

func (b *browser) logout() {
	b.t.Helper()
	b.submit("#logout")
	if loc := b.location(); loc != "/console/login" {
		b.t.Fatalf("after logout the browser is on %s", loc)
	}
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return res.StatusCode, m
}

// TestConsoleInBrowser drives the console in headless chromium against the
// real server: the life of a recorded call up to its publication, the hall's
// check-in and call, a guide's publication, and the refusals.
func TestConsoleInBrowser(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	base := a.listen(t)
	br := startBrowser(t, base)
	a.staffToken("op-b", account.RoleOperator, "12345 热线中心")
	a.staffToken("zj-b", account.RoleHandler, "市住建局")
	zj := a.deptID("市住建局")

	t.Run("an operator records a call, a handler answers it, the operator publishes it", func(t *testing.T) {
		b := br.on(t)
		b.open("/console/tickets")
		if loc := b.location(); !strings.HasPrefix(loc, "/console/login?next=") {
			t.Fatalf("a logged-out browser is on %s, want the login page", loc)
		}
		b.login("op-b")
		if loc := b.location(); loc != "/console/tickets" {
			t.Fatalf("after login the operator is on %s, want the page asked for", loc)
		}
		b.open("/console/tickets/new")
		b.fill("#caller_name", "张三", "#contact_phone", "13800138000", "#kind", "complaint", "#category", "住房城建",
			"#title", "小区电梯停运两周", "#location", "城东区东湖街道幸福路",
			"#content", "小区电梯已经停运两周，物业一直不修，老人上下楼非常困难。我叫张三，请回电13800138000。")
		b.do("give consent", chromedp.Click(chromedp.ID("public_consent")))
		b.submit("#record")
		b.want("#flash", "已登记来电")
		no := b.text("#tracking-no")
		b.want("#ticket-status", "待受理")
		b.submit("#do-accept")
		b.want("#ticket-status", "已受理")
		b.fill("#dispatch-department", fmt.Sprint(zj))
		b.submit("#do-dispatch")
		b.want("#ticket-status", "已派单")
		b.logout()

		b.login("zj-b")
		if loc := b.location(); loc != "/console/tickets" {
			t.Fatalf("a handler's home is %s", loc)
		}
		b.want("#queue", no, "小区电梯停运两周")
		b.submit(`#queue a[href="/console/tickets/` + no + `"]`)
		b.submit("#do-sign")
		b.want("#ticket-status", "办理中")
		b.fill("#reply-reply", "已督促物业公司更换电梯主板，电梯已于本周恢复运行。")
		b.submit("#do-reply")
		b.want("#ticket-status", "已答复")
		b.open("/console/stats")
		b.want("#error-status", "403")
		b.logout()

		b.login("op-b")
		b.open("/console/tickets/" + no)
		b.submit("#do-review_pass")
		b.want("#ticket-status", "待回访")
		b.submit("#to-publication")
		b.want("section[aria-labelledby=h-diff]", "13800138000", "1**********")
		b.submit("#publish")
		b.want("#flash", "办理结果已公开")

		status, pub := getJSON(t, base+"/api/v1/public/tickets/"+no)
		raw, _ := json.Marshal(pub)
		if status != 200 || !strings.Contains(pub["content"].(string), "电梯") || strings.Contains(string(raw), "13800138000") ||
			strings.Contains(string(raw), "张三") || pub["reply"] == "" {
			t.Fatalf("public copy: %d %s", status, raw)
		}
	})

	t.Run("user content renders as text and runs nothing", func(t *testing.T) {
		b := br.on(t)
		b.open("/console/tickets/new")
		if loc := b.location(); loc != "/console/tickets/new" {
			b.login("op-b")
			b.open("/console/tickets/new")
		}
		const evil = `<img src=x onerror=alert(1)>`
		b.fill("#contact_phone", "13800138000", "#kind", "consultation", "#category", "住房城建", "#title", evil,
			"#content", `想问一下 <script>alert(2)</script> 公积金怎么提取？`)
		b.submit("#record")
		if got := b.text("#ticket-title"); got != evil {
			t.Fatalf("the title reads %q", got)
		}
		b.open("/console/tickets")
		b.want("#queue", evil)
		br.mu.Lock()
		defer br.mu.Unlock()
		for _, m := range br.dialogs {
			if m == "1" || m == "2" {
				t.Fatalf("user content ran a script: dialogs %q", br.dialogs)
			}
		}
	})

	t.Run("a form posted without its CSRF token is refused", func(t *testing.T) {
		b := br.on(t)
		b.open("/console/tickets")
		b.do("drop the token", chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/console/logout"] input[name=_csrf]').remove()`))
		b.submit("#logout")
		b.want("#error-status", "403")
		b.want("#error-message", "页面已过期")
		b.open("/console/tickets")
		if loc := b.location(); loc != "/console/tickets" {
			t.Fatalf("the refused logout ended the session: on %s", loc)
		}
		b.logout()
	})

	t.Run("a clerk checks in a booked appointment and calls it", func(t *testing.T) {
		b := br.on(t)
		w := a.bookingWorld("市民之家", 5)
		alice := a.devLogin("o-alice", "13800138001")
		r := a.do("POST", "/api/v1/appointments", alice, bookBody(w.slots[0]))
		if r.Status != 201 {
			t.Fatalf("book: %d %s", r.Status, r.Body)
		}
		appt := r.json(t)
		a.setClock(time.Date(2026, 11, 17, 9, 5, 0, 0, cst).UTC())
		a.clerkToken("clerk-b", w.hall)

		b.login("clerk-b")
		if loc := b.location(); loc != "/console/hall" {
			t.Fatalf("a clerk's home is %s", loc)
		}
		b.want("#expected", "居民身份证换领")
		b.do("type the code", chromedp.SendKeys(chromedp.ID("checkin-code"), appt["code"].(string)))
		b.submit("#checkin")
		b.want("#flash", "签到成功", "排队号")
		b.want("#waiting", "居民身份证换领")
		b.submit(fmt.Sprintf("#call-next-%d", w.win))
		b.want("#flash", "综合窗口1")
		b.want(fmt.Sprintf("#window-%d .serving", w.win), "在办", "居民身份证换领")
		var status string
		if err := a.DB().Get(&status, a.DB().Rebind(`SELECT status FROM appointments WHERE id = ?`), int64(appt["id"].(float64))); err != nil || status != "called" {
			t.Fatalf("appointment status %q, %v", status, err)
		}
		b.logout()
	})

	t.Run("an editor publishes a guide and residents see the new version", func(t *testing.T) {
		b := br.on(t)
		ed := a.staffToken("ed-b", account.RoleEditor, "")
		if r := a.do("POST", "/api/v1/admin/guides", ed, guideBody("GB-0001", "居住证办理", a.deptID("市住建局"))); r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", "/api/v1/admin/guides/GB-0001/publish", ed, nil); r.Status != 200 {
			t.Fatalf("publish v1: %d %s", r.Status, r.Body)
		}
		b.login("ed-b")
		b.open("/console/tickets")
		b.want("#error-status", "403")
		b.open("/console/guides")
		b.submit(`#guides a[href="/console/guides/GB-0001"]`)
		b.fill("#g-fees", "自 2027 年起免收工本费")
		b.submit("#save")
		b.want("#flash", "已保存草稿")
		b.submit("#preview")
		b.want("#guide-view", "草稿预览", "自 2027 年起免收工本费")
		b.open("/console/guides/GB-0001")
		b.submit("#publish")
		b.want("#flash", "已发布第 2 版")
		b.want("#versions", "第 2 版", "第 1 版")

		status, g := getJSON(t, base+"/api/v1/guides/GB-0001")
		if status != 200 || g["version"] != float64(2) || g["fees"] != "自 2027 年起免收工本费" {
			t.Fatalf("resident API: %d version=%v fees=%v", status, g["version"], g["fees"])
		}
		b.logout()
	})
}
