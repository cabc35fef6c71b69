package redact

import "unicode"

// foldRune maps a rune to the form the detectors read (after its
// compatibility decomposition, see view): full-width digits, letters and
// common punctuation to ASCII, ASCII letters to lower case, the ideographic,
// no-break and Braille blank spaces and tabs to a plain space, dashes to '-'.
func foldRune(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return r + ('a' - 'A')
	case r < 0x80:
		if r == '\t' {
			return ' '
		}
		return r
	case r >= '０' && r <= '９':
		return r - '０' + '0'
	case r >= 'Ａ' && r <= 'Ｚ':
		return r - 'Ａ' + 'a'
	case r >= 'ａ' && r <= 'ｚ':
		return r - 'ａ' + 'a'
	}
	switch r {
	case '\u3000', '\u00a0', '\u2002', '\u2003', '\u2009', '\u202f', '\u2800':
		return ' '
	case '－', '‐', '‑', '–', '—', '−', '﹣':
		return '-'
	case '（':
		return '('
	case '）':
		return ')'
	case '＋':
		return '+'
	case '＠':
		return '@'
	case '．':
		return '.'
	case '：':
		return ':'
	case '＿':
		return '_'
	case '＃':
		return '#'
	}
	return r
}

// foldString returns s as the detectors read it (see view), for matching
// the strings of Options against the text.
func foldString(s string) []rune { return newView([]rune(s)).f }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
func isLower(r rune) bool { return r >= 'a' && r <= 'z' }
func isAlnum(r rune) bool { return isDigit(r) || isLower(r) }
func isHan(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF {
		return true // the CJK Unified Ideographs block, nearly every case
	}
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}
func isSpace(r rune) bool     { return r == ' ' }
func isNumeralCN(r rune) bool { return numeralsCN.has(r) }

var numeralsCN = newRuneSet("一二三四五六七八九十百零〇两")

// runeSet is a set of runes of the Basic Multilingual Plane, as a bitmap:
// the detectors ask for membership at nearly every rune.
type runeSet struct {
	bits [1 << 16 / 64]uint64
}

func newRuneSet(chars string) *runeSet {
	s := &runeSet{}
	for _, r := range chars {
		if r < 1<<16 {
			s.bits[r>>6] |= 1 << (uint(r) & 63)
		}
	}
	return s
}

func (s *runeSet) has(r rune) bool {
	return r >= 0 && r < 1<<16 && s.bits[r>>6]&(1<<(uint(r)&63)) != 0
}

// runeIn reports whether r is one of the runes of a small set.
func runeIn(r rune, set string) bool {
	for _, c := range set {
		if c == r {
			return true
		}
	}
	return false
}

// at returns f[i], or 0 outside the text.
func at(f []rune, i int) rune {
	if i < 0 || i >= len(f) {
		return 0
	}
	return f[i]
}

// hasAt reports whether w occurs in f at i.
func hasAt(f []rune, i int, w []rune) bool {
	if i < 0 || i+len(w) > len(f) {
		return false
	}
	for k, r := range w {
		if f[i+k] != r {
			return false
		}
	}
	return true
}

// wordSet is a set of words indexed by first rune, longest first, for
// matching at a position.
type wordSet struct {
	first   runeSet
	byFirst map[rune][][]rune
}

func newWordSet(words ...string) *wordSet {
	ws := &wordSet{byFirst: map[rune][][]rune{}}
	for _, w := range words {
		rw := []rune(w)
		if len(rw) == 0 {
			continue
		}
		ws.byFirst[rw[0]] = append(ws.byFirst[rw[0]], rw)
		if rw[0] < 1<<16 {
			ws.first.bits[rw[0]>>6] |= 1 << (uint(rw[0]) & 63)
		}
	}
	for k, list := range ws.byFirst {
		// longest first, so that matchAt returns the longest word
		for i := 1; i < len(list); i++ {
			for j := i; j > 0 && len(list[j]) > len(list[j-1]); j-- {
				list[j], list[j-1] = list[j-1], list[j]
			}
		}
		ws.byFirst[k] = list
	}
	return ws
}

// matchAt returns the length of the longest word of the set at f[i:], or 0.
func (ws *wordSet) matchAt(f []rune, i int) int {
	if i < 0 || i >= len(f) || !ws.first.has(f[i]) {
		return 0
	}
	for _, w := range ws.byFirst[f[i]] {
		if hasAt(f, i, w) {
			return len(w)
		}
	}
	return 0
}

// endsAt returns the length of the longest word of the set that ends at i
// (occupies f[i-n:i]), or 0.
func (ws *wordSet) endsAt(f []rune, i int) int {
	best := 0
	for n := 1; n <= 6 && n <= i; n++ {
		if l := ws.matchAt(f, i-n); l == n {
			best = n
		}
	}
	return best
}

// within reports whether a word of the set occurs in f[lo:hi].
func (ws *wordSet) within(f []rune, lo, hi int) bool {
	for k := max(0, lo); k < hi; k++ {
		if l := ws.matchAt(f, k); l > 0 && k+l <= hi {
			return true
		}
	}
	return false
}

// findAll returns the [start,end) of each non-overlapping occurrence of pat
// in f. With spaced, single spaces between the runes of f are allowed (for
// names typed as "张 伟").
func findAll(f, pat []rune, spaced bool) [][2]int {
	if len(pat) == 0 {
		return nil
	}
	var out [][2]int
	for i := 0; i+len(pat) <= len(f); {
		if f[i] != pat[0] {
			i++
			continue
		}
		j, k := i+1, 1
		for k < len(pat) && j < len(f) {
			if f[j] == pat[k] {
				j++
				k++
				continue
			}
			if spaced && isSpace(f[j]) && j+1 < len(f) && f[j+1] == pat[k] && !isSpace(pat[k-1]) {
				j++
				continue
			}
			break
		}
		if k == len(pat) {
			out = append(out, [2]int{i, j})
			i = j
			continue
		}
		i++
	}
	return out
}

// runesOf converts words to rune slices once.
func runesOf(words ...string) [][]rune {
	out := make([][]rune, len(words))
	for i, w := range words {
		out[i] = []rune(w)
	}
	return out
}
