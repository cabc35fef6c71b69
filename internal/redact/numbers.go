package redact

// Numbers: mobile and landline phone numbers, ID-card numbers and bank-card
// numbers. The text (its view: invisible characters dropped, full-width
// folded, Chinese-numeral digits of long runs read as digits) is read as
// tokens: runs of digit groups separated by at most three spaces, dashes,
// parentheses, dots, underscores, slashes, tildes or middle dots ("138 1234
// 5678", "(0731)8456-7890", "6222 0212 3456 7890 123", "138.0013.8000",
// "1 3 8 0 0 1 3 8 0 0 0"). Digits written as Chinese numerals next to ASCII
// digits form groups of their own. Within a token, the longest run of
// consecutive groups that forms a known kind of number is taken first.

// group is one run of digits (possibly ending in the X of an ID number).
type group struct {
	start, end int    // rune offsets
	digits     []byte // ASCII digits, and a final 'x' for an ID check digit
	dashBefore bool   // the separator before this group holds a dash
	dotBefore  bool   // the separator before this group is one '.': a decimal fraction, perhaps
	parenAfter bool   // the separator after this group holds ')'
	code       bool   // glued to letters: part of a code, never personal data
}

var (
	phoneContext = newWordSet("电话", "手机", "座机", "固话", "联系方式", "致电", "拨打", "打", "来电", "tel", "phone", "mobile", "call", "fax", "传真", "热线", "联系")
	idContext    = newWordSet("身份证", "证件号", "证件号码", "身份号码", "证号", "身份证号", "公民身份", "id")
	bankContext  = newWordSet("银行卡", "卡号", "账号", "帐号", "储蓄卡", "信用卡", "工资卡", "账户", "帐户", "借记卡", "收款")
	// Letters allowed right before digits that are still personal data
	// ("Tel13812345678"); any other letters make the digits a code such as
	// the tracking number MB202611250001234.
	letterPrefixes = newWordSet("tel", "phone", "mobile", "mob", "call", "fax", "cell", "no", "id", "ext", "qq", "wx", "vx", "t", "m")
	// Units after a number that make it an amount or a count, not a phone.
	numberUnits = newRuneSet("元万亿块角米平斤克吨千次个人户年月日天岁件台辆名份页条套间倍度升秒分%‰")
	extWords    = newWordSet("转", "分机", "分机号", "ext", "ext.")
)

// letterPrefixOK reports whether the letters just before f[i] are one of the
// allowed prefixes (and not the tail of a longer word).
func letterPrefixOK(f []rune, i int) bool {
	a := i
	for a > 0 && isLower(f[a-1]) {
		a--
	}
	return letterPrefixes.matchAt(f, a) == i-a
}

// maxSegment bounds the groups read as one number: a 19-digit number
// written one digit at a time has 19.
const maxSegment = 19

// maxGroups bounds the groups read as one token, so that the buffers stay
// small on a page of digits.
const maxGroups = 2 * maxSegment

// maxSepRunes bounds the separator between two groups of one token.
const maxSepRunes = 3

// isNumSep reports the runes that may stand between the digit groups of one
// number (in the folded view).
func isNumSep(r rune) bool {
	switch r {
	case ' ', '-', '(', ')', '.', '_', '/', '~', '·', '•', '・', '‧':
		return true
	}
	return false
}

// numbers scans the text for digit tokens and classifies them.
func (s *scan) numbers() {
	f := s.f
	lastPhoneEnd := -100
	for i := 0; i < len(f); {
		if !isDigit(f[i]) {
			i++
			continue
		}
		// Digits glued to letters (MB2026…), after a decimal point, or after
		// a mask (138****5678, a placeholder) are not read.
		if isLower(at(f, i-1)) && !letterPrefixOK(f, i) || at(f, i-1) == '.' && isDigit(at(f, i-2)) || at(f, i-1) == '*' {
			for i < len(f) && (isAlnum(f[i]) || f[i] == '.' || f[i] == '*') {
				i++
			}
			continue
		}
		groups, end := s.readToken(i)
		next := s.classifyToken(groups, &lastPhoneEnd)
		i = max(end, next)
	}
}

