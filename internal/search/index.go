// Package search is govapp's Chinese search, the same on every profile: an
// in-memory index of CJK bigrams (and unigrams of titles and keywords), pinyin
// (full and initials) of titles and keywords, a synonym and colloquial-form
// dictionary, relevance ranking by field weight, and highlighting.
package search

import (
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"govapp/internal/platform/errs"
)

// ErrBadQuery is returned for a query longer than 64 characters or made
// only of punctuation.
var ErrBadQuery = errs.New(errs.KindInvalid, "invalid_query", "搜索词须为 1–64 个字，且不能只有标点符号")

// Field is one weighted text of a document.
type Field struct {
	Text   string
	Weight uint8
	// Pinyin indexes the field's pinyin (full and initials) too: titles, keywords.
	Pinyin bool
}

// Doc is what the index holds of a document: its title (ranked first, used to
// break ties and highlighted) and its weighted fields.
type Doc struct {
	Key    string
	Title  string
	Fields []Field
}

type entry struct {
	key, title string
	normTitle  string // normalised once at indexing
	titleLen   int    // in characters, for ranking ties
	pinyin     []pinyinField
}

// pinyinField joins, for one weight, the full pinyin and the initials of
// every field of that weight, separated so that no match spans two of them.
type pinyinField struct {
	joined string
	weight uint8
}

func (e *entry) addPinyin(w uint8, s string) {
	for i := range e.pinyin {
		if e.pinyin[i].weight == w {
			e.pinyin[i].joined += "\x00" + s
			return
		}
	}
	e.pinyin = append(e.pinyin, pinyinField{joined: s, weight: w})
}

type posting struct {
	doc    int32
	weight uint8
}

// Index is safe for concurrent use.
type Index struct {
	mu       sync.RWMutex
	docs     []*entry // by doc id; nil once replaced or removed
	byKey    map[string]int32
	postings map[string][]posting
	garbage  int
	cutoff   float64 // see SetCutoff
}

// New returns an empty index.
func New() *Index {
	return &Index{byKey: map[string]int32{}, postings: map[string][]posting{}}
}

