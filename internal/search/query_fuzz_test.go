package search

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzSearch: any query either is refused with ErrBadQuery or searches
// without panicking, and highlights stay valid UTF-8 without raw tags.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"身份证", "sfz 补领", "公积金提取", "' OR 1=1 --", "<script>", "ＧＪＪ", "身份证丢了怎么办", "\x00", "🙂证", "了的吗"} {
		f.Add(s)
	}
	ix := New()
	ix.Put(Doc{Key: "a", Title: "居民身份证补领<b>", Fields: []Field{{Text: "居民身份证补领<b>", Weight: WeightTitle, Pinyin: true}, {Text: "丢失", Weight: WeightKeyword, Pinyin: true}}})
	f.Fuzz(func(t *testing.T, q string) {
		hits, err := ix.Search(q, nil, 10)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("%q: unexpected error %v", q, err)
			}
			return
		}
		for _, h := range hits {
			if !utf8.ValidString(h.Highlight) || containsRawTag(h.Highlight) {
				t.Fatalf("%q: bad highlight %q", q, h.Highlight)
			}
		}
	})
}

func containsRawTag(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '<' && s[i+1] != 'e' && s[i+1] != '/' {
			return true
		}
	}
	return false
}