// readToken reads the groups of the token starting at the digit f[i]. The
// groups and their digits live in buffers reused from token to token.
func (s *scan) readToken(i int) ([]group, int) {
	f := s.f
	gs := s.groupBuf[:0]
	s.digitBuf = s.digitBuf[:0]
	defer func() { s.groupBuf = gs[:0] }()
	j := i
	dash, dot := false, false
	for {
		g := group{start: j, dashBefore: dash, dotBefore: dot}
		a := len(s.digitBuf)
		for j < len(f) && isDigit(f[j]) && (j == g.start || s.v.isCN(j) == s.v.isCN(j-1)) {
			s.digitBuf = append(s.digitBuf, byte(f[j]))
			j++
		}
		if checkX(f, j) {
			s.digitBuf = append(s.digitBuf, 'x')
			j++
		}
		g.digits = s.digitBuf[a:len(s.digitBuf):len(s.digitBuf)]
		g.end = j
		if j < len(f) && isAlnum(f[j]) && !isDigit(f[j]) || at(f, j) == '@' || at(f, j) == '*' ||
			(at(f, j) == '_' || at(f, j) == '.') && isLower(at(f, j+1)) && !checkX(f, j+1) {
			g.code = true
			for j < len(f) && (isAlnum(f[j]) || f[j] == '_' || f[j] == '.' || f[j] == '*') {
				j++
			}
			gs = append(gs, g)
			return gs, j
		}
		k := j
		dash = false
		paren := false
		for k < len(f) && k-j < maxSepRunes && isNumSep(f[k]) {
			dash = dash || f[k] == '-'
			paren = paren || f[k] == ')'
			k++
		}
		dot = k == j+1 && f[j] == '.'
		g.parenAfter = paren
		if k > j && at(f, k) == '*' {
			g.code = true // the area code of a masked number: 0731-****
		}
		gs = append(gs, g)
		// The token goes on at a digit (after a separator, or where digits
		// change from Chinese numerals to ASCII), or at the X of an ID number
		// written apart. A token of more groups than any number has is cut.
		more := isDigit(at(f, k)) || k > j && checkX(f, k)
		if !more || g.digits[len(g.digits)-1] == 'x' || len(gs) >= maxGroups {
			return gs, j
		}
		j = k
	}
}

// checkX reports whether f[k] is an x standing alone, as the check digit of
// an ID number.
func checkX(f []rune, k int) bool { return at(f, k) == 'x' && !isAlnum(at(f, k+1)) }

// classifyToken emits candidates for the groups of one token and returns the
// offset the scan continues from (past an extension written after it).
func (s *scan) classifyToken(gs []group, lastPhoneEnd *int) int {
	next := 0
	for i := 0; i < len(gs); {
		// A code starts no number, nor does the fraction after a decimal
		// point (金额3.13812345678).
		if gs[i].code || gs[i].dotBefore {
			i++
			continue
		}
		if n := dateGroups(gs[i:]); n > 0 {
			// A date, unless its groups begin a mobile or ID number written
			// apart (1991 2 3 45678).
			if k, j := s.classifyFrom(gs, i, i+n, true, lastPhoneEnd); k > 0 {
				next, i = max(next, k), j+1
				continue
			}
			i += n
			continue
		}
		if k, j := s.classifyFrom(gs, i, i, false, lastPhoneEnd); k > 0 {
			next, i = max(next, k), j+1
			continue
		}
		i++
	}
	return next
}

// classifyFrom tries the segments gs[i..j] for j from the longest down to
// minJ, and returns what classify returned for the first that is a number,
// and its j; 0 when none is. With strong, only segments that are a mobile
// number or an 18-digit ID number with a valid check digit are tried.
func (s *scan) classifyFrom(gs []group, i, minJ int, strong bool, lastPhoneEnd *int) (int, int) {
	top := min(len(gs)-1, i+maxSegment-1)
	n := 0
	for _, g := range gs[i : top+1] {
		n += len(g.digits)
	}
	for j := top; j >= minJ; j-- {
		if j < top {
			n -= len(gs[j+1].digits)
		}
		if n < 7 || n > 19 || gs[j].code {
			continue
		}
		if strong && !s.strongNumber(gs[i:j+1], n) {
			continue
		}
		if k := s.classify(gs, i, j, lastPhoneEnd); k > 0 {
			return k, j
		}
	}
	return 0, 0
}

