package policy

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

// ListQuery is a resident's listing or search.
type ListQuery struct {
	Q      string
	Topic  string
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

// List pages through the published policies of a topic, newest first, or
// ranked by relevance when q is set. An unknown topic lists nothing.
func (s *Service) List(q ListQuery) (Page, error) {
	off, err := decodeCursor(q.Cursor)
	if err != nil {
		return Page{}, err
	}
	var hits []Hit
	if strings.TrimSpace(q.Q) != "" {
		if hits, err = s.cat.Search(q.Q, q.Topic, maxSearchResults); err != nil {
			return Page{}, err
		}
	} else {
		for _, sum := range s.cat.List(q.Topic) {
			hits = append(hits, Hit{Summary: sum, TitleHighlight: search.Escape(sum.Title)})
		}
	}
	p := Page{Items: []Hit{}}
	if off < len(hits) {
		end := min(off+q.Limit, len(hits))
		p.Items = hits[off:end]
		if end < len(hits) {
			p.NextCursor = encodeCursor(end)
		}
	}
	return p, nil
}

// EditorItem is a policy in the editors' list.
type EditorItem struct {
	ID               int64     `db:"id" json:"id"`
	Title            string    `db:"title" json:"title"`
	DocNumber        string    `db:"doc_number" json:"doc_number"`
	Status           string    `db:"status" json:"status"`
	Revision         int       `db:"revision" json:"revision"`
	PublishedVersion int       `db:"published_version" json:"published_version"`
	Unpublished      bool      `db:"draft_dirty" json:"unpublished_changes"`
	UpdatedAt        time.Time `db:"updated_at" json:"updated_at"`
}

// EditorList pages through every policy (any status), newest first; before
// is the last id of the previous page (0 for the first).
func (s *Service) EditorList(ctx context.Context, status string, before int64, limit int) ([]EditorItem, error) {
	if status != "" && status != StatusDraft && status != StatusPublished && status != StatusWithdrawn {
		return nil, errs.InvalidField("status", "须为 draft、published 或 withdrawn")
	}
	const stmt = `SELECT id, title, doc_number, status, revision, published_version, draft_dirty, updated_at FROM policies
		WHERE (? = '' OR status = ?) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?`
	out := []EditorItem{}
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(stmt), status, status, before, before, limit); err != nil {
		return nil, db.MapErrorIn("policy.EditorList", err, nil, nil)
	}
	return out, nil
}

// ExistingDocNumbers returns the 文号 every policy already has (seeding skips them).
func (s *Service) ExistingDocNumbers(ctx context.Context) (map[string]bool, error) {
	var nums []string
	if err := s.db.SelectContext(ctx, &nums, `SELECT doc_number FROM policies WHERE doc_number <> ''`); err != nil {
		return nil, db.MapErrorIn("policy.ExistingDocNumbers", err, nil, nil)
	}
	out := make(map[string]bool, len(nums))
	for _, n := range nums {
		out[n] = true
	}
	return out, nil
}
