package redact

// Addresses: the names of province, city, district, county, street, town,
// village, community, road and residential compound are kept; the house
// number and everything below it — building, unit, floor, room, village
// group — is removed: "城东区东湖街道幸福路 28 号 3 栋 2 单元 501 室" →
// "城东区东湖街道幸福路**".
//
// A chain is one or more "number + unit" pairs (28号, 3栋, 2单元, 501室,
// A座, 三组, 3-2-501). It is removed when it follows the name of a road,
// compound or village (an anchor: 路, 街, 巷, 村, 小区, 花园, 大厦…), or when
// it is unmistakably an address on its own (two pairs or more, or a single
// 501室 / 2单元 / 3号楼).

var (
	// addressUnits, longest first where they share a prefix.
	addressUnits = newWordSet("号楼", "号院", "号房", "号铺", "号门", "号", "单元", "房间", "栋", "幢", "座", "室", "层", "楼", "组", "弄", "排", "房", "区", "期")
	// Units that make a single pair an address even without an anchor.
	strongUnits = map[string]bool{"单元": true, "室": true, "号楼": true, "号房": true, "房间": true, "号院": true, "号铺": true}
	// Units that may only follow an anchor or another pair (A区, 二期).
	weakUnits = map[string]bool{"区": true, "期": true, "排": true}
	// Words after a 号 that make it a line, a document or a typhoon, not a
	// house number: 3号线, 5号文件, 1号令.
	notHouseAfterHao = newWordSet("线", "文", "令", "公告", "台风", "通知", "机", "窗口", "口", "车", "站台", "病床", "床")
	// Anchors: the last character of a road, compound, village or building
	// name.
	addressAnchors = newRuneSet("路街道段巷弄同里村庄屯苑园城区寓厦场院舍湾府邸居墅庭阁轩坊馆镇乡楼座栋幢号门坪岭塘埠湖岸汇")
	// After a bare trailing number (3栋2单元501), these make it a count.
	trailingCountUnits = newRuneSet("元万亿块米平斤克吨千次个人户年月日天岁件台辆名份页条套间倍度升点时分秒号")
)

// addrPair is one "number + unit".
type addrPair struct {
	start, end int
	unit       string
	cnNumeral  bool // the number is written in Chinese numerals
	hyphen     bool // 3-2-501: a hyphenated number, unit optional
}

// readAddrNumber reads the number of a pair at f[i]: ASCII digits with
// optional hyphenated parts, a letter with optional digits (A座, B1203), or
// Chinese numerals. It returns the end and the kind, or end == i.
func readAddrNumber(f []rune, i int) (end int, cn, hyphen bool) {
	j := i
	switch {
	case isDigit(at(f, j)):
		for isDigit(at(f, j)) {
			j++
		}
		for at(f, j) == '-' && isDigit(at(f, j+1)) {
			hyphen = true
			j++
			for isDigit(at(f, j)) {
				j++
			}
		}
	case isLower(at(f, j)):
		j++
		for isDigit(at(f, j)) {
			j++
		}
		if isLower(at(f, j)) {
			return i, false, false
		}
	case isNumeralCN(at(f, j)):
		for isNumeralCN(at(f, j)) && j-i < 4 {
			j++
		}
		cn = true
	}
	return j, cn, hyphen
}

// readPair reads one pair at f[i].
func readPair(f []rune, i int) (addrPair, bool) {
	if isAlnum(at(f, i-1)) || isDigit(at(f, i)) && at(f, i-1) == '.' {
		return addrPair{}, false
	}
	j, cn, hyphen := readAddrNumber(f, i)
	if j == i {
		return addrPair{}, false
	}
	p := addrPair{start: i, cnNumeral: cn, hyphen: hyphen}
	k := j
	for isSpace(at(f, k)) && k-j < 2 {
		k++
	}
	if l := addressUnits.matchAt(f, k); l > 0 {
		p.unit = string(f[k : k+l])
		p.end = k + l
		return p, true
	}
	if hyphen && !isAlnum(at(f, j)) {
		p.end = j
		return p, true
	}
	return addrPair{}, false
}

