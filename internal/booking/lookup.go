package booking

import (
	"context"
	"strings"
)

// HallMatcher finds the hall a guide's place of handling (办理地点) names.
type HallMatcher struct {
	byName, byAddress map[string]int64
}

// HallMatcher returns a matcher over the halls as they are now.
func (s *Service) HallMatcher(ctx context.Context) (*HallMatcher, error) {
	l, err := s.layout(ctx)
	if err != nil {
		return nil, err
	}
	m := &HallMatcher{byName: map[string]int64{}, byAddress: map[string]int64{}}
	for _, h := range l.Halls {
		addUnique(m.byName, norm(h.Name), h.ID)
		addUnique(m.byAddress, norm(h.Address), h.ID)
	}
	return m, nil
}

// Match returns the id of the hall of that name or, failing that, the only
// hall at that address; 0 when none (or more than one) matches.
func (m *HallMatcher) Match(name, address string) int64 {
	if id := m.byName[norm(name)]; id > 0 {
		return id
	}
	return m.byAddress[norm(address)]
}

// addUnique records key → id; a key two halls share matches neither (-1).
func addUnique(m map[string]int64, key string, id int64) {
	if key == "" {
		return
	}
	if old, ok := m[key]; ok && old != id {
		m[key] = -1
		return
	}
	m[key] = id
}

// norm folds the spaces an editor may add or leave out.
func norm(s string) string { return strings.Join(strings.Fields(s), "") }
