package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"govapp/internal/platform/db"
)

// The publication rule for numbers and names (SPEC §5, issue 14):
//
//   - Public numbers stay: the 12345 hotline, every service hall's phone, the
//     consultation and complaint lines the departments publish on their
//     service guides (咨询电话, 投诉电话, the guides' halls), and the numbers
//     listed in tickets.public_numbers (a duty line or duty mobile that
//     appears nowhere else). They are compared by their digits, so a reply
//     quoting 0731-84123456 as (0731)8412 3456 keeps it too.
//   - Every other phone number is personal and masked, a staff member's own
//     mobile included.
//   - A staff member's name in the reply stays: the official who handled or
//     signed the reply acts in public office (the staff of the ticket's
//     department and the staff who acted on the ticket). In the title and the
//     content — the resident's words — their names are read like any other.
//     A name that is also the caller's or the submitter's is masked
//     everywhere.

// hotline is the government service hotline, always public.
const hotline = "12345"

// publicNumbers returns the numbers anyone may call: the hotline, the halls'
// phones, the published guides' phone lines, and the configured extras.
func (s *Service) publicNumbers(ctx context.Context, q db.Queryer) ([]string, error) {
	out := append([]string{hotline}, s.cfg.PublicNumbers...)
	var halls []string
	const qh = `SELECT phone FROM halls WHERE phone <> ''`
	if err := q.SelectContext(ctx, &halls, qh); err != nil {
		return nil, fmt.Errorf("ticket: hall phones: %w", db.MapErrorIn("ticket.publicNumbers", err, nil, nil))
	}
	out = append(out, halls...)
	var docs []string
	const qg = `SELECT v.doc FROM guides g JOIN guide_versions v ON v.guide_id = g.id AND v.version = g.published_version
		WHERE g.status = 'published'`
	if err := q.SelectContext(ctx, &docs, qg); err != nil {
		return nil, fmt.Errorf("ticket: guide phones: %w", db.MapErrorIn("ticket.publicNumbers", err, nil, nil))
	}
	for _, d := range docs {
		var g struct {
			Phone          string `json:"phone"`
			ComplaintPhone string `json:"complaint_phone"`
			Halls          []struct {
				Phone string `json:"phone"`
			} `json:"halls"`
		}
		if json.Unmarshal([]byte(d), &g) != nil {
			continue // a document that does not read has no number to keep
		}
		out = append(out, g.Phone, g.ComplaintPhone)
		for _, h := range g.Halls {
			out = append(out, h.Phone)
		}
	}
	out = slices.DeleteFunc(out, func(n string) bool { return n == "" })
	slices.Sort(out)
	return slices.Compact(out), nil
}

// officialNames returns the names of the staff who may be named in the
// reply of ticket r: its department's staff and the staff who acted on it.
func officialNames(ctx context.Context, q db.Queryer, r *row) ([]string, error) {
	var dept any
	if r.DepartmentID.Valid {
		dept = r.DepartmentID.Int64
	}
	const qs = `SELECT DISTINCT display_name FROM staff WHERE display_name <> '' AND (department_id = ?
		OR id IN (SELECT actor_id FROM ticket_timeline WHERE ticket_id = ? AND actor_kind = 'staff'))`
	var names []string
	if err := q.SelectContext(ctx, &names, q.Rebind(qs), dept, r.ID); err != nil {
		return nil, fmt.Errorf("ticket: official names: %w", db.MapErrorIn("ticket.officialNames", err, nil, nil))
	}
	// A one-character name would keep that character everywhere in the reply.
	return slices.DeleteFunc(names, func(n string) bool { return utf8.RuneCountInString(strings.TrimSpace(n)) < 2 }), nil
}
