package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/platform/cache"
	"govapp/internal/platform/errs"
	"govapp/internal/wechat"
)

const pathSubscribe = "/cgi-bin/message/subscribe/send"

func subscribeMsg(openid string) wechat.SubscribeMessage {
	return wechat.SubscribeMessage{
		ToOpenID:   openid,
		TemplateID: "tpl-policy",
		Page:       "pages/policy/detail?id=42",
		Data:       map[string]string{"thing1": "关于公积金提取的通知", "date2": "2026-03-01"},
	}
}

func wantClass(t *testing.T, err error, wantCode int64, want wechat.SendClass) {
	t.Helper()
	code, class := wechat.Classify(err)
	if code != wantCode || class != want {
		t.Fatalf("Classify(%v) = %d, %v; want %d, %v", err, code, class, wantCode, want)
	}
}

func TestSendSubscribe(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	m := subscribeMsg("o-alice")
	m.MiniprogramState = wechat.StateTrial
	if err := cl.SendSubscribe(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := fake.Subscribes()
	if len(got) != 1 {
		t.Fatalf("fake received %d messages, want 1", len(got))
	}
	s := got[0]
	if s.App != testAppID || s.ToOpenID != "o-alice" || s.TemplateID != "tpl-policy" ||
		s.Page != "pages/policy/detail?id=42" || s.MiniprogramState != "trial" || s.Lang != "zh_CN" {
		t.Fatalf("received %+v", s)
	}
	if len(s.Data) != 2 || s.Data["thing1"] != "关于公积金提取的通知" || s.Data["date2"] != "2026-03-01" {
		t.Fatalf("data = %v", s.Data)
	}
	if fake.SubscribeCount("o-alice") != 1 || fake.SubscribeCount("o-bob") != 0 || fake.SubscribeTotal() != 1 {
		t.Fatal("counts wrong")
	}
	wantClass(t, nil, 0, wechat.SendOK)
}

func TestSendSubscribeValidatesWithoutACall(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	for name, m := range map[string]wechat.SubscribeMessage{
		"no openid":     {TemplateID: "t", Data: map[string]string{"a": "b"}},
		"no template":   {ToOpenID: "o", Data: map[string]string{"a": "b"}},
		"no data":       {ToOpenID: "o", TemplateID: "t"},
		"unknown state": {ToOpenID: "o", TemplateID: "t", Data: map[string]string{"a": "b"}, MiniprogramState: "beta"},
	} {
		err := cl.SendSubscribe(context.Background(), m)
		if errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("%s: err = %v", name, err)
		}
		wantClass(t, err, 0, wechat.SendPermanent)
	}
	if n := fake.Calls(pathSubscribe); n != 0 {
		t.Fatalf("WeChat called %d times", n)
	}
}

func TestSendSubscribeRefusedIsNeverRetried(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	fake.Refuse("o-refuser")
	err := cl.SendSubscribe(context.Background(), subscribeMsg("o-refuser"))
	if !errors.Is(err, wechat.ErrSubscribeRefused) {
		t.Fatalf("err = %v", err)
	}
	wantClass(t, err, 43101, wechat.SendRefused)
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.API != "subscribe_send" || ae.Code != 43101 {
		t.Fatalf("cause not wrapped: %v", err)
	}
	if n := fake.Calls(pathSubscribe); n != 1 {
		t.Fatalf("calls = %d, want 1", n)
	}
	if fake.SubscribeCount("o-refuser") != 0 {
		t.Fatal("refused message recorded")
	}
	// Others still receive.
	if err := cl.SendSubscribe(context.Background(), subscribeMsg("o-other")); err != nil {
		t.Fatal(err)
	}
}

