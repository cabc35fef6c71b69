package search

import "unicode/utf8"

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
