package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A number written to slip past the detectors: split by invisible
// characters or by punctuation, spaced out, in full-width or in Chinese
// numerals (issue 13, item 4). Each must still be masked whole.

// sepClass is one way of writing something between the digits of a number.
type sepClass struct {
	name string
	sep  string
}

var sepClasses = []sepClass{
	{"零宽空格 U+200B", "\u200b"},
	{"零宽不连字 U+200C", "\u200c"},
	{"零宽连字 U+200D", "\u200d"},
	{"词连接符 U+2060", "\u2060"},
	{"零宽不换行空格 U+FEFF", "\ufeff"},
	{"软连字符 U+00AD", "\u00ad"},
	{"从左至右标记 U+200E", "\u200e"},
	{"韩文填充符 U+3164", "\u3164"},
	{"变体选择符 U+FE0F", "\ufe0f"},
	{"句点", "."},
	{"下划线", "_"},
	{"斜杠", "/"},
	{"波浪线", "~"},
	{"单个空格", " "},
	{"全角空格", "\u3000"},
	{"全角句点", "．"},
	{"全角波浪线", "～"},
	{"间隔号", "·"},
	{"连字符", "-"},
	{"零宽空格加空格", "\u200b "},
}

// spread writes sep between every two runes of number.
func spread(number, sep string) string {
	return strings.Join(strings.Split(number, ""), sep)
}

// numberCase is a number in the text that must go, and its mask.
type numberCase struct {
	kind, number, mask string
}

var evasionNumbers = []numberCase{
	{KindPhone, "13800138000", MobileMask},
	{KindPhone, "19912345678", MobileMask}, // starts like the year 1991
	{KindIDCard, "11010519491231002X", IDCardMask},
	{KindIDCard, "430121198506122835", IDCardMask},
	{KindBankCard, "6222021234567890128", BankCardMask},
}

// TestSeparatorClasses writes a mobile, ID-card and bank-card number with
// each separator class between every digit: the whole number, separators
// included, gives way to the mask, and the sentence around it is kept.
func TestSeparatorClasses(t *testing.T) {
	for _, sc := range sepClasses {
		for _, nc := range evasionNumbers {
			for _, frame := range [][2]string{{"号码是", "，谢谢。"}, {"电话：", ""}, {"", "请核实"}} {
				written := spread(nc.number, sc.sep)
				in := frame[0] + written + frame[1]
				want := frame[0] + nc.mask + frame[1]
				r := Redact(in, Options{})
				if r.Text != want {
					t.Errorf("%s, %s %s:\n in:   %q\n got:  %q\n want: %q\n spans: %+v", sc.name, nc.kind, nc.number, in, r.Text, want, r.Spans)
					continue
				}
				if len(r.Spans) != 1 || r.Spans[0].Kind != nc.kind || r.Spans[0].Original != written {
					t.Errorf("%s: spans %+v, want one %s span over %q", sc.name, r.Spans, nc.kind, written)
				}
				checkResult(t, in, Options{}, r)
			}
		}
	}
}

