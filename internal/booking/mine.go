package booking

import (
	"context"

	"govapp/internal/platform/db"
)

// AppointmentPage is a page of a resident's appointments with how many they
// have in all.
type AppointmentPage struct {
	Items      []Appointment `json:"items"`
	NextCursor string        `json:"next_cursor"`
	Total      int           `json:"total"` // every appointment of the resident, whatever the page
}

// MyAppointments lists a resident's appointments, newest first, with their total.
func (s *Service) MyAppointments(ctx context.Context, residentID int64, cursor string, limit int) (*AppointmentPage, error) {
	items, next, err := s.Mine(ctx, residentID, cursor, limit)
	if err != nil {
		return nil, err
	}
	p := &AppointmentPage{Items: items, NextCursor: next}
	const q = `SELECT COUNT(*) FROM appointments WHERE resident_id = ?`
	if err := s.db.GetContext(ctx, &p.Total, s.db.Rebind(q), residentID); err != nil {
		return nil, db.MapErrorIn("booking.MyAppointments", err, nil, nil)
	}
	return p, nil
}
