// Package wechat is govapp's only importer of github.com/silenceper/wechat/v2
// (sub-packages only: the root package turns logrus to debug and logs personal
// data). It wraps the mini-program APIs behind domain errors with Chinese
// messages, and keeps one access token per app in the shared cache, fetched
// once however many requests and instances need it.
//
// The library sends every request through the package global
// util.DefaultHTTPClient: call SetHTTPClient once at start-up (with the fake's
// Transport on the embedded profile and in tests), never while requests run.
package wechat

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/silenceper/wechat/v2/miniprogram"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/util"

	"govapp/internal/config"
	"govapp/internal/platform/cache"
)

// DefaultHTTPTimeout bounds one call to WeChat when the configuration sets none.
const DefaultHTTPTimeout = 5 * time.Second

// Client calls the mini-program APIs. It is safe for concurrent use.
type Client struct {
	appID   string
	mp      *miniprogram.MiniProgram
	tokens  *tokenSource
	timeout time.Duration
	log     *slog.Logger
}

// New returns a Client for the mini-program in cfg.MP whose access token lives
// in c (shared by all instances). It does not touch the HTTP client: see
// SetHTTPClient. It returns an error when the app id or secret is missing.
func New(cfg config.WeChat, c cache.Cache, logger *slog.Logger) (*Client, error) {
	if cfg.MP.AppID == "" || cfg.MP.Secret == "" {
		return nil, errors.New("wechat: mini-program app id and secret are required")
	}
	if c == nil {
		return nil, errors.New("wechat: a cache is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	timeout := cfg.HTTPTimeout.D()
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	mp := miniprogram.NewMiniProgram(&mpconfig.Config{
		AppID:       cfg.MP.AppID,
		AppSecret:   cfg.MP.Secret,
		Cache:       tokenCache{c: c},
		UseStableAK: true,
	})
	ts := newTokenSource(cfg.MP.AppID, cfg.MP.Secret, c, logger, timeout)
	mp.SetAccessTokenContextHandle(tokenHandle{s: ts})
	return &Client{appID: cfg.MP.AppID, mp: mp, tokens: ts, timeout: timeout, log: logger}, nil
}

// SetHTTPClient makes h the HTTP client of every WeChat call in the process
// (the library's util.DefaultHTTPClient). Call it once at start-up, before any
// request: it is a plain global write, unsafe while requests run.
func SetHTTPClient(h *http.Client) {
	util.DefaultHTTPClient = h
}

// NewHTTPClient returns the HTTP client to give SetHTTPClient: each request is
// bounded by cfg.HTTPTimeout (DefaultHTTPTimeout when unset) and goes through
// rt, or through a copy of http.DefaultTransport when rt is nil (pass the
// fake's Transport when cfg.Fake).
func NewHTTPClient(cfg config.WeChat, rt http.RoundTripper) *http.Client {
	timeout := cfg.HTTPTimeout.D()
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		t.ResponseHeaderTimeout = timeout
		rt = t
	}
	return &http.Client{Transport: rt, Timeout: timeout}
}

// AppID returns the mini-program's app id.
func (c *Client) AppID() string { return c.appID }

// AccessToken returns the mini-program's access token, from the shared cache or
// freshly fetched; ErrUnavailable when none can be obtained.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return "", ErrUnavailable.Wrap(err)
	}
	return tok, nil
}

// InvalidateToken drops the cached access token, so that the next call fetches
// a fresh one (from this or any instance).
func (c *Client) InvalidateToken(ctx context.Context) error {
	return c.tokens.invalidate(ctx, "")
}

// withTokenRetry runs fn, a call to a token-authenticated WeChat API through
// c.mp, with a deadline of twice the HTTP timeout (a token fetch and the call).
// fn must hand its ctx to the library's *Context method, so that the token
// used is recorded; when WeChat rejects it (40001, 40014, 42001) that token is
// dropped (any cached token, if fn's method takes no context) and fn runs once
// more. It returns fn's last error, with the app secret, access token and
// login code blanked out of its text (the chain is kept for errors.As).
func (c *Client) withTokenRetry(ctx context.Context, fn func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		use := &tokenUse{}
		actx, cancel := context.WithTimeout(context.WithValue(ctx, tokenUseKey{}, use), 2*c.timeout)
		err := fn(actx)
		cancel()
		if attempt > 1 || !isInvalidToken(err) {
			return redact(err)
		}
		code, _ := ErrCode(err)
		c.log.WarnContext(ctx, "wechat: access token rejected, refreshing", "app_id", c.appID, "errcode", code)
		if ierr := c.tokens.invalidate(ctx, use.token); ierr != nil {
			c.log.WarnContext(ctx, "wechat: dropping rejected token failed", "app_id", c.appID, "err", ierr)
		}
	}
}