// TestOtherWritings covers full-width digits and separators, Chinese
// numerals (幺 and 零 as phone numbers are read aloud), mixtures, and a
// landline written with the separators.
func TestOtherWritings(t *testing.T) {
	runTable(t, "writing", []want{
		{"电话１３８\u200b００１３\u200b８０００。", "电话1**********。"},
		{"电话138\u200b0013\u200b8000", "电话1**********"},
		{"电话１３８．００１３．８０００", "电话1**********"},
		{"电话一三八〇〇一三八〇〇〇，", "电话1**********，"},
		{"电话幺三八零零幺三八零零零，", "电话1**********，"},
		{"电话一三八 〇〇一三 八〇〇〇，", "电话1**********，"},
		{"电话138零零13八000，", "电话1**********，"},
		{"电话壹叁捌零零壹叁捌零零零，", "电话1**********，"},
		{"电话一\u200b三\u200b八\u200b〇\u200b〇\u200b一\u200b三\u200b八\u200b〇\u200b〇\u200b〇，", "电话1**********，"},
		{"身份证一一〇一〇五一九四九一二三一〇〇二X。", "身份证[身份证号]。"},
		{"身份证11010519491231002\u200bX。", "身份证[身份证号]。"},
		{"身份证1101051949123100 2 X。", "身份证[身份证号]。"},
		{"身份证１１０１０５１９４９１２３１００２Ｘ。", "身份证[身份证号]。"},
		{"统一13800138000", "统一1**********"},
		{"座机0731\u200b-\u200b84567890", "座机0731-********"},
		{"座机0 7 3 1 8 4 5 6 7 8 9 0。", "座机0731-********。"},
		{"座机07.31.84.56.78.90。", "座机0731-********。"},
		{"电话 8 4 5 6 7 8 9 0。", "电话 ********。"},
		{"请回电+86\u200b138\u200b0013\u200b8000", "请回电1**********"},
		{"电话1̶3̶8̶0̶0̶1̶3̶8̶0̶0̶0̶。", "电话1**********。"}, // a combining stroke over every digit
		{"电话1\u20e33\u20e38\u20e30\u20e30\u20e31\u20e33\u20e38\u20e30\u20e30\u20e30\u20e3。", "电话1**********。"},
		{"我叫张\u200b伟，", "我叫某某，"},
	})
}

// TestNoOverMasking: prose with Chinese numerals, dates and decimals written
// with the same separators is not a number of any kind.
func TestNoOverMasking(t *testing.T) {
	for _, in := range []string{
		"他数了一二三四五六就跑了。",
		"一二三，木头人。",
		"二〇二六年九月十八日",
		"二〇二六年一月一日起施行",
		"第一二三四五六条",
		"三三两两，七七八八",
		"一五一十地说",
		"九九八十一难",
		"2026.09.18 检查",
		"2026/09/18 检查",
		"2026_09_18 检查",
		"电话2026.09.18",
		"电话2026/9/18",
		"2026.9.18-2026.10.7 施工",
		"金额3.13812345678",
		"服务器 192.168.100.200",
		"版本 1.3.8",
		"第1/3/5页",
		"每月1/3/5/7/9/11/13/15日",
		"限速40公里/小时，9:00~17:00开放",
		"长3.5米，宽2.8米",
		"共计138.00万元",
		"合同金额13800138000.00元",
		"统一社会信用代码91430100MA4L000000",
	} {
		if r := Redact(in, Options{}); r.Text != in {
			t.Errorf("changed:\n in:  %q\n out: %q\n spans: %+v", in, r.Text, r.Spans)
		}
	}
}

// TestInvisibleHelpers: the preview shows every invisible character as a
// visible marker, lists them, and publication strips them.
func TestInvisibleHelpers(t *testing.T) {
	in := "电话138\u200b0013\u200b8000\u00ad，好\ufeff的"
	if got, want := ShowInvisible(in), "电话138⟨U+200B⟩0013⟨U+200B⟩8000⟨U+00AD⟩，好⟨U+FEFF⟩的"; got != want {
		t.Errorf("ShowInvisible = %q, want %q", got, want)
	}
	if got := StripInvisible(in); got != "电话13800138000，好的" {
		t.Errorf("StripInvisible = %q", got)
	}
	got := CountInvisible(in)
	if len(got) != 3 || got["U+200B"] != 2 || got["U+00AD"] != 1 || got["U+FEFF"] != 1 {
		t.Errorf("CountInvisible = %v", got)
	}
	for _, plain := range []string{"", "普通的文字\n第二行\t制表", "１３８　全角空格"} {
		if ShowInvisible(plain) != plain || StripInvisible(plain) != plain || len(CountInvisible(plain)) != 0 {
			t.Errorf("changed a text without invisible characters: %q", plain)
		}
	}
	for _, r := range []rune{'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u202e', '\u3164', '\ufe0f', '\x07'} {
		if !Invisible(r) {
			t.Errorf("%U is not reported as invisible", r)
		}
	}
	// the diff the console shows marks them too
	r := Redact(in, Options{})
	var shown strings.Builder
	for _, p := range Diff(in, r) {
		if p.Shown != "" {
			shown.WriteString(p.Shown)
		} else {
			shown.WriteString(p.Text)
		}
	}
	if !strings.Contains(shown.String(), "⟨U+200B⟩") || !strings.Contains(shown.String(), "⟨U+FEFF⟩") {
		t.Errorf("the diff hides the invisible characters: %q", shown.String())
	}
}

