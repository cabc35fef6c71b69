package redact

import (
	"fmt"
	"strings"
	"testing"
)

// longTicket is a realistic text of about 5,000 characters: the corpus
// joined until long enough.
func longTicket() string {
	var b strings.Builder
	for b.Len() < 5000*3 {
		for _, tc := range corpus {
			b.WriteString(tc.text)
			b.WriteString("\n")
		}
	}
	rs := []rune(b.String())
	return string(rs[:5000])
}

// pathological inputs that would expose a super-linear scan.
var pathological = map[string]string{
	"digits":        strings.Repeat("1", 5000),
	"digit groups":  strings.Repeat("1 ", 2500),
	"dash groups":   strings.Repeat("13-", 1666),
	"at signs":      strings.Repeat("a@", 2500),
	"dots and at":   strings.Repeat("a.", 2400) + "@" + strings.Repeat("b.", 100),
	"titles":        strings.Repeat("王先生", 1666),
	"introducers":   strings.Repeat("我叫", 2500),
	"xing":          strings.Repeat("姓", 5000),
	"numerals":      strings.Repeat("一二三四五六七八九十", 500),
	"address units": strings.Repeat("3栋", 2500),
	"plates":        strings.Repeat("湘A1234", 714),
	"han":           strings.Repeat("城东区东湖街道幸福路", 500),
	"spaces":        strings.Repeat(" ", 5000),
	"qq":            strings.Repeat("qq", 2500),
}

func BenchmarkRedact5000(b *testing.B) {
	text := longTicket()
	opts := Options{KnownNames: []string{"张伟", "钟建华"}, SubmitterIdentity: []string{"麓谷追风少年"}}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Redact(text, opts)
	}
}

// BenchmarkRedactPathological runs each pathological input at 5,000 and at
// 40,000 runes and reports the cost per rune: a linear scan shows about the
// same ns/rune at both sizes (compare the two lines of each input).
func BenchmarkRedactPathological(b *testing.B) {
	for name, text := range pathological {
		for _, times := range []int{1, 8} {
			in := strings.Repeat(text, times)
			n := len([]rune(in))
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				for b.Loop() {
					Redact(in, Options{})
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rune")
			})
		}
	}
}
