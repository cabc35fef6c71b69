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
	pinyin     []pinyinField
}

type pinyinField struct {
	full, initials string
	weight         uint8
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
}

// New returns an empty index.
func New() *Index {
	return &Index{byKey: map[string]int32{}, postings: map[string][]posting{}}
}

// Put indexes d, replacing the document of the same key.
func (ix *Index) Put(d Doc) {
	e := &entry{key: d.Key, title: d.Title}
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
				e.pinyin = append(e.pinyin, pinyinField{full, in, w})
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

// Search ranks the documents that match q and that accept lets through:
// every word of the query (or one of its alternatives) must be found; a word
// found nowhere is ignored. Title matches rank above keywords, keywords above
// the rest. Ties go to the shorter title, then the key.
func (ix *Index) Search(q string, accept func(key string) bool, limit int) ([]Hit, error) {
	words, err := parseQuery(q)
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var scored []map[int32]float64
	var matched [][]string
	for _, w := range words {
		m := ix.matchWord(w)
		if len(m) == 0 {
			continue
		}
		scored = append(scored, m)
		matched = append(matched, w.alts)
	}
	hits := []Hit{}
	if len(scored) == 0 {
		return hits, nil
	}
	sort.SliceStable(scored, func(i, j int) bool { return len(scored[i]) < len(scored[j]) })
	titles := map[string]string{}
	for doc, s := range scored[0] {
		e := ix.docs[doc]
		if e == nil || (accept != nil && !accept(e.key)) {
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
		if ok {
			hits = append(hits, Hit{Key: e.key, Score: total + titleBonus(e.title, q, matched)})
			titles[e.key] = e.title
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if la, lb := utf8.RuneCountInString(titles[a.Key]), utf8.RuneCountInString(titles[b.Key]); la != lb {
			return la < lb
		}
		return a.Key < b.Key
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	for i := range hits {
		hits[i].Highlight = highlight(titles[hits[i].Key], matched)
	}
	return hits, nil
}

// Escape returns a title as escaped HTML with nothing highlighted.
func Escape(title string) string { return highlight(title, nil) }

// matchWord scores every document matching one of the word's alternatives.
func (ix *Index) matchWord(w queryWord) map[int32]float64 {
	out := map[int32]float64{}
	for i, alt := range w.alts {
		factor := 1.0
		if i > 0 {
			factor = 0.9 // an alternative counts a little less than the word typed
		}
		var m map[int32]float64
		if r, _ := utf8.DecodeRuneInString(alt); r < 128 {
			m = ix.matchLatin(alt)
		} else {
			m = ix.matchTerms(queryTerms(alt))
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
func (ix *Index) matchTerms(ts []string) map[int32]float64 {
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
// or, from two letters, the pinyin (full or initials) of a pinyin field.
func (ix *Index) matchLatin(w string) map[int32]float64 {
	out := map[int32]float64{}
	for _, p := range ix.postings[w] {
		out[p.doc] = float64(p.weight)
	}
	if len(w) < 2 || strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return out
	}
	for id, e := range ix.docs {
		if e == nil {
			continue
		}
		for _, p := range e.pinyin {
			if s := float64(p.weight); s > out[int32(id)] && (strings.Contains(p.initials, w) || strings.Contains(p.full, w)) {
				out[int32(id)] = s
			}
		}
	}
	return out
}

// titleBonus favours titles that contain a query word whole, and the exact title.
func titleBonus(title, q string, words [][]string) float64 {
	n := normalize(title)
	if n == normalize(strings.TrimSpace(q)) {
		return 20
	}
	var b float64
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
