package redact

import "strings"

// plateProvinces are the one-character province abbreviations that start a
// mainland plate number.
var plateProvinces = newRuneSet("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")

// plateSeps may stand between the issuing letter and the serial: the middle
// dot in its several forms, a full stop, a space or a dash.
var plateSeps = newRuneSet("·•・･.。 -")

// plates finds plate numbers: a province abbreviation, the letter of the
// issuing office, an optional separator, and a serial of 5 letters and digits
// (6 for new-energy vehicles) holding at least three digits. The province and
// the letter are kept: 湘A·12345 → 湘A·*****.
func (s *scan) plates() {
	f := s.f
	for i := 0; i+6 < len(f); i++ {
		if !plateProvinces.has(f[i]) || !isLower(f[i+1]) {
			continue
		}
		j := i + 2
		for k := 0; k < 2 && j < len(f) && plateSeps.has(f[j]); k++ {
			j++
		}
		a := j
		digits := 0
		for j < len(f) && isAlnum(f[j]) {
			if isDigit(f[j]) {
				digits++
			}
			j++
		}
		if n := j - a; n < 5 || n > 6 || digits < 3 {
			continue
		}
		if j < len(f) && (f[j] == '_' || f[j] == '@' || f[j] == '.' && isAlnum(at(f, j+1))) {
			continue
		}
		repl := string(f[i]) + strings.ToUpper(string(f[i+1])) + "·" + strings.Repeat(plateMaskSymbol, j-a)
		s.add(i, j, KindPlate, repl, prioPlate)
		i = j - 1
	}
}
