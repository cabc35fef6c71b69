package app

import (
	"context"
	"testing"
	"time"
)

func TestPeriodicPurgeRemovesExpiredSessionsAndKeys(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b)
			cfg.Jobs.PollInterval = 0
			a := newTestAppWith(t, cfg, Options{Fake: fake, Work: true})
			live := a.devLogin("o-live", "")
			d := a.DB()
			past := time.Now().UTC().Add(-time.Hour)
			if _, err := d.Exec(d.Rebind(`INSERT INTO sessions (token_hash, subject_kind, subject_id, created_at, expires_at) VALUES (?, 'resident', 1, ?, ?)`),
				"expired-hash", past.Add(-time.Hour), past); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Exec(d.Rebind(`INSERT INTO idempotency_keys (scope, idem_key, method, path, request_hash, status_code, created_at, expires_at) VALUES ('s', 'k-expired', 'POST', '/x', 'h', 201, ?, ?)`),
				past, past); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := a.Start(ctx); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				var sessions, keys int
				if err := d.Get(&sessions, `SELECT COUNT(*) FROM sessions WHERE token_hash = 'expired-hash'`); err != nil {
					t.Fatal(err)
				}
				if err := d.Get(&keys, `SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'k-expired'`); err != nil {
					t.Fatal(err)
				}
				if sessions == 0 && keys == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("expired rows not purged within 30s (sessions %d, keys %d)", sessions, keys)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if r := a.do("GET", "/api/v1/me", live, nil); r.Status != 200 {
				t.Fatalf("the purge removed a live session: %d", r.Status)
			}
		})
	}
}
