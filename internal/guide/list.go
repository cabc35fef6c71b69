package guide

import (
	"context"
	"strings"
	"time"

	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/paging"
	"govapp/internal/search"
)

// ErrBadCursor is returned for a cursor this server did not issue.
var ErrBadCursor = paging.ErrBadCursor

// maxSearchResults bounds how deep a search can be paged.
const maxSearchResults = 200

// DefaultSearchCutoff is guides.search_cutoff's default: results scoring
// below this share of the best result are dropped.
const DefaultSearchCutoff = 0.4

// SetSearchCutoff drops, from every later search, the results scoring below
// ratio times the best one (0 keeps every match; see search.Index.SetCutoff).
func (s *Service) SetSearchCutoff(ratio float64) { s.cat.index.SetCutoff(ratio) }

// ListQuery is a resident's listing or search.
type ListQuery struct {
	Q      string
	Filter Filter
	Limit  int
	Cursor string
}

// Page is one page of results.
type Page struct {
	Items      []Hit  `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func encodeCursor(offset int) string { return paging.EncodeOffset(offset) }

func decodeCursor(c string) (int, error) { return paging.DecodeOffset(c) }

// List pages through the published guides, ranked by relevance when q is set.
func (s *Service) List(q ListQuery) (Page, error) {
	off, err := decodeCursor(q.Cursor)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: []Hit{}}
	if strings.TrimSpace(q.Q) != "" {
		if off >= maxSearchResults {
			return p, nil
		}
		// one more than the page tells whether another page follows
		hits, err := s.cat.Search(q.Q, q.Filter, off, min(q.Limit+1, maxSearchResults-off))
		if err != nil {
			return Page{}, err
		}
		if len(hits) > q.Limit {
			hits, p.NextCursor = hits[:q.Limit], encodeCursor(off+q.Limit)
		}
		p.Items = hits
		return p, nil
	}
	all := s.cat.List(q.Filter)
	if off < len(all) {
		end := min(off+q.Limit, len(all))
		for _, sum := range all[off:end] {
			p.Items = append(p.Items, Hit{Summary: sum, NameHighlight: search.Escape(sum.Name)})
		}
		if end < len(all) {
			p.NextCursor = encodeCursor(end)
		}
	}
	return p, nil
}

// CategoryCount is a category with its number of published guides.
type CategoryCount struct {
	Category
	Count int `json:"count"`
}

// CategoryCounts returns every category with its number of published guides.
func (s *Service) CategoryCounts() []CategoryCount {
	counts := s.cat.Counts()
	out := make([]CategoryCount, len(s.categories))
	for i, c := range s.categories {
		out[i] = CategoryCount{Category: c, Count: counts[c.Code]}
	}
	return out
}

// EditorItem is a guide in the editors' list.
type EditorItem struct {
	Code             string    `db:"code" json:"code"`
	Name             string    `db:"name" json:"name"`
	Status           string    `db:"status" json:"status"`
	Revision         int       `db:"revision" json:"revision"`
	PublishedVersion int       `db:"published_version" json:"published_version"`
	Unpublished      bool      `db:"draft_dirty" json:"unpublished_changes"`
	UpdatedAt        time.Time `db:"updated_at" json:"updated_at"`
}

// EditorList pages through every guide (any status) by code; cursor is the
// last code of the previous page.
func (s *Service) EditorList(ctx context.Context, status, after string, limit int) ([]EditorItem, error) {
	if status != "" && status != StatusDraft && status != StatusPublished && status != StatusRetired {
		return nil, errs.InvalidField("status", "须为 draft、published 或 retired")
	}
	const stmt = `SELECT code, name, status, revision, published_version, draft_dirty, updated_at FROM guides
		WHERE (? = '' OR status = ?) AND code > ? ORDER BY code LIMIT ?`
	var out []EditorItem
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(stmt), status, status, after, limit); err != nil {
		return nil, db.MapErrorIn("guide.EditorList", err, nil, nil)
	}
	if out == nil {
		out = []EditorItem{}
	}
	return out, nil
}

// ExistingCodes returns the codes among codes that already have a guide.
func (s *Service) ExistingCodes(ctx context.Context) (map[string]bool, error) {
	var codes []string
	if err := s.db.SelectContext(ctx, &codes, `SELECT code FROM guides`); err != nil {
		return nil, db.MapErrorIn("guide.ExistingCodes", err, nil, nil)
	}
	out := make(map[string]bool, len(codes))
	for _, c := range codes {
		out[c] = true
	}
	return out, nil
}