// addresses removes house numbers and what is below them.
func (s *scan) addresses() {
	f := s.f
	for i := 0; i < len(f); i++ {
		r := f[i]
		if !(isDigit(r) || isLower(r) || isNumeralCN(r)) {
			continue
		}
		if isAlnum(at(f, i-1)) || isNumeralCN(at(f, i-1)) {
			continue
		}
		pairs, end := readChain(f, i)
		if len(pairs) == 0 {
			continue
		}
		// Drop a final 号 that is a metro line, a document number…
		if last := pairs[len(pairs)-1]; last.unit == "号" && notHouseAfterHao.matchAt(f, last.end) > 0 {
			pairs = pairs[:len(pairs)-1]
			if len(pairs) == 0 {
				i = end - 1
				continue
			}
			end = pairs[len(pairs)-1].end
		}
		// 3室2厅 is a flat's layout, not a room number.
		if last := pairs[len(pairs)-1]; last.unit == "室" && layoutAfter(f, last.end) {
			i = end - 1
			continue
		}
		// A bare room number after the chain: 3栋2单元501.
		if pairs[len(pairs)-1].unit != "" {
			k := end
			for isSpace(at(f, k)) && k-end < 2 {
				k++
			}
			a := k
			for isDigit(at(f, k)) {
				k++
			}
			if n := k - a; n >= 2 && n <= 5 && !isAlnum(at(f, k)) && at(f, k) != '.' && !trailingCountUnits.has(afterSpaces(f, k)) {
				end = k
				pairs = append(pairs, addrPair{start: a, end: k, unit: "室"}) // a room number
			}
		}
		start := pairs[0].start
		a := start
		for a > 0 && isSpace(f[a-1]) && start-a < 2 {
			a--
		}
		anchored := a > 0 && addressAnchors.has(f[a-1]) && !(f[a-1] == '号' && isDigit(at(f, a-2)))
		if at(f, a-1) == '第' || at(f, a-1) == '月' || at(f, a-1) == '〕' || at(f, a-1) == ']' || at(f, a-1) == '】' {
			i = end - 1
			continue
		}
		if !anchored && !standalone(pairs) {
			i = end - 1
			continue
		}
		if anchored {
			start = a
		}
		s.add(start, end, KindAddress, AddressMask, prioAddress)
		i = end - 1
	}
}

// readChain reads consecutive pairs (separated by at most two spaces) from
// f[i].
func readChain(f []rune, i int) ([]addrPair, int) {
	var pairs []addrPair
	end := i
	for {
		p, ok := readPair(f, i)
		if !ok {
			break
		}
		if weakUnits[p.unit] && len(pairs) == 0 && !addressAnchors.has(at(f, p.start-1)) {
			break
		}
		pairs = append(pairs, p)
		end = p.end
		i = p.end
		for isSpace(at(f, i)) && i-end < 2 {
			i++
		}
		if at(f, i) == '-' && (isDigit(at(f, i+1)) || isLower(at(f, i+1))) {
			i++
		}
	}
	return pairs, end
}

// standalone reports whether a chain without an anchor is still an address.
func standalone(pairs []addrPair) bool {
	units := 0
	for _, p := range pairs {
		if p.unit != "" && !weakUnits[p.unit] {
			units++
		}
	}
	if units >= 2 {
		return true
	}
	if len(pairs) == 1 {
		p := pairs[0]
		return !p.cnNumeral && (strongUnits[p.unit] || p.hyphen && p.unit == "室")
	}
	return false
}

// layoutAfter reports whether 厅 (or a numeral and 厅) follows: 3室2厅.
func layoutAfter(f []rune, i int) bool {
	if at(f, i) == '厅' {
		return true
	}
	return (isDigit(at(f, i)) || isNumeralCN(at(f, i))) && at(f, i+1) == '厅'
}

func afterSpaces(f []rune, i int) rune {
	for isSpace(at(f, i)) {
		i++
	}
	return at(f, i)
}
