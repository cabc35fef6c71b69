package app

import (
	"bytes"
	"context"
	"encoding/json"

	"govapp/internal/guide"
)

// guideHall is a guide's place of handling with the id of the hall it is,
// when it is one of the halls residents book at (so the app can go from the
// guide to booking).
type guideHall struct {
	guide.Hall
	HallID int64 `json:"hall_id,omitempty"`
}

// withHallIDs returns a guide detail document whose halls carry hall_id
// where they match a hall of the booking service (by name, else by
// address); the document is returned unchanged when none matches or it
// cannot be read.
func (a *App) withHallIDs(ctx context.Context, doc []byte) []byte {
	if bytes.Contains(doc, []byte(`"halls":[]`)) { // the stored form is compact: most guides name no hall
		return doc
	}
	start, end, ok := topLevelValue(doc, "halls")
	if !ok || end-start <= 2 { // no halls, or "[]"
		return doc
	}
	var halls []guideHall
	if json.Unmarshal(doc[start:end], &halls) != nil {
		return doc
	}
	m, err := a.bookings.HallMatcher(ctx)
	if err != nil {
		return doc
	}
	found := false
	for i := range halls {
		if id := m.Match(halls[i].Name, halls[i].Address); id > 0 {
			halls[i].HallID, found = id, true
		}
	}
	if !found {
		return doc
	}
	b, err := json.Marshal(halls)
	if err != nil {
		return doc
	}
	out := make([]byte, 0, len(doc)+len(b)-(end-start))
	return append(append(append(out, doc[:start]...), b...), doc[end:]...)
}

// topLevelValue finds where the value of a top-level key of a JSON object
// starts and ends in doc.
func topLevelValue(doc []byte, key string) (int, int, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, 0, false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return 0, 0, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, 0, false
		}
		if k == key {
			end := int(dec.InputOffset())
			return end - len(raw), end, true
		}
	}
	return 0, 0, false
}
