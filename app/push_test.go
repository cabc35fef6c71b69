package app

import (
	"context"
	"testing"
	"time"

	"govapp/internal/push"
)

func TestPushThroughTheFakeWeChat(t *testing.T) {
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			a := newTestAppWith(t, testConfig(t, b), Options{Fake: fake, Work: true})
			if err := a.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			openid := "o-push-" + string(b[:6])
			tok := a.devLogin(openid, "")
			r := a.do("POST", "/api/v1/me/subscribe-grants", tok, map[string]any{"template_id": "tmpl-policy-release", "count": 1})
			if r.Status != 200 || r.json(t)["remaining"] != float64(1) {
				t.Fatalf("grant: %d %s", r.Status, r.Body)
			}
			for _, bad := range []map[string]any{{"template_id": "nope", "count": 1}, {"template_id": "tmpl-policy-release", "count": 0}} {
				if r := a.do("POST", "/api/v1/me/subscribe-grants", tok, bad); r.Status != 400 {
					t.Fatalf("bad grant %v: %d", bad, r.Status)
				}
			}
			var id int64
			if err := a.DB().Get(&id, a.DB().Rebind(`SELECT id FROM residents WHERE openid = ?`), openid); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			before := fake.SubscribeCount(openid)
			for _, cause := range []string{"policy:p1-" + string(b), "policy:p2-" + string(b)} {
				if _, err := a.Push().Enqueue(ctx, push.Message{Cause: cause, Template: "policy_release",
					Data: map[string]string{"thing1": "关于稳就业的通知"}, Audience: push.Audience{Kind: "residents", ResidentIDs: []int64{id}}}); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				s1, _ := a.Push().Stats(ctx, "policy:p1-"+string(b))
				s2, _ := a.Push().Stats(ctx, "policy:p2-"+string(b))
				if s1.ByStatus["sent"]+s1.ByStatus["no_grant"]+s2.ByStatus["sent"]+s2.ByStatus["no_grant"] == 2 {
					if s1.ByStatus["sent"]+s2.ByStatus["sent"] != 1 {
						t.Fatalf("one grant, two causes: %v %v", s1.ByStatus, s2.ByStatus)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("deliveries not settled: %v %v", s1.ByStatus, s2.ByStatus)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if got := fake.SubscribeCount(openid) - before; got != 1 {
				t.Fatalf("the fake WeChat received %d subscribe messages, want 1", got)
			}
			if r := a.do("GET", "/api/v1/me/subscribe-grants", tok, nil); len(r.json(t)["items"].([]any)) != 1 {
				t.Fatalf("grants: %s", r.Body)
			}
		})
	}
}

func TestNotificationSettings(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	tok := a.devLogin("o-settings", "")
	r := a.do("GET", "/api/v1/me/notification-settings", tok, nil)
	if m := r.json(t); m["tickets"] != true || m["policies"] != true || m["appointments"] != true {
		t.Fatalf("defaults: %s", r.Body)
	}
	if r := a.do("PUT", "/api/v1/me/notification-settings", tok, `{"tickets":true,"policies":false}`); r.Status != 400 || r.errorCode(t) != "invalid_request" {
		t.Fatalf("a missing switch must be refused: %d %s", r.Status, r.Body)
	}
	if r := a.do("PUT", "/api/v1/me/notification-settings", tok, `{"tickets":true,"appointments":true,"policies":"no"}`); r.Status != 400 {
		t.Fatalf("wrong type: %d", r.Status)
	}
	a.do("PUT", "/api/v1/me/notification-settings", tok, `{"tickets":true,"appointments":false,"policies":false}`)
	if m := a.do("GET", "/api/v1/me/notification-settings", tok, nil).json(t); m["policies"] != false || m["appointments"] != false || m["tickets"] != true {
		t.Fatalf("after PUT: %v", m)
	}
	if r := a.do("GET", "/api/v1/me/notification-settings", "", nil); r.Status != 401 {
		t.Fatalf("anonymous: %d", r.Status)
	}
}

// TestFollowersWithoutAGrantGetATemplateMessage: a resident who gave no
// one-time grant but follows the official account (linked by unionid) gets
// an official-account template message instead.
func TestFollowersWithoutAGrantGetATemplateMessage(t *testing.T) {
	a := newTestAppWith(t, testConfig(t, embedded), Options{Fake: fake, Work: true})
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// the resident signs in through WeChat: dev code "dev:zhang" → openid zhang, unionid u-zhang
	r := a.do("POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": "dev:zhang-follower"})
	if r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	// they follow the official account as oa-zhang-follower (unionid u-zhang-follower)
	if err := a.oa.Subscribe(ctx, "oa-zhang-follower", time.Now()); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := a.DB().Get(&id, `SELECT id FROM residents WHERE openid = 'zhang-follower'`); err != nil {
		t.Fatal(err)
	}
	before := fake.TemplateCount("oa-zhang-follower")
	if _, err := a.Push().Enqueue(ctx, push.Message{Cause: "policy:follower", Template: "policy_release",
		Data: map[string]string{"thing1": "政策发布"}, Audience: push.Audience{Kind: "residents", ResidentIDs: []int64{id}}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for fake.TemplateCount("oa-zhang-follower") == before {
		if time.Now().After(deadline) {
			st, _ := a.Push().Stats(ctx, "policy:follower")
			t.Fatalf("no template message reached the follower: %v", st.ByStatus)
		}
		time.Sleep(50 * time.Millisecond)
	}
	st, _ := a.Push().Stats(ctx, "policy:follower")
	if st.ByStatus["sent"] != 1 {
		t.Fatalf("delivery: %v", st.ByStatus)
	}
}
