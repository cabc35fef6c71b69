package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"govapp/internal/platform/db"
)

const (
	ticketSubmissions = 2000
	ticketResidents   = 400 // five each: under the daily limit per resident
)

// benchTickets reports ticket submissions/s through HTTP (each committed
// before its 201) next to single-row durable inserts/s run directly against
// the same database at the same concurrency, and checks that every 201 left
// exactly one row.
func benchTickets(ctx context.Context, t *table, profile string, inst *instance) error {
	people, err := residents(ctx, inst, "tk", ticketResidents)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"kind": "complaint", "category": "住房城建", "title": "小区电梯停运两周",
		"content": "小区电梯已经停运两周，物业一直不修，老人上下楼非常困难，请相关部门督促维修。", "location": "城东区东湖街道幸福路",
		"public_consent": true})
	d := inst.app.DB()
	var before int
	if err := d.GetContext(ctx, &before, `SELECT COUNT(*) FROM tickets`); err != nil {
		return err
	}
	ok, took := parallel(ticketSubmissions, bookWorkers, func(i int) bool {
		return postJSON(bookClient, inst.base+"/api/v1/tickets", people[i%ticketResidents].token, body) == http.StatusCreated
	})
	var after int
	if err := d.GetContext(ctx, &after, `SELECT COUNT(*) FROM tickets`); err != nil {
		return err
	}
	if ok != ticketSubmissions || after-before != ok {
		return fmt.Errorf("%d of %d submissions answered 201 and %d rows were written", ok, ticketSubmissions, after-before)
	}
	httpRate := float64(ok) / took.Seconds()

	ddl := `CREATE TABLE bench_commits (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`
	if d.Dialect == db.Postgres {
		ddl = `CREATE TABLE bench_commits (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)`
	}
	if _, err := d.ExecContext(ctx, ddl); err != nil {
		return err
	}
	defer func() { _, _ = d.ExecContext(context.WithoutCancel(ctx), `DROP TABLE bench_commits`) }()
	row := strings.Repeat("诉求", 60)
	n, took := parallel(ticketSubmissions, bookWorkers, func(int) bool {
		_, err := d.ExecContext(ctx, d.Rebind(`INSERT INTO bench_commits (body) VALUES (?)`), row)
		return err == nil
	})
	if n != ticketSubmissions {
		return fmt.Errorf("%d of %d direct inserts succeeded", n, ticketSubmissions)
	}
	sqlRate := float64(n) / took.Seconds()
	t.info(profile, "ticket submissions/s (HTTP) ÷ durable inserts/s", fmt.Sprintf("%.0f ÷ %.0f /s = %.2f (each 201 committed; rows = 201s)", httpRate, sqlRate, httpRate/sqlRate))
	return nil
}
