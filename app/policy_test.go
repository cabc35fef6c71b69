package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"govapp/internal/account"
	"govapp/internal/policy"
)

// hostileBody is a policy body pasted with everything a sanitiser must remove.
const hostileBody = `<p>为深入贯彻落实就业优先战略，现提出如下措施。</p>` +
	`<script>alert("xss")</script><img src="https://img.example/a.png" onerror="alert(1)">` +
	`<a href="javascript:alert(1)">详情</a><p onclick="steal()">第二段</p>` +
	`<iframe src="https://evil.example/embed"></iframe><iframe src="https://v.qq.com/txp/iframe/player.html?vid=w0034"></iframe>`

var hostileParts = []string{"<script", "alert(", "onerror", "onclick", "javascript:", "evil.example"}

func policyBody(title, docNumber string, topics []string, major bool) map[string]any {
	return map[string]any{
		"title": title, "doc_number": docNumber, "issuer": "长沙市人民政府办公厅", "issue_date": "2025-03-18", "effective_date": "2025-04-01",
		"body":        hostileBody,
		"attachments": []map[string]string{{"name": "补贴申请表.docx", "url": "https://www.changsha.gov.cn/att/a.docx"}},
		"topics":      topics, "major": major, "interpretations": []map[string]string{}, "related_guides": []string{},
	}
}

var interpretation = map[string]string{"kind": "text", "title": "《稳就业十条》政策解读", "text": "一、出台背景\n二、主要内容",
	"image_url": "", "video_url": "", "author": "市人力资源和社会保障局"}

// policyID creates a draft over HTTP and returns its id.
func (a *testApp) createPolicy(tok string, body map[string]any) string {
	a.t.Helper()
	r := a.do("POST", "/api/v1/admin/policies", tok, body)
	if r.Status != 201 {
		a.t.Fatalf("create policy: %d %s", r.Status, r.Body)
	}
	return fmt.Sprint(r.json(a.t)["id"])
}

func (a *testApp) count(q string, args ...any) int {
	a.t.Helper()
	var n int
	if err := a.DB().Get(&n, a.DB().Rebind(q), args...); err != nil {
		a.t.Fatal(err)
	}
	return n
}

func TestPolicyEditorWorkflowOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		ed := a.staffToken("editor1", account.RoleEditor, "市公安局")
		a.do("POST", "/api/v1/admin/guides", ed, guideBody("GA-0001", "居民身份证换领", a.deptID("市公安局")))
		a.do("POST", "/api/v1/admin/guides/GA-0001/publish", ed, nil)
		body := policyBody("关于进一步稳就业促创业的若干措施", "长政办发〔2025〕12号", []string{"jiuye", "shebao"}, true)
		body["related_guides"] = []string{"GA-0001"}
		id := a.createPolicy(ed, body)
		base := "/api/v1/admin/policies/" + id

		draft := a.do("GET", base, ed, nil)
		for _, bad := range hostileParts {
			if strings.Contains(string(draft.Body), bad) {
				t.Fatalf("the stored draft holds %q: %s", bad, draft.Body)
			}
		}
		if r := a.do("GET", "/api/v1/policies/"+id, "", nil); r.Status != 404 || r.errorCode(t) != "policy_not_found" {
			t.Fatalf("a draft is public: %d", r.Status)
		}

		t.Run("a major policy without an interpretation is refused and nothing is enqueued", func(t *testing.T) {
			r := a.do("POST", base+"/publish", ed, nil)
			if r.Status != 409 || r.errorCode(t) != "policy_interpretation_required" {
				t.Fatalf("publish: %d %s", r.Status, r.Body)
			}
			if n := a.count(`SELECT COUNT(*) FROM push_messages`) + a.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'push_fanout'`); n != 0 {
				t.Fatalf("a refused publication enqueued %d messages or jobs", n)
			}
			if r := a.do("GET", "/api/v1/policies/"+id, "", nil); r.Status != 404 {
				t.Fatalf("a refused policy is public: %d", r.Status)
			}
		})

		body["interpretations"] = []map[string]string{interpretation}
		if r := a.do("PUT", base, ed, body, "If-Match", "1"); r.Status != 200 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		if r := a.do("PUT", base, ed, body, "If-Match", "1"); r.Status != 409 || r.errorCode(t) != "policy_draft_stale" {
			t.Fatalf("stale update: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", base+"/preview", ed, nil); r.Status != 200 || r.json(t)["status"] != "preview" {
			t.Fatalf("preview: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", base+"/preview?format=html", ed, nil); r.Status != 200 || !strings.Contains(string(r.Body), "尚未发布") {
			t.Fatalf("html preview: %d", r.Status)
		}
		if r := a.do("POST", base+"/publish", ed, nil); r.Status != 200 || r.json(t)["version"] != float64(1) {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		if n := a.count(`SELECT COUNT(*) FROM push_messages WHERE cause = ?`, "policy:"+id); n != 1 {
			t.Fatalf("%d messages for the release", n)
		}

		var p policy.Policy
		r := a.do("GET", "/api/v1/policies/"+id, "", nil)
		if err := json.Unmarshal(r.Body, &p); err != nil || r.Status != 200 {
			t.Fatalf("detail: %d %s", r.Status, r.Body)
		}
		if len(p.Interpretations) != 1 || len(p.Guides) != 1 || p.Guides[0].Name != "居民身份证换领" || p.DocNumber != "长政办发〔2025〕12号" {
			t.Fatalf("residents see %+v", p)
		}
		if !strings.Contains(p.Body, "稳就业") && !strings.Contains(p.Body, "就业优先") || !strings.Contains(p.Body, `src="https://v.qq.com/`) {
			t.Fatalf("body lost its text or its allowed video: %s", p.Body)
		}
		for _, bad := range hostileParts {
			if strings.Contains(string(r.Body), bad) {
				t.Fatalf("residents receive %q: %s", bad, r.Body)
			}
		}

		t.Run("residents find it by title, 文号 and body, and by topic", func(t *testing.T) {
			for _, q := range []string{"/api/v1/policies", "/api/v1/policies?topic=shebao", "/api/v1/policies?q=" + urlEscape("稳就业"),
				"/api/v1/policies?q=" + urlEscape("长政办发〔2025〕12号"), "/api/v1/policies?q=" + urlEscape("就业优先战略")} {
				r := a.do("GET", q, "", nil)
				if items := r.json(t)["items"].([]any); r.Status != 200 || len(items) != 1 {
					t.Fatalf("%s: %d %s", q, r.Status, r.Body)
				}
			}
			for _, q := range []string{"/api/v1/policies?topic=zhufang", "/api/v1/policies?q=" + urlEscape("公积金")} {
				if items := a.do("GET", q, "", nil).json(t)["items"].([]any); len(items) != 0 {
					t.Fatalf("%s found %d", q, len(items))
				}
			}
			if r := a.do("GET", "/api/v1/policies?q="+urlEscape("《》，。"), "", nil); r.Status != 400 {
				t.Fatalf("punctuation-only query: %d", r.Status)
			}
			topics := a.do("GET", "/api/v1/topics", "", nil).json(t)["items"].([]any)
			if len(topics) != 8 || topics[0].(map[string]any)["name"] != "就业创业" || topics[0].(map[string]any)["count"] != float64(1) {
				t.Fatalf("topics: %v", topics)
			}
		})

		t.Run("a correction is a new version and pushes again only when asked", func(t *testing.T) {
			if r := a.do("POST", base+"/correct", ed, map[string]any{"changelog": "无改动"}); r.Status != 409 || r.errorCode(t) != "policy_unchanged" {
				t.Fatalf("correct without changes: %d %s", r.Status, r.Body)
			}
			body["effective_date"] = "2025-05-01"
			a.do("PUT", base, ed, body)
			r := a.do("POST", base+"/correct", ed, map[string]any{"changelog": "施行日期更正为 2025 年 5 月 1 日"})
			if r.Status != 200 || r.json(t)["version"] != float64(2) {
				t.Fatalf("correct: %d %s", r.Status, r.Body)
			}
			if n := a.count(`SELECT COUNT(*) FROM push_messages`); n != 1 {
				t.Fatalf("a correction without notify enqueued a message (%d in all)", n)
			}
			body["title"] = "关于进一步稳就业促创业的若干措施（修订）"
			a.do("PUT", base, ed, body)
			if r := a.do("POST", base+"/correct", ed, map[string]any{"changelog": "标题更正", "notify": true}); r.Status != 200 {
				t.Fatalf("correct and notify: %d %s", r.Status, r.Body)
			}
			if n := a.count(`SELECT COUNT(*) FROM push_messages`); n != 2 {
				t.Fatalf("%d messages after an announced correction, want 2", n)
			}
			vs := a.do("GET", base+"/versions", ed, nil).json(t)["items"].([]any)
			if len(vs) != 3 || vs[1].(map[string]any)["push_cause"] != "" {
				t.Fatalf("versions: %v", vs)
			}
			d := a.do("GET", base+"/deliveries", ed, nil).json(t)
			if rel := d["releases"].([]any); len(rel) != 2 || rel[1].(map[string]any)["version"] != float64(3) {
				t.Fatalf("deliveries: %v", d)
			}
		})

		t.Run("residents and other roles cannot edit policies", func(t *testing.T) {
			res := a.devLogin("o-policy-reader", "")
			op := a.staffToken("operator1", account.RoleOperator, "")
			for _, tok := range []string{res, op} {
				if r := a.do("POST", base+"/withdraw", tok, map[string]any{"reason": "x"}); r.Status != 403 {
					t.Fatalf("withdraw by a non-editor: %d", r.Status)
				}
			}
			if r := a.do("GET", "/api/v1/admin/policies", "", nil); r.Status != 401 {
				t.Fatalf("anonymous editor list: %d", r.Status)
			}
			if r := a.do("GET", "/api/v1/policies/abc", "", nil); r.Status != 404 {
				t.Fatalf("a malformed id: %d", r.Status)
			}
		})

		t.Run("a withdrawn policy shows readers why", func(t *testing.T) {
			if r := a.do("POST", base+"/withdraw", ed, map[string]any{"reason": ""}); r.Status != 400 {
				t.Fatalf("withdraw without a reason: %d", r.Status)
			}
			reason := "该文件已被《关于调整就业补贴标准的通知》替代"
			if r := a.do("POST", base+"/withdraw", ed, map[string]any{"reason": reason}); r.Status != 200 {
				t.Fatalf("withdraw: %d %s", r.Status, r.Body)
			}
			m := a.do("GET", "/api/v1/policies/"+id, "", nil).json(t)
			if m["status"] != "withdrawn" || m["withdraw_reason"] != reason || m["body"] != "" {
				t.Fatalf("a withdrawn policy reads %v", m)
			}
			if page := a.do("GET", "/p/"+id, "", nil); !strings.Contains(string(page.Body), "已撤回") || !strings.Contains(string(page.Body), "关于调整就业补贴标准的通知") {
				t.Fatalf("the page does not say it was withdrawn: %s", page.Body)
			}
			if items := a.do("GET", "/api/v1/policies", "", nil).json(t)["items"].([]any); len(items) != 0 {
				t.Fatal("a withdrawn policy is listed")
			}
			if r := a.do("PUT", base, ed, body); r.Status != 409 || r.errorCode(t) != "policy_withdrawn" {
				t.Fatalf("editing a withdrawn policy: %d %s", r.Status, r.Body)
			}
			list := a.do("GET", "/api/v1/admin/policies?status=withdrawn", ed, nil).json(t)["items"].([]any)
			if len(list) != 1 {
				t.Fatalf("editor list: %v", list)
			}
		})

		var actions []string
		if err := a.DB().Select(&actions, a.DB().Rebind(`SELECT action FROM audit_log WHERE target_type = 'policy' ORDER BY id`)); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(actions, ","); got != "policy.create,policy.update,policy.publish,policy.update,policy.correct,policy.update,policy.correct,policy.withdraw" {
			t.Fatalf("audit: %s", got)
		}
	})
}

