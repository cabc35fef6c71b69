package oa_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"govapp/internal/oa"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
)

// catalogue is a fake GuideSearcher: guides whose name holds the query.
type catalogue struct {
	guides []oa.Match
	err    error
	calls  int
}

func (c *catalogue) Search(q string, limit int) ([]oa.Match, error) {
	c.calls++
	if c.err != nil {
		return nil, c.err
	}
	var out []oa.Match
	for _, g := range c.guides {
		if strings.Contains(g.Name, q) {
			out = append(out, g)
		}
	}
	return out[:min(limit, len(out))], nil
}

type unionIDs map[string]string

func (u unionIDs) UnionID(_ context.Context, openid string) (string, error) {
	if id, ok := u[openid]; ok {
		return id, nil
	}
	return "", errors.New("user info: 40003 invalid openid")
}

func at(sec int64) time.Time { return time.Unix(1_760_000_000+sec, 0).UTC() }

func TestFollowers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := oa.NewService(d, &catalogue{}, nil, oa.Options{UnionIDs: unionIDs{"o-a": "u-a"}})
		follower := func(openid string) oa.Follower {
			t.Helper()
			f, err := svc.Follower(ctx, openid)
			if err != nil {
				t.Fatalf("Follower(%s): %v", openid, err)
			}
			return f
		}

		t.Run("subscribe records a follower with the unionid the resolver knows", func(t *testing.T) {
			if err := svc.Subscribe(ctx, "o-a", at(10)); err != nil {
				t.Fatal(err)
			}
			f := follower("o-a")
			if !f.Subscribed || f.UnionID != "u-a" || !f.SubscribedAt.Equal(at(10)) || !f.UnsubscribedAt.IsZero() || f.UpdatedAt.IsZero() {
				t.Fatalf("follower %+v", f)
			}
		})
		t.Run("a failed unionid lookup still records the follower", func(t *testing.T) {
			if err := svc.Subscribe(ctx, "o-b", at(10)); err != nil {
				t.Fatal(err)
			}
			if f := follower("o-b"); !f.Subscribed || f.UnionID != "" {
				t.Fatalf("follower %+v", f)
			}
		})
		t.Run("unsubscribe keeps the row and the unionid", func(t *testing.T) {
			if err := svc.Unsubscribe(ctx, "o-a", at(20)); err != nil {
				t.Fatal(err)
			}
			f := follower("o-a")
			if f.Subscribed || f.UnionID != "u-a" || !f.UnsubscribedAt.Equal(at(20)) || !f.SubscribedAt.Equal(at(10)) {
				t.Fatalf("follower %+v", f)
			}
		})
		t.Run("subscribing again", func(t *testing.T) {
			if err := svc.Subscribe(ctx, "o-a", at(30)); err != nil {
				t.Fatal(err)
			}
			if f := follower("o-a"); !f.Subscribed || !f.SubscribedAt.Equal(at(30)) || !f.UnsubscribedAt.Equal(at(20)) {
				t.Fatalf("follower %+v", f)
			}
		})
		t.Run("an event older than the recorded state changes nothing", func(t *testing.T) {
			if err := svc.Unsubscribe(ctx, "o-a", at(25)); err != nil {
				t.Fatal(err)
			}
			if f := follower("o-a"); !f.Subscribed || !f.UnsubscribedAt.Equal(at(20)) {
				t.Fatalf("a late unsubscribe from before the last subscribe applied: %+v", f)
			}
			if err := svc.Unsubscribe(ctx, "o-a", at(40)); err != nil {
				t.Fatal(err)
			}
			if err := svc.Subscribe(ctx, "o-a", at(35)); err != nil {
				t.Fatal(err)
			}
			if f := follower("o-a"); f.Subscribed || !f.SubscribedAt.Equal(at(30)) {
				t.Fatalf("a late subscribe from before the last unsubscribe applied: %+v", f)
			}
		})
		t.Run("an unsubscribe of an unknown openid is recorded too", func(t *testing.T) {
			if err := svc.Unsubscribe(ctx, "o-c", at(5)); err != nil {
				t.Fatal(err)
			}
			if f := follower("o-c"); f.Subscribed || !f.SubscribedAt.IsZero() {
				t.Fatalf("follower %+v", f)
			}
		})
		t.Run("an openid that never followed is not found", func(t *testing.T) {
			if _, err := svc.Follower(ctx, "o-never"); !errors.Is(err, oa.ErrFollowerNotFound) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("LinkedFollower finds a current follower by unionid", func(t *testing.T) {
			if _, ok := svc.LinkedFollower(ctx, "u-a"); ok {
				t.Fatal("an unsubscribed follower is linked")
			}
			if err := svc.Subscribe(ctx, "o-a", at(50)); err != nil {
				t.Fatal(err)
			}
			if openid, ok := svc.LinkedFollower(ctx, "u-a"); !ok || openid != "o-a" {
				t.Fatalf("LinkedFollower = %q, %v", openid, ok)
			}
			for _, u := range []string{"u-unknown", ""} {
				if openid, ok, err := svc.FollowerOpenID(ctx, u); ok || openid != "" || err != nil {
					t.Fatalf("FollowerOpenID(%q) = %q, %v, %v", u, openid, ok, err)
				}
			}
		})
	})
}

func TestLinkedFollowerReportsDatabaseErrors(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	svc := oa.NewService(d, &catalogue{}, nil, oa.Options{})
	d.Close()
	if _, _, err := svc.FollowerOpenID(context.Background(), "u-a"); err == nil {
		t.Fatal("no error from a closed database")
	}
	if _, ok := svc.LinkedFollower(context.Background(), "u-a"); ok {
		t.Fatal("linked through a closed database")
	}
}
