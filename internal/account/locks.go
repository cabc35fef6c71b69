package account

import (
	"context"
	"fmt"
	"time"
)

// LockedUntil returns, for each of usernames locked out by wrong passwords
// now, the time the lock ends (the staff list shows it); an account not
// locked is absent.
func (s *Service) LockedUntil(ctx context.Context, usernames []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(usernames) == 0 {
		return out, nil
	}
	byKey := make(map[string]string, len(usernames))
	for _, u := range usernames {
		byKey[s.box.Hash("staff_login", u)] = u
	}
	const q = `SELECT key_hash, window_ends FROM login_attempts WHERE attempts > ? AND window_ends > ?`
	var rows []struct {
		Key  string    `db:"key_hash"`
		Ends time.Time `db:"window_ends"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), s.cfg.StaffMaxFailures, s.now().UTC()); err != nil {
		return nil, fmt.Errorf("account: locked staff: %w", err)
	}
	for _, r := range rows {
		if u, ok := byKey[r.Key]; ok {
			out[u] = r.Ends
		}
	}
	return out, nil
}
