package oaserver_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"govapp/internal/oa"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/wechat/oaserver"
)

// guideIndex is a fake oa.GuideSearcher over a few guides, counting searches.
type guideIndex struct {
	searches atomic.Int64
}

var testGuides = []oa.Match{
	{Code: "GJJ-0001", Name: "住房公积金提取（购房）"},
	{Code: "GJJ-0002", Name: "住房公积金提取（租房）"},
	{Code: "GJJ-0003", Name: "住房公积金提取（离职）"},
	{Code: "GJJ-0004", Name: "住房公积金提取（退休）"},
	{Code: "GA-0001", Name: "居民身份证换领"},
}

func (g *guideIndex) Search(q string, limit int) ([]oa.Match, error) {
	g.searches.Add(1)
	var out []oa.Match
	for _, m := range testGuides {
		if strings.Contains(m.Name, strings.TrimSuffix(q, "提取")) && len(out) < limit {
			out = append(out, m)
		}
	}
	return out, nil
}

// oaHandler is the app's adapter from the protocol to the domain.
type oaHandler struct {
	svc   *oa.Service
	calls atomic.Int64
}

func (h *oaHandler) HandleMessage(ctx context.Context, m oaserver.Message) (oaserver.Reply, error) {
	h.calls.Add(1)
	text, err := h.svc.Handle(ctx, oa.Inbound{OpenID: m.FromUserName, Type: m.MsgType, Event: m.Event,
		Key: m.EventKey, Content: m.Content, At: m.Time()})
	return oaserver.Reply{Text: text}, err
}

func TestOneSideEffectPerMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		guides := &guideIndex{}
		svc := oa.NewService(d, guides, nil, oa.Options{MiniProgramAppID: "wxminiprogram00"})
		h := &oaHandler{svc: svc}
		shared := cache.NewMemory(0)
		both := []*oaserver.Server{
			newServer(t, oaserver.Options{Handler: h, Cache: shared}),
			newServer(t, oaserver.Options{Handler: h, Cache: shared}),
		}
		now := time.Now()

		t.Run("a subscribe delivered three times is recorded once and welcomed once", func(t *testing.T) {
			rs := deliverThrice(t, both, eventXML("o-follower", "subscribe", "", now))
			if n := replies(t, rs); n != 1 || h.calls.Load() != 1 {
				t.Fatalf("%d welcomes, %d handler runs", n, h.calls.Load())
			}
			f, err := svc.Follower(context.Background(), "o-follower")
			if err != nil || !f.Subscribed || f.SubscribedAt.Unix() != now.Unix() {
				t.Fatalf("follower %+v, %v", f, err)
			}
		})
		t.Run("公积金提取 delivered three times is searched once and answered with the matching guides", func(t *testing.T) {
			rs := deliverThrice(t, both, textXML("o-follower", 123456789, "公积金提取", now))
			if n := replies(t, rs); n != 1 || guides.searches.Load() != 1 {
				t.Fatalf("%d replies, %d searches", n, guides.searches.Load())
			}
			var reply string
			for _, r := range rs {
				if r.body != "success" {
					reply = anyReply(t, r.body).Content
				}
			}
			for _, want := range []string{"住房公积金提取（购房）", "住房公积金提取（租房）", "住房公积金提取（离职）",
				`data-miniprogram-appid="wxminiprogram00"`, `data-miniprogram-path="pages/guide/detail?code=GJJ-0001"`} {
				if !strings.Contains(reply, want) {
					t.Errorf("reply lacks %q:\n%s", want, reply)
				}
			}
			if strings.Contains(reply, "退休") {
				t.Errorf("reply lists more than the best three:\n%s", reply)
			}
		})
		t.Run("an unsubscribe is recorded", func(t *testing.T) {
			rs := deliverThrice(t, both, eventXML("o-follower", "unsubscribe", "", now.Add(time.Second)))
			if n := replies(t, rs); n != 0 {
				t.Fatalf("%d replies to an unsubscribe", n)
			}
			if f, err := svc.Follower(context.Background(), "o-follower"); err != nil || f.Subscribed {
				t.Fatalf("follower %+v, %v", f, err)
			}
		})
	})
}
