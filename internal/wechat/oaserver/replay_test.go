package oaserver_test

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"govapp/internal/platform/cache"
	"govapp/internal/wechat/oaserver"
)

// nonce returns a nonce no other test uses (Redis outlives a run).
func nonce(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func withParam(q url.Values, k, v string) url.Values {
	out := url.Values{}
	for k2, v2 := range q {
		out[k2] = v2
	}
	out.Set(k, v)
	return out
}

// The plain signature covers the token, timestamp and nonce only, never the
// body: once an EncodingAESKey is set, a plaintext push is refused unless
// compatibility mode is chosen explicitly.
func TestSafeModeIsTheDefaultWithAnAESKey(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name          string
		key           string
		mode          oaserver.Mode
		plain, sealed int // statuses of a correctly signed plaintext and encrypted push
	}{
		{"an AES key and no mode: safe", testAESKey, oaserver.ModeAuto, 400, 200},
		{"safe mode", testAESKey, oaserver.ModeSafe, 400, 200},
		{"compatibility mode chosen explicitly", testAESKey, oaserver.ModeCompatible, 200, 200},
		{"no AES key: plain", "", oaserver.ModeAuto, 200, 400},
		{"plain mode", "", oaserver.ModePlain, 200, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &recorder{text: "回复"}
			s := newServer(t, oaserver.Options{AppID: testAppID, Token: testToken, EncodingAESKey: tc.key, Mode: tc.mode, Handler: h})
			r := send(t, s, "POST", query(now, nonce("p")), textXML("o-user", 31, "公积金提取", now))
			if r.status != tc.plain {
				t.Fatalf("plaintext push answered %d %q, want %d", r.status, r.body, tc.plain)
			}
			if tc.plain != 200 && h.calls.Load() != 0 {
				t.Fatal("a refused plaintext push ran the handler")
			}
			q, body := seal(t, testAppID, query(now, nonce("s")), textXML("o-user", 32, "公积金提取", now))
			if r := send(t, s, "POST", q, body); r.status != tc.sealed {
				t.Fatalf("encrypted push answered %d %q, want %d", r.status, r.body, tc.sealed)
			}
		})
	}
}

// pushOf is one way to send a message: plaintext (compatibility mode) or
// sealed (safe mode), always under the given signed query.
type pushOf func(t *testing.T, q url.Values, plain []byte) (url.Values, []byte)

var pushModes = []struct {
	name string
	mode oaserver.Mode
	push pushOf
}{
	{"compatible, plaintext", oaserver.ModeCompatible, func(_ *testing.T, q url.Values, plain []byte) (url.Values, []byte) { return q, plain }},
	{"safe, encrypted", oaserver.ModeSafe, func(t *testing.T, q url.Values, plain []byte) (url.Values, []byte) {
		return seal(t, testAppID, q, plain)
	}},
}

// One (timestamp, nonce) signs one push: the same pair with another body is
// a replay and refused on every instance sharing the cache; the same pair
// with the same message is WeChat's retry and answered as one.
func TestReplayedNonceIsRefused(t *testing.T) {
	for _, sc := range sharedCaches() {
		for _, pm := range pushModes {
			t.Run(sc.name+"/"+pm.name, func(t *testing.T) {
				c := sc.open(t)
				h := &recorder{text: "回复"}
				a := newServer(t, oaserver.Options{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey, Mode: pm.mode, Handler: h, Cache: c})
				b := newServer(t, oaserver.Options{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey, Mode: pm.mode, Handler: h, Cache: c})
				now := time.Now()
				q := query(now, nonce("r"))
				genuine := textXML("o-victim", now.UnixNano(), "公积金提取", now)
				gq, gbody := pm.push(t, q, genuine)
				if r := send(t, a, "POST", gq, gbody); r.status != 200 || r.body == "success" {
					t.Fatalf("the genuine push answered %d %q", r.status, r.body)
				}
				forged := [][]byte{
					textXML("o-victim", now.UnixNano()+1, "公积金提取", now),
					textXML("o-someone", 1, "<a href='x'>点此</a>", now),
					eventXML("o-victim", "unsubscribe", "", now),
					eventXML("o-victim", "subscribe", "qrscene_forged", now.Add(time.Second)),
				}
				for i, f := range forged {
					fq, fbody := pm.push(t, q, f)
					for _, s := range []*oaserver.Server{a, b} {
						if r := send(t, s, "POST", fq, fbody); r.status != 403 {
							t.Errorf("forged body %d under a used nonce answered %d %q, want 403", i, r.status, r.body)
						}
					}
				}
				if n := h.calls.Load(); n != 1 {
					t.Fatalf("the handler ran %d times, want once (the genuine push)", n)
				}
				// WeChat's retry under the same pair (encrypted afresh in safe mode).
				rq, rbody := pm.push(t, q, genuine)
				if r := send(t, b, "POST", rq, rbody); r.status != 200 || r.body != "success" || h.calls.Load() != 1 {
					t.Fatalf("the retry answered %d %q, handler runs %d", r.status, r.body, h.calls.Load())
				}
			})
		}
	}
}