// FuzzSeparatedNumbers checks the property of issue 13, item 4: writing a
// detected number with any invisible character or allowed separator
// between its digits, in any mixture of ASCII, full-width and Chinese
// digits, never lets it through. in picks the number; gaps picks, for each
// gap between two digits, what is written there, and for each digit its
// form.
func FuzzSeparatedNumbers(f *testing.F) {
	for k := range evasionNumbers {
		for s := range separatorRunes {
			gaps := make([]byte, 20)
			for i := range gaps {
				gaps[i] = byte(s + 1)
			}
			f.Add(uint8(k), gaps)
		}
		f.Add(uint8(k), []byte{0x40, 0x80, 0xc0, 0x41, 0x82, 0xc3, 0x44, 0x85, 0xc6, 0x47, 0x48, 0x89, 0xca, 0x4b, 0x8c, 0xcd, 0x4e, 0x8f, 0xd0, 0x51})
		f.Add(uint8(k), []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80})
	}
	f.Fuzz(func(t *testing.T, k uint8, gaps []byte) {
		nc := evasionNumbers[int(k)%len(evasionNumbers)]
		written := writeNumber(nc.number, gaps)
		for _, frame := range [][2]string{{"号码是", "，谢谢。"}, {"", ""}} {
			in := frame[0] + written + frame[1]
			want := frame[0] + nc.mask + frame[1]
			r := Redact(in, Options{})
			if r.Text != want {
				t.Fatalf("%s %s written %q:\n got:  %q\n want: %q\n spans: %+v", nc.kind, nc.number, written, r.Text, want, r.Spans)
			}
			if !utf8.ValidString(r.Text) {
				t.Fatalf("invalid UTF-8")
			}
		}
	})
}

// separatorRunes are what FuzzSeparatedNumbers writes between digits.
var separatorRunes = []rune{
	'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u200e', '\u202a', '\u2061', '\u180e', '\u3164', '\ufe0f', '\u034f',
	'.', '_', '/', '~', ' ', '-', '\u3000', '．', '／', '＿', '～', '·', '・', '－', '\u00a0',
}

// writeNumber writes number with gaps[i] choosing the i-th digit's form
// (bits 6–7: ASCII, full-width, Chinese, Chinese capital) and what follows
// it (bits 0–5: nothing, or a separator rune).
func writeNumber(number string, gaps []byte) string {
	var b strings.Builder
	rs := []rune(number)
	for i, r := range rs {
		var g byte
		if i < len(gaps) {
			g = gaps[i]
		}
		b.WriteRune(digitForm(r, g>>6, g&0x20 != 0))
		if i+1 < len(rs) {
			if s := int(g & 0x3f); s > 0 {
				b.WriteRune(separatorRunes[(s-1)%len(separatorRunes)])
			}
		}
	}
	return b.String()
}

func digitForm(r rune, form byte, alt bool) rune {
	if r < '0' || r > '9' {
		if form == 1 {
			return 'Ｘ'
		}
		return r
	}
	d := r - '0'
	switch form {
	case 1:
		return '０' + d
	case 2:
		if alt && d == 0 {
			return '零'
		}
		if alt && d == 1 {
			return '幺'
		}
		return []rune("〇一二三四五六七八九")[d]
	case 3:
		return []rune("零壹贰叁肆伍陆柒捌玖")[d]
	}
	return r
}
