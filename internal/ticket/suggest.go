package ticket

import (
	"context"
	"database/sql"
	"errors"

	"govapp/internal/platform/db"
)

// Suggestion is the department a ticket is likely to go to, learned from
// past tickets: the lead department that most often took on (signed) tickets
// of the same category. No mapping to maintain; a new category has no
// suggestion until its first tickets are signed.
type Suggestion struct {
	DepartmentID int64  `db:"department_id" json:"department_id"`
	Department   string `db:"name" json:"department"`
	Tickets      int    `db:"n" json:"tickets"` // past tickets of the category this department led
}

// SuggestDepartment suggests the lead department for a ticket's dispatch
// (operators only); found is false when no past ticket of its category was signed.
// Tickets returned or not yet signed do not count: the department has not
// accepted them as its work. Ties go to the lower department id.
func (s *Service) SuggestDepartment(ctx context.Context, a Actor, no string) (sg Suggestion, found bool, err error) {
	if !isOperator(a) {
		return sg, false, ErrNotYours
	}
	r, _, _, err := s.load(ctx, s.db, a, no, false)
	if err != nil {
		return sg, false, err
	}
	const q = `SELECT t.department_id, d.name, COUNT(*) AS n
		FROM tickets t JOIN departments d ON d.id = t.department_id
		WHERE t.category = ? AND t.id <> ? AND t.status IN ('handling', 'need_info', 'replied', 'visiting', 'closed')
		GROUP BY t.department_id, d.name
		ORDER BY n DESC, t.department_id
		LIMIT 1`
	if err := s.db.GetContext(ctx, &sg, s.db.Rebind(q), r.Category, r.ID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return sg, false, nil
		}
		return sg, false, db.MapErrorIn("ticket.SuggestDepartment", err, nil, nil)
	}
	return sg, true, nil
}
