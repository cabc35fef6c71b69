package guide

import (
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
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

// entry is one published guide in the catalogue.
type entry struct {
	Summary
	namePinyin, nameInitials string
	kwPinyin, kwInitials     []string
}

type posting struct {
	doc    int32
	weight uint8
}

// Catalog is this instance's in-memory view of the published guides: their
// summaries, current versions and a search index. It is rebuilt from the
// database at start and kept current by the change feed (see Sync), so lists
// and searches never touch the database and behave the same on both profiles.
type Catalog struct {
	mu       sync.RWMutex
	docs     []*entry // by doc id; nil once replaced or retired
	byCode   map[string]int32
	postings map[string][]posting
	garbage  int
}

// NewCatalog returns an empty catalogue.
func NewCatalog() *Catalog {
	return &Catalog{byCode: map[string]int32{}, postings: map[string][]posting{}}
}

// put indexes a published guide, replacing its previous version.
func (c *Catalog) put(g *Guide) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(g.Code)
	id := int32(len(c.docs))
	e := &entry{Summary: summaryOf(g)}
	e.namePinyin, e.nameInitials = toPinyin(g.Name)
	for _, k := range g.Keywords {
		f, i := toPinyin(k)
		if f != "" {
			e.kwPinyin = append(e.kwPinyin, f)
			e.kwInitials = append(e.kwInitials, i)
		}
	}
	c.docs = append(c.docs, e)
	c.byCode[g.Code] = id
	weights := map[string]uint8{}
	add := func(w uint8) func(string) {
		return func(t string) {
			if weights[t] < w {
				weights[t] = w
			}
		}
	}
	terms(g.Name, true, add(weightName))
	for _, k := range g.Keywords {
		terms(k, true, add(weightKeyword))
	}
	for _, m := range g.Materials {
		terms(m.Name, false, add(weightMaterial))
	}
	terms(g.ApplicableTo, false, add(weightBody))
	for _, s := range g.Process {
		terms(s.Name, false, add(weightBody))
	}
	for t, w := range weights {
		c.postings[t] = append(c.postings[t], posting{doc: id, weight: w})
	}
	c.compactLocked()
}

// remove drops a guide (retired).
func (c *Catalog) remove(code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(code)
}

func (c *Catalog) removeLocked(code string) {
	if id, ok := c.byCode[code]; ok {
		c.docs[id] = nil
		delete(c.byCode, code)
		c.garbage++
	}
}

