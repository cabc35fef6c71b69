package app

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"govapp/internal/account"
)

// englishCodes are the codes the storage and the API use for statuses,
// kinds, outcomes and durations: none may reach a console page's text.
var englishCodes = regexp.MustCompile(`\b(draft|published|retired|withdrawn|submitted|accepted|dispatched|handling|replied|visiting|closed|merged|` +
	`pending|sending|sent|failed|no_grant|refused|skipped|bureau|district|section|center|city|waiting|called|absent|walk_in|appointment|` +
	`comprehensive|dedicated|personal|original|original_and_copy|staff_login|[0-9]+h[0-9]+m[0-9]+s|[0-9]+h0m|json|cannot unmarshal|invalid character)\b`)

// visibleText is the text of a page a reader sees: no tags, attributes,
// scripts or styles.
func visibleText(t *testing.T, page []byte) string {
	t.Helper()
	z := xhtml.NewTokenizer(strings.NewReader(string(page)))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case xhtml.StartTagToken:
			if n, _ := z.TagName(); string(n) == "script" || string(n) == "style" || string(n) == "template" {
				skip++
			}
		case xhtml.EndTagToken:
			if n, _ := z.TagName(); string(n) == "script" || string(n) == "style" || string(n) == "template" {
				skip--
			}
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
				b.WriteString(" ")
			}
		}
	}
}

// TestConsolePagesSpeakChinese walks the main pages of every role with data
// on them — a hall with a queue, published guides and a pushed policy, the
// departments, the SLA rules, the audit log — and fails on any English status
// code, kind, outcome or Go duration in what the pages show.
func TestConsolePagesSpeakChinese(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	w := a.bookingWorld("市民之家", 2)
	ad := a.consoleStaff("ad-zh", account.RoleAdmin, "市政务服务中心")
	ed := a.consoleStaff("ed-zh", account.RoleEditor, "")
	edTok := a.staffToken("ed-zh-api", account.RoleEditor, "")
	body := map[string]any{"title": "稳就业十条", "doc_number": "长政办发〔2026〕1号", "issuer": "市政府办公厅", "issue_date": "2026-03-18",
		"effective_date": "2026-04-01", "body": "<p>正文。</p>", "attachments": []map[string]string{}, "topics": []string{"jiuye"},
		"major": false, "interpretations": []map[string]string{}, "related_guides": []string{}}
	pid := a.createPolicy(edTok, body)
	if r := a.do("POST", "/api/v1/admin/policies/"+pid+"/publish", edTok, nil); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	draft := a.createPolicy(edTok, body)
	op := a.consoleStaff("op-zh", account.RoleOperator, "12345 热线中心")
	opTok := a.staffToken("op-zh-api", account.RoleOperator, "12345 热线中心")
	r := a.do("POST", "/api/v1/ops/tickets", opTok, map[string]any{"caller_name": "张三", "contact_phone": "13800138000", "kind": "complaint",
		"category": "住房城建", "title": "小区电梯停运", "content": "小区电梯已经停运两周，物业一直不修。", "public_consent": true})
	if r.Status != 201 {
		t.Fatalf("call: %d %s", r.Status, r.Body)
	}
	no := fmt.Sprint(r.json(t)["tracking_no"])
	for range 2 {
		if r := ad.post(fmt.Sprintf("/console/hall?hall=%d", w.hall), "/console/hall/walk-ins", url.Values{"hall_id": {fmt.Sprint(w.hall)}}); r.Status != 303 {
			t.Fatalf("walk-in: %d", r.Status)
		}
	}
	if r := ad.post(fmt.Sprintf("/console/hall?hall=%d", w.hall), "/console/hall/queue/call-next",
		url.Values{"hall_id": {fmt.Sprint(w.hall)}, "window_id": {fmt.Sprint(w.win)}}); r.Status != 303 {
		t.Fatalf("call: %d", r.Status)
	}

	pages := []struct {
		who  *consoleClient
		path string
	}{
		{ad, "/console/staff"}, {ad, "/console/audit"}, {ad, "/console/departments"}, {ad, "/console/calendar"},
		{ad, "/console/halls"}, {ad, fmt.Sprintf("/console/halls/%d", w.hall)}, {ad, fmt.Sprintf("/console/hall?hall=%d", w.hall)},
		{ed, "/console/guides"}, {ed, "/console/guides/GA-0001"}, {ed, "/console/guides/GA-0001/preview"},
		{ed, "/console/policies"}, {ed, "/console/policies/" + pid}, {ed, "/console/policies/" + draft},
		{ed, "/console/policies/" + pid + "/deliveries"}, {ed, "/console/guides/new"}, {ed, "/console/policies/new"},
		{nil, fmt.Sprintf("/display/halls/%d", w.hall)},
		{op, "/console/tickets"}, {op, "/console/tickets/new"}, {op, "/console/tickets/" + no}, {op, "/console/stats"},
	}
	for _, p := range pages {
		var r response
		if p.who == nil {
			r = a.console().do("GET", p.path, nil)
		} else {
			r = p.who.do("GET", p.path, nil)
		}
		if r.Status != 200 {
			t.Errorf("GET %s: %d", p.path, r.Status)
			continue
		}
		text := visibleText(t, r.Body)
		if m := englishCodes.FindAllString(text, -1); len(m) > 0 {
			i := englishCodes.FindStringIndex(text)
			t.Errorf("GET %s shows the codes %q, e.g. …%s…", p.path, m, text[max(0, i[0]-80):min(len(text), i[1]+80)])
		}
	}
	t.Run("the SLA rules say 24 小时 and 7 天", func(t *testing.T) {
		text := visibleText(t, ad.do("GET", "/console/calendar", nil).Body)
		if !strings.Contains(text, "24 小时内答复") || !strings.Contains(text, "答复后 7 天") {
			t.Fatalf("the SLA rules read %q", text)
		}
	})
	t.Run("delivery totals are labelled", func(t *testing.T) {
		text := visibleText(t, ed.do("GET", "/console/policies/"+pid+"/deliveries", nil).Body)
		if !strings.Contains(text, "已送达") {
			t.Fatalf("the deliveries page reads %q", text)
		}
	})
	t.Run("a JSON list typed wrong is explained in Chinese", func(t *testing.T) {
		r := ed.post("/console/policies/new", "/console/policies", url.Values{"title": {"附件有误"}, "attachments": {`[{"name": 1}]`},
			"interpretations": {`[{"kind": "text",}]`}})
		text := visibleText(t, r.Body)
		if r.Status != 400 || !strings.Contains(text, "须为 JSON 数组") || englishCodes.MatchString(strings.ReplaceAll(text, "JSON", "")) {
			t.Fatalf("%d %q", r.Status, text)
		}
	})
}
