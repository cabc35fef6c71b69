package fakewechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"govapp/internal/wechat/fakewechat"
)

const (
	appID  = "wxapp"
	secret = "s3cret"
)

type answer struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	OpenID      string `json:"openid"`
	UnionID     string `json:"unionid"`
	SessionKey  string `json:"session_key"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	PhoneInfo   struct {
		PhoneNumber     string `json:"phoneNumber"`
		PurePhoneNumber string `json:"purePhoneNumber"`
		CountryCode     string `json:"countryCode"`
	} `json:"phone_info"`
}

// api talks to the fake through a real HTTP server, so that both ways of
// mounting it (handler and Transport) are exercised across the tests.
type api struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newAPI(t *testing.T, f *fakewechat.Fake) api {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return api{t: t, base: srv.URL, hc: srv.Client()}
}

// do sends req; a transport or decoding failure is reported with t.Error (safe
// from any goroutine) and answers errcode -999.
func (a api) do(req *http.Request) answer {
	a.t.Helper()
	failed := answer{ErrCode: -999}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Error(err)
		return failed
	}
	defer resp.Body.Close()
	var out answer
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		a.t.Error(err)
		return failed
	}
	return out
}

func (a api) get(path string, q url.Values) answer {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.base+path+"?"+q.Encode(), nil)
	return a.do(req)
}

func (a api) post(path string, q url.Values, body any) answer {
	a.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, a.base+path+"?"+q.Encode(), bytes.NewReader(b))
	return a.do(req)
}

func (a api) login(code string) answer {
	return a.get("/sns/jscode2session", url.Values{"appid": {appID}, "secret": {secret},
		"js_code": {code}, "grant_type": {"authorization_code"}})
}

func (a api) stable(force bool) answer {
	return a.post("/cgi-bin/stable_token", nil, map[string]any{"grant_type": "client_credential",
		"appid": appID, "secret": secret, "force_refresh": force})
}

func (a api) phone(token, code string) answer {
	return a.post("/wxa/business/getuserphonenumber", url.Values{"access_token": {token}},
		map[string]string{"code": code})
}

func TestLogin(t *testing.T) {
	f := fakewechat.New(appID, secret)
	a := newAPI(t, f)
	f.AddLoginCode("c1", "o1", "u1")
	if got := a.login("c1"); got.ErrCode != 0 || got.OpenID != "o1" || got.UnionID != "u1" || got.SessionKey == "" {
		t.Fatalf("first use: %+v", got)
	}
	if got := a.login("c1"); got.ErrCode != 40163 {
		t.Fatalf("second use: %+v", got)
	}
	if got := a.login("zzz"); got.ErrCode != 40029 {
		t.Fatalf("unknown: %+v", got)
	}
	for range 2 {
		if got := a.login("dev:alice"); got.OpenID != "alice" || got.UnionID != "u-alice" {
			t.Fatalf("dev code: %+v", got)
		}
	}
	if got := a.login("dev:bad id!"); got.ErrCode != 40029 {
		t.Fatalf("bad dev openid: %+v", got)
	}
	wrong := a.get("/sns/jscode2session", url.Values{"appid": {appID}, "secret": {"x"},
		"js_code": {"dev:a"}, "grant_type": {"authorization_code"}})
	if wrong.ErrCode != 40125 {
		t.Fatalf("wrong secret: %+v", wrong)
	}
	if n := f.Calls("/sns/jscode2session"); n != 7 {
		t.Fatalf("calls = %d", n)
	}
}

func TestTokens(t *testing.T) {
	f := fakewechat.New(appID, secret)
	a := newAPI(t, f)
	first := a.stable(false)
	if first.ErrCode != 0 || first.AccessToken == "" || first.ExpiresIn != 7200 {
		t.Fatalf("stable: %+v", first)
	}
	if again := a.stable(false); again.AccessToken != first.AccessToken {
		t.Fatal("stable token changed without force_refresh")
	}
	if forced := a.stable(true); forced.AccessToken == first.AccessToken {
		t.Fatal("force_refresh kept the token")
	}
	classic := a.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}})
	if classic.ErrCode != 0 || classic.AccessToken == "" {
		t.Fatalf("classic: %+v", classic)
	}
	bad := a.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {"wxother"}, "secret": {secret}})
	if bad.ErrCode != 40013 {
		t.Fatalf("unknown appid: %+v", bad)
	}
	if n := f.TokenFetches(); n != 5 {
		t.Fatalf("token fetches = %d, want 5", n)
	}
	f.AddApp("wxother", "other")
	other := a.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {"wxother"}, "secret": {"other"}})
	if other.ErrCode != 0 {
		t.Fatalf("added app: %+v", other)
	}
}

func TestPhoneNumber(t *testing.T) {
	f := fakewechat.New(appID, secret)
	a := newAPI(t, f)
	tok := a.stable(false).AccessToken
	f.AddPhoneCode("p1", "13800138000")
	got := a.phone(tok, "p1")
	if got.ErrCode != 0 || got.PhoneInfo.PurePhoneNumber != "13800138000" || got.PhoneInfo.CountryCode != "86" {
		t.Fatalf("phone: %+v", got)
	}
	if got := a.phone(tok, "p1"); got.ErrCode != 40029 {
		t.Fatalf("reused code: %+v", got)
	}
	if got := a.phone(tok, "dev-phone:13900000000"); got.PhoneInfo.PhoneNumber != "13900000000" {
		t.Fatalf("dev code: %+v", got)
	}
	if got := a.phone(tok, "dev-phone:123"); got.ErrCode != 40029 {
		t.Fatalf("short dev code: %+v", got)
	}
	if got := a.phone("forged", "dev-phone:13900000000"); got.ErrCode != 40001 {
		t.Fatalf("forged token: %+v", got)
	}
	if got := a.phone("", "dev-phone:13900000000"); got.ErrCode != 41001 {
		t.Fatalf("missing token: %+v", got)
	}
	f.RevokeTokens()
	if got := a.phone(tok, "dev-phone:13900000000"); got.ErrCode != 40001 {
		t.Fatalf("revoked token: %+v", got)
	}
}

func TestScripting(t *testing.T) {
	f := fakewechat.New(appID, secret)
	a := newAPI(t, f)

	f.FailNext("/sns/jscode2session", 45011, 2)
	for i, want := range []int{45011, 45011, 0} {
		if got := a.login("dev:x"); got.ErrCode != want {
			t.Fatalf("call %d: errcode %d, want %d", i, got.ErrCode, want)
		}
	}
	f.SetQuota("/cgi-bin/stable_token", 1)
	if a.stable(false).ErrCode != 0 || a.stable(false).ErrCode != 45009 {
		t.Fatal("quota not applied")
	}
	f.Reset()
	if a.stable(false).ErrCode != 0 || f.TokenFetches() != 1 || f.Calls("/sns/jscode2session") != 0 {
		t.Fatal("Reset kept scripts or counters")
	}
	if got := a.get("/no/such/api", nil); got.ErrCode != 40066 {
		t.Fatalf("unknown path: %+v", got)
	}
	if got := a.get("/cgi-bin/stable_token", nil); got.ErrCode != 43002 {
		t.Fatalf("wrong method: %+v", got)
	}
}

func TestTransportServesInProcessAndHonoursTimeouts(t *testing.T) {
	f := fakewechat.New(appID, secret)
	hc := &http.Client{Transport: f.Transport(), Timeout: 50 * time.Millisecond}
	a := api{t: t, base: "https://api.weixin.qq.com", hc: hc}
	if got := a.login("dev:carol"); got.OpenID != "carol" {
		t.Fatalf("login through Transport: %+v", got)
	}
	f.SetLatency("/sns/jscode2session", time.Second)
	start := time.Now()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet,
		"https://api.weixin.qq.com/sns/jscode2session?js_code=dev:x", nil)
	_, err := hc.Do(req)
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("took %v", d)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := fakewechat.New(appID, secret)
	a := api{t: t, base: "https://api.weixin.qq.com", hc: &http.Client{Transport: f.Transport()}}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			switch i % 4 {
			case 0:
				a.stable(false)
			case 1:
				a.login("dev:u")
			case 2:
				f.FailNext("/sns/jscode2session", -1, 1)
			default:
				_ = f.Calls("/sns/jscode2session") + f.TokenFetches()
			}
		})
	}
	wg.Wait()
	if n := f.TokenFetches(); n != 10 {
		t.Fatalf("token fetches = %d, want 10", n)
	}
}