// compactLocked drops postings of replaced documents once they are a third of all.
func (c *Catalog) compactLocked() {
	if c.garbage < 64 || c.garbage*3 < len(c.docs) {
		return
	}
	for t, ps := range c.postings {
		kept := ps[:0]
		for _, p := range ps {
			if c.docs[p.doc] != nil {
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 {
			delete(c.postings, t)
		} else {
			c.postings[t] = kept
		}
	}
	c.garbage = 0
}

// Version returns the published version of code, 0 when it is not published.
func (c *Catalog) Version(code string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if id, ok := c.byCode[code]; ok {
		return c.docs[id].Version
	}
	return 0
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

func (f Filter) match(e *entry) bool {
	return (f.Category == "" || e.Category == f.Category) &&
		(f.Audience == "" || e.Audience == f.Audience) &&
		(f.DepartmentID == 0 || e.DepartmentID == f.DepartmentID)
}

// List returns the published guides that pass f, ordered by code.
func (c *Catalog) List(f Filter) []Summary {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Summary, 0, 64)
	for _, id := range c.byCode {
		if e := c.docs[id]; f.match(e) {
			out = append(out, e.Summary)
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
	for _, id := range c.byCode {
		m[c.docs[id].Category]++
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

// queryWord is one word of a query with the alternatives it may match.
type queryWord struct {
	alts []string
}

// parseQuery normalises q and cuts it into words: runs of letters are pinyin
// or Latin words; Han text is segmented on the synonym dictionary (longest
// match), stopwords dropped, the rest kept as unknown words.
func parseQuery(q string) ([]queryWord, error) {
	if utf8.RuneCountInString(q) > 64 {
		return nil, ErrBadQuery
	}
	rs := runs(q)
	if len(rs) == 0 {
		return nil, ErrBadQuery
	}
	var words []queryWord
	for _, run := range rs {
		if !isHan([]rune(run)[0]) {
			words = append(words, queryWord{alts: []string{run}})
			continue
		}
		words = append(words, segment(run)...)
	}
	return words, nil
}

// segment cuts a run of Han characters at the words of the dictionary
// (longest match first). Stopwords are dropped; a single character left
// between dictionary words joins the word before it (户口 + 簿 → 户口簿), so
// that a dictionary word never splits a longer real word into a lone character.
func segment(run string) []queryWord {
	rs := []rune(run)
	type piece struct {
		text string
		dict bool
	}
	var pieces []piece
	var pending []rune
	flush := func() {
		if len(pending) > 0 {
			pieces = append(pieces, piece{text: string(pending)})
			pending = pending[:0]
		}
	}
	for i := 0; i < len(rs); {
		matched := 0
		for n := min(maxDictWord, len(rs)-i); n >= 1; n-- {
			if _, ok := dictionary[string(rs[i:i+n])]; ok && (n >= 2 || stopwords[string(rs[i])]) {
				matched = n
				break
			}
		}
		if matched == 0 {
			pending = append(pending, rs[i])
			i++
			continue
		}
		flush()
		pieces = append(pieces, piece{text: string(rs[i : i+matched]), dict: true})
		i += matched
	}
	flush()
	var out []queryWord
	for i := 0; i < len(pieces); i++ {
		p := pieces[i]
		if stopwords[p.text] {
			continue
		}
		if p.dict && i+1 < len(pieces) && !pieces[i+1].dict && utf8.RuneCountInString(pieces[i+1].text) == 1 {
			// 户口 + 簿: the character belongs to the word before it.
			suffix := pieces[i+1].text
			alts := []string{p.text + suffix}
			for _, a := range dictionary[p.text] {
				if a != p.text {
					alts = append(alts, a+suffix)
				}
			}
			out = append(out, queryWord{alts: alts})
			i++
			continue
		}
		if p.dict {
			out = append(out, queryWord{alts: dictionary[p.text]})
		} else {
			out = append(out, queryWord{alts: []string{p.text}})
		}
	}
	return out
}

// Search ranks the published guides that match q and pass f: every word of
// the query (or one of its alternatives) must be found; a word found nowhere
// in the catalogue is ignored. Name matches rank above keywords, keywords
// above materials and the rest. Ties go to the shorter name, then the code.
func (c *Catalog) Search(q string, f Filter, limit int) ([]Hit, error) {
	words, err := parseQuery(q)
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	var scored []map[int32]float64
	var matchedAlts [][]string
	for _, w := range words {
		m := c.matchWord(w)
		if len(m) == 0 {
			continue
		}
		scored = append(scored, m)
		matchedAlts = append(matchedAlts, w.alts)
	}
	if len(scored) == 0 {
		return []Hit{}, nil
	}
	sort.SliceStable(scored, func(i, j int) bool { return len(scored[i]) < len(scored[j]) })
	var hits []Hit
	for doc, s := range scored[0] {
		e := c.docs[doc]
		if e == nil || !f.match(e) {
			continue
		}
		total, ok := s, true
		for _, m := range scored[1:] {
			v, found := m[doc]
			if !found {
				ok = false
				break
			}
			total += v
		}
		if !ok {
			continue
		}
		hits = append(hits, Hit{Summary: e.Summary, Score: total + nameBonus(e.Name, q, matchedAlts)})
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if la, lb := utf8.RuneCountInString(a.Name), utf8.RuneCountInString(b.Name); la != lb {
			return la < lb
		}
		return a.Code < b.Code
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	for i := range hits {
		hits[i].NameHighlight = highlight(hits[i].Name, matchedAlts)
	}
	if hits == nil {
		hits = []Hit{}
	}
	return hits, nil
}

// matchWord scores every document matching one of the word's alternatives.
func (c *Catalog) matchWord(w queryWord) map[int32]float64 {
	out := map[int32]float64{}
	for i, alt := range w.alts {
		factor := 1.0
		if i > 0 {
			factor = 0.9 // an alternative counts a little less than the word typed
		}
		var m map[int32]float64
		if r, _ := utf8.DecodeRuneInString(alt); r < 128 {
			m = c.matchLatin(alt)
		} else {
			m = c.matchTerms(queryTerms(alt))
		}
		for doc, s := range m {
			if v := s * factor; v > out[doc] {
				out[doc] = v
			}
		}
	}
	return out
}

// matchTerms scores documents holding all terms by their weakest field.
func (c *Catalog) matchTerms(ts []string) map[int32]float64 {
	if len(ts) == 0 {
		return nil
	}
	// A bigram found in no guide at all is noise (it straddles two words, as
	// 业交 in 自由职业交社保): it is skipped rather than failing the word.
	lists := make([][]posting, 0, len(ts))
	for _, t := range ts {
		if l := c.postings[t]; len(l) > 0 {
			lists = append(lists, l)
		}
	}
	if len(lists) == 0 || len(lists) < (len(ts)+1)/2 {
		return nil
	}
	sort.Slice(lists, func(i, j int) bool { return len(lists[i]) < len(lists[j]) })
	acc := make(map[int32]float64, len(lists[0]))
	for _, p := range lists[0] {
		acc[p.doc] = float64(p.weight)
	}
	for _, l := range lists[1:] {
		next := make(map[int32]float64, len(acc))
		for _, p := range l {
			if v, ok := acc[p.doc]; ok {
				next[p.doc] = min(v, float64(p.weight))
			}
		}
		acc = next
	}
	return acc
}

// matchLatin matches a run of letters or digits: an indexed term (e.g. "ic"),
// or, from two letters, the pinyin (full or initials) of the name or a keyword.
func (c *Catalog) matchLatin(w string) map[int32]float64 {
	out := map[int32]float64{}
	for _, p := range c.postings[w] {
		out[p.doc] = float64(p.weight)
	}
	if len(w) < 2 || strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return out
	}
	for id, e := range c.docs {
		if e == nil {
			continue
		}
		var s float64
		switch {
		case strings.Contains(e.nameInitials, w) || strings.Contains(e.namePinyin, w):
			s = weightName
		case anyContains(e.kwInitials, w) || anyContains(e.kwPinyin, w):
			s = weightKeyword
		}
		if s > out[int32(id)] {
			out[int32(id)] = s
		}
	}
	return out
}

func anyContains(xs []string, w string) bool {
	for _, x := range xs {
		if strings.Contains(x, w) {
			return true
		}
	}
	return false
}

// nameBonus favours names that contain a query word whole, and the exact name.
func nameBonus(name, q string, words [][]string) float64 {
	if normalize(name) == normalize(strings.TrimSpace(q)) {
		return 20
	}
	var b float64
	n := normalize(name)
	for _, alts := range words {
		for _, a := range alts {
			if utf8.RuneCountInString(a) >= 2 && strings.Contains(n, a) {
				b += 4
				break
			}
		}
	}
	return b
}
