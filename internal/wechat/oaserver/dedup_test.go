package oaserver_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"govapp/internal/platform/cache"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/wechat/oaserver"
)

type sharedCache struct {
	name string
	open func(t *testing.T) cache.Cache
}

// sharedCaches lists the caches two instances can share: one in-process
// cache handed to both (the embedded variant) and Redis when
// GOVAPP_TEST_REDIS_URL is set.
func sharedCaches() []sharedCache {
	out := []sharedCache{{"memory", func(*testing.T) cache.Cache { return cache.NewMemory(0) }}}
	if dbtest.RedisURL() != "" {
		out = append(out, sharedCache{"redis", openRedis})
	}
	return out
}

func openRedis(t *testing.T) cache.Cache {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "test:" + hex.EncodeToString(b) + ":"
	r, err := cache.NewRedis(dbtest.RedisURL(), cache.RedisOptions{Prefix: prefix, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if keys, _ := r.Client().Keys(ctx, prefix+"*").Result(); len(keys) > 0 {
			r.Client().Del(ctx, keys...)
		}
		r.Close()
	})
	return r
}

// deliverThrice sends body as WeChat would in safe mode: three tries, each
// freshly signed and encrypted, alternating between the instances, and
// returns the answers.
func deliverThrice(t *testing.T, instances []*oaserver.Server, body []byte) []result {
	t.Helper()
	var out []result
	for i := range 3 {
		q, sealed := seal(t, testAppID, query(time.Now(), nonce(fmt.Sprintf("retry%d-", i))), body)
		out = append(out, send(t, instances[i%len(instances)], "POST", q, sealed))
	}
	return out
}

// replies counts the answers that are replies (not "success").
func replies(t *testing.T, rs []result) int {
	t.Helper()
	n := 0
	for _, r := range rs {
		if r.status != 200 {
			t.Fatalf("a delivery answered %d %q", r.status, r.body)
		}
		if r.body != "success" {
			anyReply(t, r.body)
			n++
		}
	}
	return n
}

func TestRetriesAnswerOnceAcrossInstances(t *testing.T) {
	for _, sc := range sharedCaches() {
		t.Run(sc.name, func(t *testing.T) {
			c := sc.open(t)
			h := &recorder{text: "回复"}
			a := newServer(t, oaserver.Options{Handler: h, Cache: c})
			b := newServer(t, oaserver.Options{Handler: h, Cache: c})
			both := []*oaserver.Server{a, b}
			now := time.Now()
			t.Run("a message is identified by its MsgId", func(t *testing.T) {
				h.calls.Store(0)
				rs := deliverThrice(t, both, textXML("o-1", 9_000_001, "公积金提取", now))
				if n := replies(t, rs); n != 1 || h.calls.Load() != 1 {
					t.Fatalf("%d replies, %d handler runs; want 1 and 1", n, h.calls.Load())
				}
			})
			t.Run("an event is identified by sender and CreateTime", func(t *testing.T) {
				h.calls.Store(0)
				rs := deliverThrice(t, both, eventXML("o-2", "subscribe", "", now))
				if n := replies(t, rs); n != 1 || h.calls.Load() != 1 {
					t.Fatalf("%d replies, %d handler runs; want 1 and 1", n, h.calls.Load())
				}
				// Another user's event in the same second is another event.
				if rs := deliverThrice(t, both, eventXML("o-3", "subscribe", "", now)); replies(t, rs) != 1 || h.calls.Load() != 2 {
					t.Fatalf("another sender's event: %d handler runs", h.calls.Load())
				}
			})
			t.Run("three deliveries at the same moment", func(t *testing.T) {
				h.calls.Store(0)
				body := textXML("o-4", 9_000_002, "社保", now)
				var wg sync.WaitGroup
				rs := make([]result, 3)
				for i := range rs {
					q, sealed := seal(t, testAppID, query(time.Now(), nonce(fmt.Sprintf("c%d-", i))), body)
					wg.Go(func() { rs[i] = send(t, both[i%2], "POST", q, sealed) })
				}
				wg.Wait()
				if n := replies(t, rs); n != 1 || h.calls.Load() != 1 {
					t.Fatalf("%d replies, %d handler runs; want 1 and 1", n, h.calls.Load())
				}
			})
		})
	}
}

// downCache fails every call, like an unreachable Redis.
type downCache struct{ cache.Cache }

var errDown = errors.New("dial tcp 127.0.0.1:6379: connection refused")

func (downCache) SetNX(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, errDown
}
func (downCache) Delete(context.Context, ...string) error { return errDown }
func (downCache) Name() string                            { return "redis" }

func TestCacheDownStillAnswers(t *testing.T) {
	h := &recorder{text: "回复"}
	c := cache.NewGuard(downCache{}, slog.New(slog.DiscardHandler), time.Minute)
	s := newServer(t, oaserver.Options{Handler: h, Cache: c})
	now := time.Now()
	rs := deliverThrice(t, []*oaserver.Server{s}, textXML("o-1", 77, "公积金提取", now))
	// Without the shared cache nothing can be de-duplicated: every delivery
	// is answered rather than none.
	if n := replies(t, rs); n != 3 || h.calls.Load() != 3 {
		t.Fatalf("%d replies, %d handler runs; want every delivery answered", n, h.calls.Load())
	}
}

