package redact

import (
	"cmp"
	"slices"
	"strings"
)

// kindPrio orders kinds when spans of different kinds merge.
var kindPrio = map[string]int{
	KindSubmitter: prioSubmitter,
	KindEmail:     prioEmail,
	KindIDCard:    prioIDCard,
	KindBankCard:  prioBankCard,
	KindPhone:     prioPhone,
	KindLandline:  prioPhone,
	KindAccount:   prioAccount,
	KindPlate:     prioPlate,
	KindName:      prioName,
	KindAddress:   prioAddress,
}

// piece maps a stretch of the output back to the original: kept text
// (span < 0) rune for rune, or the replacement of first[span] as a whole.
type piece struct {
	o0, o1 int // in the output
	r0, r1 int // in the original
	span   int
}

// compose merges the spans found in a later pass (second, in the
// coordinates of out = apply(orig, first)) into first, giving spans of orig
// whose application yields what applying second to out yields. A later span
// that touches a replacement swallows that replacement's span whole.
func compose(orig []rune, first []Span, out []rune, second []Span) []Span {
	pieces := make([]piece, 0, 2*len(first)+1)
	o, r := 0, 0
	for k, sp := range first {
		if sp.Start > r {
			pieces = append(pieces, piece{o, o + sp.Start - r, r, sp.Start, -1})
			o += sp.Start - r
		}
		n := len([]rune(sp.Replacement))
		pieces = append(pieces, piece{o, o + n, sp.Start, sp.End, k})
		o += n
		r = sp.End
	}
	if r < len(orig) {
		pieces = append(pieces, piece{o, o + len(orig) - r, r, len(orig), -1})
	}
	// pieceAt returns the index of the piece holding output rune i.
	pieceAt := func(i int) int {
		k, _ := slices.BinarySearchFunc(pieces, i, func(p piece, i int) int {
			switch {
			case p.o1 <= i:
				return -1
			case p.o0 > i:
				return 1
			}
			return 0
		})
		return k
	}

	type group struct {
		oa, ob  int
		members []Span
	}
	var groups []group
	for _, sp := range second {
		oa, ob := sp.Start, sp.End
		if k := pieceAt(oa); k < len(pieces) && pieces[k].span >= 0 {
			oa = pieces[k].o0
		}
		if k := pieceAt(ob - 1); k < len(pieces) && pieces[k].span >= 0 {
			ob = pieces[k].o1
		}
		if n := len(groups); n > 0 && oa < groups[n-1].ob {
			groups[n-1].ob = max(groups[n-1].ob, ob)
			groups[n-1].members = append(groups[n-1].members, sp)
			continue
		}
		groups = append(groups, group{oa: oa, ob: ob, members: []Span{sp}})
	}

	toOrig := func(i int, end bool) int {
		if i >= len(out) {
			return len(orig)
		}
		if end {
			i-- // the piece holding the last rune
		}
		p := pieces[pieceAt(i)]
		if p.span >= 0 {
			if end {
				return p.r1
			}
			return p.r0
		}
		if end {
			return p.r0 + (i + 1 - p.o0)
		}
		return p.r0 + (i - p.o0)
	}

	var merged []Span
	covered := make([]bool, len(first))
	next := 0 // first spans before next lie before every remaining group
	for _, g := range groups {
		var repl strings.Builder
		pos := g.oa
		kind, prio := "", -1
		for _, m := range g.members {
			repl.WriteString(string(out[pos:m.Start]))
			repl.WriteString(m.Replacement)
			pos = m.End
			if kindPrio[m.Kind] > prio {
				kind, prio = m.Kind, kindPrio[m.Kind]
			}
		}
		repl.WriteString(string(out[pos:g.ob]))
		a, b := toOrig(g.oa, false), toOrig(g.ob, true)
		for next < len(first) && first[next].End <= a {
			next++
		}
		for k := next; k < len(first) && first[k].Start < b; k++ {
			if sp := first[k]; sp.Start >= a && sp.End <= b {
				covered[k] = true
				if kindPrio[sp.Kind] > prio {
					kind, prio = sp.Kind, kindPrio[sp.Kind]
				}
			}
		}
		merged = append(merged, Span{Start: a, End: b, Kind: kind, Original: string(orig[a:b]), Replacement: repl.String()})
	}
	for k, sp := range first {
		if !covered[k] {
			merged = append(merged, sp)
		}
	}
	slices.SortFunc(merged, func(x, y Span) int { return cmp.Compare(x.Start, y.Start) })
	return merged
}
