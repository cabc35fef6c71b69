package wechat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/util"
	"golang.org/x/sync/singleflight"

	"govapp/internal/platform/cache"
)

// stableTokenURL is WeChat's stable access-token API. Unlike /cgi-bin/token it
// never invalidates the token other holders are using.
const stableTokenURL = "https://api.weixin.qq.com/cgi-bin/stable_token"

const (
	// tokenMargin is how long before WeChat's expiry the cached token is dropped.
	tokenMargin = 5 * time.Minute
	// lockPoll is how often a process waiting for another's fetch re-reads the cache.
	lockPoll = 20 * time.Millisecond
)

// tokenSource hands out the access token of one app. The token lives in the
// shared cache under wechat:token:<appid>. On a miss, callers in this process
// share one fetch (singleflight) and processes share one fetch through a short
// lock (SetNX wechat:token-lock:<appid>): the holder fetches and stores, the
// others re-read the cache until the token appears or the lock expires.
type tokenSource struct {
	appID, secret string
	cache         cache.Cache
	log           *slog.Logger
	timeout       time.Duration // one HTTP call to WeChat
	lockTTL       time.Duration
	group         singleflight.Group

	mu    sync.Mutex // guards local
	local struct {
		token   string
		expires time.Time
	}
}

func newTokenSource(appID, secret string, c cache.Cache, log *slog.Logger, timeout time.Duration) *tokenSource {
	return &tokenSource{appID: appID, secret: secret, cache: c, log: log, timeout: timeout,
		lockTTL: timeout + 2*time.Second}
}

func (s *tokenSource) key() string     { return keyPrefix + "token:" + s.appID }
func (s *tokenSource) lockKey() string { return keyPrefix + "token-lock:" + s.appID }

// Token returns a valid access token, fetching one when none is cached. It
// returns a *tokenError when no token could be obtained.
func (s *tokenSource) Token(ctx context.Context) (string, error) {
	if tok, ok := s.cached(ctx); ok {
		return tok, nil
	}
	ch := s.group.DoChan(s.appID, func() (any, error) {
		// The shared fetch outlives any one caller's cancellation.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.lockTTL+s.timeout)
		defer cancel()
		return s.obtain(fctx)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", &tokenError{r.Err}
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", &tokenError{ctx.Err()}
	}
}

// cached returns the token in the shared cache. When the cache fails (not a
// plain miss) it falls back to the copy this process fetched last.
func (s *tokenSource) cached(ctx context.Context) (string, bool) {
	b, err := s.cache.Get(ctx, s.key())
	if err == nil && len(b) > 0 {
		return string(b), true
	}
	if err != nil && !errors.Is(err, cache.ErrMiss) {
		s.log.WarnContext(ctx, "wechat: token cache read failed", "app_id", s.appID, "err", err)
		return s.localToken()
	}
	return "", false
}

func (s *tokenSource) localToken() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.local.token != "" && time.Now().Before(s.local.expires) {
		return s.local.token, true
	}
	return "", false
}

