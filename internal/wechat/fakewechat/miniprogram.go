package fakewechat

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Paths served by the mini-program routes.
const (
	pathCode2Session = "/sns/jscode2session"
	pathToken        = "/cgi-bin/token"
	pathStableToken  = "/cgi-bin/stable_token"
	pathPhoneNumber  = "/wxa/business/getuserphonenumber"
)

// WeChat errcodes the fake answers.
const (
	codeSystemBusy   = -1
	codeInvalidToken = 40001
	codeGrantType    = 40002
	codeInvalidAppID = 40013
	codeInvalidCode  = 40029
	codeInvalidURL   = 40066
	codeBadSecret    = 40125
	codeCodeUsed     = 40163
	codeTokenMissing = 41001
	codeNeedGET      = 43001
	codeNeedPOST     = 43002
	codeBadBody      = 47001
	codeQuota        = 45009
	codeRateLimit    = 45011
)

// tokenLifetime is the expires_in of every issued token, in seconds.
const tokenLifetime = 7200

var errMsgs = map[int]string{
	codeSystemBusy:   "system error",
	0:                "ok",
	codeInvalidToken: "invalid credential, access_token is invalid or not latest",
	codeGrantType:    "invalid grant_type",
	40014:            "invalid access_token",
	codeInvalidAppID: "invalid appid",
	codeInvalidCode:  "invalid code",
	codeInvalidURL:   "invalid url",
	codeBadSecret:    "invalid appsecret",
	codeCodeUsed:     "code been used",
	codeTokenMissing: "access_token missing",
	42001:            "access_token expired",
	codeNeedGET:      "require GET method",
	codeNeedPOST:     "require POST method",
	codeQuota:        "reach max api daily quota limit",
	codeRateLimit:    "api minute-quota reach limit  mustslower  retry next minute",
	codeBadBody:      "data format error",
}

// errBody is WeChat's error answer for code.
func errBody(code int) map[string]any {
	msg, ok := errMsgs[code]
	if !ok {
		msg = fmt.Sprintf("fake error %d", code)
	}
	return map[string]any{"errcode": code, "errmsg": msg}
}

func methodCode(method string) int {
	if method == http.MethodGet {
		return codeNeedGET
	}
	return codeNeedPOST
}

var (
	devOpenID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	devPhone  = regexp.MustCompile(`^[0-9]{11}$`)
)

const (
	devLoginPrefix = "dev:"
	devPhonePrefix = "dev-phone:"
)

// addMiniProgramRoutes registers login, token and phone-number routes.
func (f *Fake) addMiniProgramRoutes() {
	f.routes[pathCode2Session] = route{method: http.MethodGet, handle: f.code2Session}
	f.routes[pathToken] = route{method: http.MethodGet, handle: f.token}
	f.routes[pathStableToken] = route{method: http.MethodPost, handle: f.stableToken}
	f.routes[pathPhoneNumber] = route{method: http.MethodPost, needToken: true, handle: f.phoneNumber}
}

// checkApp returns 0 when appID and secret are a known pair, else 40013 or 40125.
func (f *Fake) checkApp(appID, secret string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	want, ok := f.apps[appID]
	switch {
	case !ok:
		return codeInvalidAppID
	case secret != want:
		return codeBadSecret
	}
	return 0
}

func (f *Fake) code2Session(r *http.Request, _ string) any {
	q := r.URL.Query()
	if code := f.checkApp(q.Get("appid"), q.Get("secret")); code != 0 {
		return errBody(code)
	}
	if q.Get("grant_type") != "authorization_code" {
		return errBody(codeGrantType)
	}
	openID, unionID, code := f.redeemLogin(q.Get("js_code"))
	if code != 0 {
		return errBody(code)
	}
	return map[string]any{"openid": openID, "session_key": sessionKey(), "unionid": unionID}
}

// redeemLogin resolves a login code, consuming a scripted one.
func (f *Fake) redeemLogin(js string) (openID, unionID string, errcode int) {
	if id, ok := strings.CutPrefix(js, devLoginPrefix); ok {
		if !devOpenID.MatchString(id) {
			return "", "", codeInvalidCode
		}
		return id, "u-" + id, 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	lc, ok := f.loginCodes[js]
	switch {
	case !ok:
		return "", "", codeInvalidCode
	case lc.used:
		return "", "", codeCodeUsed
	}
	lc.used = true
	return lc.openID, lc.unionID, 0
}

func (f *Fake) token(r *http.Request, _ string) any {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		return errBody(codeGrantType)
	}
	return f.issue(q.Get("appid"), q.Get("secret"), false, true)
}

func (f *Fake) stableToken(r *http.Request, _ string) any {
	var in struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := readJSON(r, &in); err != nil {
		return errBody(codeBadBody)
	}
	if in.GrantType != "client_credential" {
		return errBody(codeGrantType)
	}
	return f.issue(in.AppID, in.Secret, true, in.ForceRefresh)
}

// issue answers a token request. The stable API returns the app's current
// token unless forced; the classic API mints a new one each time (earlier ones
// stay valid, as WeChat keeps them for a while).
func (f *Fake) issue(appID, secret string, stable, force bool) any {
	if code := f.checkApp(appID, secret); code != 0 {
		return errBody(code)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	tok := f.stable[appID]
	if !stable || force || tok == "" {
		f.seq++
		tok = fmt.Sprintf("fake-at-%d-%s", f.seq, randomHex(8))
		f.tokens[tok] = appID
		if stable {
			f.stable[appID] = tok
		}
	}
	return map[string]any{"access_token": tok, "expires_in": tokenLifetime}
}

func (f *Fake) phoneNumber(r *http.Request, app string) any {
	var in struct {
		Code string `json:"code"`
	}
	if err := readJSON(r, &in); err != nil {
		return errBody(codeBadBody)
	}
	phone, code := f.redeemPhone(in.Code)
	if code != 0 {
		return errBody(code)
	}
	return map[string]any{
		"errcode": 0,
		"errmsg":  "ok",
		"phone_info": map[string]any{
			"phoneNumber":     phone,
			"purePhoneNumber": phone,
			"countryCode":     "86",
			"watermark":       map[string]any{"timestamp": time.Now().Unix(), "appid": app},
		},
	}
}

// redeemPhone resolves a phone code, consuming a scripted one.
func (f *Fake) redeemPhone(code string) (string, int) {
	if p, ok := strings.CutPrefix(code, devPhonePrefix); ok {
		if !devPhone.MatchString(p) {
			return "", codeInvalidCode
		}
		return p, 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	pc, ok := f.phoneCodes[code]
	if !ok || pc.used {
		return "", codeInvalidCode
	}
	pc.used = true
	return pc.phone, 0
}

func sessionKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