func TestSendSubscribeErrcodes(t *testing.T) {
	cases := []struct {
		code     int
		class    wechat.SendClass
		sentinel error
	}{
		{40037, wechat.SendPermanent, wechat.ErrTemplateInvalid},
		{47003, wechat.SendPermanent, wechat.ErrTemplateInvalid},
		{41030, wechat.SendPermanent, wechat.ErrTemplateInvalid},
		{43107, wechat.SendPermanent, wechat.ErrTemplateInvalid},
		{45168, wechat.SendPermanent, wechat.ErrTemplateInvalid},
		{40003, wechat.SendPermanent, wechat.ErrRecipientUnreachable},
		{40038, wechat.SendPermanent, wechat.ErrRecipientUnreachable},
		{43101, wechat.SendRefused, wechat.ErrSubscribeRefused},
		{-1, wechat.SendTransient, wechat.ErrUnavailable},
		{45009, wechat.SendTransient, wechat.ErrUnavailable},
		{45011, wechat.SendTransient, wechat.ErrRateLimited},
		{43108, wechat.SendTransient, wechat.ErrRateLimited},
		{48001, wechat.SendPermanent, nil}, // api unauthorized: configuration
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			setup(t)
			cl := newClient(t, cache.NewMemory(0), time.Second)
			fake.FailNext(pathSubscribe, tc.code, 1)
			err := cl.SendSubscribe(context.Background(), subscribeMsg("o-1"))
			if err == nil {
				t.Fatal("no error")
			}
			wantClass(t, err, int64(tc.code), tc.class)
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want %v", err, tc.sentinel)
			}
			var ae *wechat.APIError
			if !errors.As(err, &ae) || ae.Code != int64(tc.code) {
				t.Fatalf("the *APIError is not wrapped: %v", err)
			}
			if n := fake.Calls(pathSubscribe); n != 1 {
				t.Fatalf("calls = %d, want 1 (no retry inside the client)", n)
			}
			if fake.SubscribeTotal() != 0 {
				t.Fatal("failed message recorded")
			}
		})
	}
}

func TestSendSubscribeTimeoutIsTransient(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), 100*time.Millisecond)
	tok, err := cl.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fake.SetLatency(pathSubscribe, 3*time.Second)
	start := time.Now()
	err = cl.SendSubscribe(context.Background(), subscribeMsg("o-slow"))
	wantClass(t, err, 0, wechat.SendTransient)
	if !errors.Is(err, wechat.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v, want about the timeout", d)
	}
	if strings.Contains(err.Error(), tok) {
		t.Fatalf("error text reveals the access token: %v", err)
	}
}

func TestSendSubscribeCallerCancellationIsTransient(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	fake.SetLatency(pathSubscribe, 3*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := cl.SendSubscribe(ctx, subscribeMsg("o-slow"))
	wantClass(t, err, 0, wechat.SendTransient)
}

func TestSendSubscribeInvalidTokenRefreshesOnce(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	fake.FailNext(pathSubscribe, 40001, 1)
	if err := cl.SendSubscribe(context.Background(), subscribeMsg("o-1")); err != nil {
		t.Fatal(err)
	}
	if n := fake.TokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2", n)
	}
	if n := fake.Calls(pathSubscribe); n != 2 {
		t.Fatalf("calls = %d, want 2", n)
	}
	if fake.SubscribeCount("o-1") != 1 {
		t.Fatal("message not delivered once")
	}

	t.Run("a revoked token is replaced", func(t *testing.T) {
		fake.RevokeTokens()
		if err := cl.SendSubscribe(context.Background(), subscribeMsg("o-2")); err != nil {
			t.Fatal(err)
		}
		if fake.SubscribeCount("o-2") != 1 {
			t.Fatal("not delivered")
		}
	})
	t.Run("rejected twice is transient", func(t *testing.T) {
		before := fake.Calls(pathSubscribe)
		fake.FailNext(pathSubscribe, 42001, 2)
		err := cl.SendSubscribe(context.Background(), subscribeMsg("o-3"))
		wantClass(t, err, 42001, wechat.SendTransient)
		if n := fake.Calls(pathSubscribe) - before; n != 2 {
			t.Fatalf("calls = %d, want 2", n)
		}
	})
}

func TestSendSubscribeNoTokenIsTransient(t *testing.T) {
	setup(t)
	fake.SetQuota(pathStable, 0)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	err := cl.SendSubscribe(context.Background(), subscribeMsg("o-1"))
	wantClass(t, err, 45009, wechat.SendTransient)
	if fake.Calls(pathSubscribe) != 0 {
		t.Fatal("sent without a token")
	}
}