// obtain returns the cached token or fetches one under the cross-process lock,
// waiting while another process holds it.
func (s *tokenSource) obtain(ctx context.Context) (string, error) {
	owner := randomID()
	for {
		if tok, ok := s.cached(ctx); ok {
			return tok, nil
		}
		got, err := s.cache.SetNX(ctx, s.lockKey(), []byte(owner), s.lockTTL)
		if err != nil {
			// No shared cache: use our own copy, or fetch without the lock
			// (stable_token makes that harmless).
			if tok, ok := s.localToken(); ok {
				return tok, nil
			}
			s.log.WarnContext(ctx, "wechat: token lock unavailable, fetching without it", "app_id", s.appID, "err", err)
			return s.fetchAndStore(ctx)
		}
		if got {
			return s.fetchLocked(ctx, owner)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for another instance to fetch the token: %w", ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// fetchLocked runs with the lock held: it re-reads the cache (the previous
// holder may have stored a token since our miss), fetches if still needed and
// releases the lock.
func (s *tokenSource) fetchLocked(ctx context.Context, owner string) (string, error) {
	defer s.unlock(owner)
	if tok, ok := s.cached(ctx); ok {
		return tok, nil
	}
	return s.fetchAndStore(ctx)
}

// unlock deletes the lock if this fetch still owns it. The check and the delete
// are two calls; the lock TTL outlasts a fetch, so the window is harmless.
func (s *tokenSource) unlock(owner string) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	if b, err := s.cache.Get(ctx, s.lockKey()); err == nil && string(b) == owner {
		if err := s.cache.Delete(ctx, s.lockKey()); err != nil {
			s.log.WarnContext(ctx, "wechat: token lock release failed", "app_id", s.appID, "err", err)
		}
	}
}

// fetchAndStore fetches a token from the stable_token API and stores it in the
// shared cache and locally, for expires_in minus tokenMargin (at least half the
// remaining lifetime).
func (s *tokenSource) fetchAndStore(ctx context.Context) (string, error) {
	fctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res, err := s.fetch(fctx)
	if err != nil {
		err = redact(err)
		s.log.ErrorContext(ctx, "wechat: access token fetch failed", "app_id", s.appID, "err", err)
		return "", err
	}
	life := time.Duration(res.ExpiresIn) * time.Second
	ttl := max(life-tokenMargin, life/2, time.Second)
	if err := s.cache.Set(ctx, s.key(), []byte(res.AccessToken), ttl); err != nil {
		s.log.WarnContext(ctx, "wechat: token cache write failed", "app_id", s.appID, "err", err)
	}
	s.mu.Lock()
	s.local.token, s.local.expires = res.AccessToken, time.Now().Add(ttl)
	s.mu.Unlock()
	s.log.InfoContext(ctx, "wechat: access token fetched", "app_id", s.appID, "ttl", ttl)
	return res.AccessToken, nil
}

// fetch calls stable_token in normal (non-forced) mode.
func (s *tokenSource) fetch(ctx context.Context) (credential.ResAccessToken, error) {
	var res credential.ResAccessToken
	body, err := util.PostJSONContext(ctx, stableTokenURL, map[string]any{
		"grant_type": "client_credential", "appid": s.appID, "secret": s.secret, "force_refresh": false,
	})
	if err != nil {
		return res, fmt.Errorf("stable_token: %w", err)
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return res, fmt.Errorf("stable_token: decode answer: %w", err)
	}
	if res.ErrCode != 0 {
		return res, &APIError{API: "stable_token", Code: res.ErrCode, Msg: res.ErrMsg}
	}
	if res.AccessToken == "" || res.ExpiresIn <= 0 {
		return res, errors.New("stable_token: answer without a token")
	}
	return res, nil
}

// invalidate drops the cached token when it is bad (or unconditionally when bad
// is empty), so that the next call fetches a fresh one. Comparing first keeps a
// burst of rejected calls from deleting the token another call just fetched.
func (s *tokenSource) invalidate(ctx context.Context, bad string) error {
	s.mu.Lock()
	if bad == "" || s.local.token == bad {
		s.local.token = ""
	}
	s.mu.Unlock()
	if bad != "" {
		b, err := s.cache.Get(ctx, s.key())
		if errors.Is(err, cache.ErrMiss) || (err == nil && string(b) != bad) {
			return nil
		}
	}
	if err := s.cache.Delete(ctx, s.key()); err != nil {
		return fmt.Errorf("wechat: drop access token: %w", err)
	}
	return nil
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tokenUse records, for one call, the token the library was handed, so that
// an invalid-token answer drops exactly that token.
type tokenUse struct{ token string }

type tokenUseKey struct{}

// tokenHandle is the access-token handle installed in the library.
type tokenHandle struct{ s *tokenSource }

var _ credential.AccessTokenContextHandle = tokenHandle{}

// GetAccessToken returns the token (library interface without context).
func (h tokenHandle) GetAccessToken() (string, error) {
	return h.GetAccessTokenContext(context.Background())
}

// GetAccessTokenContext returns the token and records it for the retry wrapper.
func (h tokenHandle) GetAccessTokenContext(ctx context.Context) (string, error) {
	tok, err := h.s.Token(ctx)
	if u, ok := ctx.Value(tokenUseKey{}).(*tokenUse); ok {
		u.token = tok
	}
	return tok, err
}
