package policy

import (
	"context"
	"fmt"
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

func (st *syncState) init(last int64) {
	st.last = last
	st.applied = map[int64]time.Time{}
}

// Sync applies the changes other instances recorded since the last call:
// published and corrected policies are reloaded into the catalogue,
// withdrawn ones leave the lists. Applying a change twice is harmless.
func (s *Service) Sync(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	now := s.now()
	var changes []struct {
		Seq      int64 `db:"seq"`
		PolicyID int64 `db:"policy_id"`
	}
	const q = `SELECT seq, policy_id FROM policy_changes WHERE seq > ? OR changed_at > ? ORDER BY seq`
	if err := s.db.SelectContext(ctx, &changes, s.db.Rebind(q), s.sync.last, now.Add(-syncLookback)); err != nil {
		return fmt.Errorf("policy: read change feed: %w", err)
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, c := range changes {
		if _, done := s.sync.applied[c.Seq]; done {
			continue
		}
		s.sync.applied[c.Seq] = now
		s.sync.last = max(s.sync.last, c.Seq)
		if !seen[c.PolicyID] {
			seen[c.PolicyID] = true
			ids = append(ids, c.PolicyID)
		}
	}
	for seq, at := range s.sync.applied {
		if now.Sub(at) > 4*syncLookback {
			delete(s.sync.applied, seq)
		}
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		list, err := loadReleased(ctx, s.db, ids[:n])
		if err != nil {
			return err
		}
		for _, p := range list {
			if st := s.cat.state(p.ID); st.version != p.Version || st.status != p.Status {
				s.cat.put(p)
			}
		}
		ids = ids[n:]
	}
	return nil
}

// PurgeExpired deletes change-feed rows older than a day (every instance has
// long applied them) and returns how many.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	n, err := s.db.DeleteInBatches(ctx, "policy_changes", "seq", "changed_at < ?", db.PurgeBatch, s.now().Add(-24*time.Hour))
	if err != nil {
		return n, fmt.Errorf("policy: %w", err)
	}
	return n, nil
}
