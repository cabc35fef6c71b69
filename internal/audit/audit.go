// Package audit records what staff (and the system) did: who, which action, on
// what, when, from which request and IP. Entries are written in the caller's
// transaction so that an action and its audit row commit together.
package audit

import (
	"context"
	"fmt"
	"time"

	"govapp/internal/platform/db"
)

type ctxKey struct{}

// Request carries the request facts every entry records.
type Request struct {
	RequestID string
	IP        string
}

// WithRequest returns ctx carrying the request id and client IP.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// RequestFrom returns the request facts stored in ctx, if any.
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(ctxKey{}).(Request)
	return r
}

// Entry is one audited action. Detail must never hold personal data.
type Entry struct {
	ActorKind  string // "staff", "resident" or "system"
	ActorID    int64
	ActorName  string
	Action     string // e.g. "staff.login", "guide.publish"
	TargetType string
	TargetID   string
	Detail     string
}

// Record writes e with the request facts of ctx, using q (a DB or a Tx).
func Record(ctx context.Context, q db.Queryer, e Entry) error {
	r := RequestFrom(ctx)
	const stmt = `INSERT INTO audit_log (actor_kind, actor_id, actor_name, action, target_type, target_id, request_id, ip, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	var actorID any
	if e.ActorID != 0 {
		actorID = e.ActorID
	}
	if _, err := q.ExecContext(ctx, q.Rebind(stmt), e.ActorKind, actorID, e.ActorName, e.Action,
		e.TargetType, e.TargetID, r.RequestID, r.IP, e.Detail, time.Now().UTC()); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// Row is a stored entry.
type Row struct {
	ID         int64     `db:"id" json:"id"`
	ActorKind  string    `db:"actor_kind" json:"actor_kind"`
	ActorID    *int64    `db:"actor_id" json:"actor_id"`
	ActorName  string    `db:"actor_name" json:"actor_name"`
	Action     string    `db:"action" json:"action"`
	TargetType string    `db:"target_type" json:"target_type"`
	TargetID   string    `db:"target_id" json:"target_id"`
	RequestID  string    `db:"request_id" json:"request_id"`
	IP         string    `db:"ip" json:"ip"`
	Detail     string    `db:"detail" json:"detail"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
}

// List returns the newest entries first, those with id < before when before > 0.
func List(ctx context.Context, q db.Queryer, before int64, limit int) ([]Row, error) {
	const stmt = `SELECT id, actor_kind, actor_id, actor_name, action, target_type, target_id, request_id, ip, detail, created_at
		FROM audit_log WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?`
	var rows []Row
	if err := q.SelectContext(ctx, &rows, q.Rebind(stmt), before, before, limit); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return rows, nil
}
