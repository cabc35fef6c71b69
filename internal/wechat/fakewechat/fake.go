// Package fakewechat is an in-process fake of the WeChat HTTP API
// (api.weixin.qq.com) for the embedded profile and the tests. A *Fake is an
// http.Handler (mount it in httptest.NewServer) and its Transport serves any
// request, whatever the host, straight from the handler without a network.
//
// Routes (one table, see routes):
//
//	GET  /sns/jscode2session               login code → openid, session_key, unionid
//	GET  /cgi-bin/token                    access token (a new one each call)
//	POST /cgi-bin/stable_token             stable access token (same one until revoked or force_refresh)
//	POST /wxa/business/getuserphonenumber  phone code → phone_info (needs an issued access_token)
//
// Scripting: AddLoginCode and AddPhoneCode register single-use codes (a second
// use answers 40163 for login, 40029 for phone codes; unknown codes 40029).
// FailNext makes the next n calls to a path answer an errcode, SetLatency
// delays a path (honouring the caller's cancellation), SetQuota answers 45009
// beyond n calls, RevokeTokens invalidates every issued token (calls then
// answer 40001), Calls and TokenFetches count, Reset forgets all of it.
//
// Development convention, so the embedded profile works unscripted (these
// codes are reusable):
//
//	login code "dev:<openid>"             → that openid, unionid "u-<openid>"
//	                                        (openid: 1–64 of A-Z a-z 0-9 _ -)
//	phone code "dev-phone:<11 digits>"    → that number, country code 86
//
// Every answer is HTTP 200 with WeChat's JSON, except unknown paths (404) and
// wrong methods (405). The Fake is safe for concurrent use.
package fakewechat

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// route answers one API path. handle returns the JSON body; app is the app id
// the presented access token belongs to when needToken is set.
type route struct {
	method    string
	needToken bool
	handle    func(r *http.Request, app string) any
}

// failure is a scripted errcode for the next n calls.
type failure struct {
	code int
	n    int
}

// quota answers 45009 once used exceeds limit.
type quota struct {
	limit, used int
}

type loginCode struct {
	openID, unionID string
	used            bool
}

type phoneCode struct {
	phone string
	used  bool
}

// Fake is an in-process WeChat API. Create it with New.
type Fake struct {
	routes map[string]route // read-only after New

	mu         sync.Mutex
	apps       map[string]string // app id → secret
	loginCodes map[string]*loginCode
	phoneCodes map[string]*phoneCode
	tokens     map[string]string // issued token → app id
	stable     map[string]string // app id → current stable token
	calls      map[string]int
	failNext   map[string]*failure
	latency    map[string]time.Duration
	quotas     map[string]*quota
	seq        int

	msgs messageState // subscribe/template messages and content checks (messages.go)
	oa   oaState      // official-account APIs (oa.go)
}

var _ http.Handler = (*Fake)(nil)

// New returns a Fake that knows one app, appID with secret.
func New(appID, secret string) *Fake {
	f := &Fake{routes: map[string]route{}, apps: map[string]string{appID: secret}}
	f.Reset()
	f.addMiniProgramRoutes()
	f.addMessageRoutes()
	f.addOARoutes()
	return f
}

// AddApp makes the Fake accept another app (e.g. the official account).
func (f *Fake) AddApp(appID, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apps[appID] = secret
}

// Reset forgets scripted codes, issued tokens, counters, failures, latencies
// and quotas. Apps and routes stay.
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loginCodes = map[string]*loginCode{}
	f.phoneCodes = map[string]*phoneCode{}
	f.tokens = map[string]string{}
	f.stable = map[string]string{}
	f.calls = map[string]int{}
	f.failNext = map[string]*failure{}
	f.latency = map[string]time.Duration{}
	f.quotas = map[string]*quota{}
	f.resetMessages()
	f.resetOA()
}

// AddLoginCode registers a single-use wx.login code for openid and unionid.
func (f *Fake) AddLoginCode(code, openid, unionid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loginCodes[code] = &loginCode{openID: openid, unionID: unionid}
}

// AddPhoneCode registers a single-use getPhoneNumber code for phone (11 digits).
func (f *Fake) AddPhoneCode(code, phone string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.phoneCodes[code] = &phoneCode{phone: phone}
}

// FailNext makes the next n calls to path answer errcode (n <= 0 clears it).
func (f *Fake) FailNext(path string, errcode int, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n <= 0 {
		delete(f.failNext, path)
		return
	}
	f.failNext[path] = &failure{code: errcode, n: n}
}

// SetLatency delays every answer on path by d (0 clears it).
func (f *Fake) SetLatency(path string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency[path] = d
}

// SetQuota lets n more calls to path through; later ones answer 45009
// (n < 0 removes the quota).
func (f *Fake) SetQuota(path string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n < 0 {
		delete(f.quotas, path)
		return
	}
	f.quotas[path] = &quota{limit: n}
}

// RevokeTokens invalidates every issued access token, as if they had expired.
func (f *Fake) RevokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]string{}
	f.stable = map[string]string{}
}

// Calls returns how many requests reached path since the last Reset.
func (f *Fake) Calls(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[path]
}

// TokenFetches returns how many requests reached the token endpoints
// (/cgi-bin/token and /cgi-bin/stable_token) since the last Reset.
func (f *Fake) TokenFetches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[pathToken] + f.calls[pathStableToken]
}

// ServeHTTP answers one API request: it counts the call, waits the scripted
// latency, applies the quota and scripted failures, checks the access token
// where the route needs one, then runs the route.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	rt, ok := f.routes[path]
	f.mu.Lock()
	f.calls[path]++
	delay := f.latency[path]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, errBody(codeInvalidURL))
		return
	}
	if r.Method != rt.method {
		writeJSON(w, http.StatusMethodNotAllowed, errBody(methodCode(rt.method)))
		return
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	if code := f.scripted(path); code != 0 {
		writeJSON(w, http.StatusOK, errBody(code))
		return
	}
	app := ""
	if rt.needToken {
		var code int
		if app, code = f.tokenApp(r.URL.Query().Get("access_token")); code != 0 {
			writeJSON(w, http.StatusOK, errBody(code))
			return
		}
	}
	writeJSON(w, http.StatusOK, rt.handle(r, app))
}

// scripted returns the errcode the quota or a FailNext imposes on this call, or 0.
func (f *Fake) scripted(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if q := f.quotas[path]; q != nil {
		q.used++
		if q.used > q.limit {
			return codeQuota
		}
	}
	if fl := f.failNext[path]; fl != nil {
		fl.n--
		if fl.n <= 0 {
			delete(f.failNext, path)
		}
		return fl.code
	}
	return 0
}

// tokenApp returns the app an issued token belongs to, or an errcode.
func (f *Fake) tokenApp(token string) (string, int) {
	if token == "" {
		return "", codeTokenMissing
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	app, ok := f.tokens[token]
	if !ok {
		return "", codeInvalidToken
	}
	return app, 0
}

// Transport returns a RoundTripper that serves every request from f in
// process, whatever its host. It honours the request's context (client
// timeouts included) and closes the request body.
func (f *Fake) Transport() http.RoundTripper { return transport{f} }

type transport struct{ f *Fake }

var _ http.RoundTripper = transport{}

// RoundTrip serves req from the fake.
func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in := req.Clone(ctx)
	in.RequestURI = req.URL.RequestURI()
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.f.ServeHTTP(rec, in)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// readJSON decodes a request body of at most 1 MiB into v.
func readJSON(r *http.Request, v any) error {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