func TestSendSubscribeFailRate(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	fake.FailRate(pathSubscribe, -1, 10)
	transient := 0
	for i := range 100 {
		err := cl.SendSubscribe(context.Background(), subscribeMsg(fmt.Sprintf("o-%d", i)))
		if err != nil {
			if _, class := wechat.Classify(err); class != wechat.SendTransient {
				t.Fatalf("send %d: %v", i, err)
			}
			transient++
			if (i+1)%10 != 0 {
				t.Fatalf("send %d failed, want only every 10th", i)
			}
		}
	}
	if transient != 10 || fake.SubscribeTotal() != 90 || fake.SubscribeRecipients() != 90 {
		t.Fatalf("transient = %d, delivered = %d", transient, fake.SubscribeTotal())
	}
}

// TestConcurrentSendsFetchEachTokenOnce sends 200 subscribe messages and 200
// template messages at once from fresh clients: one token fetch per app, and
// the fake counts exactly 200 of each.
func TestConcurrentSendsFetchEachTokenOnce(t *testing.T) {
	setup(t)
	fake.SetLatency(pathStable, 50*time.Millisecond) // keep the fetches in flight
	shared := cache.NewMemory(0)
	mp := newClient(t, shared, 2*time.Second)
	oa := newOA(t, shared, 2*time.Second)
	var wg sync.WaitGroup
	errc := make(chan error, 400)
	for i := range 200 {
		wg.Go(func() {
			if err := mp.SendSubscribe(context.Background(), subscribeMsg(fmt.Sprintf("o-%03d", i))); err != nil {
				errc <- err
			}
		})
		wg.Go(func() {
			_, err := oa.SendTemplate(context.Background(), templateMsg(fmt.Sprintf("f-%03d", i)))
			if err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if n := fake.TokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2 (one per app)", n)
	}
	if n := fake.SubscribeTotal(); n != 200 || fake.SubscribeRecipients() != 200 || len(fake.Subscribes()) != 200 {
		t.Fatalf("subscribe messages = %d, want 200", n)
	}
	if n := fake.TemplateTotal(); n != 200 {
		t.Fatalf("template messages = %d, want 200", n)
	}
	for i := range 200 {
		if fake.SubscribeCount(fmt.Sprintf("o-%03d", i)) != 1 || fake.TemplateCount(fmt.Sprintf("f-%03d", i)) != 1 {
			t.Fatalf("recipient %d did not get exactly one of each", i)
		}
	}
	for _, s := range fake.Subscribes() {
		if s.App != testAppID {
			t.Fatalf("subscribe sent with the token of %s", s.App)
		}
	}
	for _, s := range fake.Templates() {
		if s.App != testOAAppID {
			t.Fatalf("template sent with the token of %s", s.App)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		err   error
		code  int64
		class wechat.SendClass
	}{
		{nil, 0, wechat.SendOK},
		{&wechat.APIError{Code: 43101}, 43101, wechat.SendRefused},
		{&wechat.APIError{Code: 43004}, 43004, wechat.SendRefused},
		{&wechat.APIError{Code: 40037}, 40037, wechat.SendPermanent},
		{&wechat.APIError{Code: 99999}, 99999, wechat.SendPermanent},
		{&wechat.APIError{Code: -1}, -1, wechat.SendTransient},
		{&wechat.APIError{Code: 40001}, 40001, wechat.SendTransient},
		{fmt.Errorf("template msg send error : errcode=%v , errmsg=%v", 47003, "argument invalid"), 47003, wechat.SendPermanent},
		{fmt.Errorf("send: %w", context.DeadlineExceeded), 0, wechat.SendTransient},
		{errors.New("connection reset by peer"), 0, wechat.SendTransient},
		{errs.InvalidField("x", "y"), 0, wechat.SendPermanent},
		{wechat.ErrSubscribeRefused, 0, wechat.SendRefused},
		{wechat.ErrUnavailable.Wrap(&wechat.APIError{Code: 45009}), 45009, wechat.SendTransient},
	}
	for _, tc := range cases {
		code, class := wechat.Classify(tc.err)
		if code != tc.code || class != tc.class {
			t.Errorf("Classify(%v) = %d, %v; want %d, %v", tc.err, code, class, tc.code, tc.class)
		}
	}
	for class, want := range map[wechat.SendClass]string{wechat.SendOK: "ok", wechat.SendRefused: "refused",
		wechat.SendPermanent: "permanent", wechat.SendTransient: "transient", 9: "SendClass(9)"} {
		if class.String() != want {
			t.Errorf("%d.String() = %q", class, class.String())
		}
	}
}
