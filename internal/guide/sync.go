package guide

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"govapp/internal/platform/db"
)

// syncLookback re-reads changes this recent on every poll: a transaction that
// took its sequence number early may commit after later ones were seen.
const syncLookback = 15 * time.Second

// syncState remembers which changes of the feed this instance applied.
type syncState struct {
	last    int64
	applied map[int64]time.Time
}

func (st *syncState) init(last int64, now time.Time) {
	st.last = last
	st.applied = map[int64]time.Time{}
}

// Sync applies the changes other instances recorded since the last call:
// published guides are reloaded into the catalogue, retired ones removed.
// Applying a change twice is harmless.
func (s *Service) Sync(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	now := s.now()
	var changes []struct {
		Seq  int64  `db:"seq"`
		Code string `db:"code"`
	}
	const q = `SELECT seq, code FROM guide_changes WHERE seq > ? OR changed_at > ? ORDER BY seq`
	if err := s.db.SelectContext(ctx, &changes, s.db.Rebind(q), s.sync.last, now.Add(-syncLookback)); err != nil {
		return fmt.Errorf("guide: read change feed: %w", err)
	}
	var codes []string
	seen := map[string]bool{}
	for _, c := range changes {
		if _, done := s.sync.applied[c.Seq]; done {
			continue
		}
		s.sync.applied[c.Seq] = now
		if c.Seq > s.sync.last {
			s.sync.last = c.Seq
		}
		if !seen[c.Code] {
			seen[c.Code] = true
			codes = append(codes, c.Code)
		}
	}
	for seq, at := range s.sync.applied {
		if now.Sub(at) > 4*syncLookback {
			delete(s.sync.applied, seq)
		}
	}
	for len(codes) > 0 {
		n := min(len(codes), 500)
		if err := s.reload(ctx, codes[:n]); err != nil {
			return err
		}
		codes = codes[n:]
	}
	return nil
}

// reload reads the current state of codes and updates the catalogue.
func (s *Service) reload(ctx context.Context, codes []string) error {
	q := `SELECT g.code, g.status, v.doc FROM guides g LEFT JOIN guide_versions v
		ON v.guide_id = g.id AND v.version = g.published_version
		WHERE g.code IN (?` + strings.Repeat(",?", len(codes)-1) + `)`
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	var rows []struct {
		Code   string  `db:"code"`
		Status string  `db:"status"`
		Doc    *string `db:"doc"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), args...); err != nil {
		return fmt.Errorf("guide: reload: %w", err)
	}
	for _, r := range rows {
		if r.Status != StatusPublished || r.Doc == nil {
			s.cat.remove(r.Code)
			continue
		}
		var g Guide
		if err := json.Unmarshal([]byte(*r.Doc), &g); err != nil {
			return fmt.Errorf("guide: decode %s: %w", r.Code, err)
		}
		if s.cat.Version(g.Code) != g.Version {
			s.cat.put(&g)
		}
	}
	return nil
}

// PurgeExpired deletes change-feed rows older than a day (every instance has
// long applied them) and returns how many.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	n, err := s.db.DeleteInBatches(ctx, "guide_changes", "seq", "changed_at < ?", db.PurgeBatch, s.now().Add(-24*time.Hour))
	if err != nil {
		return n, fmt.Errorf("guide: %w", err)
	}
	return n, nil
}
