package oa

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"govapp/internal/platform/db"
)

type followerRow struct {
	OpenID         string         `db:"openid"`
	UnionID        sql.NullString `db:"unionid"`
	Subscribed     bool           `db:"subscribed"`
	SubscribedAt   sql.NullTime   `db:"subscribed_at"`
	UnsubscribedAt sql.NullTime   `db:"unsubscribed_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

func (r followerRow) follower() Follower {
	return Follower{OpenID: r.OpenID, UnionID: r.UnionID.String, Subscribed: r.Subscribed,
		SubscribedAt: r.SubscribedAt.Time, UnsubscribedAt: r.UnsubscribedAt.Time, UpdatedAt: r.UpdatedAt}
}

// recordSubscribe marks openid subscribed at `at`, unless an unsubscribe
// later than `at` is already recorded (events may arrive out of turn). A
// known unionid is kept when none is given.
func recordSubscribe(ctx context.Context, q db.Queryer, openid, unionid string, at, now time.Time) error {
	const stmt = `INSERT INTO oa_followers (openid, unionid, subscribed, subscribed_at, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (openid) DO UPDATE SET
			unionid = COALESCE(excluded.unionid, oa_followers.unionid),
			subscribed = excluded.subscribed,
			subscribed_at = CASE WHEN oa_followers.subscribed_at IS NULL OR oa_followers.subscribed_at < excluded.subscribed_at
				THEN excluded.subscribed_at ELSE oa_followers.subscribed_at END,
			updated_at = excluded.updated_at
		WHERE oa_followers.unsubscribed_at IS NULL OR oa_followers.unsubscribed_at <= excluded.subscribed_at`
	if _, err := q.ExecContext(ctx, q.Rebind(stmt), openid, nullIfEmpty(unionid), true, at, now); err != nil {
		return fmt.Errorf("oa: record subscribe: %w", err)
	}
	return nil
}

// recordUnsubscribe marks openid unsubscribed at `at`, unless a subscribe
// later than `at` is already recorded.
func recordUnsubscribe(ctx context.Context, q db.Queryer, openid string, at, now time.Time) error {
	const stmt = `INSERT INTO oa_followers (openid, subscribed, unsubscribed_at, updated_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (openid) DO UPDATE SET
			subscribed = excluded.subscribed,
			unsubscribed_at = CASE WHEN oa_followers.unsubscribed_at IS NULL OR oa_followers.unsubscribed_at < excluded.unsubscribed_at
				THEN excluded.unsubscribed_at ELSE oa_followers.unsubscribed_at END,
			updated_at = excluded.updated_at
		WHERE oa_followers.subscribed_at IS NULL OR oa_followers.subscribed_at <= excluded.unsubscribed_at`
	if _, err := q.ExecContext(ctx, q.Rebind(stmt), openid, false, at, now); err != nil {
		return fmt.Errorf("oa: record unsubscribe: %w", err)
	}
	return nil
}

// getFollower returns the follower openid, or ErrFollowerNotFound.
func getFollower(ctx context.Context, q db.Queryer, openid string) (Follower, error) {
	const stmt = `SELECT openid, unionid, subscribed, subscribed_at, unsubscribed_at, updated_at
		FROM oa_followers WHERE openid = ?`
	var r followerRow
	if err := q.GetContext(ctx, &r, q.Rebind(stmt), openid); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Follower{}, ErrFollowerNotFound
		}
		return Follower{}, fmt.Errorf("oa: get follower: %w", err)
	}
	return r.follower(), nil
}

// subscribedByUnionID returns the openid of the subscribed follower with
// unionid (the most recently updated if several), or sql.ErrNoRows.
func subscribedByUnionID(ctx context.Context, q db.Queryer, unionid string) (string, error) {
	const stmt = `SELECT openid FROM oa_followers
		WHERE unionid = ? AND subscribed = ?
		ORDER BY updated_at DESC, openid
		LIMIT 1`
	var openid string
	if err := q.GetContext(ctx, &openid, q.Rebind(stmt), unionid, true); err != nil {
		return "", err
	}
	return openid, nil
}

func nullIfEmpty(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}
