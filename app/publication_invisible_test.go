package app

import (
	"encoding/json"
	"html"
	"strings"
	"testing"
	"unicode"

	"govapp/internal/account"
)

// TestPublicationPreviewShowsInvisibleCharacters (issue 13, item 4): a
// number split by zero-width spaces and soft hyphens is masked in the
// preview and in the published copy; the preview tells the operator that
// the text holds invisible characters and shows each as ⟨U+200B⟩, in the
// API and on the console page; the published copy holds none.
func TestPublicationPreviewShowsInvisibleCharacters(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		alice := a.devLogin("o-alice", "")
		op := a.staffToken("op1", account.RoleOperator, "12345 热线中心")
		body := ticketBody("电梯\u200b停运")
		body["content"] = "电话138\u200b0013\u200b8000，身份证1101\u00ad0519\u00ad4912\u00ad3100\u00ad2X。小区电梯停运两周，物业一直不修，请督促维修。"
		r := a.do("POST", "/api/v1/tickets", alice, body)
		if r.Status != 201 {
			t.Fatalf("submit: %d %s", r.Status, r.Body)
		}
		no := r.json(t)["tracking_no"].(string)
		a.do("POST", "/api/v1/ops/tickets/"+no+"/accept", op, nil)
		a.do("POST", "/api/v1/ops/tickets/"+no+"/answer", op, map[string]any{"reply": "已督促物业\u2060于本周内修复电梯。"})

		pv := a.do("GET", "/api/v1/ops/tickets/"+no+"/publication", op, nil)
		if pv.Status != 200 {
			t.Fatalf("preview: %d %s", pv.Status, pv.Body)
		}
		type field struct {
			Redacted  string         `json:"redacted"`
			Invisible map[string]int `json:"invisible"`
			Diff      []struct {
				Op, Text, Shown string
			} `json:"diff"`
		}
		var p struct {
			HasInvisible bool  `json:"has_invisible"`
			Title        field `json:"title"`
			Content      field `json:"content"`
			Reply        field `json:"reply"`
			Location     field `json:"location"`
		}
		if err := json.Unmarshal(pv.Body, &p); err != nil {
			t.Fatal(err)
		}
		if !p.HasInvisible {
			t.Errorf("has_invisible is false: %s", pv.Body)
		}
		if p.Content.Invisible["U+200B"] != 2 || p.Content.Invisible["U+00AD"] != 4 || p.Title.Invisible["U+200B"] != 1 ||
			p.Reply.Invisible["U+2060"] != 1 || p.Location.Invisible == nil || len(p.Location.Invisible) != 0 {
			t.Errorf("invisible counts: title %v content %v reply %v location %v", p.Title.Invisible, p.Content.Invisible,
				p.Reply.Invisible, p.Location.Invisible)
		}
		var shown strings.Builder
		for _, d := range p.Content.Diff {
			shown.WriteString(d.Shown)
		}
		if !strings.Contains(shown.String(), "138⟨U+200B⟩0013⟨U+200B⟩8000") || !strings.Contains(shown.String(), "1101⟨U+00AD⟩0519") {
			t.Errorf("the diff does not show the invisible characters: %q", shown.String())
		}
		for name, f := range map[string]field{"title": p.Title, "content": p.Content, "reply": p.Reply} {
			if hasInvisibleRune(f.Redacted) {
				t.Errorf("the %s proposed for publication keeps invisible characters: %q", name, f.Redacted)
			}
		}
		if !strings.Contains(p.Content.Redacted, "电话1**********") || !strings.Contains(p.Content.Redacted, "身份证[身份证号]") {
			t.Errorf("the numbers are not masked in the preview: %q", p.Content.Redacted)
		}

		page := a.consoleStaff("op2", account.RoleOperator, "12345 热线中心").do("GET", "/console/tickets/"+no+"/publication", nil)
		if text := html.UnescapeString(string(page.Body)); page.Status != 200 || !strings.Contains(text, "138⟨U+200B⟩0013⟨U+200B⟩8000") ||
			!strings.Contains(text, "不可见字符") || hasInvisibleRune(text) {
			t.Errorf("the console preview hides the invisible characters: %d %s", page.Status, text)
		}

		if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/publication", op, nil); r.Status != 200 {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		pub := a.do("GET", "/api/v1/public/tickets/"+no, "", nil)
		var c struct{ Title, Content, Reply string }
		if err := json.Unmarshal(pub.Body, &c); err != nil {
			t.Fatal(err)
		}
		checkPublished(t, c.Title+c.Content+c.Reply)
		if c.Title != "电梯停运" || c.Reply != "已督促物业于本周内修复电梯。" {
			t.Errorf("published title %q, reply %q", c.Title, c.Reply)
		}

		// the operator's edits are stripped and redacted too
		edited := "电话139\u200b0013\u200b9000，身份证1101\u00ad0519\u00ad4912\u00ad3100\u00ad2X。小区电梯停运两周。"
		if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/publication", op, map[string]any{"content": edited}); r.Status != 200 {
			t.Fatalf("publish with edits: %d %s", r.Status, r.Body)
		}
		pub = a.do("GET", "/api/v1/public/tickets/"+no, "", nil)
		if err := json.Unmarshal(pub.Body, &c); err != nil {
			t.Fatal(err)
		}
		checkPublished(t, c.Content)
	})
}

// checkPublished fails when a published text holds an invisible character
// or the digits of the planted numbers, however separated.
func checkPublished(t *testing.T, text string) {
	t.Helper()
	if hasInvisibleRune(text) {
		t.Errorf("the published copy holds invisible characters: %q", text)
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, text)
	for _, n := range []string{"13800138000", "13900139000", "11010519491231002"} {
		if strings.Contains(digits, n) {
			t.Errorf("the published copy holds %s: %q", n, text)
		}
	}
}

func hasInvisibleRune(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}
