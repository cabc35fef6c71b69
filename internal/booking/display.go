package booking

import (
	"context"
	"sort"

	"govapp/internal/calendar"
	"govapp/internal/platform/db"
)

// Display is what a hall's public calling screen shows: queue numbers and
// window names, never a guide, a name or any other detail of a resident.
type Display struct {
	HallID   int64         `json:"hall_id"`
	HallName string        `json:"hall_name"`
	Date     string        `json:"date"`
	Time     string        `json:"time"`    // the local time of day, HH:MM
	Calling  []DisplayCall `json:"calling"` // the numbers at the windows, the latest call first
	Next     []string      `json:"next"`    // the next waiting numbers, in call order
	Waiting  int           `json:"waiting"`
}

// DisplayCall is a number called to a window.
type DisplayCall struct {
	Number string `json:"number"`
	Window string `json:"window"`
}

// Display returns the calling screen of hall id for today, with at most next
// waiting numbers. Anyone may read it: it holds nothing but numbers.
func (s *Service) Display(ctx context.Context, hallID int64, next int) (*Display, error) {
	l, err := s.layout(ctx)
	if err != nil {
		return nil, err
	}
	h, ok := l.hall(hallID)
	if !ok {
		return nil, ErrHallNotFound
	}
	now := s.now().In(s.loc)
	day := calendar.DateOf(now)
	var rows []queueRow
	const q = `SELECT ` + queueCols + ` FROM queue_tickets WHERE hall_id = ? AND day = ? AND status IN ('waiting', 'called')` + callOrder
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), hallID, day.String()); err != nil {
		return nil, db.MapErrorIn("booking.Display", err, nil, nil)
	}
	d := &Display{HallID: hallID, HallName: h.Name, Date: day.String(), Time: now.Format("15:04"), Calling: []DisplayCall{}, Next: []string{}}
	var called []*QueueTicket
	for i := range rows {
		t := s.ticket(l, hallID, &rows[i])
		switch t.Status {
		case QueueCalled:
			called = append(called, t)
		case QueueWaiting:
			d.Waiting++
			if len(d.Next) < next {
				d.Next = append(d.Next, t.Number)
			}
		}
	}
	sort.SliceStable(called, func(i, j int) bool {
		a, b := called[i].CalledAt, called[j].CalledAt
		return a != nil && (b == nil || a.After(*b))
	})
	for _, t := range called {
		d.Calling = append(d.Calling, DisplayCall{Number: t.Number, Window: t.Window})
	}
	return d, nil
}
