package app

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"govapp/internal/account"
)

// TestQueueInBrowser: the console's queue shows each ticket's current step
// with its countdown (受理 for a new call, 签收 while it waits to be signed),
// the overdue ticket first and marked, and answers the keyboard: / focuses
// the search, j and k move between tickets, Enter opens the chosen one. With
// GOVAPP_WRITE_SCREENSHOTS=1 it also writes docs/screenshots/queue.png.
func TestQueueInBrowser(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	base := a.listen(t)
	br := startBrowser(t, base)
	op := a.staffToken("op-q", account.RoleOperator, "12345 热线中心")
	a.staffToken("zj-q", account.RoleHandler, "市住建局")
	record := func(title, phone, kind string) string {
		t.Helper()
		body := ticketBody(title)
		body["contact_phone"], body["kind"] = phone, kind
		r := a.do("POST", "/api/v1/ops/tickets", op, body)
		if r.Status != 201 {
			t.Fatalf("record: %d %s", r.Status, r.Body)
		}
		return r.json(t)["tracking_no"].(string)
	}
	signing := record("小区电梯停运两周", "13800138000", "complaint")
	for _, s := range []struct {
		action string
		body   any
	}{{"accept", nil}, {"dispatch", map[string]any{"department_id": a.deptID("市住建局")}}} {
		if r := a.do("POST", "/api/v1/ops/tickets/"+signing+"/"+s.action, op, s.body); r.Status != 200 {
			t.Fatalf("%s: %d %s", s.action, r.Status, r.Body)
		}
	}
	fresh := record("路灯不亮已经一周", "13800138001", "help")
	late := record("噪音扰民严重影响休息", "13800138002", "complaint")
	record("咨询公积金提取办理流程", "13800138003", "consultation")
	if _, err := a.DB().Exec(a.DB().Rebind(`UPDATE tickets SET accept_due_at = ? WHERE tracking_no = ?`),
		time.Now().Add(-3*time.Hour).UTC(), late); err != nil {
		t.Fatal(err)
	}

	b := br.on(t)
	b.do("size the window", chromedp.EmulateViewport(1280, 800))
	b.login("op-q")
	b.open("/console/tickets")
	row := func(no string) string { return `#queue tr[data-no="` + no + `"]` }
	b.want(`#queue tbody tr:first-child`, late)
	b.want(row(late)+" td.sla.late", "受理", "超期")
	b.want(row(fresh)+" td.sla", "受理", "剩余")
	b.want(row(signing)+" td.sla", "签收", "剩余")
	if got := b.text(row(fresh) + " td.sla"); strings.Contains(got, "待受理") {
		t.Fatalf("the deadline of a new call reads %q", got)
	}

	if os.Getenv("GOVAPP_WRITE_SCREENSHOTS") != "" {
		screenshot(t, b, filepath.Join("..", "docs", "screenshots", "queue.png"))
	} else {
		screenshot(t, b, filepath.Join(t.TempDir(), "queue.png"))
	}

	active := func() string {
		t.Helper()
		ctx, cancel := b.timeout()
		defer cancel()
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	current := func() string {
		t.Helper()
		ctx, cancel := b.timeout()
		defer cancel()
		no, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){var r=document.querySelectorAll("#queue tr.current");
			return r.length === 1 ? r[0].getAttribute("data-no") : String(r.length)})()`))
		if err != nil {
			t.Fatal(err)
		}
		return no
	}
	b.do("press /", chromedp.KeyEvent("/"))
	if id := active(); id != "f-q" {
		t.Fatalf("after / the focus is on %q, want the search box", id)
	}
	b.do("leave the search box and move down twice", chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent("j"), chromedp.KeyEvent("j"))
	if q := func() string {
		ctx, cancel := b.timeout()
		defer cancel()
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-q").value`))
		return v
	}(); q != "" {
		t.Fatalf("the keys went into the search box: %q", q)
	}
	second := current()
	b.do("move up", chromedp.KeyEvent("k"))
	if got := current(); got != late || second == late || second == "0" {
		t.Fatalf("j, j, k chose %q then %q, want the second row and then %s", second, got, late)
	}
	b.do("open it", chromedp.KeyEvent(kb.Enter))
	for deadline := time.Now().Add(10 * time.Second); b.location() != "/console/tickets/"+late; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Enter did not open %s: on %s", late, b.location())
		}
	}
	b.want("#ticket-sla", "超期")
}

// screenshot saves the viewport of b as a PNG at name and checks it is one.
func screenshot(t *testing.T, b *browser, name string) {
	t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 1280 || img.Bounds().Dy() != 800 {
		t.Fatalf("screenshot: %v %v, want a 1280x800 PNG", err, img)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
