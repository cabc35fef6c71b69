package redact

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// view is a text as the detectors read it, so that a number cannot hide
// behind the way it is written (issue 13):
//
//   - invisible characters (Invisible) and combining marks are dropped:
//     138\u200b0013\u200b8000 and 1̶3̶8̶… read as 13800138000;
//   - every other rune is replaced by its compatibility decomposition
//     (NFKD, marks dropped: full-width digits and letters, circled digits,
//     ligatures and other presentation forms read as what they stand for)
//     and folded (fold: ASCII lower case, dashes and spaces unified);
//   - Chinese numerals written for digits (〇一二三四五六七八九, 零, 幺 and
//     the capital forms 壹贰叁…) read as ASCII digits inside a run of at
//     least minNumberDigits digits, so that ordinary prose (一二三, 二〇二六年)
//     is left alone.
//
// from[i] is the rune of the original that view rune i comes from (nil when
// every rune maps to one rune of the same offset): a span of the view maps
// back to the original from its first to its last rune, taking in the
// invisible characters and separators written inside it.
type view struct {
	f    []rune
	cn   []bool // f[i] is a digit written as a Chinese numeral (nil when none)
	from []int
}

// minNumberDigits is the fewest digits any detected number has (a local
// landline number without area code).
const minNumberDigits = 7

func newView(orig []rune) *view {
	v := &view{f: make([]rune, 0, len(orig))}
	var in [utf8.UTFMax]byte
	for i, r := range orig {
		if stable(r) {
			v.push(foldRune(r), i)
			continue
		}
		if r >= 0xff01 && r <= 0xff5e {
			v.push(foldRune(r-0xfee0), i) // full-width ASCII: NFKD in one step
			continue
		}
		if skipped(r) {
			v.track()
			continue
		}
		n := utf8.EncodeRune(in[:], r)
		d := norm.NFKC.Properties(in[:n]).Decomposition()
		if d == nil {
			v.push(foldRune(r), i)
			continue
		}
		if c, _ := utf8.DecodeRune(d); utf8.RuneCount(d) != 1 || skipped(c) {
			v.track()
		}
		for _, c := range string(d) {
			if !skipped(c) {
				v.push(foldRune(c), i)
			}
		}
	}
	v.readNumerals()
	return v
}

// track starts recording where the view's runes come from, at the first
// rune of the original that is dropped or spread over several.
func (v *view) track() {
	if v.from != nil {
		return
	}
	v.from = make([]int, len(v.f), cap(v.f))
	for k := range v.from {
		v.from[k] = k // so far, one rune for one
	}
}

func (v *view) push(r rune, i int) {
	v.f = append(v.f, r)
	if v.from != nil {
		v.from = append(v.from, i)
	}
}

// origin returns the rune of the original that view rune i comes from.
func (v *view) origin(i int) int {
	if v.from == nil {
		return i
	}
	return v.from[i]
}

// stable reports runes that are kept as they are: ASCII and the CJK
// ideographs, nearly every rune of a ticket.
func stable(r rune) bool {
	return r >= 0x20 && r < 0x7f || r == '\n' || r == '\t' || r >= 0x4e00 && r <= 0x9fff ||
		r >= 0x3001 && r <= 0x3029 // CJK punctuation (、。〈〉「」…) and 〇
}

// skipped reports runes the detectors do not see.
func skipped(r rune) bool {
	return Invisible(r) || r >= 0x300 && isMark(r)
}

// cnDigit returns the ASCII digit a Chinese numeral stands for in a phone
// or ID number, or 0.
func cnDigit(r rune) rune {
	switch r {
	case '〇', '零':
		return '0'
	case '一', '幺', '壹':
		return '1'
	case '二', '贰':
		return '2'
	case '三', '叁':
		return '3'
	case '四', '肆':
		return '4'
	case '五', '伍':
		return '5'
	case '六', '陆':
		return '6'
	case '七', '柒':
		return '7'
	case '八', '捌':
		return '8'
	case '九', '玖':
		return '9'
	}
	return 0
}

var cnDigits = newRuneSet("〇零一幺壹二贰三叁四肆五伍六陆七柒八捌九玖")

func isAnyDigit(r rune) bool { return isDigit(r) || cnDigits.has(r) }

// readNumerals reads the Chinese-numeral digits of every run of digits
// (ASCII or Chinese, with number separators between them) that holds at
// least minNumberDigits digits and at least one Chinese numeral.
func (v *view) readNumerals() {
	f := v.f
	for i := 0; i < len(f); {
		if !isAnyDigit(f[i]) {
			i++
			continue
		}
		j, digits, cn, last := i, 0, 0, i
		for j < len(f) {
			if isAnyDigit(f[j]) {
				digits++
				if !isDigit(f[j]) {
					cn++
				}
				j++
				last = j
				continue
			}
			k := j
			for k < len(f) && k-j < maxSepRunes && isNumSep(f[k]) {
				k++
			}
			if k == j || !isAnyDigit(at(f, k)) {
				break
			}
			j = k
		}
		if cn > 0 && digits >= minNumberDigits {
			if v.cn == nil {
				v.cn = make([]bool, len(f))
			}
			for k := i; k < last; k++ {
				if d := cnDigit(f[k]); d != 0 {
					f[k] = d
					v.cn[k] = true
				}
			}
		}
		i = j
	}
}

// isCN reports whether f[i] is a digit written as a Chinese numeral.
func (v *view) isCN(i int) bool { return v.cn != nil && i >= 0 && i < len(v.cn) && v.cn[i] }

// spans maps spans of the view back to orig. Two spans that meet inside
// one rune of the original (a rune decomposed into several) become one.
func (v *view) spans(orig []rune, in []Span) []Span {
	out := make([]Span, 0, len(in))
	for _, sp := range in {
		a, b := v.origin(sp.Start), v.origin(sp.End-1)+1
		for b < len(orig) && isMark(orig[b]) {
			b++ // the marks over the last character go with it
		}
		if n := len(out); n > 0 && a < out[n-1].End {
			p := &out[n-1]
			p.End = max(p.End, b)
			p.Replacement += sp.Replacement
			if kindPrio[sp.Kind] > kindPrio[p.Kind] {
				p.Kind = sp.Kind
			}
			p.Original = string(orig[p.Start:p.End])
			continue
		}
		out = append(out, Span{Start: a, End: b, Kind: sp.Kind, Original: string(orig[a:b]), Replacement: sp.Replacement})
	}
	return out
}
