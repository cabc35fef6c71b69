package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	"govapp/internal/platform/db"
)

// unwatchedTables change without any request, so a snapshot around the
// hostile walk leaves them out:
//   - river_*: the job queue's own bookkeeping (leader election, periodic
//     jobs inserted on start and on their interval); a request that queued
//     work would also show in the domain table that records it (push_messages…).
//
// No table that a request writes is left out: rate limits live in the
// cache, and the walk sends only malformed Idempotency-Keys (a well-formed
// one stores even a 4xx answer, by design).
func unwatchedTable(name string) bool {
	return strings.HasPrefix(name, "river")
}

// unwatchedRow tells the rows a refused request writes on purpose:
//   - audit_log staff.login_failed: every failed staff login is audited
//     (which account, from where; an unknown username is not written
//     down); the walk sends hostile usernames to the staff login.
//   - login_attempts: every staff login attempt is counted, before its
//     password is checked, under a keyed hash of the username typed.
func unwatchedRow(table string, row map[string]any) bool {
	return table == "audit_log" && fmt.Sprint(text(row["action"])) == "staff.login_failed" || table == "login_attempts"
}

func text(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// dbSnapshot returns, for every table of the database, its row count and a
// checksum of its rows (order-independent), so that two snapshots differ
// when any row was inserted, deleted or updated.
func dbSnapshot(t *testing.T, a *testApp) map[string]string {
	t.Helper()
	var q string
	if a.DB().Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	} else {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	var tables []string
	if err := a.DB().Select(&tables, q); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(tables) < 10 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	out := map[string]string{}
	for _, name := range tables {
		if unwatchedTable(name) {
			continue
		}
		rows, err := a.DB().Queryx(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		var lines []string
		for rows.Next() {
			row := map[string]any{}
			if err := rows.MapScan(row); err != nil {
				t.Fatalf("scan %s: %v", name, err)
			}
			if unwatchedRow(name, row) {
				continue
			}
			cols := make([]string, 0, len(row))
			for c := range row {
				cols = append(cols, c)
			}
			sort.Strings(cols)
			var b strings.Builder
			for _, c := range cols {
				fmt.Fprintf(&b, "%s=%v\x1f", c, text(row[c]))
			}
			lines = append(lines, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		_ = rows.Close()
		sort.Strings(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\x1e")))
		out[name] = fmt.Sprintf("%d rows, %s", len(lines), hex.EncodeToString(sum[:8]))
	}
	return out
}

// diffSnapshots reports every table whose rows differ between two snapshots.
func diffSnapshots(before, after map[string]string) []string {
	var out []string
	for name, b := range before {
		if a := after[name]; a != b {
			out = append(out, fmt.Sprintf("%s: %s → %s", name, b, a))
		}
	}
	for name, a := range after {
		if _, ok := before[name]; !ok {
			out = append(out, fmt.Sprintf("%s: new table with %s", name, a))
		}
	}
	sort.Strings(out)
	return out
}
