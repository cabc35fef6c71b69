package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/audit"
)

// publicNumbersWorld is a ticket of 市住建局 answered by its handler 李明,
// whose reply quotes his own mobile, the bureau's duty line (published as
// the consultation line of its guide), a hall's phone, a configured duty
// line and 12345; reviewed and ready to publish.
type publicNumbersWorld struct {
	op, no string
}

const (
	deptDutyLine   = "0731-84123456" // the bureau guide's 咨询电话
	hallPhone      = "0731-85550000" // a service hall's phone
	extraDutyLine  = "0731-88889999" // listed in tickets.public_numbers
	handlerMobile  = "13812345678"   // 李明's own mobile: personal
	residentMobile = "13912345678"
	handlerReply   = "经核实，电梯已于本周修复。承办人：李明，手机" + handlerMobile + "。如有疑问请拨打本局值班电话" + deptDutyLine +
		"、大厅电话" + hallPhone + "或夜间值班电话" + extraDutyLine + "，也可拨打12345。"
)

func newPublicNumbersWorld(t *testing.T, a *testApp) publicNumbersWorld {
	t.Helper()
	ctx := context.Background()
	ed := a.staffToken("ed-pub", account.RoleEditor, "市住建局")
	zj := a.deptID("市住建局")
	guide := guideBody("ZJ-0001", "住房维修资金使用", zj)
	guide["phone"], guide["complaint_phone"] = deptDutyLine, "12345"
	if r := a.do("POST", "/api/v1/admin/guides", ed, guide); r.Status != 201 {
		t.Fatalf("guide: %d %s", r.Status, r.Body)
	}
	if r := a.do("POST", "/api/v1/admin/guides/ZJ-0001/publish", ed, nil); r.Status != 200 {
		t.Fatalf("publish guide: %d %s", r.Status, r.Body)
	}
	now := time.Now().UTC()
	if _, err := a.DB().Exec(a.DB().Rebind(`INSERT INTO halls (name, phone, created_at, updated_at) VALUES (?, ?, ?, ?)`),
		"城东政务服务大厅", hallPhone, now, now); err != nil {
		t.Fatal(err)
	}
	const pw = "Test-password-123"
	if _, err := a.Accounts().CreateStaff(ctx, audit.Entry{ActorKind: "system"}, account.NewStaff{
		Username: "zj-li", DisplayName: "李明", Password: pw, Role: account.RoleHandler, Department: "市住建局"}); err != nil {
		t.Fatal(err)
	}
	r := a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": "zj-li", "password": pw})
	handler := r.json(t)["token"].(string)
	op := a.staffToken("op-pub", account.RoleOperator, "12345 热线中心")

	alice := a.devLogin("o-alice-pub", "")
	body := ticketBody("小区电梯停运")
	body["content"] = "我叫王小红，电话" + residentMobile + "，小区电梯已经停运两周，物业一直不修，请督促维修。"
	no := a.do("POST", "/api/v1/tickets", alice, body).json(t)["tracking_no"].(string)
	for _, s := range []struct {
		who, action string
		body        map[string]any
	}{
		{op, "accept", nil},
		{op, "dispatch", map[string]any{"department_id": zj}},
		{handler, "sign", nil},
		{handler, "reply", map[string]any{"reply": handlerReply}},
		{op, "review-pass", nil},
	} {
		if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/"+s.action, s.who, s.body); r.Status != 200 {
			t.Fatalf("%s: %d %s", s.action, r.Status, r.Body)
		}
	}
	return publicNumbersWorld{op: op, no: no}
}

func withPublicNumbers(t *testing.T, fn func(t *testing.T, a *testApp)) {
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b)
			cfg.Tickets.PublicNumbers = []string{extraDutyLine}
			fn(t, newTestApp(t, cfg))
		})
	}
}

type warningJSON struct {
	Field, Kind, Message, Text string
	Start, End                 int
	Masked                     bool
}

