package oaserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"govapp/internal/platform/cache"
)

// errReplayed reports a (timestamp, nonce) already used for other content.
var errReplayed = errors.New("oaserver: nonce already used for other content")

// refuseReplay claims the request's (timestamp, nonce) for content and
// reports whether it wrote a refusal: 403 when the pair was used before for
// other content (a replayed signature), and — when uncovered, that is when
// no signature covers the content — 503 when the shared cache cannot tell
// (WeChat retries). The same content under the same pair is WeChat
// repeating itself and passes, to be de-duplicated by its message id.
func (s *Server) refuseReplay(ctx context.Context, w http.ResponseWriter, ts, nonce, content string, uncovered bool) bool {
	err := s.claimNonce(ctx, ts, nonce, content)
	switch {
	case err == nil:
		return false
	case errors.Is(err, errReplayed):
		s.log.Warn("oa: refused a replayed signature: its timestamp and nonce were used for other content")
		writePlain(w, http.StatusForbidden, "replayed nonce")
		return true
	case uncovered:
		s.log.Warn("oa: refused a request whose content no signature covers: used nonces unavailable", "err", err)
		writePlain(w, http.StatusServiceUnavailable, "try again later")
		return true
	default:
		s.log.Warn("oa: used nonces unavailable; the encrypted push is checked by its msg_signature alone", "err", err)
		return false
	}
}

// claimNonce records that (ts, nonce) signed content, in the shared cache for
// NonceTTL. It returns nil for the first claim and for the same content
// again, errReplayed for other content, and the cache's error otherwise.
func (s *Server) claimNonce(ctx context.Context, ts, nonce, content string) error {
	sum := sha256.Sum256([]byte(content))
	digest := []byte(hex.EncodeToString(sum[:]))
	key := s.o.KeyPrefix + s.o.AppID + ":n:" + ts + ":" + nonce
	first, err := s.o.Cache.SetNX(ctx, key, digest, s.o.NonceTTL)
	if err != nil || first {
		return err
	}
	prev, err := s.o.Cache.Get(ctx, key)
	switch {
	case errors.Is(err, cache.ErrMiss):
		return errReplayed // gone between the two calls: refuse, WeChat retries a genuine push
	case err != nil:
		return err
	case !bytes.Equal(prev, digest):
		return errReplayed
	}
	return nil
}
