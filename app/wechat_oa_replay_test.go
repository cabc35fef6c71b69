package app

import (
	"testing"
	"time"

	"govapp/internal/wechat/fakewechat"
)

// followerState is "none", "subscribed" or "unsubscribed": openid's row in oa_followers.
func (a *testApp) followerState(openid string) string {
	a.t.Helper()
	var rows []struct {
		Subscribed bool `db:"subscribed"`
	}
	if err := a.DB().Select(&rows, a.DB().Rebind(`SELECT subscribed FROM oa_followers WHERE openid = ?`), openid); err != nil {
		a.t.Fatal(err)
	}
	switch {
	case len(rows) == 0:
		return "none"
	case rows[0].Subscribed:
		return "subscribed"
	}
	return "unsubscribed"
}

// A plaintext push's signature covers the token, timestamp and nonce, never
// the body: with an AES key configured (the embedded profile's fake account
// has one) plaintext is refused unless compatibility mode is configured.
func TestOACallbackRefusesPlaintextWithAnAESKey(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			t.Run("safe mode by default", func(t *testing.T) {
				a := newTestApp(t, testConfig(t, b))
				victim := "o-plain-" + randomHex(6)
				r := a.do("POST", "/wechat/oa"+a.oaQuery("plain"), "", oaEvent(victim, "unsubscribe", time.Now().Unix()))
				if r.Status != 400 || a.followerState(victim) != "none" {
					t.Fatalf("plaintext push answered %d %s; follower %s", r.Status, r.Body, a.followerState(victim))
				}
				q, body := a.oaPush(oaEvent(victim, "subscribe", time.Now().Unix()))
				if r := a.do("POST", "/wechat/oa"+q, "", body); r.Status != 200 || a.followerState(victim) != "subscribed" {
					t.Fatalf("encrypted push answered %d %s; follower %s", r.Status, r.Body, a.followerState(victim))
				}
			})
			t.Run("compatibility mode configured explicitly", func(t *testing.T) {
				cfg := testConfig(t, b)
				cfg.WeChat.OA.MessageMode = "compatible"
				a := newTestApp(t, cfg)
				follower := "o-compat-" + randomHex(6)
				r := a.do("POST", "/wechat/oa"+a.oaQuery("plain"), "", oaEvent(follower, "subscribe", time.Now().Unix()))
				if r.Status != 200 || a.oaReplyText(r.Body) == "" || a.followerState(follower) != "subscribed" {
					t.Fatalf("plaintext push answered %d %s; follower %s", r.Status, r.Body, a.followerState(follower))
				}
			})
		})
	}
}

// oaTarget is one instance's callback URL.
type oaTarget struct {
	a    *testApp
	path string
}

// One (timestamp, nonce) signs one request: with compatibility mode on
// (plaintext accepted, so the nonce is all that ties a signature to a body),
// the pair of a genuine push cannot carry other bodies to any instance —
// two govapp instances on one database and one Redis, or two servers over
// the embedded profile's in-process cache — and WeChat's own retry under the
// same pair is still answered as the duplicate it is.
func TestOACallbackReplayRefusedAcrossInstances(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b)
			cfg.WeChat.OA.MessageMode = "compatible"
			var at []oaTarget
			if b == production {
				one, two := newTestApp(t, cfg), newTestApp(t, cfg)
				at = []oaTarget{{one, "/wechat/oa"}, {two, "/wechat/oa"}}
			} else {
				a := newTestApp(t, cfg)
				_, paths := a.mountOA(2)
				at = []oaTarget{{a, paths[0]}, {a, paths[1]}}
			}
			db := at[0].a
			token := cfg.WeChat.OA.Token
			victim, intruder := "o-victim-"+randomHex(6), "o-intruder-"+randomHex(6)
			now := time.Now()
			q := "?" + fakewechat.PlainQuery(token, now, "replay-"+randomHex(6)).Encode()
			genuine := oaEvent(victim, "subscribe", now.Unix())
			if r := at[0].a.do("POST", at[0].path+q, "", genuine); r.Status != 200 || at[0].a.oaReplyText(r.Body) == "" {
				t.Fatalf("the genuine subscribe answered %d %s", r.Status, r.Body)
			}
			forged := []string{
				oaEvent(victim, "unsubscribe", now.Unix()),
				oaEvent(victim, "unsubscribe", now.Unix()+1),
				oaText(victim, now.UnixNano(), "公积金提取"),
				oaEvent(intruder, "subscribe", now.Unix()),
			}
			for i, body := range forged {
				for k, x := range at {
					if r := x.a.do("POST", x.path+q, "", body); r.Status != 403 {
						t.Errorf("forged body %d on instance %d under the genuine push's signature: %d %s, want 403", i, k, r.Status, r.Body)
					}
				}
			}
			if got := db.followerState(victim); got != "subscribed" {
				t.Errorf("the victim is %s after the refused pushes, want subscribed", got)
			}
			if got := db.followerState(intruder); got != "none" {
				t.Errorf("the forged subscriber is %s, want none", got)
			}
			if r := at[1].a.do("POST", at[1].path+q, "", genuine); r.Status != 200 || string(r.Body) != "success" {
				t.Errorf("WeChat's retry under the same signature answered %d %s, want success", r.Status, r.Body)
			}

			v := fakewechat.PlainQuery(token, now, "verify-"+randomHex(6)).Encode()
			if r := at[0].a.do("GET", at[0].path+"?"+v+"&echostr=8821734", "", nil); r.Status != 200 || string(r.Body) != "8821734" {
				t.Fatalf("URL verification answered %d %s", r.Status, r.Body)
			}
			if r := at[1].a.do("GET", at[1].path+"?"+v+"&echostr=forged", "", nil); r.Status != 403 {
				t.Errorf("another echostr under a used signature answered %d %s, want 403", r.Status, r.Body)
			}
			if r := at[1].a.do("POST", at[1].path+"?"+v, "", oaEvent(victim, "unsubscribe", now.Unix()+2)); r.Status != 403 {
				t.Errorf("a push under the verification's signature answered %d %s, want 403", r.Status, r.Body)
			}
			if got := db.followerState(victim); got != "subscribed" {
				t.Errorf("the victim is %s at the end, want subscribed", got)
			}
		})
	}
}
