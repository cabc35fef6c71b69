package db_test

import (
	"testing"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
)

// TestTimesCompareWhateverTheirZone: a time written in Asia/Shanghai and one
// in UTC must order correctly in SQL on both dialects (SQLite keeps times as
// text, so they must be written in one zone).
func TestTimesCompareWhateverTheirZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cst := time.FixedZone("CST", 8*3600)
		stored := time.Date(2026, 11, 12, 10, 0, 0, 0, cst) // 02:00 UTC
		if _, err := d.Exec(d.Rebind(`INSERT INTO sessions (token_hash, subject_kind, subject_id, created_at, expires_at) VALUES ('h', 'resident', 1, ?, ?)`), stored, stored); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			at   time.Time
			want int
		}{
			{time.Date(2026, 11, 12, 2, 30, 0, 0, time.UTC), 1}, // later in UTC, earlier as local text
			{time.Date(2026, 11, 12, 1, 30, 0, 0, time.UTC), 0},
		} {
			var n int
			if err := d.Get(&n, d.Rebind(`SELECT COUNT(*) FROM sessions WHERE expires_at <= ?`), c.at); err != nil {
				t.Fatal(err)
			}
			if n != c.want {
				t.Fatalf("expires_at <= %s: %d rows, want %d", c.at, n, c.want)
			}
		}
		var got time.Time
		if err := d.Get(&got, `SELECT expires_at FROM sessions`); err != nil || !got.Equal(stored) {
			t.Fatalf("read back %v (%v), want %v", got, err, stored)
		}
	})
}
