package app

import (
	"fmt"
	"strings"
	"testing"

	"govapp/internal/account"
	"govapp/internal/config"
	"govapp/internal/push"
	"govapp/internal/ticket"
)

// TestTicketFormIsDiscoverable: the submission form's categories and kinds
// come from the API, and each of them is accepted when submitted.
func TestTicketFormIsDiscoverable(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		r := a.do("GET", "/api/v1/ticket-categories", "", nil)
		if r.Status != 200 {
			t.Fatalf("categories: %d %s", r.Status, r.Body)
		}
		doc := r.json(t)
		var names []string
		for _, it := range doc["items"].([]any) {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		if want := config.Defaults(config.ProfileEmbedded).Tickets.Categories; strings.Join(names, ",") != strings.Join(want, ",") {
			t.Fatalf("categories %v, want the configured %v", names, want)
		}
		kinds := doc["kinds"].([]any)
		if len(kinds) != len(ticket.Kinds) {
			t.Fatalf("kinds %v, want all %d", kinds, len(ticket.Kinds))
		}
		alice := a.devLogin("o-discover", "13800138001")
		for i, k := range kinds {
			k := k.(map[string]any)
			if !hasHan(k["label"].(string)) {
				t.Errorf("kind %v has no Chinese label", k)
			}
			body := ticketBody(fmt.Sprintf("小区电梯停运第%d次反映", i+1))
			body["kind"], body["category"] = k["code"], names[i%len(names)]
			if r := a.do("POST", "/api/v1/tickets", alice, body); r.Status != 201 {
				t.Errorf("submitting kind %v in %s: %d %s", k["code"], names[i%len(names)], r.Status, r.Body)
			}
		}
		body := ticketBody("分类不在列表中")
		body["category"] = "不存在的分类"
		if r := a.do("POST", "/api/v1/tickets", alice, body); r.Status != 400 {
			t.Errorf("a category not offered: %d %s", r.Status, r.Body)
		}
	})
}

// TestSubscribeTemplatesAreDiscoverable: the mini-program learns the
// template ids to ask grants for and what each message carries; the ids are
// the configured ones, and every kind the service sends is listed.
func TestSubscribeTemplatesAreDiscoverable(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, backends()[0]))
	r := a.do("GET", "/api/v1/subscribe-templates", "", nil)
	if r.Status != 200 {
		t.Fatalf("templates: %d %s", r.Status, r.Body)
	}
	cfg := config.Defaults(config.ProfileEmbedded).Push.Templates
	items := r.json(t)["items"].([]any)
	if len(items) != len(push.Kinds) {
		t.Fatalf("%d templates, want one per kind (%d): %s", len(items), len(push.Kinds), r.Body)
	}
	for _, it := range items {
		m := it.(map[string]any)
		kind := m["kind"].(string)
		if m["template_id"] != cfg[kind].SubscribeID || m["setting"] != cfg[kind].Setting || m["page"] != cfg[kind].Page {
			t.Errorf("%s: %v, want the configured %+v", kind, m, cfg[kind])
		}
		fields := m["fields"].([]any)
		if len(fields) == 0 || !hasHan(m["label"].(string)) || !hasHan(m["when"].(string)) {
			t.Errorf("%s: no fields or no Chinese label: %v", kind, m)
		}
		for _, f := range fields {
			f := f.(map[string]any)
			if f["key"] == "" || !hasHan(f["label"].(string)) || f["example"] == "" {
				t.Errorf("%s: field %v", kind, f)
			}
		}
	}
}

// TestTicketsSpeakChinese: statuses and timeline events carry Chinese
// labels wherever the API shows them, and lists carry their total.
func TestTicketsSpeakChinese(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		alice := a.devLogin("o-labels", "13800138001")
		op := a.staffToken("op-labels", account.RoleOperator, "12345 热线中心")
		a.staffToken("zj-labels", account.RoleHandler, "市住建局")
		var nos []string
		for i := 0; i < 3; i++ {
			r := a.do("POST", "/api/v1/tickets", alice, ticketBody(fmt.Sprintf("路灯不亮第%d盏", i+1)))
			if r.Status != 201 {
				t.Fatalf("submit: %d %s", r.Status, r.Body)
			}
			nos = append(nos, r.json(t)["tracking_no"].(string))
		}
		ops := "/api/v1/ops/tickets/" + nos[0]
		if r := a.do("POST", ops+"/accept", op, nil); r.Status != 200 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", ops+"/dispatch", op, map[string]any{"department_id": a.deptID("市住建局"), "note": "请核实"}); r.Status != 200 {
			t.Fatalf("dispatch: %d %s", r.Status, r.Body)
		}
		for _, who := range []string{alice, op} {
			path := "/api/v1/me/tickets/" + nos[0]
			if who == op {
				path = ops
			}
			d := a.do("GET", path, who, nil).json(t)
			tk := d["ticket"].(map[string]any)
			if tk["status"] != "dispatched" || tk["status_label"] != "已派单待签收" {
				t.Errorf("%s: status %v %v", path, tk["status"], tk["status_label"])
			}
			tl := d["timeline"].([]any)
			if len(tl) < 3 {
				t.Fatalf("%s: timeline %v", path, tl)
			}
			for _, e := range tl {
				e := e.(map[string]any)
				if l, _ := e["label"].(string); !hasHan(l) || l != ticket.ActionLabels[e["action"].(string)] {
					t.Errorf("%s: timeline entry %v has label %q", path, e["action"], e["label"])
				}
			}
		}
		// lists: the status label on each row, the total whatever the page
		for _, c := range []struct{ path, token string }{
			{"/api/v1/me/tickets?limit=2", alice}, {"/api/v1/ops/tickets?limit=2", op},
			{"/api/v1/ops/callers/13800138000/tickets?limit=2", op},
		} {
			r := a.do("GET", c.path, c.token, nil)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", c.path, r.Status, r.Body)
			}
			page := r.json(t)
			if page["total"] != float64(3) || len(page["items"].([]any)) != 2 || page["next_cursor"] == "" {
				t.Errorf("%s: total %v, %d items, next %v; want 3, 2 and a cursor", c.path, page["total"], len(page["items"].([]any)), page["next_cursor"])
			}
			for _, it := range page["items"].([]any) {
				it := it.(map[string]any)
				if want := ticket.Status(it["status"].(string)).Label(); it["status_label"] != want || !hasHan(want) {
					t.Errorf("%s: %v reads %v", c.path, it["status"], it["status_label"])
				}
			}
			next := a.do("GET", c.path+"&cursor="+page["next_cursor"].(string), c.token, nil).json(t)
			if next["total"] != float64(3) || len(next["items"].([]any)) != 1 {
				t.Errorf("%s, second page: total %v, %d items", c.path, next["total"], len(next["items"].([]any)))
			}
		}
		if r := a.do("GET", "/api/v1/ops/tickets?status=dispatched", op, nil); r.json(t)["total"] != float64(1) {
			t.Errorf("the filtered total: %s", r.Body)
		}
		if r := a.do("GET", "/api/v1/me/tickets", a.devLogin("o-nobody", ""), nil); r.json(t)["total"] != float64(0) {
			t.Errorf("an empty list's total: %s", r.Body)
		}
		if r := a.do("GET", "/api/v1/public/tickets", "", nil); r.Status != 200 || r.json(t)["total"] != float64(0) {
			t.Errorf("the public list's total: %d %s", r.Status, r.Body)
		}
	})
}
