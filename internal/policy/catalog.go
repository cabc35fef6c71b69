package policy

import (
	"sort"
	"strconv"
	"sync"
	"time"

	"govapp/internal/search"
)

// Summary is a published policy as lists show it.
type Summary struct {
	ID            int64     `json:"id"`
	Title         string    `json:"title"`
	DocNumber     string    `json:"doc_number"`
	Issuer        string    `json:"issuer"`
	IssueDate     string    `json:"issue_date"`
	EffectiveDate string    `json:"effective_date"`
	Topics        []string  `json:"topics"`
	Major         bool      `json:"major"`
	Interpreted   bool      `json:"interpreted"` // has at least one interpretation
	Excerpt       string    `json:"excerpt"`
	Version       int       `json:"version"`
	PublishedAt   time.Time `json:"published_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// state is what an instance knows of a policy residents may open: its
// current version, whether it is published or withdrawn, and when the
// version was published (so that cache keys never name another database's
// policy of the same id, after a restore or in tests).
type state struct {
	version int
	status  string
	stamp   int64
}

// key names the state in caches: it changes whenever what residents see does.
func (st state) key(kind string, id int64) string {
	return "policy:" + kind + ":" + strconv.FormatInt(id, 10) + ":v" + strconv.Itoa(st.version) + ":" + st.status + ":" +
		strconv.FormatInt(st.stamp, 36)
}

// Catalog is this instance's in-memory view of the policies residents see:
// summaries and a search index of the published ones, and the version and
// status of every released one. It is rebuilt from the database at start and
// kept current by the change feed (see Sync), like the guide catalogue.
type Catalog struct {
	mu        sync.RWMutex
	published map[int64]Summary
	states    map[int64]state
	index     *search.Index
	san       *Sanitizer
}

// NewCatalog returns an empty catalogue; san extracts the text of bodies.
func NewCatalog(san *Sanitizer) *Catalog {
	return &Catalog{published: map[int64]Summary{}, states: map[int64]state{}, index: search.New(), san: san}
}

func key(id int64) string { return strconv.FormatInt(id, 10) }

// put indexes a published version, replacing the previous one; a withdrawn
// policy leaves the index and the lists.
func (c *Catalog) put(p *Policy) {
	if p.Status == StatusWithdrawn {
		c.index.Remove(key(p.ID))
		c.mu.Lock()
		delete(c.published, p.ID)
		c.states[p.ID] = state{version: p.Version, status: StatusWithdrawn, stamp: p.UpdatedAt.UnixNano()}
		c.mu.Unlock()
		return
	}
	body := c.san.Text(p.Body)
	fields := []search.Field{
		{Text: p.Title, Weight: search.WeightTitle, Pinyin: true},
		// Pinyin also indexes single characters: 文号 are searched by their parts (12号).
		{Text: p.DocNumber, Weight: search.WeightKeyword, Pinyin: true},
		{Text: p.Issuer, Weight: search.WeightSecondary},
	}
	for _, in := range p.Interpretations {
		fields = append(fields, search.Field{Text: in.Title, Weight: search.WeightSecondary})
	}
	fields = append(fields, search.Field{Text: body, Weight: search.WeightBody})
	c.index.Put(search.Doc{Key: key(p.ID), Title: p.Title, Fields: fields})
	c.mu.Lock()
	c.published[p.ID] = Summary{ID: p.ID, Title: p.Title, DocNumber: p.DocNumber, Issuer: p.Issuer, IssueDate: p.IssueDate,
		EffectiveDate: p.EffectiveDate, Topics: p.Topics, Major: p.Major, Interpreted: len(p.Interpretations) > 0,
		Excerpt: Excerpt(body, 80), Version: p.Version, PublishedAt: p.PublishedAt, UpdatedAt: p.UpdatedAt}
	c.states[p.ID] = state{version: p.Version, status: StatusPublished, stamp: p.UpdatedAt.UnixNano()}
	c.mu.Unlock()
}

// state returns the version and status residents see of id (zero when none).
func (c *Catalog) state(id int64) state {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.states[id]
}

// Len returns the number of published policies.
func (c *Catalog) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.published)
}

func hasTopic(s Summary, topic string) bool {
	if topic == "" {
		return true
	}
	for _, t := range s.Topics {
		if t == topic {
			return true
		}
	}
	return false
}

// List returns the published policies of topic ("" for all), newest first.
func (c *Catalog) List(topic string) []Summary {
	c.mu.RLock()
	out := make([]Summary, 0, len(c.published))
	for _, s := range c.published {
		if hasTopic(s, topic) {
			out = append(out, s)
		}
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].PublishedAt.Equal(out[j].PublishedAt) {
			return out[i].PublishedAt.After(out[j].PublishedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out
}

// Counts returns the number of published policies per topic.
func (c *Catalog) Counts() map[string]int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m := map[string]int{}
	for _, s := range c.published {
		for _, t := range s.Topics {
			m[t]++
		}
	}
	return m
}

// Hit is one search result.
type Hit struct {
	Summary
	Score          float64 `json:"score"`
	TitleHighlight string  `json:"title_highlight"` // escaped HTML, matches in <em>
}

// Search ranks the published policies of topic that match q over their
// title, 文号, issuing body, interpretations and body (see search.Index.Search).
func (c *Catalog) Search(q, topic string, limit int) ([]Hit, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	found, err := c.index.Search(q, func(k string) bool {
		id, _ := strconv.ParseInt(k, 10, 64)
		s, ok := c.published[id]
		return ok && hasTopic(s, topic)
	}, limit)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, 0, len(found))
	for _, h := range found {
		id, _ := strconv.ParseInt(h.Key, 10, 64)
		hits = append(hits, Hit{Summary: c.published[id], Score: h.Score, TitleHighlight: h.Highlight})
	}
	return hits, nil
}
