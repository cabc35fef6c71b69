package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/guide"
)

// staffToken creates a staff member of role (in department dept, created if
// needed) and signs them in.
func (a *testApp) staffToken(username string, role account.Role, dept string) string {
	a.t.Helper()
	ctx := context.Background()
	if dept != "" {
		if _, err := a.Accounts().EnsureDepartment(ctx, dept, "", "bureau", 0); err != nil {
			a.t.Fatal(err)
		}
	}
	const pw = "Test-password-123"
	if _, err := a.Accounts().CreateStaff(ctx, audit.Entry{ActorKind: "system"}, account.NewStaff{
		Username: username, Password: pw, Role: role, Department: dept}); err != nil {
		a.t.Fatal(err)
	}
	r := a.do("POST", "/api/v1/auth/staff/login", "", map[string]string{"username": username, "password": pw})
	if r.Status != 200 {
		a.t.Fatalf("staff login: %d %s", r.Status, r.Body)
	}
	return r.json(a.t)["token"].(string)
}

func guideBody(code, name string, dept int64) map[string]any {
	return map[string]any{
		"code": code, "name": name, "audience": "personal", "category": "hukou", "department_id": dept,
		"legal_basis": "《中华人民共和国居民身份证法》第十一条", "applicable_to": "本市户籍居民",
		"process":   []map[string]any{{"name": "申请", "description": "窗口提交", "time_limit": "即时"}, {"name": "办结", "description": "", "time_limit": ""}},
		"materials": []map[string]any{{"name": "居民户口簿", "form": "original", "copies": 1, "required": true, "condition": "", "template_url": "", "notes": ""}},
		"fees":      "工本费 20 元", "legal_time_limit_days": 60, "promised_time_limit_days": 20, "phone": "0731-12345", "complaint_phone": "12345",
		"halls":      []map[string]any{{"name": "市民之家", "address": "新城大道 100 号", "phone": "0731-12345", "hours": "9:00-17:00"}},
		"online_url": "", "bookable": true, "max_visits": 1, "keywords": []string{"身份证", "换证"},
	}
}

func (a *testApp) deptID(name string) int64 {
	a.t.Helper()
	var id int64
	if err := a.DB().Get(&id, a.DB().Rebind(`SELECT id FROM departments WHERE name = ?`), name); err != nil {
		a.t.Fatal(err)
	}
	return id
}

func TestGuideEditorWorkflowOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		ed := a.staffToken("editor1", account.RoleEditor, "市公安局")
		dept := a.deptID("市公安局")
		body := guideBody("GA-0001", "居民身份证换领", dept)
		if r := a.do("POST", "/api/v1/admin/guides", ed, body); r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", "/api/v1/guides/GA-0001", "", nil); r.Status != 404 || r.errorCode(t) != "guide_not_found" {
			t.Fatalf("a draft is public: %d", r.Status)
		}
		if r := a.do("POST", "/api/v1/admin/guides/GA-0001/publish", ed, nil); r.Status != 200 {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		body["fees"] = "工本费 20 元（依据发改价格〔2003〕2322号）"
		if r := a.do("PUT", "/api/v1/admin/guides/GA-0001", ed, body, "If-Match", "1"); r.Status != 200 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		if r := a.do("PUT", "/api/v1/admin/guides/GA-0001", ed, body, "If-Match", "1"); r.Status != 409 || r.errorCode(t) != "guide_draft_stale" {
			t.Fatalf("stale update: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", "/api/v1/admin/guides/GA-0001/publish", ed, nil); r.Status != 200 || r.json(t)["version"] != float64(2) {
			t.Fatalf("publish 2: %d %s", r.Status, r.Body)
		}
		r := a.do("GET", "/api/v1/guides/GA-0001", "", nil)
		if r.Status != 200 || r.json(t)["version"] != float64(2) {
			t.Fatalf("residents see %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", "/api/v1/admin/guides/GA-0001/versions/1", ed, nil); r.Status != 200 || r.json(t)["version"] != float64(1) {
			t.Fatalf("version 1: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", "/api/v1/admin/guides/GA-0001/versions", ed, nil); len(r.json(t)["items"].([]any)) != 2 {
			t.Fatalf("versions: %s", r.Body)
		}

		t.Run("the checklist lists every material, fees, limits, address and phone", func(t *testing.T) {
			r := a.do("GET", "/api/v1/guides/GA-0001/checklist", "", nil)
			m := r.json(t)
			if r.Status != 200 || len(m["materials"].([]any)) != 1 || m["phone"] != "0731-12345" {
				t.Fatalf("checklist: %s", r.Body)
			}
			h := a.do("GET", "/api/v1/guides/GA-0001/checklist?format=html", "", nil)
			page := string(h.Body)
			for _, want := range []string{"居民户口簿", "原件", "2322", "60 个工作日", "新城大道 100 号", "0731-12345", "一次性告知"} {
				if !strings.Contains(page, want) {
					t.Errorf("printable checklist lacks %q", want)
				}
			}
			if !strings.HasPrefix(h.Header.Get("Content-Type"), "text/html") {
				t.Errorf("content type %q", h.Header.Get("Content-Type"))
			}
		})
		t.Run("residents and other roles cannot write guides", func(t *testing.T) {
			res := a.devLogin("o-guide", "")
			op := a.staffToken("operator1", account.RoleOperator, "")
			for _, tok := range []string{res, op} {
				if r := a.do("POST", "/api/v1/admin/guides/GA-0001/retire", tok, nil); r.Status != 403 {
					t.Fatalf("retire by a non-editor: %d", r.Status)
				}
			}
		})
		t.Run("a retired guide answers 404 to residents", func(t *testing.T) {
			if r := a.do("POST", "/api/v1/admin/guides/GA-0001/retire", ed, nil); r.Status != 204 {
				t.Fatalf("retire: %d %s", r.Status, r.Body)
			}
			if r := a.do("GET", "/api/v1/guides/GA-0001", "", nil); r.Status != 404 {
				t.Fatalf("retired guide: %d", r.Status)
			}
		})
	})
}

func TestGuideSearchInput(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	ed := a.staffToken("editor1", account.RoleEditor, "市公安局")
	a.do("POST", "/api/v1/admin/guides", ed, guideBody("GA-0002", "居民身份证补领", a.deptID("市公安局")))
	a.do("POST", "/api/v1/admin/guides/GA-0002/publish", ed, nil)
	cases := []struct {
		q      string
		status int
	}{
		{strings.Repeat("证", 65), 400},
		{"？！。，、", 400},
		{"' OR 1=1; DROP TABLE guides; --", 200},
		{"<script>alert(1)</script>身份证", 200},
		{"sfz", 200},
	}
	for _, c := range cases {
		r := a.do("GET", "/api/v1/guides?q="+urlEscape(c.q), "", nil)
		if r.Status != c.status {
			t.Fatalf("q=%q: %d %s", c.q, r.Status, r.Body)
		}
		if c.status == 400 {
			r.errorCode(t)
		}
		if strings.Contains(string(r.Body), "<script>") {
			t.Fatalf("q=%q echoed unescaped: %s", c.q, r.Body)
		}
	}
	var page guide.Page
	_ = json.Unmarshal(a.do("GET", "/api/v1/guides?q=sfz", "", nil).Body, &page)
	if len(page.Items) != 1 || page.Items[0].NameHighlight != "居民<em>身份证</em>补领" {
		t.Fatalf("sfz: %+v", page.Items)
	}
	if r := a.do("GET", "/api/v1/guides?category=no-such-category", "", nil); r.Status != 200 || len(r.json(t)["items"].([]any)) != 0 {
		t.Fatalf("unknown category: %d %s", r.Status, r.Body)
	}
	if r := a.do("GET", "/api/v1/guides?cursor=forged", "", nil); r.Status != 400 {
		t.Fatalf("forged cursor: %d", r.Status)
	}
	var n int
	if err := a.DB().Get(&n, `SELECT COUNT(*) FROM guides`); err != nil || n != 1 {
		t.Fatalf("guides table after hostile queries: %d %v", n, err)
	}
}

func TestGuideImportOverHTTP(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	ed := a.staffToken("editor1", account.RoleEditor, "市公安局")
	var rows []map[string]any
	for i := 0; i < 100; i++ {
		b := guideBody(fmt.Sprintf("IM-%03d", i), fmt.Sprintf("导入事项%d", i), 0)
		delete(b, "department_id")
		b["department_name"] = "市公安局"
		rows = append(rows, b)
	}
	rows[7]["category"] = "unknown"
	r := a.do("POST", "/api/v1/admin/guides/import?publish=true", ed, rows)
	if r.Status != 422 || r.errorCode(t) != "import_refused" || !strings.Contains(string(r.Body), `"row":8`) {
		t.Fatalf("import with a bad row: %d %s", r.Status, r.Body)
	}
	r = a.do("POST", "/api/v1/admin/guides/import?publish=true&skip_invalid=true", ed, rows)
	var out struct {
		Report guide.Report `json:"report"`
	}
	_ = json.Unmarshal(r.Body, &out)
	if r.Status != 200 || out.Report.Published != 99 {
		t.Fatalf("skip invalid: %d %s", r.Status, r.Body)
	}
	if r := a.do("GET", "/api/v1/guides?limit=100", "", nil); len(r.json(t)["items"].([]any)) != 99 {
		t.Fatalf("residents see %d guides", len(r.json(t)["items"].([]any)))
	}
}

func TestPublishReachesEveryInstance(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b) // both instances share the database (and Redis)
			a := newTestApp(t, cfg)
			other := newTestApp(t, cfg)
			for _, x := range []*testApp{a, other} {
				if err := x.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			ed := a.staffToken("editor1", account.RoleEditor, "市公安局")
			body := guideBody("GA-0003", "临时居民身份证", a.deptID("市公安局"))
			a.do("POST", "/api/v1/admin/guides", ed, body)
			waitVersion := func(want float64) {
				t.Helper()
				deadline := time.Now().Add(5 * time.Second)
				for {
					r := other.do("GET", "/api/v1/guides/GA-0003", "", nil)
					if want == 0 && r.Status == 404 || want > 0 && r.Status == 200 && r.json(t)["version"] == want {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("instance B still answers %d %s, want version %v", r.Status, r.Body, want)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			a.do("POST", "/api/v1/admin/guides/GA-0003/publish", ed, nil)
			waitVersion(1)
			if r := other.do("GET", "/api/v1/guides?q=lsjm", "", nil); !strings.Contains(string(r.Body), "GA-0003") {
				t.Fatalf("instance B's search does not find the new guide: %s", r.Body)
			}
			body["fees"] = "工本费 10 元"
			a.do("PUT", "/api/v1/admin/guides/GA-0003", ed, body)
			a.do("POST", "/api/v1/admin/guides/GA-0003/publish", ed, nil)
			waitVersion(2)
			a.do("POST", "/api/v1/admin/guides/GA-0003/retire", ed, nil)
			waitVersion(0)
		})
	}
}

func urlEscape(s string) string { return url.QueryEscape(s) }
