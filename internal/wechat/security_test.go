package wechat_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"govapp/internal/platform/cache"
	"govapp/internal/platform/errs"
	"govapp/internal/wechat"
)

const pathSecCheck = "/wxa/msg_sec_check"

func TestMsgSecCheck(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()
	cases := []struct {
		text, suggest string
		label         int
	}{
		{"请问公积金怎么提取？", wechat.SuggestPass, 100},
		{"这里有待审核词测试的内容", wechat.SuggestReview, 21000},
		{"这是一段违禁词测试文本", wechat.SuggestRisky, 20006},
	}
	for _, tc := range cases {
		v, err := cl.MsgSecCheck(ctx, "o-alice", tc.text, wechat.SceneComment)
		if err != nil {
			t.Fatal(err)
		}
		if v.Suggest != tc.suggest || v.Label != tc.label || v.TraceID == "" {
			t.Fatalf("%q: verdict %+v, want %s/%d", tc.text, v, tc.suggest, tc.label)
		}
	}
	if n := fake.SecChecks(); n != 3 {
		t.Fatalf("checks = %d, want 3", n)
	}

	t.Run("scripted words", func(t *testing.T) {
		fake.SetRiskyWords("电信诈骗")
		fake.SetReviewWords()
		if v, _ := cl.MsgSecCheck(ctx, "o-alice", "违禁词测试", wechat.SceneForum); v.Suggest != wechat.SuggestPass {
			t.Fatalf("old word still risky: %+v", v)
		}
		if v, _ := cl.MsgSecCheck(ctx, "o-alice", "小心电信诈骗", wechat.SceneForum); v.Suggest != wechat.SuggestRisky {
			t.Fatalf("new word not risky: %+v", v)
		}
	})
	t.Run("empty text passes without a call", func(t *testing.T) {
		before := fake.Calls(pathSecCheck)
		v, err := cl.MsgSecCheck(ctx, "o-alice", "", wechat.SceneComment)
		if err != nil || v.Suggest != wechat.SuggestPass || fake.Calls(pathSecCheck) != before {
			t.Fatalf("verdict %+v, err %v", v, err)
		}
	})
	t.Run("bad arguments are refused without a call", func(t *testing.T) {
		before := fake.Calls(pathSecCheck)
		for _, scene := range []int{0, 5} {
			if _, err := cl.MsgSecCheck(ctx, "o-alice", "text", scene); errs.KindOf(err) != errs.KindInvalid {
				t.Fatalf("scene %d: %v", scene, err)
			}
		}
		if _, err := cl.MsgSecCheck(ctx, "", "text", wechat.SceneComment); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("no openid: %v", err)
		}
		if fake.Calls(pathSecCheck) != before {
			t.Fatal("WeChat called")
		}
	})
}

func TestMsgSecCheckLongTextInChunks(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()
	filler := strings.Repeat("市民来信反映情况", 750) // 6000 characters

	v, err := cl.MsgSecCheck(ctx, "o-alice", filler, wechat.SceneComment)
	if err != nil || v.Suggest != wechat.SuggestPass {
		t.Fatalf("verdict %+v, err %v", v, err)
	}
	if n := fake.SecChecks(); n != 3 {
		t.Fatalf("checks = %d, want 3 chunks of at most 2500 characters", n)
	}

	t.Run("the worst chunk wins", func(t *testing.T) {
		text := "待审核词测试" + filler + "违禁词测试"
		v, err := cl.MsgSecCheck(ctx, "o-alice", text, wechat.SceneComment)
		if err != nil || v.Suggest != wechat.SuggestRisky || v.Label != 20006 {
			t.Fatalf("verdict %+v, err %v", v, err)
		}
		text = filler + "待审核词测试"
		if v, _ := cl.MsgSecCheck(ctx, "o-alice", text, wechat.SceneComment); v.Suggest != wechat.SuggestReview {
			t.Fatalf("review in the last chunk: %+v", v)
		}
	})
	t.Run("a risky chunk ends the check", func(t *testing.T) {
		before := fake.SecChecks()
		if v, _ := cl.MsgSecCheck(ctx, "o-alice", "违禁词测试"+filler, wechat.SceneComment); v.Suggest != wechat.SuggestRisky {
			t.Fatalf("verdict %+v", v)
		}
		if n := fake.SecChecks() - before; n != 1 {
			t.Fatalf("checks = %d, want 1", n)
		}
	})
	t.Run("a word across a chunk boundary is seen", func(t *testing.T) {
		runes := []rune(filler)
		text := string(runes[:2497]) + "违禁词测试" + string(runes[2497:])
		if v, _ := cl.MsgSecCheck(ctx, "o-alice", text, wechat.SceneComment); v.Suggest != wechat.SuggestRisky {
			t.Fatalf("verdict %+v", v)
		}
	})
}

func TestMsgSecCheckErrors(t *testing.T) {
	setup(t)
	cl := newClient(t, cache.NewMemory(0), time.Second)
	ctx := context.Background()

	fake.FailNext(pathSecCheck, 61010, 1)
	_, err := cl.MsgSecCheck(ctx, "o-gone", "你好", wechat.SceneComment)
	if !errors.Is(err, wechat.ErrSecCheckUser) {
		t.Fatalf("61010: %v", err)
	}
	fake.FailNext(pathSecCheck, -1, 1)
	_, err = cl.MsgSecCheck(ctx, "o-alice", "你好", wechat.SceneComment)
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("-1: %v", err)
	}
	// An error in a later chunk fails the whole check: no partial verdict.
	fake.FailRate(pathSecCheck, -1, 2)
	v, err := cl.MsgSecCheck(ctx, "o-alice", strings.Repeat("长", 3000), wechat.SceneComment)
	if !errors.Is(err, wechat.ErrUnavailable) || v != (wechat.Verdict{}) {
		t.Fatalf("verdict %+v, err %v", v, err)
	}
	fake.FailRate(pathSecCheck, 0, 0)
	fake.FailNext(pathSecCheck, 40001, 1)
	if v, err := cl.MsgSecCheck(ctx, "o-alice", "你好", wechat.SceneComment); err != nil || v.Suggest != wechat.SuggestPass {
		t.Fatalf("after a token refresh: %+v, %v", v, err)
	}
}