// A push that failed (500: WeChat retries) and is retried under the same
// (timestamp, nonce) is handled again, not refused as a replay.
func TestRetryUnderTheSameNonceAfterAFailure(t *testing.T) {
	for _, pm := range pushModes {
		t.Run(pm.name, func(t *testing.T) {
			h := &recorder{text: "回复", failFirst: 1}
			s := newServer(t, oaserver.Options{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey, Mode: pm.mode, Handler: h})
			now := time.Now()
			q := query(now, nonce("f"))
			body := eventXML("o-1", "subscribe", "", now)
			q1, b1 := pm.push(t, q, body)
			if r := send(t, s, "POST", q1, b1); r.status != 500 {
				t.Fatalf("failed handler answered %d %q", r.status, r.body)
			}
			q2, b2 := pm.push(t, q, body)
			if r := send(t, s, "POST", q2, b2); r.status != 200 || r.body == "success" || h.calls.Load() != 2 {
				t.Fatalf("the retry answered %d %q after %d handler runs", r.status, r.body, h.calls.Load())
			}
		})
	}
}

// The URL verification's signature is the plaintext push's signature: its
// (timestamp, nonce) can neither echo another string nor sign a push.
func TestVerificationCannotBeReplayed(t *testing.T) {
	for _, sc := range sharedCaches() {
		t.Run(sc.name, func(t *testing.T) {
			c := sc.open(t)
			h := &recorder{text: "回复"}
			a := newServer(t, oaserver.Options{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey, Mode: oaserver.ModeCompatible, Handler: h, Cache: c})
			b := newServer(t, oaserver.Options{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey, Mode: oaserver.ModeCompatible, Handler: h, Cache: c})
			now := time.Now()
			q := query(now, nonce("v"))
			if r := send(t, a, "GET", withParam(q, "echostr", "5838479218127813673"), nil); r.status != 200 || r.body != "5838479218127813673" {
				t.Fatalf("verification answered %d %q", r.status, r.body)
			}
			if r := send(t, b, "GET", withParam(q, "echostr", "5838479218127813673"), nil); r.status != 200 || r.body != "5838479218127813673" {
				t.Fatalf("WeChat's repeated verification answered %d %q", r.status, r.body)
			}
			if r := send(t, b, "GET", withParam(q, "echostr", "<script>alert(1)</script>"), nil); r.status != 403 {
				t.Fatalf("another echostr under a used nonce answered %d %q, want 403", r.status, r.body)
			}
			if r := send(t, b, "POST", q, textXML("o-victim", 5, "公积金", now)); r.status != 403 || h.calls.Load() != 0 {
				t.Fatalf("a push under the verification's nonce answered %d %q, handler runs %d", r.status, r.body, h.calls.Load())
			}
		})
	}
}

// Without the shared cache a used nonce cannot be recognised: requests whose
// body no signature covers (plaintext pushes, verifications) are refused with
// 503 so that WeChat retries; encrypted pushes, which msg_signature covers,
// are still answered.
func TestNonceStoreDown(t *testing.T) {
	h := &recorder{text: "回复"}
	c := cache.NewGuard(downCache{}, slog.New(slog.DiscardHandler), time.Minute)
	s := newServer(t, oaserver.Options{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey, Mode: oaserver.ModeCompatible, Handler: h, Cache: c})
	now := time.Now()
	if r := send(t, s, "POST", query(now, nonce("d")), textXML("o-1", 6, "公积金", now)); r.status != 503 || h.calls.Load() != 0 {
		t.Fatalf("plaintext push answered %d %q, handler runs %d", r.status, r.body, h.calls.Load())
	}
	if r := send(t, s, "GET", withParam(query(now, nonce("d")), "echostr", "1"), nil); r.status != 503 {
		t.Fatalf("verification answered %d %q", r.status, r.body)
	}
	q, body := seal(t, testAppID, query(now, nonce("d")), textXML("o-1", 7, "公积金", now))
	if r := send(t, s, "POST", q, body); r.status != 200 || h.calls.Load() != 1 {
		t.Fatalf("encrypted push answered %d %q, handler runs %d", r.status, r.body, h.calls.Load())
	}
}
