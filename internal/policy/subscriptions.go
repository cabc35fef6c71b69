package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/push"
)

// AudienceKind is the push audience of a release: the residents subscribed
// to any of the policy's topics.
const AudienceKind = "topic_subscribers"

type audienceParams struct {
	Topics []string `json:"topics"`
}

func audienceOf(topics []string) push.Audience {
	params, _ := json.Marshal(audienceParams{Topics: topics})
	return push.Audience{Kind: AudienceKind, Params: params}
}

func topicArgs(topics []string) (string, []any) {
	args := make([]any, len(topics))
	for i, t := range topics {
		args[i] = t
	}
	return "(?" + strings.Repeat(",?", len(topics)-1) + ")", args
}

// Subscribers resolves AudienceKind for the push pipeline.
type Subscribers struct{ db *db.DB }

var _ push.Resolver = Subscribers{}

// Subscribers returns the resolver of AudienceKind.
func (s *Service) Subscribers() Subscribers { return Subscribers{db: s.db} }

// Recipients returns up to limit residents above after, ascending, who
// subscribe to at least one of the audience's topics — each once, however
// many of the topics they follow.
func (r Subscribers) Recipients(ctx context.Context, a push.Audience, after int64, limit int) ([]int64, error) {
	var p audienceParams
	if err := json.Unmarshal(a.Params, &p); err != nil {
		return nil, fmt.Errorf("policy: audience params: %w", err)
	}
	ids := []int64{}
	if len(p.Topics) == 0 {
		return ids, nil
	}
	in, args := topicArgs(p.Topics)
	q := `SELECT DISTINCT resident_id FROM topic_subscriptions WHERE topic_code IN ` + in + `
		AND resident_id > ? ORDER BY resident_id LIMIT ?`
	if err := r.db.SelectContext(ctx, &ids, r.db.Rebind(q), append(args, after, limit)...); err != nil {
		return nil, fmt.Errorf("policy: subscribers: %w", err)
	}
	return ids, nil
}

// count returns how many residents subscribe to any of topics.
func (r Subscribers) count(ctx context.Context, topics []string) (int, error) {
	if len(topics) == 0 {
		return 0, nil
	}
	in, args := topicArgs(topics)
	var n int
	q := `SELECT COUNT(DISTINCT resident_id) FROM topic_subscriptions WHERE topic_code IN ` + in
	if err := r.db.GetContext(ctx, &n, r.db.Rebind(q), args...); err != nil {
		return 0, fmt.Errorf("policy: count subscribers: %w", err)
	}
	return n, nil
}

// Subscriptions returns the topic codes resident subscribes to, in display order.
func (s *Service) Subscriptions(ctx context.Context, resident int64) ([]string, error) {
	var codes []string
	const q = `SELECT s.topic_code FROM topic_subscriptions s JOIN policy_topics t ON t.code = s.topic_code
		WHERE s.resident_id = ? ORDER BY t.sort_order, t.code`
	if err := s.db.SelectContext(ctx, &codes, s.db.Rebind(q), resident); err != nil {
		return nil, db.MapErrorIn("policy.Subscriptions", err, nil, nil)
	}
	if codes == nil {
		codes = []string{}
	}
	return codes, nil
}

// SetSubscriptions replaces the topics resident subscribes to (an empty list
// unsubscribes from all) and returns them in display order.
func (s *Service) SetSubscriptions(ctx context.Context, resident int64, topics []string) ([]string, error) {
	topics = trimAll(topics)
	bad := map[string]string{}
	for i, t := range topics {
		if _, ok := s.topicMap[t]; !ok {
			bad[fmt.Sprintf("topics[%d]", i)] = msgUnknownTopic
		}
	}
	if len(bad) > 0 {
		return nil, errs.Invalid(bad)
	}
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM topic_subscriptions WHERE resident_id = ?`), resident); err != nil {
			return err
		}
		now := s.now()
		for _, t := range topics {
			const stmt = `INSERT INTO topic_subscriptions (resident_id, topic_code, created_at) VALUES (?, ?, ?)`
			if _, err := tx.ExecContext(ctx, tx.Rebind(stmt), resident, t, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, db.MapErrorIn("policy.SetSubscriptions", err, nil, nil)
	}
	return s.Subscriptions(ctx, resident)
}

// Release is the delivery report of one announced version: the push
// totals by outcome, with the audience expected and the share settled.
type Release struct {
	Version int `json:"version"`
	// Audience is the number of recipients: final once the fan-out is done,
	// until then the current number of subscribers of the topics.
	Audience int     `json:"audience"`
	Settled  int     `json:"settled"`  // deliveries with an outcome (not pending or sending)
	Progress float64 `json:"progress"` // settled / audience, 0–1
	Done     bool    `json:"done"`
	push.Stats
}

// Deliveries is what editors see of a policy's pushes.
type Deliveries struct {
	PolicyID int64          `json:"policy_id"`
	Totals   map[string]int `json:"totals"` // deliveries by status, over every release
	Releases []Release      `json:"releases"`
}

// Deliveries reports, live while they fan out, the pushes of policy id:
// totals by outcome, progress, rate and the failures with their errcodes.
func (s *Service) Deliveries(ctx context.Context, id int64) (*Deliveries, error) {
	if _, err := getRow(ctx, s.db, id, false); err != nil {
		return nil, err
	}
	var versions []struct {
		Version int    `db:"version"`
		Cause   string `db:"push_cause"`
	}
	const q = `SELECT version, push_cause FROM policy_versions WHERE policy_id = ? AND push_cause <> '' ORDER BY version`
	if err := s.db.SelectContext(ctx, &versions, s.db.Rebind(q), id); err != nil {
		return nil, db.MapErrorIn("policy.Deliveries", err, nil, nil)
	}
	out := &Deliveries{PolicyID: id, Totals: map[string]int{}, Releases: []Release{}}
	for _, v := range versions {
		st, err := s.push.Stats(ctx, v.Cause)
		if errors.Is(err, push.ErrMessageNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		rel := Release{Version: v.Version, Stats: st}
		counted := 0
		for status, n := range st.ByStatus {
			out.Totals[status] += n
			counted += n
			if status != push.StatusPending && status != push.StatusSending {
				rel.Settled += n
			}
		}
		// Stats reads the message before counting its deliveries: a batch
		// fanned out in between is counted but not yet in Recipients.
		rel.Recipients = max(rel.Recipients, counted)
		rel.Audience = rel.Recipients
		if !st.FanoutDone {
			p, err := versionDoc(ctx, s.db, id, v.Version)
			if err != nil {
				return nil, err
			}
			n, err := s.Subscribers().count(ctx, p.Topics)
			if err != nil {
				return nil, err
			}
			rel.Audience = max(n, rel.Recipients)
		}
		rel.Done = st.FanoutDone && rel.Settled == rel.Recipients
		switch {
		case rel.Done:
			rel.Progress = 1
		case rel.Audience > 0:
			rel.Progress = min(float64(rel.Settled)/float64(rel.Audience), 1)
		}
		out.Releases = append(out.Releases, rel)
	}
	return out, nil
}
