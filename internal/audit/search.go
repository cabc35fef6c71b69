package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"govapp/internal/platform/db"
)

// Filter narrows the audit log for the admin page; zero fields do not filter.
type Filter struct {
	Actor  string    // the actor's name, a substring
	Action string    // the action, exactly ("staff.create") or a prefix ending in "." ("staff.")
	From   time.Time // entries at or after
	To     time.Time // entries before
	Before int64     // entries with a smaller id (the next page)
	Limit  int
}

// Search returns the newest entries matching f first.
func Search(ctx context.Context, q db.Queryer, f Filter) ([]Row, error) {
	const cols = `SELECT id, actor_kind, actor_id, actor_name, action, target_type, target_id, request_id, ip, detail, created_at FROM audit_log`
	var where []string
	var args []any
	if f.Actor != "" {
		where, args = append(where, "actor_name LIKE ? ESCAPE '\\'"), append(args, "%"+likeEscape(f.Actor)+"%")
	}
	switch {
	case strings.HasSuffix(f.Action, "."):
		where, args = append(where, "action LIKE ? ESCAPE '\\'"), append(args, likeEscape(f.Action)+"%")
	case f.Action != "":
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, f.To.UTC())
	}
	if f.Before > 0 {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	stmt := cols
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY id DESC LIMIT ?"
	args = append(args, max(1, f.Limit))
	var rows []Row
	if err := q.SelectContext(ctx, &rows, q.Rebind(stmt), args...); err != nil {
		return nil, fmt.Errorf("audit: search: %w", err)
	}
	return rows, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Actions are the distinct actions recorded, for the filter's choices.
func Actions(ctx context.Context, q db.Queryer) ([]string, error) {
	const stmt = `SELECT DISTINCT action FROM audit_log ORDER BY action`
	var out []string
	if err := q.SelectContext(ctx, &out, stmt); err != nil {
		return nil, fmt.Errorf("audit: actions: %w", err)
	}
	return out, nil
}
