package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"govapp/internal/platform/db"
	"govapp/internal/platform/idempotency"
)

// Personal data is stored encrypted (SPEC §10): after a run of operations
// that handle phone numbers, no column of any table — stored responses of
// idempotent writes included — holds one in clear.
func TestNoPhoneNumberAtRest(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		const loginPhone, contactPhone = "13912340001", "13712340002"
		alice := a.devLogin("o-at-rest", loginPhone)
		body := ticketBody("小区电梯停运两周")
		body["contact_phone"] = contactPhone
		first := a.do("POST", "/api/v1/tickets", alice, body, "Idempotency-Key", "at-rest-submit-01")
		if first.Status != 201 {
			t.Fatalf("submit: %d %s", first.Status, first.Body)
		}
		if !strings.Contains(string(first.Body), contactPhone) {
			t.Fatalf("the submitter's own answer should show the contact phone (what the stored reply holds): %s", first.Body)
		}
		again := a.do("POST", "/api/v1/tickets", alice, body, "Idempotency-Key", "at-rest-submit-01")
		if again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
			t.Fatalf("replay: %d %q %s, want the first answer %s", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body, first.Body)
		}
		if n := a.count(`SELECT COUNT(*) FROM idempotency_keys WHERE status_code = 201`); n != 1 {
			t.Fatalf("%d stored responses, want 1 (the scan must cover one)", n)
		}

		// The request hash is keyed: a plain SHA-256 of a short body could be
		// reversed by trying every phone number.
		sent, _ := json.Marshal(body)
		plain := idempotency.RequestHash("POST", "/api/v1/tickets", sent)
		if n := a.count(`SELECT COUNT(*) FROM idempotency_keys WHERE request_hash = ?`, plain); n != 0 {
			t.Error("the stored request hash is the plain SHA-256 of the request")
		}

		for _, hit := range scanTablesFor(t, a.DB(), loginPhone, contactPhone) {
			t.Errorf("phone number stored in clear: %s", hit)
		}
	})
}

// scanTablesFor returns "table.column" for every column value of every
// table (text, blob or any other type, as its text form) that contains one
// of needles.
func scanTablesFor(t *testing.T, d *db.DB, needles ...string) []string {
	t.Helper()
	var hits []string
	for _, name := range tableNames(t, d) {
		rows, err := d.Queryx(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		for rows.Next() {
			row := map[string]any{}
			if err := rows.MapScan(row); err != nil {
				t.Fatalf("scan %s: %v", name, err)
			}
			for col, v := range row {
				s := fmt.Sprint(text(v))
				for _, n := range needles {
					if strings.Contains(s, n) {
						hits = append(hits, fmt.Sprintf("%s.%s holds %s", name, col, n))
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		_ = rows.Close()
	}
	return hits
}

// tableNames lists every table of the database.
func tableNames(t *testing.T, d *db.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	var tables []string
	if err := d.Select(&tables, q); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(tables) < 10 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	return tables
}