// strongNumber reports whether the n digits of seg are a mobile number or
// an 18-digit ID number with a valid check digit.
func (s *scan) strongNumber(seg []group, n int) bool {
	if n != 11 && n != 18 {
		return false
	}
	d := s.segBuf[:0]
	for _, g := range seg {
		d = append(d, g.digits...)
	}
	s.segBuf = d
	return isMobile(d) || validID18(d)
}

// dateGroups returns 3 when gs starts with a date written 2026-09-18 or
// 2026 09 18, else 0.
func dateGroups(gs []group) int {
	if len(gs) < 3 {
		return 0
	}
	y, m, d := gs[0].digits, gs[1].digits, gs[2].digits
	if len(y) == 4 && (y[0] == '1' && y[1] == '9' || y[0] == '2' && y[1] == '0') &&
		len(m) >= 1 && len(m) <= 2 && len(d) >= 1 && len(d) <= 2 && allDigits(m) && allDigits(d) {
		return 3
	}
	return 0
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// classify looks at groups gs[i..j] as one number. On a match it adds a
// candidate (or protects a service number) and returns the offset just past
// what it consumed; otherwise 0.
func (s *scan) classify(gs []group, i, j int, lastPhoneEnd *int) int {
	f := s.f
	seg := gs[i : j+1]
	n := 0
	for _, g := range seg {
		n += len(g.digits)
	}
	if n < 7 || n > 19 {
		return 0 // no kind of number has that length
	}
	d := s.segBuf[:0]
	for _, g := range seg {
		d = append(d, g.digits...)
	}
	s.segBuf = d
	start, end := seg[0].start, seg[len(seg)-1].end
	hasX := d[n-1] == 'x'
	c := s.context(start, *lastPhoneEnd)
	idCtx, phoneCtx, bankCtx := c.id, c.phone, c.bank
	unit := unitAfter(f, end)

	if hasX {
		if n == 18 && (validID18(d) || idCtx) {
			s.add(start, end, KindIDCard, IDCardMask, prioIDCard)
			return end
		}
		return 0
	}
	if n == 18 && (validID18(d) || idCtx) || n == 15 && (validID15(d) || idCtx) {
		s.add(start, end, KindIDCard, IDCardMask, prioIDCard)
		return end
	}
	if n >= 16 && n <= 19 && (bankCtx || !unit && luhn(d) && bankPrefix(d)) || n >= 12 && n <= 19 && bankCtx && !idCtx {
		s.add(start, end, KindBankCard, BankCardMask, prioBankCard)
		return end
	}
	if n == 10 && (string(d[:3]) == "400" || string(d[:3]) == "800") && len(seg) <= 3 {
		s.protect(start, end)
		return end
	}
	plus := at(f, start-1) == '+'
	// +86 / 0086 / 86 before a mobile number.
	for _, cc := range []string{"0086", "86"} {
		if n == 11+len(cc) && string(d[:len(cc)]) == cc && isMobile(d[len(cc):]) &&
			(plus || cc == "0086" || phoneCtx || len(seg) > 1 && len(seg[0].digits) == len(cc)) {
			start = s.widenPrefix(start, plus, seg)
			s.add(start, end, KindPhone, MobileMask, prioPhone)
			*lastPhoneEnd = end
			return end
		}
	}
	if n == 11 && isMobile(d) && (phoneCtx || !unit) {
		s.add(start, end, KindPhone, MobileMask, prioPhone)
		*lastPhoneEnd = end
		return end
	}
	// Landline with area code: 0731-84567890, (010)12345678, +86 731 84567890.
	ld := d
	if plus && len(seg) > 1 && string(seg[0].digits) == "86" {
		ld = append([]byte{'0'}, d[2:]...)
		seg = seg[1:]
	}
	if area := areaCodeLen(ld); area > 0 {
		local := len(ld) - area
		if local >= 7 && local <= 8 && ld[area] >= '1' && ld[area] <= '9' &&
			(len(seg) == 1 || len(seg[0].digits) == area || plus && len(seg[0].digits) == area-1 || phoneCtx || spaced(seg)) &&
			(phoneCtx || !unit) {
			start = s.widenPrefix(start, plus, seg)
			end, next := s.extension(gs, j, end)
			s.add(start, end, KindLandline, string(ld[:area])+"-"+LandlineMask, prioPhone)
			*lastPhoneEnd = end
			return max(next, end)
		}
	}
	// Local number without area code, only where the text says it is a phone.
	if (n == 7 || n == 8) && d[0] >= '2' && d[0] <= '8' && phoneCtx && !unit &&
		(len(seg) == 1 || len(seg) == 2 && len(seg[0].digits) >= 3 && len(seg[1].digits) == 4 || spaced(seg)) {
		end, next := s.extension(gs, j, end)
		s.add(start, end, KindLandline, LandlineMask, prioPhone)
		*lastPhoneEnd = end
		return max(next, end)
	}
	return 0
}

// numberContext tells what the words before a number announce.
type numberContext struct {
	start, lastPhoneEnd int // the key: where the number starts, where the last phone ended
	id, phone, bank     bool
}

// context returns the context of a number starting at start; the segments
// of a token tried one after another share it.
func (s *scan) context(start, lastPhoneEnd int) numberContext {
	if c := s.ctx; c != nil && c.start == start && c.lastPhoneEnd == lastPhoneEnd {
		return *c
	}
	f := s.f
	c := numberContext{start: start, lastPhoneEnd: lastPhoneEnd,
		id:    idContext.within(f, contextStart(f, start, 10), start),
		phone: phoneContext.within(f, contextStart(f, start, 8), start) || start-lastPhoneEnd <= 3 && listSepOnly(f, lastPhoneEnd, start),
		bank:  bankContext.within(f, contextStart(f, start, 12), start)}
	s.ctx = &c
	return c
}

// spaced reports whether seg is written one digit at a time
// ("0 7 3 1 8 4 5 6 7 8 9 0").
func spaced(seg []group) bool {
	for _, g := range seg {
		if len(g.digits) != 1 {
			return false
		}
	}
	return true
}

// contextStart returns where the words announcing the number at start may
// begin: at most window runes back, and after the previous number or
// placeholder — "账号 A B" announces A only. Stopping at placeholders keeps
// a second pass from reading the context anew once A is replaced.
func contextStart(f []rune, start, window int) int {
	lo := max(0, start-window)
	for k := start - 1; k >= lo; k-- {
		if r := f[k]; isDigit(r) || r == '*' || r == ']' {
			return k + 1
		}
	}
	return lo
}

// widenPrefix moves the start of a phone number back over a "+" before the
// country code and over a "(" opening a country or area code that the number
// itself closes: "(+86)138…", "(0731)8456…".
func (s *scan) widenPrefix(start int, plus bool, seg []group) int {
	if plus {
		start--
	}
	if at(s.f, start-1) == '(' && len(seg) > 0 && seg[0].parenAfter {
		start--
	}
	return start
}

// extension extends a landline ending at gs[j] (offset end) over an
// extension: a following group after a dash ("-8001"), or "转8001",
// "分机 8001", "ext.8001" written after it. It returns the new end, and the
// offset the scan must continue from.
func (s *scan) extension(gs []group, j, end int) (int, int) {
	f := s.f
	if j+1 < len(gs) && gs[j+1].dashBefore && len(gs[j+1].digits) <= 5 && allDigits(gs[j+1].digits) && !gs[j+1].code {
		// The group is consumed by the caller's loop only up to j; mark it
		// by returning its end as the continue offset.
		return gs[j+1].end, gs[j+1].end
	}
	k := end
	for k < len(f) && isSpace(f[k]) && k-end < 2 {
		k++
	}
	l := extWords.matchAt(f, k)
	if l == 0 {
		return end, end
	}
	k += l
	for k < len(f) && (isSpace(f[k]) || f[k] == ':') && k-end < 8 {
		k++
	}
	a := k
	for k < len(f) && isDigit(f[k]) {
		k++
	}
	if k == a || k-a > 5 || isAlnum(at(f, k)) {
		return end, end
	}
	return k, k
}

// listSepOnly reports whether f[a:b] holds only list separators, so that a
// number right after a phone number is read as a second phone number
// ("电话 13812345678、84567890").
func listSepOnly(f []rune, a, b int) bool {
	if a < 0 || b <= a {
		return false
	}
	for _, r := range f[a:b] {
		if !runeIn(r, " 、,，/或和及;；") {
			return false
		}
	}
	return true
}

// unitAfter reports whether a unit of amount or count follows the number
// ending at end, or its decimal fraction (13800138000.00元).
func unitAfter(f []rune, end int) bool {
	k := end
	if at(f, k) == '.' && isDigit(at(f, k+1)) {
		k++
		for k < len(f) && isDigit(f[k]) {
			k++
		}
	}
	for k < len(f) && isSpace(f[k]) && k-end < 2 {
		k++
	}
	if k >= len(f) {
		return false
	}
	if f[k] == '分' && at(f, k+1) == '机' {
		return false
	}
	return numberUnits.has(f[k])
}

func isMobile(d []byte) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' && allDigits(d)
}