// checkWellFormed fails unless page is an HTML document whose non-void
// elements all close in order.
func checkWellFormed(t *testing.T, page string) {
	t.Helper()
	if !strings.HasPrefix(page, "<!doctype html>") {
		t.Fatal("no doctype")
	}
	void := map[string]bool{"meta": true, "link": true, "img": true, "br": true, "hr": true, "input": true}
	z := html.NewTokenizer(strings.NewReader(page))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatal(z.Err())
			}
			if len(open) != 0 {
				t.Fatalf("unclosed elements %v", open)
			}
			return
		case html.StartTagToken:
			name, _ := z.TagName()
			if !void[string(name)] {
				open = append(open, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				t.Fatalf("</%s> closes %v", name, open)
			}
			open = open[:len(open)-1]
		}
	}
}

func TestPolicyPage(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, embedded)
	cfg.HTTP.PublicURL = "https://gov.example.cn"
	a := newTestApp(t, cfg)
	ed := a.staffToken("editor1", account.RoleEditor, "")
	body := policyBody("关于支持高校毕业生留长就业创业的若干措施", "长政办发〔2025〕12号", []string{"jiuye"}, true)
	graphic := map[string]string{"kind": "graphic", "title": "一图读懂", "text": "", "image_url": "https://img.example/tujie.png",
		"video_url": "", "author": "市人社局"}
	body["interpretations"] = []map[string]string{interpretation, graphic}
	id := a.createPolicy(ed, body)
	if r := a.do("POST", "/api/v1/admin/policies/"+id+"/publish", ed, nil); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	r := a.do("GET", "/p/"+id, "", nil)
	page := string(r.Body)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	checkWellFormed(t, page)
	for _, want := range []string{"长政办发〔2025〕12号", "《稳就业十条》政策解读", "出台背景", "市人力资源和社会保障局", "就业优先战略",
		`<meta property="og:title" content="关于支持高校毕业生留长就业创业的若干措施">`, `<meta property="og:url" content="https://gov.example.cn/p/` + id + `">`,
		`<meta property="og:image" content="https://img.example/tujie.png">`, `name="description"`, "补贴申请表.docx", `src="https://v.qq.com/`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range hostileParts {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q", csp)
	}
	if again := a.do("GET", "/p/"+id, "", nil); string(again.Body) != page {
		t.Fatal("a second request rendered another page")
	}
	for _, path := range []string{"/p/999999", "/p/abc"} {
		nf := a.do("GET", path, "", nil)
		if nf.Status != 404 || !strings.Contains(string(nf.Body), "政策不存在") {
			t.Fatalf("%s: %d %s", path, nf.Status, nf.Body)
		}
		checkWellFormed(t, string(nf.Body))
	}
}

