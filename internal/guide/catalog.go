package guide

import (
	"sort"
	"sync"
	"time"

	"govapp/internal/search"
)

// Summary is a published guide as lists show it.
type Summary struct {
	Code                  string    `json:"code"`
	Name                  string    `json:"name"`
	Audience              string    `json:"audience"`
	Category              string    `json:"category"`
	DepartmentID          int64     `json:"department_id"`
	Department            string    `json:"department"`
	Bookable              bool      `json:"bookable"`
	MaxVisits             int       `json:"max_visits"`
	PromisedTimeLimitDays int       `json:"promised_time_limit_days"`
	Online                bool      `json:"online"`
	Version               int       `json:"version"`
	PublishedAt           time.Time `json:"published_at"`
}

// Catalog is this instance's in-memory view of the published guides: their
// summaries, current versions and a search index. It is rebuilt from the
// database at start and kept current by the change feed (see Sync), so lists
// and searches never touch the database and behave the same on both profiles.
type Catalog struct {
	mu     sync.RWMutex
	byCode map[string]Summary
	index  *search.Index
}

// NewCatalog returns an empty catalogue.
func NewCatalog() *Catalog {
	return &Catalog{byCode: map[string]Summary{}, index: search.New()}
}

// put indexes a published guide, replacing its previous version.
func (c *Catalog) put(g *Guide) {
	fields := []search.Field{{Text: g.Name, Weight: search.WeightTitle, Pinyin: true}}
	for _, k := range g.Keywords {
		fields = append(fields, search.Field{Text: k, Weight: search.WeightKeyword, Pinyin: true})
	}
	for _, m := range g.Materials {
		fields = append(fields, search.Field{Text: m.Name, Weight: search.WeightSecondary})
	}
	fields = append(fields, search.Field{Text: g.ApplicableTo, Weight: search.WeightBody})
	for _, st := range g.Process {
		fields = append(fields, search.Field{Text: st.Name, Weight: search.WeightBody})
	}
	c.index.Put(search.Doc{Key: g.Code, Title: g.Name, Fields: fields})
	c.mu.Lock()
	c.byCode[g.Code] = summaryOf(g)
	c.mu.Unlock()
}

// remove drops a guide (retired).
func (c *Catalog) remove(code string) {
	c.index.Remove(code)
	c.mu.Lock()
	delete(c.byCode, code)
	c.mu.Unlock()
}

// Version returns the published version of code, 0 when it is not published.
func (c *Catalog) Version(code string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.byCode[code].Version
}

// Len returns the number of published guides.
func (c *Catalog) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byCode)
}

// Filter narrows a listing.
type Filter struct {
	Category     string
	Audience     string
	DepartmentID int64
}

func (f Filter) match(e Summary) bool {
	return (f.Category == "" || e.Category == f.Category) &&
		(f.Audience == "" || e.Audience == f.Audience) &&
		(f.DepartmentID == 0 || e.DepartmentID == f.DepartmentID)
}

// List returns the published guides that pass f, ordered by code.
func (c *Catalog) List(f Filter) []Summary {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Summary, 0, 64)
	for _, e := range c.byCode {
		if f.match(e) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Counts returns the number of published guides per category.
func (c *Catalog) Counts() map[string]int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m := map[string]int{}
	for _, e := range c.byCode {
		m[e.Category]++
	}
	return m
}

func summaryOf(g *Guide) Summary {
	return Summary{Code: g.Code, Name: g.Name, Audience: g.Audience, Category: g.Category, DepartmentID: g.DepartmentID,
		Department: g.Department, Bookable: g.Bookable, MaxVisits: g.MaxVisits, PromisedTimeLimitDays: g.PromisedTimeLimitDays,
		Online: g.OnlineURL != "", Version: g.Version, PublishedAt: g.PublishedAt}
}

// Hit is one search result.
type Hit struct {
	Summary
	Score         float64 `json:"score"`
	NameHighlight string  `json:"name_highlight"`
}

// Search ranks the published guides that match q and pass f and returns
// those ranked [offset, offset+limit), highlighted (see search.Index.Rank).
func (c *Catalog) Search(q string, f Filter, offset, limit int) ([]Hit, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var accept func(string) bool
	if f != (Filter{}) { // the index holds only published guides: no filter, nothing to check
		accept = func(code string) bool {
			e, ok := c.byCode[code]
			return ok && f.match(e)
		}
	}
	res, err := c.index.Rank(q, accept, offset+limit)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, 0, limit)
	for i := offset; i < len(res.Hits); i++ {
		sum := c.byCode[res.Hits[i].Key]
		hits = append(hits, Hit{Summary: sum, Score: res.Hits[i].Score, NameHighlight: res.Highlight(sum.Name)})
	}
	return hits, nil
}
