package search

import (
	"html"
	"strings"
	"unicode/utf8"
)

// highlight returns the name as escaped HTML with the parts that matched the
// query wrapped in <em>: whole words where they occur, else their bigrams;
// for pinyin words, the characters whose pinyin matched.
func highlight(name string, words [][]string) string {
	rs := []rune(name)
	norm := []rune(normalize(name))
	if len(norm) != len(rs) {
		norm = rs
	}
	mark := make([]bool, len(rs))
	// Each word marks the first of its alternatives found in the name: what
	// the resident typed before its synonyms.
	for _, alts := range words {
		for _, a := range alts {
			if markWord(rs, norm, mark, a) {
				break
			}
		}
	}
	var b strings.Builder
	open := false
	for i, r := range rs {
		if mark[i] != open {
			if mark[i] {
				b.WriteString("<em>")
			} else {
				b.WriteString("</em>")
			}
			open = mark[i]
		}
		b.WriteString(html.EscapeString(string(r)))
	}
	if open {
		b.WriteString("</em>")
	}
	return b.String()
}

func markWord(rs, norm []rune, mark []bool, a string) bool {
	if r, _ := utf8.DecodeRuneInString(a); r < 128 {
		return markPinyin(rs, mark, a)
	}
	if markAll(norm, mark, []rune(a)) {
		return true
	}
	found := false
	for _, t := range queryTerms(a) {
		found = markAll(norm, mark, []rune(t)) || found
	}
	return found
}

// markAll marks every occurrence of sub in s and reports whether there was one.
func markAll(s []rune, mark []bool, sub []rune) bool {
	found := false
	for i := 0; len(sub) > 0 && i+len(sub) <= len(s); i++ {
		if string(s[i:i+len(sub)]) == string(sub) {
			for j := range sub {
				mark[i+j] = true
			}
			found = true
		}
	}
	return found
}

// markPinyin marks the Han characters whose initials or full pinyin contain w.
func markPinyin(rs []rune, mark []bool, w string) bool {
	type syl struct {
		idx     int
		full    string
		initial byte
	}
	var syls []syl
	for i, r := range rs {
		if !isHan(r) {
			continue
		}
		full, _ := toPinyin(string(r))
		if full != "" {
			syls = append(syls, syl{i, full, full[0]})
		}
	}
	var initials strings.Builder
	for _, s := range syls {
		initials.WriteByte(s.initial)
	}
	if k := strings.Index(initials.String(), w); k >= 0 {
		for _, s := range syls[k : k+len(w)] {
			mark[s.idx] = true
		}
		return true
	}
	// full pinyin: find the syllables spanning the match
	var full strings.Builder
	starts := make([]int, len(syls))
	for i, s := range syls {
		starts[i] = full.Len()
		full.WriteString(s.full)
	}
	k := strings.Index(full.String(), w)
	if k < 0 {
		return false
	}
	for i, s := range syls {
		end := starts[i] + len(s.full)
		if end > k && starts[i] < k+len(w) {
			mark[s.idx] = true
		}
	}
	return true
}