// areaCodeLen returns 3 for 010 and 02x, 4 for 03xx–09xx, else 0.
func areaCodeLen(d []byte) int {
	if len(d) < 3 || d[0] != '0' || !allDigits(d) {
		return 0
	}
	switch {
	case d[1] == '1' && d[2] == '0', d[1] == '2':
		return 3
	case d[1] >= '3' && d[1] <= '9':
		return 4
	}
	return 0
}

// provinceCodes are the first two digits of a resident ID number.
var provinceCodes = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true, "91": true,
}

// validID18 checks an 18-character ID number: province, date of birth and
// the ISO 7064 MOD 11-2 check character.
func validID18(d []byte) bool {
	if len(d) != 18 || !allDigits(d[:17]) || !provinceCodes[string(d[:2])] {
		return false
	}
	if !validDate(d[6:10], d[10:12], d[12:14]) {
		return false
	}
	return idCheckChar(d[:17]) == d[17]
}

// idCheckChar computes the check character of the first 17 digits
// (GB 11643-1999, ISO 7064 MOD 11-2), lower-case 'x' for ten.
func idCheckChar(d []byte) byte {
	sum := 0
	w := 1
	// weights are 2^(17-i) mod 11, computed from the right
	for i := 16; i >= 0; i-- {
		w = w * 2 % 11
		sum += int(d[i]-'0') * w
	}
	c := (12 - sum%11) % 11
	if c == 10 {
		return 'x'
	}
	return byte('0' + c)
}

