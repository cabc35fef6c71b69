package policy

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"govapp/internal/audit"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/push"
)

// Template is the push template of policy releases (push.templates.policy_release).
const Template = "policy_release"

// Cause returns the push dedup key of policy id's release, or of the
// announced correction that made version (version > 1).
func Cause(id int64, version int) string {
	if version <= 1 {
		return "policy:" + strconv.FormatInt(id, 10)
	}
	return "policy:" + strconv.FormatInt(id, 10) + ":v" + strconv.Itoa(version)
}

// release is one publication: the first, or a correction.
type release struct {
	id        int64
	first     bool
	changelog string
	announce  bool
}

// Publish makes the draft of policy id its first published version and, when
// announce is set, enqueues in the same transaction the message to every
// subscriber of its topics (announce is false only for seeded data). It
// returns the published version; ErrNeedInterpreting for a major policy
// without an interpretation (nothing is published or sent), ErrIncomplete or
// a validation error for a draft not ready, ErrAlreadyPublished or
// ErrWithdrawn for a policy past its draft.
func (s *Service) Publish(ctx context.Context, actor Actor, id int64, announce bool) (*Policy, error) {
	return s.release(ctx, actor, release{id: id, first: true, announce: announce})
}

// Correct publishes the edited draft of a published policy as a new version
// with changelog saying what changed, and returns it. Subscribers are told
// again only when notify is set. Errors: those of Publish, ErrNotPublished for
// a draft, ErrUnchanged when the draft is the published version.
func (s *Service) Correct(ctx context.Context, actor Actor, id int64, changelog string, notify bool) (*Policy, error) {
	changelog = strings.TrimSpace(changelog)
	c := checker{}
	c.text("changelog", changelog, maxNote, true)
	if len(c) > 0 {
		return nil, errs.Invalid(c)
	}
	return s.release(ctx, actor, release{id: id, changelog: changelog, announce: notify})
}

