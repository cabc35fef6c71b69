package app

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"govapp/internal/account"
)

// openAPIBody is an operation's request body in /openapi.json.
type openAPIBody struct {
	Required bool
	Schema   struct {
		Properties map[string]struct {
			Type        string `json:"type"`
			Description string `json:"description"`
			Example     any    `json:"example"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
}

func readOpenAPIBodies(t *testing.T, a *testApp) map[string]*openAPIBody {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Required bool `json:"required"`
				Content  map[string]struct {
					Schema json.RawMessage `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	r := a.do("GET", "/openapi.json", "", nil)
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]*openAPIBody{}
	for p, ms := range doc.Paths {
		for m, op := range ms {
			if op.RequestBody == nil {
				out[strings.ToUpper(m)+" "+p] = nil
				continue
			}
			b := &openAPIBody{Required: op.RequestBody.Required}
			if err := json.Unmarshal(op.RequestBody.Content["application/json"].Schema, &b.Schema); err != nil {
				t.Fatal(err)
			}
			out[strings.ToUpper(m)+" "+p] = b
		}
	}
	return out
}

// TestEachTicketActionHasItsOwnSchema: the document gives every ticket
// action the fields it reads and only those, required where the action
// needs them, each described with an example; a field of another action is
// refused by name.
func TestEachTicketActionHasItsOwnSchema(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	bodies := readOpenAPIBodies(t, a)
	ops := "POST /api/v1/ops/tickets/{no}/"
	for _, c := range []struct {
		op             string
		fields, needed string // sorted, comma-separated
	}{
		{ops + "accept", "", ""},
		{ops + "sign", "", ""},
		{ops + "approve-extension", "", ""},
		{ops + "reject", "note", "note"},
		{ops + "return", "note", "note"},
		{ops + "ask-info", "note", "note"},
		{ops + "review-fail", "note", "note"},
		{ops + "answer", "reply", "reply"},
		{ops + "dispatch", "co_departments,department_id,internal_note,note", "department_id"},
		{ops + "request-extension", "days,note", "days,note"},
		{ops + "reply", "internal_note,reply", "reply"},
		{ops + "review-pass", "reply", ""},
		{ops + "merge", "parent", "parent"},
		{ops + "callback", "comment,rating,resolved,satisfied", "resolved,satisfied"},
		{ops + "publication", "content,reply,title", ""},
		{"POST /api/v1/me/tickets/{no}/withdraw", "note", ""},
		{"POST /api/v1/me/tickets/{no}/info", "note", "note"},
		{"POST /api/v1/me/tickets/{no}/rating", "comment,rating", "rating"},
	} {
		b, listed := bodies[c.op]
		if !listed {
			t.Errorf("%s is not in the document", c.op)
			continue
		}
		if c.fields == "" {
			if b != nil {
				t.Errorf("%s reads nothing, yet documents a body %+v", c.op, b.Schema)
			}
			continue
		}
		if b == nil {
			t.Errorf("%s documents no body, want %s", c.op, c.fields)
			continue
		}
		var names []string
		for n, p := range b.Schema.Properties {
			names = append(names, n)
			if !hasHan(p.Description) || p.Example == nil {
				t.Errorf("%s: field %s has no Chinese description or no example: %+v", c.op, n, p)
			}
		}
		sort.Strings(names)
		req := append([]string(nil), b.Schema.Required...)
		sort.Strings(req)
		if strings.Join(names, ",") != c.fields || strings.Join(req, ",") != c.needed {
			t.Errorf("%s: fields %v required %v, want %s required %s", c.op, names, req, c.fields, c.needed)
		}
		if b.Required != (c.needed != "") {
			t.Errorf("%s: the body is required=%v, want %v", c.op, b.Required, c.needed != "")
		}
	}

	// a field meant for another action is refused by name, and nothing changes
	alice := a.devLogin("o-schema", "13800138001")
	op := a.staffToken("op-schema", account.RoleOperator, "12345 热线中心")
	no := a.do("POST", "/api/v1/tickets", alice, ticketBody("小区路灯不亮")).json(t)["tracking_no"].(string)
	for _, c := range []struct {
		action string
		body   map[string]any
		field  string
	}{
		{"accept", map[string]any{"note": "受理"}, "note"},
		{"reject", map[string]any{"note": "不属于受理范围", "department_id": 3}, "department_id"},
	} {
		r := a.do("POST", "/api/v1/ops/tickets/"+no+"/"+c.action, op, c.body)
		if r.Status != 400 || !strings.Contains(string(r.Body), c.field) {
			t.Errorf("%s with %v: %d %s, want 400 naming %s", c.action, c.body, r.Status, r.Body, c.field)
		}
	}
	if st := a.do("GET", "/api/v1/ops/tickets/"+no, op, nil).json(t)["ticket"].(map[string]any)["status"]; st != "submitted" {
		t.Fatalf("a refused action changed the ticket: %v", st)
	}
	if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/accept", op, map[string]any{}); r.Status != 200 {
		t.Fatalf("accept with {}: %d %s", r.Status, r.Body)
	}
}

// TestDocsPageInBrowser: /docs renders every operation of the document with
// its parameters and fields, loads nothing from anywhere (no script, style,
// font or image), and its table of contents leads to the operation.
func TestDocsPageInBrowser(t *testing.T) {
	a := newTestApp(t, testConfig(t, embedded))
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(a.do("GET", "/openapi.json", "", nil).Body, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ms := range doc.Paths {
		n += len(ms)
	}
	base := a.listen(t)
	b := startBrowser(t, base).on(t)
	b.open("/docs")
	ctx, cancel := b.timeout()
	defer cancel()
	sections, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("section.op").length`))
	if err != nil {
		t.Fatal(err)
	}
	if sections != n {
		t.Fatalf("/docs shows %d operations, the document has %d", sections, n)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(e => e.name)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != 0 {
		t.Fatalf("/docs loads %v; it must render without fetching anything", loaded)
	}
	dispatch := "#post_api_v1_ops_tickets_no_dispatch"
	b.want(dispatch+" table.body", "department_id", "必填", "派单意见", "internal_note")
	if body := b.text(dispatch + " table.body"); strings.Contains(body, "days") || strings.Contains(body, "rating") {
		t.Fatalf("dispatch lists another action's fields: %s", body)
	}
	b.want("#get_api_v1_ops_tickets table.params", "status", "可选值", "submitted", "cursor")
	b.want("#post_api_v1_ops_tickets_no_review_pass", "请求体（可省略）")
	b.want("#post_api_v1_ops_tickets_no_callback table.body", "satisfied", "必填")
	b.do("follow the table of contents", chromedp.Click(chromedp.CSS(`nav.toc a[href="`+dispatch+`"]`)))
	if loc := b.location(); !strings.HasSuffix(loc, dispatch) {
		t.Fatalf("the contents link leads to %s", loc)
	}
}
