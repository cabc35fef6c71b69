package redact

import "strings"

// Public numbers. A department's duty line, a service hall's phone or a
// complaint line quoted in a reply is there for the public to call: it is
// kept, however it is written ("0731-84123456", "(0731)8412 3456",
// "84123456" without the area code, "+86 731 84123456", with an extension
// after it). Options.PublicNumbers lists them; they are compared by their
// digits, not as strings. A personal mobile number is never public unless it
// is listed (a department may publish a duty mobile).

// publicSet holds the digits of the public numbers: the full number with
// its area code (0731 84123456 → "073184123456") and, for a landline, its
// local part alone ("84123456").
type publicSet map[string]bool

// newPublicSet reads the numbers in nums. An entry may hold several numbers
// ("0731-84123456、0731-84123457") and an extension ("…转8001").
func newPublicSet(nums []string) publicSet {
	if len(nums) == 0 {
		return nil
	}
	p := publicSet{}
	for _, n := range nums {
		found := false
		// The detectors read a local number without area code only after a
		// word that announces a phone: give them one.
		for _, sp := range Redact("电话："+n, Options{}).Spans {
			if sp.Kind != KindPhone && sp.Kind != KindLandline {
				continue
			}
			found = true
			d := normalizeNumber(sp.Kind, digitsOf([]rune(sp.Original)))
			p[d] = true
			if area := areaCodeLen([]byte(d)); sp.Kind == KindLandline && area > 0 && len(d)-area >= 7 {
				p[d[area:]] = true
			}
		}
		if d := digitsOf([]rune(n)); !found && len(d) >= 5 {
			p[d] = true // a short or service number: 12345, 96345
		}
	}
	return p
}

// has reports whether the number of the given kind written with digits d
// is public: one of the set, or one of the set followed by an extension.
func (p publicSet) has(kind string, d string) bool {
	if len(p) == 0 || d == "" {
		return false
	}
	d = normalizeNumber(kind, d)
	if p[d] {
		return true
	}
	if kind != KindLandline {
		return false
	}
	for k := range p {
		if ext := len(d) - len(k); ext >= 1 && ext <= 5 && len(k) >= 7 && strings.HasPrefix(d, k) {
			return true
		}
	}
	return false
}

// normalizeNumber drops the country code: +86 138… → 138…, +86 731… → 0731….
func normalizeNumber(kind, d string) string {
	switch {
	case kind == KindPhone && len(d) > 11:
		return d[len(d)-11:]
	case kind == KindLandline && strings.HasPrefix(d, "0086"):
		return "0" + d[4:]
	case kind == KindLandline && strings.HasPrefix(d, "86"):
		return "0" + d[2:]
	}
	return d
}

// digitsOf returns the ASCII digits of rs, full-width digits folded.
func digitsOf(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		switch {
		case isDigit(r):
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + r - '０')
		}
	}
	return b.String()
}