func (s *Service) release(ctx context.Context, actor Actor, rel release) (*Policy, error) {
	var p *Policy
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if p, err = s.releaseTx(ctx, tx, actor, rel); err != nil {
			return err
		}
		if s.beforeCommit != nil {
			return s.beforeCommit(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.cat.put(p)
	return p, nil
}

// releasable says why r cannot be released now, if it cannot.
func (r row) releasable(first bool) error {
	switch {
	case r.Status == StatusWithdrawn:
		return ErrWithdrawn
	case first && r.Status == StatusPublished:
		return ErrAlreadyPublished
	case !first && r.Status == StatusDraft:
		return ErrNotPublished
	case !first && !r.DraftDirty:
		return ErrUnchanged
	}
	return nil
}

// releaseContent checks the draft of r as publishing requires and composes
// what residents will read.
func (s *Service) releaseContent(ctx context.Context, r row) (*Policy, error) {
	d, err := r.draft()
	if err != nil {
		return nil, err
	}
	if err := s.check(&d.Content); err != nil {
		return nil, err
	}
	if err := d.Content.Complete(); err != nil {
		return nil, err
	}
	if d.Content.Major && len(d.Content.Interpretations) == 0 {
		return nil, ErrNeedInterpreting
	}
	return s.compose(ctx, r.ID, d.Content, true)
}

func (s *Service) releaseTx(ctx context.Context, tx *sqlx.Tx, actor Actor, rel release) (*Policy, error) {
	r, err := getRow(ctx, tx, rel.id, true)
	if err != nil {
		return nil, err
	}
	if err := r.releasable(rel.first); err != nil {
		return nil, err
	}
	p, err := s.releaseContent(ctx, r)
	if err != nil {
		return nil, err
	}
	var prev *Policy
	if !rel.first {
		if prev, err = versionDoc(ctx, tx, rel.id, r.PublishedVersion); err != nil {
			return nil, err
		}
	}
	now := s.now()
	if p.Version, err = bumpVersion(ctx, tx, rel.id, now); err != nil {
		return nil, err
	}
	p.Status, p.PublishedAt, p.UpdatedAt = StatusPublished, now, now
	if prev != nil {
		p.PublishedAt = prev.PublishedAt
		p.Corrections = append(prev.Corrections, Correction{Version: p.Version, Note: rel.changelog, At: now})
	}
	cause := ""
	if rel.announce {
		if s.push == nil {
			return nil, errors.New("policy: announcing a release needs the push service")
		}
		cause = Cause(rel.id, p.Version)
		if _, err := s.push.EnqueueTx(ctx, tx, s.message(p, cause, rel.changelog)); err != nil {
			return nil, err
		}
	}
	if err := insertVersion(ctx, tx, p, rel.changelog, cause, actor.ID); err != nil {
		return nil, err
	}
	if err := recordChange(ctx, tx, rel.id, now); err != nil {
		return nil, err
	}
	action, detail := "policy.publish", "version=1"
	if !rel.first {
		action, detail = "policy.correct", fmt.Sprintf("version=%d notify=%t: %s", p.Version, rel.announce, rel.changelog)
	}
	return p, audit.Record(ctx, tx, actor.audit(action, rel.id, detail))
}

// clip cuts s to n characters for a template field (WeChat's thing fields
// hold 20).
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// message is the subscribe message announcing p.
func (s *Service) message(p *Policy, cause, changelog string) push.Message {
	date := p.IssueDate
	if t, err := time.Parse(DateLayout, p.IssueDate); err == nil {
		date = t.Format("2006年1月2日")
	}
	note := "点击查看政策原文与解读"
	if changelog != "" {
		note = "政策已更正：" + changelog
	}
	issuer := p.Issuer
	if p.DocNumber != "" {
		issuer = p.DocNumber
	}
	return push.Message{
		Cause:    cause,
		Template: Template,
		Page:     "pages/policy/detail?id=" + strconv.FormatInt(p.ID, 10),
		Data:     map[string]string{"thing1": clip(p.Title, 20), "thing2": clip(issuer, 20), "date3": date, "thing4": clip(note, 20)},
		Audience: audienceOf(p.Topics),
	}
}

// Withdraw takes a published policy back: residents see only its particulars
// and reason. A withdrawn policy cannot be published or changed again.
func (s *Service) Withdraw(ctx context.Context, actor Actor, id int64, reason string) (*Policy, error) {
	reason = strings.TrimSpace(reason)
	c := checker{}
	c.text("reason", reason, maxNote, true)
	if len(c) > 0 {
		return nil, errs.Invalid(c)
	}
	var p *Policy
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		r, err := getRow(ctx, tx, id, true)
		if err != nil {
			return err
		}
		switch r.Status {
		case StatusWithdrawn:
			return ErrWithdrawn
		case StatusDraft:
			return ErrNotPublished
		}
		if p, err = versionDoc(ctx, tx, id, r.PublishedVersion); err != nil {
			return err
		}
		now := s.now()
		const stmt = `UPDATE policies SET status = 'withdrawn', withdraw_reason = ?, withdrawn_at = ?, updated_at = ? WHERE id = ?`
		if _, err := tx.ExecContext(ctx, tx.Rebind(stmt), reason, now, now, id); err != nil {
			return db.MapErrorIn("policy.Withdraw", err, nil, nil)
		}
		withdrawn(p, reason, now)
		if err := recordChange(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.audit("policy.withdraw", id, reason))
	})
	if err != nil {
		return nil, err
	}
	s.cat.put(p)
	return p, nil
}

// VersionInfo describes one published version.
type VersionInfo struct {
	Version     int       `db:"version" json:"version"`
	Changelog   string    `db:"changelog" json:"changelog"`
	PushCause   string    `db:"push_cause" json:"push_cause"` // empty: subscribers were not told
	PublishedAt time.Time `db:"published_at" json:"published_at"`
	PublishedBy *int64    `db:"published_by" json:"published_by"`
}

// Versions lists every published version of policy id, newest first.
func (s *Service) Versions(ctx context.Context, id int64) ([]VersionInfo, error) {
	if _, err := getRow(ctx, s.db, id, false); err != nil {
		return nil, err
	}
	const stmt = `SELECT version, changelog, push_cause, published_at, published_by FROM policy_versions
		WHERE policy_id = ? ORDER BY version DESC`
	out := []VersionInfo{}
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(stmt), id); err != nil {
		return nil, db.MapErrorIn("policy.Versions", err, nil, nil)
	}
	return out, nil
}

// Version returns a stored version of policy id (editors).
func (s *Service) Version(ctx context.Context, id int64, version int) (*Policy, error) {
	if version <= 0 {
		return nil, ErrVersionMissing
	}
	return versionDoc(ctx, s.db, id, version)
}