// waitDeliveries polls the deliveries endpoint until the release of version
// is done, calling seen with every report on the way.
func (a *testApp) waitDeliveries(tok, id string, version int, within time.Duration, seen func(policy.Deliveries)) policy.Release {
	a.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var d policy.Deliveries
		r := a.do("GET", "/api/v1/admin/policies/"+id+"/deliveries", tok, nil)
		if err := json.Unmarshal(r.Body, &d); err != nil || r.Status != 200 {
			a.t.Fatalf("deliveries: %d %s", r.Status, r.Body)
		}
		if seen != nil {
			seen(d)
		}
		for _, rel := range d.Releases {
			if rel.Version == version && rel.Done {
				return rel
			}
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("release v%d of %s not done: %+v", version, id, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPolicyReleaseReachesEachSubscriberOnce(t *testing.T) {
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			a := newTestAppWith(t, testConfig(t, b), Options{Fake: fake, Work: true})
			if err := a.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			ed := a.staffToken("editor1", account.RoleEditor, "")
			stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
			subscribe := func(name string, topics []string, grants int) (string, string) {
				openid := "o-pol-" + name + "-" + stamp
				tok := a.devLogin(openid, "")
				if r := a.do("PUT", "/api/v1/me/subscriptions", tok, map[string]any{"topics": topics}); r.Status != 200 {
					t.Fatalf("subscribe %s: %d %s", name, r.Status, r.Body)
				}
				if grants > 0 {
					a.do("POST", "/api/v1/me/subscribe-grants", tok, map[string]any{"template_id": "tmpl-policy-release", "count": grants})
				}
				return openid, tok
			}
			both, bothTok := subscribe("both", []string{"jiuye", "shebao"}, 2)
			quitter, quitterTok := subscribe("quitter", []string{"jiuye"}, 1)
			other, _ := subscribe("other", []string{"zhufang"}, 1)
			_, _ = subscribe("nogrant", []string{"shebao"}, 0)
			// a follower of the official account, linked by unionid, without a grant
			follower, _ := subscribe("follower", []string{"shebao"}, 0)
			oaOpenID := "oa-" + follower
			now := time.Now().UTC()
			if _, err := a.DB().Exec(a.DB().Rebind(`UPDATE residents SET unionid = ? WHERE openid = ?`), "u-"+follower, follower); err != nil {
				t.Fatal(err)
			}
			if _, err := a.DB().Exec(a.DB().Rebind(`INSERT INTO oa_followers (openid, unionid, subscribed, subscribed_at, updated_at) VALUES (?, ?, TRUE, ?, ?)`),
				oaOpenID, "u-"+follower, now, now); err != nil {
				t.Fatal(err)
			}
			if r := a.do("PUT", "/api/v1/me/subscriptions", quitterTok, map[string]any{"topics": []string{}}); r.Status != 200 {
				t.Fatalf("unsubscribe: %d", r.Status)
			}
			if got := a.do("GET", "/api/v1/me/subscriptions", bothTok, nil).json(t)["topics"]; fmt.Sprint(got) != "[jiuye shebao]" {
				t.Fatalf("subscriptions: %v", got)
			}
			if r := a.do("PUT", "/api/v1/me/subscriptions", bothTok, `{"topics":["no-such-topic"]}`); r.Status != 400 {
				t.Fatalf("unknown topic: %d", r.Status)
			}
			if r := a.do("PUT", "/api/v1/me/subscriptions", bothTok, `{}`); r.Status != 400 {
				t.Fatalf("missing topics: %d", r.Status)
			}

			id := a.createPolicy(ed, policyBody("关于实施失业保险稳岗返还政策的通知", "长人社发〔2025〕8号", []string{"jiuye", "shebao"}, false))
			if r := a.do("POST", "/api/v1/admin/policies/"+id+"/publish", ed, nil); r.Status != 200 {
				t.Fatalf("publish: %d %s", r.Status, r.Body)
			}
			rel := a.waitDeliveries(ed, id, 1, 30*time.Second, nil)
			if rel.Recipients != 3 || rel.ByStatus["sent"] != 2 || rel.ByStatus["no_grant"] != 1 || rel.Progress != 1 {
				t.Fatalf("release: %+v", rel)
			}
			for openid, want := range map[string]int{both: 1, quitter: 0, other: 0, follower: 0} {
				if got := fake.SubscribeCount(openid); got != want {
					t.Errorf("%s received %d subscribe messages, want %d", openid, got, want)
				}
			}
			if got := fake.TemplateCount(oaOpenID); got != 1 {
				t.Errorf("the linked follower received %d template messages, want 1", got)
			}

			body := policyBody("关于实施失业保险稳岗返还政策的通知", "长人社发〔2025〕8号", []string{"jiuye", "shebao"}, false)
			body["effective_date"] = "2025-06-01"
			a.do("PUT", "/api/v1/admin/policies/"+id, ed, body)
			a.do("POST", "/api/v1/admin/policies/"+id+"/correct", ed, map[string]any{"changelog": "施行日期更正"})
			time.Sleep(300 * time.Millisecond)
			if got := fake.SubscribeCount(both); got != 1 {
				t.Fatalf("a correction without notify reached a subscriber (%d messages)", got)
			}
			body["effective_date"] = "2025-07-01"
			a.do("PUT", "/api/v1/admin/policies/"+id, ed, body)
			a.do("POST", "/api/v1/admin/policies/"+id+"/correct", ed, map[string]any{"changelog": "施行日期再次更正", "notify": true})
			a.waitDeliveries(ed, id, 3, 30*time.Second, nil)
			if got := fake.SubscribeCount(both); got != 2 {
				t.Fatalf("an announced correction: %d messages in all, want 2", got)
			}
		})
	}
}