// validID15 checks a 15-digit ID number of the old style: province and a
// date of birth 19YYMMDD.
func validID15(d []byte) bool {
	if len(d) != 15 || !allDigits(d) || !provinceCodes[string(d[:2])] {
		return false
	}
	return validDate([]byte("19"+string(d[6:8])), d[8:10], d[10:12])
}

func validDate(y, m, d []byte) bool {
	yy := atoi(y)
	mm := atoi(m)
	dd := atoi(d)
	if yy < 1850 || yy > 2100 || mm < 1 || mm > 12 || dd < 1 {
		return false
	}
	days := [...]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mm-1]
	if mm == 2 && !(yy%4 == 0 && (yy%100 != 0 || yy%400 == 0)) {
		days = 28
	}
	return dd <= days
}

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

// luhn checks the Luhn (mod 10) check digit of a card number.
func luhn(d []byte) bool {
	if !allDigits(d) {
		return false
	}
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// bankPrefix reports whether a Luhn-valid number starts like a card issued
// in China: UnionPay 62 (16–19 digits), Visa 4 and Mastercard 5 (16), JCB 35
// (16), the old domestic debit cards starting 9 (19).
func bankPrefix(d []byte) bool {
	switch {
	case d[0] == '6' && d[1] == '2':
		return true
	case (d[0] == '4' || d[0] == '5') && len(d) == 16:
		return true
	case d[0] == '3' && d[1] == '5' && len(d) == 16:
		return true
	case d[0] == '9' && len(d) == 19:
		return true
	}
	return false
}
