package oa

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"govapp/internal/platform/db"
)

// Options configure a Service.
type Options struct {
	// MiniProgramAppID is the app id mini-program links point into; without
	// it answers name pages without linking them.
	MiniProgramAppID string
	// Menu holds the click answers, the welcome, the hotline and the fallback URL.
	Menu Menu
	// UnionIDs, when set, looks up a new follower's unionid on subscribe.
	UnionIDs UnionIDResolver
}

// Service keeps the followers and answers what they send. It is safe for
// concurrent use.
type Service struct {
	db      *db.DB
	guides  GuideSearcher
	unions  UnionIDResolver
	menu    Menu
	mpAppID string
	log     *slog.Logger
	now     func() time.Time
}

// NewService returns a Service over d answering text messages from guides.
func NewService(d *db.DB, guides GuideSearcher, log *slog.Logger, o Options) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, guides: guides, unions: o.UnionIDs, menu: o.Menu, mpAppID: o.MiniProgramAppID,
		log: log, now: func() time.Time { return time.Now().UTC() }}
}

// Handle records what an inbound event changes and returns the text to
// answer ("" for no answer). Subscribe and unsubscribe are recorded (an error
// is a database failure: the caller may let WeChat retry); a click answers
// its configured reply; a text searches the guides; everything else is
// answered with nothing. Handle is idempotent for one inbound message.
func (s *Service) Handle(ctx context.Context, in Inbound) (string, error) {
	switch in.Type {
	case TypeText:
		return s.answerText(in.Content), nil
	case TypeEvent:
	default:
		return "", nil
	}
	switch in.Event {
	case EventSubscribe:
		if err := s.Subscribe(ctx, in.OpenID, in.At); err != nil {
			return "", err
		}
		return s.welcome(), nil
	case EventUnsubscribe:
		return "", s.Unsubscribe(ctx, in.OpenID, in.At)
	case EventClick:
		if a, ok := s.menu.Clicks[in.Key]; ok {
			return s.render(a), nil
		}
		s.log.Warn("oa: click on an unconfigured menu key", "key", in.Key)
	}
	return "", nil
}

// Subscribe records openid as a follower since at (zero means now), with its
// unionid when the resolver knows it (a failed lookup is logged, not fatal).
func (s *Service) Subscribe(ctx context.Context, openid string, at time.Time) error {
	if openid == "" {
		return errors.New("oa: subscribe: empty openid")
	}
	var unionid string
	if s.unions != nil {
		u, err := s.unions.UnionID(ctx, openid)
		if err != nil {
			s.log.Warn("oa: unionid lookup failed; follower kept without it", "err", err)
		}
		unionid = u
	}
	now := s.now()
	return recordSubscribe(ctx, s.db, openid, unionid, eventTime(at, now), now)
}

// Unsubscribe records that openid stopped following at at (zero means now).
func (s *Service) Unsubscribe(ctx context.Context, openid string, at time.Time) error {
	if openid == "" {
		return errors.New("oa: unsubscribe: empty openid")
	}
	now := s.now()
	return recordUnsubscribe(ctx, s.db, openid, eventTime(at, now), now)
}

// Follower returns the follower openid, or ErrFollowerNotFound.
func (s *Service) Follower(ctx context.Context, openid string) (Follower, error) {
	return getFollower(ctx, s.db, openid)
}

// LinkedFollower returns the openid of the current follower whose unionid is
// unionid — the resident with that unionid can be reached through the
// official account — and whether there is one. A database error is logged
// and answers false; FollowerOpenID returns it.
func (s *Service) LinkedFollower(ctx context.Context, unionid string) (openid string, ok bool) {
	openid, ok, err := s.FollowerOpenID(ctx, unionid)
	if err != nil {
		s.log.Warn("oa: linked follower lookup failed", "err", err)
	}
	return openid, ok
}

// FollowerOpenID is LinkedFollower with the database error (it implements
// push.Followers).
func (s *Service) FollowerOpenID(ctx context.Context, unionid string) (openid string, ok bool, err error) {
	if unionid == "" {
		return "", false, nil
	}
	openid, err = subscribedByUnionID(ctx, s.db, unionid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("oa: linked follower: %w", err)
	}
	return openid, true, nil
}

// eventTime is at in UTC at second precision (WeChat's CreateTime), or now.
func eventTime(at, now time.Time) time.Time {
	if at.IsZero() {
		return now.Truncate(time.Second)
	}
	return at.UTC().Truncate(time.Second)
}
