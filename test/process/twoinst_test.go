package process

import (
	"encoding/xml"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/wechat/fakewechat"
)

// TestTwoInstances runs two processes on one PostgreSQL schema and one Redis,
// sharing the fake WeChat as real instances share WeChat.
func TestTwoInstances(t *testing.T) {
	d := newDeployment(t, 10*time.Second)
	a, b := d.start("A"), d.start("B")
	both := []*instance{a, b}
	admin := a.staffToken("admin")

	t.Run("the access token is fetched once for both", func(t *testing.T) {
		before := d.fake.TokenFetches()
		// 200 residents bind their phone at once, half on each instance: every
		// binding calls WeChat with the mini-program's access token, which
		// takes WeChat a moment to issue.
		d.fake.SetLatency("/cgi-bin/stable_token", 200*time.Millisecond)
		tokens := residents(t, "o-two-"+randomHex(3), 200, a, b)
		if got := d.fake.TokenFetches() - before; got != 1 {
			t.Fatalf("WeChat was asked for an access token %d times, want once across both instances", got)
		}

		t.Run("a booking rush split across both books exactly the capacity", func(t *testing.T) {
			hall := a.newHall(admin, 10)
			hot := hall.slots[:2]
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[string]int{}
			start := make(chan struct{})
			for k, tok := range tokens {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := both[k%2].call("POST", "/api/v1/appointments", tok, bookBody(hot[k%2]))
					key := fmt.Sprint(r.Status, " ", r.errorCode())
					if err != nil {
						key = "transport error: " + err.Error()
					}
					mu.Lock()
					got[key]++
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			t.Logf("answers: %v", got)
			refused := 0
			for k, n := range got {
				switch {
				case k == "201 ":
				case strings.HasPrefix(k, "409 slot_full"), strings.HasPrefix(k, "429 "):
					refused += n
				default:
					t.Errorf("%d answers %q", n, k)
				}
			}
			if got["201 "] != 20 || refused != 180 {
				t.Errorf("%d booked and %d refused, want 20 and 180", got["201 "], refused)
			}
			if booked := d.checkSlots(hall); booked != 20 {
				t.Errorf("%d places booked in the database, want 20", booked)
			}
		})
	})

	t.Run("an official-account message retried at both instances is handled once", func(t *testing.T) {
		msg := oaText("o-oa-resident", time.Now().UnixNano(), "身份证")
		replies := deliverAcross(t, d, []*instance{a, b, a}, msg)
		if len(replies) != 1 || !strings.Contains(replies[0], "居民身份证") {
			t.Fatalf("three deliveries of one MsgId gave the replies %q, want one naming the guide", replies)
		}

		follower := "o-oa-follower-" + randomHex(4)
		infoBefore := d.fake.Calls("/cgi-bin/user/info")
		replies = deliverAcross(t, d, []*instance{b, a, b}, oaSubscribe(follower, time.Now().Unix()))
		if len(replies) != 1 || !strings.Contains(replies[0], "欢迎关注") {
			t.Fatalf("three deliveries of one subscribe event gave the replies %q, want one welcome", replies)
		}
		if n := d.fake.Calls("/cgi-bin/user/info") - infoBefore; n != 1 {
			t.Errorf("the subscribe was handled %d times (user-info look-ups), want once", n)
		}
		if n := d.count(`SELECT COUNT(*) FROM oa_followers WHERE openid = $1 AND subscribed`, follower); n != 1 {
			t.Errorf("%d follower rows for %s, want 1", n, follower)
		}
	})

	t.Run("a guide published on one instance is served by the other within 1 s", func(t *testing.T) {
		editor := a.staffToken("editor")
		var dept int64
		if err := d.db.Get(&dept, `SELECT id FROM departments WHERE name = '市政务服务中心'`); err != nil {
			t.Fatal(err)
		}
		code := "PT-" + strings.ToUpper(randomHex(3))
		body := guideBody(code, "进程测试事项", dept)
		a.must("POST", "/api/v1/admin/guides", editor, body, 201)
		a.must("POST", "/api/v1/admin/guides/"+code+"/publish", editor, nil, 200)
		seen := visibleWithin(t, b, code, 1, time.Second)
		t.Logf("version 1 served by B %v after its publication on A", seen.Round(time.Millisecond))

		// B now holds version 1 in its caches; version 2 replaces it there too.
		body["fees"] = "工本费 30 元"
		if r, err := a.call("PUT", "/api/v1/admin/guides/"+code, editor, body, "If-Match", "1"); err != nil || r.Status != 200 {
			t.Fatalf("update: %v %d %s", err, r.Status, r.Body)
		}
		a.must("POST", "/api/v1/admin/guides/"+code+"/publish", editor, nil, 200)
		seen = visibleWithin(t, b, code, 2, time.Second)
		t.Logf("version 2 served by B %v after its publication on A", seen.Round(time.Millisecond))
		if r := b.must("GET", "/api/v1/guides/"+code, "", nil, 200); r["fees"] != "工本费 30 元" {
			t.Errorf("B serves version 2 with the fees %v", r["fees"])
		}
	})
}

// visibleWithin polls in until it serves version of code, failing after limit;
// it returns how long that took.
func visibleWithin(t *testing.T, in *instance, code string, version int, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		r, err := in.call("GET", "/api/v1/guides/"+code, "", nil)
		if err == nil && r.Status == 200 && r.json()["version"] == float64(version) {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s serves %s version %d %v after its publication: %v %d %s", in.name, code, version, limit, err, r.Status, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// guideBody is a complete guide of the 市政务服务中心.
func guideBody(code, name string, dept int64) map[string]any {
	return map[string]any{
		"code": code, "name": name, "audience": "personal", "category": "hukou", "department_id": dept,
		"legal_basis": "《中华人民共和国居民身份证法》第十一条", "applicable_to": "本市户籍居民",
		"process":   []map[string]any{{"name": "申请", "description": "窗口提交", "time_limit": "即时"}, {"name": "办结", "description": "", "time_limit": ""}},
		"materials": []map[string]any{{"name": "居民户口簿", "form": "original", "copies": 1, "required": true, "condition": "", "template_url": "", "notes": ""}},
		"fees":      "工本费 20 元", "legal_time_limit_days": 60, "promised_time_limit_days": 20, "phone": "0731-12345", "complaint_phone": "12345",
		"halls":      []map[string]any{{"name": "市民之家", "address": "新城大道 100 号", "phone": "0731-12345", "hours": "9:00-17:00"}},
		"online_url": "", "bookable": true, "max_visits": 1, "keywords": []string{"进程测试"},
	}
}

func oaText(from string, msgID int64, content string) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_govapp]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId></xml>`,
		from, time.Now().Unix(), content, msgID)
}

func oaSubscribe(from string, created int64) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_govapp]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`, from, created)
}