func TestHandlerErrorLetsWeChatRetry(t *testing.T) {
	h := &recorder{text: "回复", failFirst: 1}
	s := newServer(t, oaserver.Options{Handler: h})
	rs := deliverThrice(t, []*oaserver.Server{s}, eventXML("o-1", "subscribe", "", time.Now()))
	if rs[0].status != 500 {
		t.Fatalf("a failed handler answered %d %q; want 500 so that WeChat retries", rs[0].status, rs[0].body)
	}
	if rs[1].status != 200 || rs[1].body == "success" || rs[2].body != "success" {
		t.Fatalf("retries answered %+v, %+v", rs[1], rs[2])
	}
	if n := h.calls.Load(); n != 2 {
		t.Fatalf("handler ran %d times, want 2", n)
	}
}

func TestSlowAnswerGoesThroughCustomerService(t *testing.T) {
	const budget = 100 * time.Millisecond
	// The handlers below are held until the test releases them, after the
	// answer: the answer cannot have waited for them.
	slow := func(text string, failFirst int64) *recorder {
		return &recorder{text: text, gate: make(chan struct{}), failFirst: failFirst}
	}
	within := func(t *testing.T, took time.Duration) {
		t.Helper()
		if took > 3*time.Second { // WeChat waits 5 s; generous for a loaded -race run
			t.Fatalf("answered after %v", took)
		}
	}
	t.Run("plain mode", func(t *testing.T) {
		h := slow("稍后的回复", 0)
		snd := &sender{}
		s := newServer(t, oaserver.Options{Mode: oaserver.ModeCompatible, Handler: h, Sender: snd, Budget: budget})
		body := textXML("o-slow", 5150, "公积金提取", time.Now())
		start := time.Now()
		r := send(t, s, "POST", query(time.Now(), "s1"), body)
		if r.status != 200 || r.body != "success" {
			t.Fatalf("answered %d %q; want success", r.status, r.body)
		}
		within(t, time.Since(start))
		// WeChat's retry while the handler still works does nothing more.
		if r := send(t, s, "POST", query(time.Now(), "s2"), body); r.body != "success" {
			t.Fatalf("retry answered %q", r.body)
		}
		if got := snd.messages(); len(got) != 0 {
			t.Fatalf("sent %q before the handler finished", got)
		}
		close(h.gate)
		if err := s.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := snd.messages(); len(got) != 1 || got[0] != "o-slow|稍后的回复" || h.calls.Load() != 1 {
			t.Fatalf("customer-service messages %q, handler runs %d", got, h.calls.Load())
		}
	})
	t.Run("safe mode answers a plain success too", func(t *testing.T) {
		h := slow("稍后的回复", 0)
		snd := &sender{}
		s := newServer(t, oaserver.Options{Handler: h, Sender: snd, Budget: budget})
		q, body := seal(t, testAppID, query(time.Now(), "s3"), textXML("o-slow", 5151, "公积金提取", time.Now()))
		if r := send(t, s, "POST", q, body); r.body != "success" {
			t.Fatalf("answered %q", r.body)
		}
		close(h.gate)
		_ = s.Wait(context.Background())
		if got := snd.messages(); len(got) != 1 {
			t.Fatalf("customer-service messages %q", got)
		}
	})
	t.Run("an answer within the budget is not sent again", func(t *testing.T) {
		h := &recorder{text: "及时的回复"}
		snd := &sender{}
		s := newServer(t, oaserver.Options{Mode: oaserver.ModeCompatible, Handler: h, Sender: snd, Budget: 5 * time.Second})
		r := send(t, s, "POST", query(time.Now(), "s4"), textXML("o-fast", 5152, "社保", time.Now()))
		_ = s.Wait(context.Background())
		if parseReply(t, r.body).Content != "及时的回复" || len(snd.messages()) != 0 {
			t.Fatalf("reply %q, customer-service messages %q", r.body, snd.messages())
		}
	})
	t.Run("a late failure sends nothing", func(t *testing.T) {
		h := slow("不应发送", 1)
		snd := &sender{}
		s := newServer(t, oaserver.Options{Mode: oaserver.ModeCompatible, Handler: h, Sender: snd, Budget: budget})
		if r := send(t, s, "POST", query(time.Now(), "s5"), textXML("o-x", 5153, "社保", time.Now())); r.body != "success" {
			t.Fatalf("answered %q", r.body)
		}
		close(h.gate)
		_ = s.Wait(context.Background())
		if got := snd.messages(); len(got) != 0 {
			t.Fatalf("sent %q", got)
		}
	})
	t.Run("without a sender a late answer is dropped", func(t *testing.T) {
		h := slow("迟到", 0)
		s := newServer(t, oaserver.Options{Mode: oaserver.ModeCompatible, Handler: h, Budget: budget})
		r := send(t, s, "POST", query(time.Now(), "s6"), textXML("o-y", 5154, "社保", time.Now()))
		close(h.gate)
		_ = s.Wait(context.Background())
		if r.body != "success" || h.calls.Load() != 1 {
			t.Fatalf("answered %q, handler runs %d", r.body, h.calls.Load())
		}
	})
	t.Run("the handler's context ends at the late timeout", func(t *testing.T) {
		h := slow("永不", 0)
		snd := &sender{}
		s := newServer(t, oaserver.Options{Mode: oaserver.ModeCompatible, Handler: h, Sender: snd, Budget: budget, LateTimeout: 300 * time.Millisecond})
		if r := send(t, s, "POST", query(time.Now(), "s7"), textXML("o-z", 5155, "社保", time.Now())); r.body != "success" {
			t.Fatalf("answered %q", r.body)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Wait(ctx); err != nil {
			t.Fatalf("the background handler outlived the late timeout: %v", err)
		}
		if got := snd.messages(); len(got) != 0 {
			t.Fatalf("sent %q", got)
		}
	})
}
