package redact

import "strings"

// submitter removes the submitter's identity strings wherever they occur.
// An identity made only of ASCII must stand as a word of its own (not inside
// a longer run of letters and digits); others match anywhere.
func (s *scan) submitter(ids []string) {
	for _, id := range ids {
		p := foldString(strings.TrimSpace(id))
		if len(p) < 2 {
			continue
		}
		ascii := true
		for _, r := range p {
			if r >= 0x80 {
				ascii = false
				break
			}
		}
		for _, m := range findAll(s.f, p, false) {
			if ascii && (isWordRune(at(s.f, m[0]-1)) && isWordRune(p[0]) || isWordRune(at(s.f, m[1])) && isWordRune(p[len(p)-1])) {
				continue
			}
			s.add(m[0], m[1], KindSubmitter, SubmitterMask, prioSubmitter)
		}
	}
}

func isWordRune(r rune) bool { return isAlnum(r) || r == '_' || r == '-' }

// knownNames removes the given personal names wherever they occur.
func (s *scan) knownNames(names []string) {
	for _, n := range names {
		p := foldString(strings.Join(strings.Fields(n), ""))
		if len(p) < 2 {
			continue
		}
		for _, m := range findAll(s.f, p, true) {
			s.add(m[0], m[1], KindName, NameMask, prioKnownName)
		}
	}
}

// emails finds addresses of the form local@domain.tld.
func (s *scan) emails() {
	f := s.f
	for i, r := range f {
		if r != '@' {
			continue
		}
		a := i
		for a > 0 && i-a < 64 && isEmailLocal(f[a-1]) {
			a--
		}
		for a < i && (f[a] == '.' || f[a] == '-' || f[a] == '+') {
			a++
		}
		if a == i {
			continue
		}
		b := i + 1
		for b < len(f) && b-i < 255 && (isAlnum(f[b]) || f[b] == '-' || f[b] == '.') {
			b++
		}
		for b > i+1 && (f[b-1] == '.' || f[b-1] == '-') {
			b--
		}
		dom := f[i+1 : b]
		dot := -1
		for k, c := range dom {
			if c == '.' {
				dot = k
			}
		}
		if dot <= 0 || len(dom)-dot-1 < 2 {
			continue
		}
		tldOK := true
		for _, c := range dom[dot+1:] {
			if !isLower(c) {
				tldOK = false
			}
		}
		if !tldOK {
			continue
		}
		s.add(a, b, KindEmail, EmailMask, prioEmail)
	}
}

func isEmailLocal(r rune) bool {
	return isAlnum(r) || r == '.' || r == '_' || r == '%' || r == '+' || r == '-'
}

var accountWords = newWordSet("qq", "qq号", "qq号码", "微信", "微信号", "微信号码", "微信id", "wechat", "wx", "vx", "v信", "微信账号", "qq账号")

// accounts finds a QQ number or WeChat ID given after QQ/微信/微信号 as a
// way to reach the person.
func (s *scan) accounts() {
	f := s.f
	for i := 0; i < len(f); i++ {
		l := accountWords.matchAt(f, i)
		if l == 0 {
			continue
		}
		if isLower(f[i]) && isWordRune(at(f, i-1)) {
			continue // inside a word or a code
		}
		j := i + l
		for k := 0; k < 4 && j < len(f) && runeIn(f[j], " :是为号码"); k++ {
			j++
		}
		if j >= len(f) || !isAlnum(f[j]) {
			continue
		}
		if isLower(f[i+l-1]) && j == i+l && isLower(f[j]) {
			continue // "wxyz…": not a keyword
		}
		k := j
		for k < len(f) && (isAlnum(f[k]) || f[k] == '_' || f[k] == '-') {
			k++
		}
		if k-j < 6 || k-j > 20 || f[k-1] == '-' || at(f, k) == '@' || at(f, k) == '.' && isAlnum(at(f, k+1)) {
			i = k - 1 // nor is anything inside it a keyword
			continue
		}
		s.add(j, k, KindAccount, AccountMask, prioAccount)
		i = k - 1
	}
}
