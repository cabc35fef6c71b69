package redact

import (
	"strings"
	"testing"
)

// A department's duty line, a hall's phone and the numbers listed as public
// stay, however they are written; personal numbers next to them still go.
func TestPublicNumbersAreKept(t *testing.T) {
	opts := Options{PublicNumbers: []string{"0731-84123456", "(0731)88665544转8001、0731-88665545", "13900001111", "96345"}}
	kept := []struct{ name, text, number string }{
		{"as listed", "如有疑问请拨打值班电话0731-84123456咨询。", "0731-84123456"},
		{"area code in brackets", "值班电话(0731)84123456。", "(0731)84123456"},
		{"spaced", "值班电话 0731 8412 3456。", "0731 8412 3456"},
		{"without area code", "联系电话84123456。", "84123456"},
		{"with country code", "电话+86 731 84123456。", "+86 731 84123456"},
		{"with an extension", "电话0731-84123456转8002。", "0731-84123456转8002"},
		{"second number of an entry", "电话0731-88665545。", "0731-88665545"},
		{"listed with its extension", "电话0731-88665544转8001。", "0731-88665544转8001"},
		{"a listed duty mobile", "值班手机13900001111。", "13900001111"},
		{"split by a zero-width space", "值班电话0731-8412\u200b3456。", "0731-8412\u200b3456"},
		{"full-width digits", "值班电话０７３１－８４１２３４５６。", "０７３１－８４１２３４５６"},
		{"the hotline", "也可拨打12345热线。", "12345"},
	}
	for _, c := range kept {
		t.Run("kept/"+c.name, func(t *testing.T) {
			r := Redact(c.text, opts)
			if !strings.Contains(r.Text, c.number) || len(r.Spans) != 0 {
				t.Fatalf("Redact(%q) = %q, spans %+v; want %q kept", c.text, r.Text, r.Spans, c.number)
			}
			if strings.Contains(Redact(c.text, Options{}).Text, c.number) && c.number != "12345" {
				t.Fatalf("without PublicNumbers %q is kept too: the case proves nothing", c.number)
			}
		})
	}
	removed := []struct{ name, text, number string }{
		{"another landline of the same area", "电话0731-84123457。", "0731-84123457"},
		{"a personal mobile", "承办人手机13812345678。", "13812345678"},
		{"another local number", "联系电话84123457。", "84123457"},
		{"the local part under another area code", "电话010-84123456。", "010-84123456"},
	}
	for _, c := range removed {
		t.Run("removed/"+c.name, func(t *testing.T) {
			r := Redact(c.text, opts)
			if strings.Contains(r.Text, c.number) || len(r.Spans) != 1 {
				t.Fatalf("Redact(%q) = %q, spans %+v; want %q removed", c.text, r.Text, r.Spans, c.number)
			}
		})
	}
}

// In one text, the public line stays and the personal mobile goes; the
// result is stable.
func TestPublicNumbersBesidePersonalOnes(t *testing.T) {
	text := "经核实已处理。承办人：李明，手机13812345678；如有疑问请拨打本局值班电话0731-84123456。"
	r := Redact(text, Options{PublicNumbers: []string{"0731-84123456"}, Allow: []string{"李明"}})
	want := "经核实已处理。承办人：李明，手机1**********；如有疑问请拨打本局值班电话0731-84123456。"
	if r.Text != want {
		t.Fatalf("got  %q\nwant %q", r.Text, want)
	}
	if len(r.Spans) != 1 || r.Spans[0].Kind != KindPhone {
		t.Fatalf("spans %+v, want the mobile only", r.Spans)
	}
	if again := Redact(r.Text, Options{PublicNumbers: []string{"0731-84123456"}, Allow: []string{"李明"}}); again.Changed() {
		t.Fatalf("second pass changed %q: %+v", r.Text, again.Spans)
	}
}

func TestPublicSetReadsEntries(t *testing.T) {
	p := newPublicSet([]string{"0731-84123456", "12345", "", "not a number"})
	for _, k := range []string{"073184123456", "84123456", "12345"} {
		if !p[k] {
			t.Errorf("set %v lacks %q", p, k)
		}
	}
	if len(p) != 3 {
		t.Errorf("set %v, want 3 keys", p)
	}
	if newPublicSet(nil) != nil {
		t.Error("an empty list makes a set")
	}
}
