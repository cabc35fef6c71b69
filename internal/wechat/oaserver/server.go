// Package oaserver serves the official account's callback URL (GET and POST
// /wechat/oa) as an http.Handler: it verifies WeChat's signature in constant
// time and the freshness of its timestamp, opens safe-mode (AES) pushes and
// refuses plaintext ones once an AES key is set (unless compatibility mode is
// chosen), accepts each signed (timestamp, nonce) for one content only,
// de-duplicates WeChat's retries across instances through the shared cache,
// and keeps WeChat's 5-second limit — a handler that is still working when
// the budget runs out finishes in the background and its answer goes out
// through the customer-service API.
//
// It uses the WeChat library's message types and AES helpers but not its
// server.Server, which compares signatures in variable time, checks no
// timestamp, and writes its own answers before a caller could refuse them.
package oaserver

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"govapp/internal/platform/cache"
)

// Defaults of Options.
const (
	DefaultTimestampWindow = 5 * time.Minute
	DefaultBudget          = 4 * time.Second
	DefaultLateTimeout     = 30 * time.Second
	DefaultMaxBodyBytes    = 64 << 10
	DefaultKeyPrefix       = "oa:dedup:"
	sendTimeout            = 10 * time.Second
)

// Options configure a Server.
type Options struct {
	AppID          string // the official account's app id (checked inside safe-mode pushes)
	Token          string // the callback token of the account's server configuration
	EncodingAESKey string // 43 characters; required for safe (AES) and compatibility mode
	// Mode is how pushes are protected; ModeAuto (the zero value) is
	// ModeSafe with an EncodingAESKey and ModePlain without. A plaintext
	// push's signature does not cover its body: with a key, plaintext is
	// accepted only in ModeCompatible, chosen explicitly.
	Mode Mode

	Handler Handler
	// Cache de-duplicates WeChat's retries; share it between instances (Redis).
	Cache cache.Cache
	// Sender delivers answers that missed the budget; without it they are dropped (logged).
	Sender CustomSender
	Log    *slog.Logger

	TimestampWindow time.Duration // accepted clock difference; DefaultTimestampWindow
	Budget          time.Duration // time to answer in the response; DefaultBudget
	LateTimeout     time.Duration // bound of a handler run; DefaultLateTimeout
	// DedupTTL is how long a message id is remembered; by default the
	// timestamp window plus a minute, so that a replayed push is also a duplicate.
	DedupTTL time.Duration
	// NonceTTL is how long a used (timestamp, nonce) is remembered; by
	// default twice the timestamp window plus a minute, longer than the
	// pair stays fresh.
	NonceTTL     time.Duration
	MaxBodyBytes int64  // DefaultMaxBodyBytes
	KeyPrefix    string // of de-duplication keys; DefaultKeyPrefix
	Now          func() time.Time
}

// Server is the callback server. It is safe for concurrent use.
type Server struct {
	o   Options
	log *slog.Logger
	bg  sync.WaitGroup
}

var _ http.Handler = (*Server)(nil)

