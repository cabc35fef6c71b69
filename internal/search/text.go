package search

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/width"
)

// Field weights callers use: a match in the title counts most, then
// keywords, then secondary text and the rest of the body.
const (
	WeightTitle     = 10
	WeightKeyword   = 6
	WeightSecondary = 2
	WeightBody      = 1
)

// normalize folds full-width forms to half-width and lowercases.
func normalize(s string) string {
	return strings.ToLower(width.Fold.String(s))
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// runs splits text into maximal runs of Han characters and of ASCII letters
// or digits, dropping everything else.
func runs(s string) []string {
	var out []string
	var cur []rune
	kind := 0 // 1 Han, 2 alnum
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
		}
		cur, kind = cur[:0], 0
	}
	for _, r := range normalize(s) {
		k := 0
		switch {
		case isHan(r):
			k = 1
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			k = 2
		}
		if k == 0 || (kind != 0 && k != kind) {
			flush()
		}
		if k != 0 {
			cur = append(cur, r)
			kind = k
		}
	}
	flush()
	return out
}

// terms returns the index terms of text: bigrams of Han runs (and their
// single characters when unigrams is set), and alphanumeric runs whole.
func terms(text string, unigrams bool, emit func(term string)) {
	for _, run := range runs(text) {
		rs := []rune(run)
		if !isHan(rs[0]) {
			emit(run)
			continue
		}
		if len(rs) == 1 || unigrams {
			for _, r := range rs {
				emit(string(r))
			}
		}
		for i := 0; i+1 < len(rs); i++ {
			emit(string(rs[i : i+2]))
		}
	}
}

// queryTerms returns the terms a query word must all match: its bigrams, or
// the single character of a one-character word.
func queryTerms(word string) []string {
	rs := []rune(word)
	if len(rs) == 0 {
		return nil
	}
	if !isHan(rs[0]) {
		return []string{word}
	}
	if len(rs) == 1 {
		return []string{word}
	}
	out := make([]string, 0, len(rs)-1)
	seen := map[string]bool{}
	for i := 0; i+1 < len(rs); i++ {
		t := string(rs[i : i+2])
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.Normal
	return a
}()

// toPinyin returns the full pinyin (syllables joined) and the initials of the
// Han characters of s, e.g. 身份证 → "shenfenzheng", "sfz".
func toPinyin(s string) (full, initials string) {
	var f, in strings.Builder
	for _, syl := range pinyin.LazyConvert(s, &pinyinArgs) {
		if syl == "" {
			continue
		}
		f.WriteString(syl)
		in.WriteByte(syl[0])
	}
	return f.String(), in.String()
}
