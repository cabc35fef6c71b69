package wechat

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"govapp/internal/platform/cache"
)

func TestTokenCacheAdapter(t *testing.T) {
	mem := cache.NewMemory(0)
	tc := tokenCache{c: mem}

	t.Run("a miss is an untyped nil", func(t *testing.T) {
		if v := tc.Get("k"); v != nil {
			t.Fatalf("Get = %#v, want nil", v)
		}
		if tc.IsExist("k") {
			t.Fatal("IsExist on a miss")
		}
	})
	t.Run("a hit is a string under the wechat: prefix", func(t *testing.T) {
		if err := tc.Set("k", "v", time.Minute); err != nil {
			t.Fatal(err)
		}
		if v, ok := tc.Get("k").(string); !ok || v != "v" {
			t.Fatalf("Get = %#v", tc.Get("k"))
		}
		if b, err := mem.Get(context.Background(), "wechat:k"); err != nil || string(b) != "v" {
			t.Fatalf("stored %q, %v", b, err)
		}
		if !tc.IsExist("k") {
			t.Fatal("IsExist on a hit")
		}
	})
	t.Run("bytes are stored, other types refused", func(t *testing.T) {
		if err := tc.Set("b", []byte("x"), time.Minute); err != nil || tc.Get("b") != "x" {
			t.Fatalf("err = %v, Get = %#v", err, tc.Get("b"))
		}
		if err := tc.Set("n", 42, time.Minute); err == nil {
			t.Fatal("an int was stored")
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := tc.Delete("k"); err != nil || tc.Get("k") != nil {
			t.Fatalf("err = %v, Get = %#v", err, tc.Get("k"))
		}
		if err := tc.Delete("absent"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestErrCode(t *testing.T) {
	cases := []struct {
		name string
		err  error
		code int64
		ok   bool
	}{
		{"nil", nil, 0, false},
		{"api error", &APIError{API: "x", Code: 40029}, 40029, true},
		{"wrapped common error", fmt.Errorf("send: %w", util.NewCommonError("send", 43101, "no grant")), 43101, true},
		{"library text", errors.New("Code2Session error : errcode=-1 , errmsg=system error"), -1, true},
		{"no errcode", errors.New("dial tcp: connection refused"), 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, ok := ErrCode(c.err)
			if code != c.code || ok != c.ok {
				t.Fatalf("ErrCode = %d, %v; want %d, %v", code, ok, c.code, c.ok)
			}
		})
	}
}

func TestTokenErrorsAreNotInvalidTokenAnswers(t *testing.T) {
	if isInvalidToken(&tokenError{&APIError{API: "stable_token", Code: 40001}}) {
		t.Fatal("a token fetch failure triggered a retry")
	}
	if !isInvalidToken(fmt.Errorf("x: %w", util.NewCommonError("phone", 42001, "expired"))) {
		t.Fatal("42001 not recognised")
	}
}
