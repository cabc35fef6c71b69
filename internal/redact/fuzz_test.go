package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzOpts are the options every fuzz input runs with, so that the known
// name and identity paths are exercised too.
var fuzzOpts = Options{
	KnownNames:        []string{"张伟", "欧阳娜娜"},
	SubmitterIdentity: []string{"oAbC123xyz", "快乐小鱼"},
	Allow:             []string{"0731-84123000"},
}

// FuzzRedact checks, for any input: no panic, valid UTF-8 out, spans sorted,
// in bounds, disjoint and matching the original, Apply and Diff rebuilding
// the output, and a second pass changing nothing.
func FuzzRedact(f *testing.F) {
	for _, tc := range corpus {
		f.Add(tc.text)
	}
	for _, s := range clean {
		f.Add(s)
	}
	f.Add("电话13812345678，身份证11010519491231002X，湘A·12345，幸福路28号3栋2单元501室，我叫张伟")
	// numbers hidden by the writings of issue 13, item 4
	f.Add("电话138\u200b0013\u200b8000，身份证1101 0519 4912 3100 2X，我叫张\u00ad伟")
	f.Add("电话一三八〇〇一三八〇〇〇，幺三八零零幺三八零零零，１３８．００１３．８０００")
	f.Add("1.3.8.0.0.1.3.8.0.0.0 1_1_0_1_0_5_1_9_4_9_1_2_3_1_0_0_2_X 1/9/9/1/2/3/4/5/6/7/8 ⑴⑵ ﬁ ㈠")
	f.Add("电话1̶3̶8̶0̶0̶1̶3̶8̶0̶0̶0̶，1⃣3⃣8⃣0⃣0⃣1⃣3⃣8⃣0⃣0⃣0⃣")
	f.Fuzz(func(t *testing.T, in string) {
		r := Redact(in, fuzzOpts)
		if !utf8.ValidString(r.Text) {
			t.Fatalf("invalid UTF-8 output %q", r.Text)
		}
		rs := []rune(in)
		prev := 0
		for _, sp := range r.Spans {
			if sp.Start < prev || sp.End <= sp.Start || sp.End > len(rs) {
				t.Fatalf("bad span %+v (previous end %d, %d runes)", sp, prev, len(rs))
			}
			if string(rs[sp.Start:sp.End]) != sp.Original {
				t.Fatalf("span %+v covers %q", sp, string(rs[sp.Start:sp.End]))
			}
			prev = sp.End
		}
		if got, err := Apply(in, r.Spans); err != nil || got != r.Text {
			t.Fatalf("Apply = %q, %v; want %q", got, err, r.Text)
		}
		var orig, red strings.Builder
		for _, p := range Diff(in, r) {
			orig.WriteString(p.Text)
			if p.Op == DiffKeep {
				red.WriteString(p.Text)
			} else {
				red.WriteString(p.Replacement)
			}
		}
		if orig.String() != string(rs) || red.String() != r.Text {
			t.Fatalf("Diff does not rebuild the texts")
		}
		again := Redact(r.Text, fuzzOpts)
		for _, sp := range again.Spans {
			switch sp.Kind {
			case KindPhone, KindLandline, KindIDCard, KindBankCard, KindEmail:
				t.Fatalf("second pass found a %s %q in %q (first pass %q)", sp.Kind, sp.Original, r.Text, in)
			}
		}
		if again.Text != r.Text {
			t.Fatalf("not idempotent:\n in:    %q\n once:  %q\n twice: %q\n spans: %+v", in, r.Text, again.Text, again.Spans)
		}
	})
}