// New returns a Server; it fails when the app id, token, handler or cache is
// missing, when an EncodingAESKey is given that is not 43 base64 characters,
// or when the mode is unknown or does not fit the key (safe and compatibility
// mode need one, plain mode takes none).
func New(o Options) (*Server, error) {
	switch {
	case o.AppID == "" || o.Token == "":
		return nil, errors.New("oaserver: the app id and token are required")
	case o.Handler == nil:
		return nil, errors.New("oaserver: a handler is required")
	case o.Cache == nil:
		return nil, errors.New("oaserver: a cache is required")
	}
	mode, err := resolveMode(o.Mode, o.EncodingAESKey)
	if err != nil {
		return nil, err
	}
	o.Mode = mode
	if o.EncodingAESKey != "" {
		if err := checkAESKey(o.EncodingAESKey); err != nil {
			return nil, err
		}
	}
	setDefault(&o.TimestampWindow, DefaultTimestampWindow)
	setDefault(&o.Budget, DefaultBudget)
	setDefault(&o.LateTimeout, DefaultLateTimeout)
	setDefault(&o.DedupTTL, o.TimestampWindow+time.Minute)
	setDefault(&o.NonceTTL, 2*o.TimestampWindow+time.Minute)
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{o: o, log: log}, nil
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// ServeHTTP answers WeChat: GET echoes echostr after verification, POST
// handles one pushed message. Before any handler runs, a bad signature is
// refused with 403, a missing or stale timestamp with 400, a plaintext push
// outside plain and compatibility mode with 400, and a (timestamp, nonce)
// already used for other content with 403 (503 when the shared cache cannot
// tell and no signature covers the content).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writePlain(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	q := r.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if !validSignature(q.Get("signature"), s.o.Token, ts, nonce) {
		writePlain(w, http.StatusForbidden, "invalid signature")
		return
	}
	if !s.fresh(ts) {
		writePlain(w, http.StatusBadRequest, "stale or invalid timestamp")
		return
	}
	if r.Method == http.MethodGet {
		echo := q.Get("echostr")
		if echo == "" {
			writePlain(w, http.StatusBadRequest, "echostr missing")
			return
		}
		if s.refuseReplay(r.Context(), w, ts, nonce, "echostr:"+echo, true) {
			return
		}
		writePlain(w, http.StatusOK, echo)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.o.MaxBodyBytes))
	if err != nil {
		writePlain(w, http.StatusBadRequest, "unreadable body")
		return
	}
	safe := q.Get("encrypt_type") == "aes"
	raw, status, msg := s.open(body, safe, ts, nonce, q.Get("msg_signature"))
	if status != 0 {
		writePlain(w, status, msg)
		return
	}
	// A plaintext push's signature does not cover its body: only the nonce
	// store stands between a captured signature and a forged body.
	if s.refuseReplay(r.Context(), w, ts, nonce, "push:"+string(raw), !safe) {
		return
	}
	m, err := parseMessage(raw)
	if err != nil {
		writePlain(w, http.StatusBadRequest, "malformed message")
		return
	}
	s.serveMessage(r.Context(), w, m, safe)
}

// fresh reports whether ts is a unix time within the window of now.
func (s *Server) fresh(ts string) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := s.o.Now().Sub(time.Unix(sec, 0))
	return d <= s.o.TimestampWindow && d >= -s.o.TimestampWindow
}