// deliverAcross posts body to each instance at once, as WeChat's retries of
// a slow answer may arrive, and returns the text replies (every other answer
// must be "success").
func deliverAcross(t *testing.T, d *deployment, to []*instance, body string) []string {
	t.Helper()
	var wg sync.WaitGroup
	answers := make([]reply, len(to))
	errs := make([]error, len(to))
	for k, in := range to {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Safe mode (the deployment has an AES key); each try signed with a nonce of its own.
			q, sealed, err := fakewechat.SafePush(d.oaApp, d.oaToken, d.oaAESKey, time.Now(), fmt.Sprint("n", k, "-", randomHex(6)), []byte(body))
			if err != nil {
				errs[k] = err
				return
			}
			answers[k], errs[k] = in.call("POST", "/wechat/oa?"+q.Encode(), "", string(sealed))
		}()
	}
	wg.Wait()
	var replies []string
	for k, r := range answers {
		if errs[k] != nil || r.Status != 200 {
			t.Fatalf("delivery %d to %s: %v %d %s", k, to[k].name, errs[k], r.Status, r.Body)
		}
		if string(r.Body) == "success" {
			continue
		}
		plain, err := fakewechat.OpenReply(d.oaApp, d.oaToken, d.oaAESKey, r.Body)
		if err != nil {
			t.Fatalf("delivery %d to %s: %v", k, to[k].name, err)
		}
		var rep struct {
			MsgType string `xml:"MsgType"`
			Content string `xml:"Content"`
		}
		if err := xml.Unmarshal(plain, &rep); err != nil || rep.MsgType != "text" {
			t.Fatalf("delivery %d to %s: not a text reply: %s", k, to[k].name, plain)
		}
		replies = append(replies, rep.Content)
	}
	return replies
}