// releaseSize is the number of subscribers of a release test: 10,000, or
// GOVAPP_TEST_FANOUT when that is smaller.
func releaseSize() int {
	if n, err := strconv.Atoi(os.Getenv("GOVAPP_TEST_FANOUT")); err == nil && n > 0 {
		return min(n, 10_000)
	}
	return 10_000
}

// TestDeliveriesWhileAReleaseFansOut publishes to 10,000 subscribers (fewer
// with GOVAPP_TEST_FANOUT) at a capped rate, watches the deliveries endpoint
// during the fan-out, and checks its totals against the delivery records.
func TestDeliveriesWhileAReleaseFansOut(t *testing.T) {
	heavy(t)
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			n := releaseSize()
			cfg := testConfig(t, b)
			cfg.Push.RatePerSecond = max(n/4, 100) // about four seconds of sending
			cfg.Log.Level = "warn"
			a := newTestAppWith(t, cfg, Options{Fake: fake, Work: true})
			prefix := fmt.Sprintf("o-pfan-%d-", time.Now().UnixNano())
			insertResidents(t, a, prefix, n)
			now := time.Now().UTC()
			for _, q := range []string{
				`INSERT INTO topic_subscriptions (resident_id, topic_code, created_at) SELECT id, 'qiye', ? FROM residents WHERE openid LIKE ?`,
				`INSERT INTO topic_subscriptions (resident_id, topic_code, created_at) SELECT id, 'jiuye', ? FROM residents WHERE openid LIKE ? AND id % 2 = 0`,
			} {
				if _, err := a.DB().Exec(a.DB().Rebind(q), now, prefix+"%"); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < n; i += 100 {
				fake.Refuse(prefix + strconv.Itoa(i+3))
			}
			totalBefore := fake.SubscribeTotal()
			if err := a.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			ed := a.staffToken("editor1", account.RoleEditor, "")
			id := a.createPolicy(ed, policyBody("关于促进中小微企业稳定发展的若干措施", "长政发〔2025〕5号", []string{"qiye", "jiuye"}, false))
			if r := a.do("POST", "/api/v1/admin/policies/"+id+"/publish", ed, nil); r.Status != 200 {
				t.Fatalf("publish: %d %s", r.Status, r.Body)
			}
			live := 0
			rel := a.waitDeliveries(ed, id, 1, 5*time.Minute, func(d policy.Deliveries) {
				if len(d.Releases) != 1 {
					t.Fatalf("releases: %+v", d)
				}
				r := d.Releases[0]
				sum := 0
				for _, c := range d.Totals {
					sum += c
				}
				if sum != r.Recipients || r.Audience < r.Recipients || r.Audience != n || r.Progress < 0 || r.Progress > 1 {
					t.Fatalf("inconsistent report: totals %v (sum %d), recipients %d, audience %d, progress %v", d.Totals, sum, r.Recipients, r.Audience, r.Progress)
				}
				if r.Settled > 0 && r.Settled < n {
					live++
				}
			})
			if live == 0 {
				t.Error("no report showed the fan-out in progress")
			}
			var rows []struct {
				Status string `db:"status"`
				N      int    `db:"n"`
			}
			if err := a.DB().Select(&rows, a.DB().Rebind(`SELECT d.status, COUNT(*) AS n FROM push_deliveries d
				JOIN push_messages m ON m.id = d.message_id WHERE m.cause = ? GROUP BY d.status`), "policy:"+id); err != nil {
				t.Fatal(err)
			}
			records := map[string]int{}
			for _, r := range rows {
				records[r.Status] = r.N
			}
			if fmt.Sprint(records) != fmt.Sprint(rel.ByStatus) || rel.Recipients != n {
				t.Fatalf("endpoint %v (recipients %d), records %v, want %d recipients", rel.ByStatus, rel.Recipients, records, n)
			}
			if records["refused"] != n/100 || records["sent"] != n-n/100 || len(rel.Failures) != 1 || rel.Failures[0].ErrCode != 43101 {
				t.Fatalf("outcomes %v, failures %+v", records, rel.Failures)
			}
			if got := fake.SubscribeTotal() - totalBefore; got != records["sent"] {
				t.Fatalf("the fake received %d messages, the records say %d", got, records["sent"])
			}
			for i := 0; i < n; i++ { // half of them subscribe to both topics
				if c := fake.SubscribeCount(prefix + strconv.Itoa(i)); c > 1 {
					t.Fatalf("%s%d received %d messages", prefix, i, c)
				}
			}
			t.Logf("%d subscribers: %v at %.0f/s, %d live reports", n, rel.ByStatus, rel.Rate, live)
		})
	}
}