// TestPublicationKeepsPublicNumbersAndTheOperatorsText (issue 14, item 4):
// the preview keeps the department's duty line, the hall's phone, the
// configured duty line, 12345 and the handler's name while masking his
// mobile and the resident's name and mobile; the operator's edited text —
// with the mobile restored by hand — is published exactly as edited, and
// the answer lists a warning for the mobile with its span, none for the
// public numbers; the preview then shows the published copy and its
// warnings.
func TestPublicationKeepsPublicNumbersAndTheOperatorsText(t *testing.T) {
	t.Parallel()
	withPublicNumbers(t, func(t *testing.T, a *testApp) {
		w := newPublicNumbersWorld(t, a)
		pv := a.do("GET", "/api/v1/ops/tickets/"+w.no+"/publication", w.op, nil)
		var p struct {
			Content, Reply struct{ Redacted string }
			Warnings       []warningJSON
			Published      *json.RawMessage
		}
		if err := json.Unmarshal(pv.Body, &p); pv.Status != 200 || err != nil {
			t.Fatalf("preview: %d %s", pv.Status, pv.Body)
		}
		wantReply := strings.Replace(handlerReply, handlerMobile, "1**********", 1)
		if p.Reply.Redacted != wantReply {
			t.Errorf("proposed reply\n got  %q\n want %q", p.Reply.Redacted, wantReply)
		}
		if strings.Contains(p.Content.Redacted, "王小红") || strings.Contains(p.Content.Redacted, residentMobile) {
			t.Errorf("the resident's name or mobile stays in the proposed content: %q", p.Content.Redacted)
		}
		if len(p.Warnings) != 0 || p.Published != nil {
			t.Errorf("a fresh preview has warnings %+v or a published copy %s", p.Warnings, *p.Published)
		}

		// The operator restores the mobile by hand and adds the duty line to the content.
		reply := strings.Replace(wantReply, "1**********", handlerMobile, 1)
		content := p.Content.Redacted + "（物业维修可咨询" + deptDutyLine + "）"
		r := a.do("POST", "/api/v1/ops/tickets/"+w.no+"/publication", w.op, map[string]any{"reply": reply, "content": content})
		var pub struct {
			Content, Reply string
			Warnings       []warningJSON
		}
		if err := json.Unmarshal(r.Body, &pub); r.Status != 200 || err != nil {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		if pub.Reply != reply || pub.Content != content {
			t.Errorf("not published as edited:\n reply   %q\n content %q", pub.Reply, pub.Content)
		}
		start := len([]rune(reply[:strings.Index(reply, handlerMobile)]))
		want := warningJSON{Field: "reply", Kind: "phone", Message: "可能含有个人手机号", Text: handlerMobile, Start: start, End: start + 11}
		if len(pub.Warnings) != 1 || pub.Warnings[0] != want {
			t.Errorf("warnings %+v, want only %+v", pub.Warnings, want)
		}
		if got := string([]rune(pub.Reply)[want.Start:want.End]); got != handlerMobile {
			t.Errorf("the warning's span covers %q", got)
		}
		public := a.do("GET", "/api/v1/public/tickets/"+w.no, "", nil)
		if !strings.Contains(string(public.Body), handlerMobile) || !strings.Contains(string(public.Body), deptDutyLine) ||
			strings.Contains(string(public.Body), `"warnings"`) {
			t.Errorf("public copy: %s", public.Body)
		}

		pv = a.do("GET", "/api/v1/ops/tickets/"+w.no+"/publication", w.op, nil)
		var again struct {
			Published struct {
				Reply    string
				Warnings []warningJSON
			}
		}
		if err := json.Unmarshal(pv.Body, &again); err != nil || again.Published.Reply != reply ||
			len(again.Published.Warnings) != 1 || again.Published.Warnings[0] != want {
			t.Errorf("the preview after publishing: %s", pv.Body)
		}
	})
}

// Without the public-number sources the same reply loses the duty lines:
// the test above proves the sources, not a lenient redactor.
func TestPublicationMasksNumbersNobodyPublished(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	op := a.staffToken("op-pub", account.RoleOperator, "12345 热线中心")
	alice := a.devLogin("o-alice-pub", "")
	no := a.do("POST", "/api/v1/tickets", alice, ticketBody("小区电梯停运")).json(t)["tracking_no"].(string)
	a.do("POST", "/api/v1/ops/tickets/"+no+"/accept", op, nil)
	if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/answer", op, map[string]any{"reply": handlerReply}); r.Status != 200 {
		t.Fatalf("answer: %d %s", r.Status, r.Body)
	}
	var p struct{ Reply struct{ Redacted string } }
	if err := json.Unmarshal(a.do("GET", "/api/v1/ops/tickets/"+no+"/publication", op, nil).Body, &p); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{deptDutyLine, hallPhone, extraDutyLine, handlerMobile, "李明"} {
		if strings.Contains(p.Reply.Redacted, n) {
			t.Errorf("%s kept though nobody published it: %q", n, p.Reply.Redacted)
		}
	}
	if !strings.Contains(p.Reply.Redacted, "12345") {
		t.Errorf("the hotline is masked: %q", p.Reply.Redacted)
	}

	// A number split by invisible characters in the operator's text (which
	// the operator could not see) is the one exception: masked, and said so.
	edited := "电话139\u200b0013\u200b9000，小区电梯停运两周。"
	r := a.do("POST", "/api/v1/ops/tickets/"+no+"/publication", op, map[string]any{"content": edited})
	var pub struct {
		Content  string
		Warnings []warningJSON
	}
	if err := json.Unmarshal(r.Body, &pub); r.Status != 200 || err != nil {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	want := warningJSON{Field: "content", Kind: "phone", Message: "可能含有个人手机号（被不可见字符拆开，已隐去）",
		Text: "139⟨U+200B⟩0013⟨U+200B⟩9000", Start: 2, End: 15, Masked: true}
	if pub.Content != "电话1**********，小区电梯停运两周。" || len(pub.Warnings) == 0 || pub.Warnings[0] != want {
		t.Errorf("published %q with warnings %+v, want the split number masked and %+v", pub.Content, pub.Warnings, want)
	}
}