// open returns the plaintext message of a push, or the status and text to
// refuse it with.
func (s *Server) open(body []byte, safe bool, ts, nonce, msgSig string) ([]byte, int, string) {
	if !safe {
		if s.o.Mode == ModeSafe {
			return nil, http.StatusBadRequest, "safe mode required"
		}
		return body, 0, ""
	}
	if s.o.EncodingAESKey == "" {
		return nil, http.StatusBadRequest, "safe mode not configured"
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil || env.EncryptedMsg == "" {
		return nil, http.StatusBadRequest, "malformed encrypted message"
	}
	if !validSignature(msgSig, s.o.Token, ts, nonce, env.EncryptedMsg) {
		return nil, http.StatusForbidden, "invalid msg_signature"
	}
	raw, err := decrypt(s.o.AppID, s.o.EncodingAESKey, env.EncryptedMsg)
	if err != nil {
		return nil, http.StatusBadRequest, "undecryptable message"
	}
	return raw, 0, ""
}

// serveMessage runs the handler once per message (a retry or a replay
// answers "success" and does nothing) and answers within the budget.
func (s *Server) serveMessage(ctx context.Context, w http.ResponseWriter, m Message, safe bool) {
	key := s.o.KeyPrefix + s.o.AppID + ":" + m.dedupID()
	first, err := s.o.Cache.SetNX(ctx, key, []byte("1"), s.o.DedupTTL)
	claimed := err == nil
	switch {
	case errors.Is(err, cache.ErrBypassed):
		s.log.Debug("oa: cache down, message handled without de-duplication")
	case err != nil:
		s.log.Warn("oa: de-duplication unavailable, message handled anyway", "err", err)
	case !first:
		writePlain(w, http.StatusOK, "success")
		return
	}
	out, late := s.run(m)
	switch {
	case late:
		writePlain(w, http.StatusOK, "success")
		return
	case out.err != nil:
		s.log.Error("oa: handler failed; WeChat will retry", "msg_type", m.MsgType, "event", m.Event, "err", out.err)
		if claimed {
			if derr := s.o.Cache.Delete(ctx, key); derr != nil {
				s.log.Warn("oa: release de-duplication key", "err", derr)
			}
		}
		writePlain(w, http.StatusInternalServerError, "handler failed")
		return
	case out.reply.IsZero():
		writePlain(w, http.StatusOK, "success")
		return
	}
	body, err := s.encode(m, out.reply, safe)
	if err != nil {
		s.log.Error("oa: encode reply", "err", err)
		writePlain(w, http.StatusOK, "success")
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (s *Server) encode(m Message, r Reply, safe bool) ([]byte, error) {
	now := s.o.Now()
	plain, err := textReply(m, r.Text, now)
	if err != nil || !safe {
		return plain, err
	}
	return sealReply(s.o.AppID, s.o.Token, s.o.EncodingAESKey, plain, now)
}

type outcome struct {
	reply Reply
	err   error
}

// run calls the handler and waits up to the budget. When the budget runs
// out first it reports late, and the handler's answer, when it comes, is
// sent through the CustomSender instead: exactly one of the two delivers it.
//
// The handler's context is detached from the request on purpose: it must
// outlive the answer, and behind Fiber's adaptor the request's context is
// fasthttp's RequestCtx, which is recycled once the answer is written.
func (s *Server) run(m Message) (outcome, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), s.o.LateTimeout)
	var mu sync.Mutex
	late := false
	done := make(chan outcome, 1)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer cancel()
		out := s.call(ctx, m)
		mu.Lock()
		if !late {
			done <- out
			mu.Unlock()
			return
		}
		mu.Unlock()
		s.sendLate(m, out)
	}()
	timer := time.NewTimer(s.o.Budget)
	defer timer.Stop()
	select {
	case out := <-done:
		return out, false
	case <-timer.C:
	}
	mu.Lock()
	late = true
	mu.Unlock()
	select {
	case out := <-done: // finished just before late was set
		return out, false
	default:
		return outcome{}, true
	}
}

// call runs the handler, turning a panic into an error.
func (s *Server) call(ctx context.Context, m Message) (out outcome) {
	defer func() {
		if p := recover(); p != nil {
			out = outcome{err: fmt.Errorf("oaserver: handler panic: %v", p)}
		}
	}()
	r, err := s.o.Handler.HandleMessage(ctx, m)
	return outcome{reply: r, err: err}
}

// sendLate delivers an answer that missed the budget through the CustomSender.
func (s *Server) sendLate(m Message, out outcome) {
	switch {
	case out.err != nil:
		s.log.Error("oa: handler failed after the budget; nothing sent", "msg_type", m.MsgType, "event", m.Event, "err", out.err)
		return
	case out.reply.IsZero():
		return
	case s.o.Sender == nil:
		s.log.Warn("oa: late answer dropped: no customer-service sender", "msg_type", m.MsgType, "event", m.Event)
		return
	}
	sctx, cancel := context.WithTimeout(context.Background(), sendTimeout) // ctx may be spent by a slow handler
	defer cancel()
	if err := s.o.Sender.SendCustomText(sctx, m.FromUserName, out.reply.Text); err != nil {
		s.log.Error("oa: send late answer through the customer-service API", "err", err)
		return
	}
	s.log.Info("oa: answered late through the customer-service API", "msg_type", m.MsgType, "event", m.Event)
}

// Wait blocks until every handler still running in the background (and its
// late answer) has finished, or ctx ends. Call it on shutdown.
func (s *Server) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.bg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("oaserver: wait for background answers: %w", ctx.Err())
	}
}

func writePlain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