// Put indexes d, replacing the document of the same key.
func (ix *Index) Put(d Doc) {
	e := &entry{key: d.Key, title: d.Title, normTitle: normalize(d.Title), titleLen: utf8.RuneCountInString(d.Title)}
	weights := map[string]uint8{}
	for _, f := range d.Fields {
		w := f.Weight
		terms(f.Text, f.Pinyin, func(t string) {
			if weights[t] < w {
				weights[t] = w
			}
		})
		if f.Pinyin {
			if full, in := toPinyin(f.Text); full != "" {
				e.addPinyin(w, full+"\x00"+in)
			}
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(d.Key)
	id := int32(len(ix.docs))
	ix.docs = append(ix.docs, e)
	ix.byKey[d.Key] = id
	for t, w := range weights {
		ix.postings[t] = append(ix.postings[t], posting{doc: id, weight: w})
	}
	ix.compactLocked()
}

// Remove drops the document of key.
func (ix *Index) Remove(key string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(key)
}

func (ix *Index) removeLocked(key string) {
	if id, ok := ix.byKey[key]; ok {
		ix.docs[id] = nil
		delete(ix.byKey, key)
		ix.garbage++
	}
}

// compactLocked drops postings of replaced documents once they are a third of all.
func (ix *Index) compactLocked() {
	if ix.garbage < 64 || ix.garbage*3 < len(ix.docs) {
		return
	}
	for t, ps := range ix.postings {
		kept := ps[:0]
		for _, p := range ps {
			if ix.docs[p.doc] != nil {
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 {
			delete(ix.postings, t)
		} else {
			ix.postings[t] = kept
		}
	}
	ix.garbage = 0
}

// Hit is one result.
type Hit struct {
	Key       string  `json:"-"`
	Score     float64 `json:"score"`
	Highlight string  `json:"highlight"` // the title as escaped HTML with the matched parts in <em>
}

// Results are the ranked hits of a query, and what it matched, so that the
// caller highlights only the titles it shows.
type Results struct {
	Hits  []Hit
	words [][]string
}

// Highlight returns title as escaped HTML with the parts the query matched in <em>.
func (r Results) Highlight(title string) string { return highlight(title, r.words) }

// scores holds one score per document id; 0 means "no match" (every field
// weight is at least 1). Dense slices keep a query over tens of thousands of
// documents to a few passes over memory.
type scores []float32

// Search ranks the documents that match q and that accept lets through, and
// highlights the titles of the hits it returns (see Rank to highlight fewer).
func (ix *Index) Search(q string, accept func(key string) bool, limit int) ([]Hit, error) {
	r, err := ix.Rank(q, accept, limit)
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for i := range r.Hits {
		if id, ok := ix.byKey[r.Hits[i].Key]; ok {
			r.Hits[i].Highlight = r.Highlight(ix.docs[id].title)
		}
	}
	return r.Hits, nil
}

// Rank ranks the documents that match q and that accept lets through: every
// word of the query (or one of its alternatives) must be found; a word found
// nowhere is ignored. Title matches rank above keywords, keywords above the
// rest. Ties go to the shorter title, then the key. Only the best limit hits
// are kept, and of those only the ones above the cut-off (see SetCutoff);
// scores are rounded to two decimals; titles are not highlighted (see
// Results.Highlight).
func (ix *Index) Rank(q string, accept func(key string) bool, limit int) (Results, error) {
	words, err := parseQuery(q)
	if err != nil {
		return Results{}, err
	}
	nq := normalize(strings.TrimSpace(q))
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := len(ix.docs)
	var total scores
	var matched [][]string
	for _, w := range words {
		m := ix.matchWord(w, n)
		if m == nil {
			continue
		}
		matched = append(matched, w.alts)
		if total == nil {
			total = m
			continue
		}
		for doc, v := range total {
			if v > 0 {
				if m[doc] > 0 {
					total[doc] = v + m[doc]
				} else {
					total[doc] = 0
				}
			}
		}
	}
	res := Results{Hits: []Hit{}, words: matched}
	if total == nil {
		return res, nil
	}
	type cand struct {
		e     *entry
		score float64
	}
	// Keep only the best limit candidates: a bounded sorted slice, so that a
	// query matching most documents costs one pass, not a sort of them all.
	less := func(a, b cand) bool {
		if a.score != b.score {
			return a.score > b.score
		}
		if a.e.titleLen != b.e.titleLen {
			return a.e.titleLen < b.e.titleLen
		}
		return a.e.key < b.e.key
	}
	cands := make([]cand, 0, min(limit, 256)+1)
	for doc, v := range total {
		e := ix.docs[doc]
		if v <= 0 || e == nil || (accept != nil && !accept(e.key)) {
			continue
		}
		c := cand{e, float64(v) + titleBonus(e.normTitle, nq, matched)}
		if len(cands) == limit && !less(c, cands[limit-1]) {
			continue
		}
		i := sort.Search(len(cands), func(i int) bool { return less(c, cands[i]) })
		cands = append(cands, cand{})
		copy(cands[i+1:], cands[i:])
		cands[i] = c
		if len(cands) > limit {
			cands = cands[:limit]
		}
	}
	for _, c := range cands {
		res.Hits = append(res.Hits, Hit{Key: c.e.key, Score: roundScore(c.score)})
	}
	res.Hits = cut(res.Hits, ix.cutoff)
	return res, nil
}

// Escape returns a title as escaped HTML with nothing highlighted.
func Escape(title string) string { return highlight(title, nil) }

// matchWord scores every document matching one of the word's alternatives
// (nil when none does).
func (ix *Index) matchWord(w queryWord, n int) scores {
	var out scores
	for i, alt := range w.alts {
		factor := float32(1)
		if i > 0 {
			factor = 0.9 // an alternative counts a little less than the word typed
		}
		var m scores
		if r, _ := utf8.DecodeRuneInString(alt); r < 128 {
			m = ix.matchLatin(alt, n)
		} else {
			m = ix.matchTerms(queryTerms(alt), n)
		}
		if m == nil {
			continue
		}
		if out == nil {
			out = make(scores, n)
		}
		for doc, s := range m {
			if v := s * factor; v > out[doc] {
				out[doc] = v
			}
		}
	}
	return out
}

// matchTerms scores documents holding all terms by their weakest field. A
// bigram found in no document at all is noise (it straddles two words, as
// 业交 in 自由职业交社保): it is skipped rather than failing the word.
func (ix *Index) matchTerms(ts []string, n int) scores {
	if len(ts) == 0 {
		return nil
	}
	lists := make([][]posting, 0, len(ts))
	for _, t := range ts {
		if l := ix.postings[t]; len(l) > 0 {
			lists = append(lists, l)
		}
	}
	if len(lists) == 0 || len(lists) < (len(ts)+1)/2 {
		return nil
	}
	sort.Slice(lists, func(i, j int) bool { return len(lists[i]) < len(lists[j]) })
	acc := make(scores, n)
	for _, p := range lists[0] {
		acc[p.doc] = float32(p.weight)
	}
	for _, l := range lists[1:] {
		next := make(scores, n)
		for _, p := range l {
			if v := acc[p.doc]; v > 0 {
				next[p.doc] = min(v, float32(p.weight))
			}
		}
		acc = next
	}
	return acc
}

// matchLatin matches a run of letters or digits: an indexed term (e.g. "ic"),
// or, from two letters, the pinyin (full or initials) of a pinyin field.
func (ix *Index) matchLatin(w string, n int) scores {
	out := make(scores, n)
	any := false
	for _, p := range ix.postings[w] {
		out[p.doc], any = float32(p.weight), true
	}
	if len(w) >= 2 && strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 {
		for id, e := range ix.docs {
			if e == nil {
				continue
			}
			for _, p := range e.pinyin {
				if s := float32(p.weight); s > out[id] && strings.Contains(p.joined, w) {
					out[id], any = s, true
				}
			}
		}
	}
	if !any {
		return nil
	}
	return out
}

// titleBonus favours titles that contain a query word whole, and the exact
// title; both arguments are normalised.
func titleBonus(normTitle, normQuery string, words [][]string) float64 {
	if normTitle == normQuery {
		return 20
	}
	var b float64
	for _, alts := range words {
		for _, a := range alts {
			if len(a) >= 4 && strings.Contains(normTitle, a) { // two Han characters or more
				b += 4
				break
			}
		}
	}
	return b
}
