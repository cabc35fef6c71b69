package search

import (
	"math"
	"testing"
)

func TestCutoffDropsHitsFarBelowTheBest(t *testing.T) {
	ix := New()
	ix.Put(Doc{Key: "title", Title: "居民身份证换领", Fields: []Field{{Text: "居民身份证换领", Weight: WeightTitle}}})
	ix.Put(Doc{Key: "keyword", Title: "户口迁移", Fields: []Field{{Text: "户口迁移", Weight: WeightTitle}, {Text: "身份证", Weight: WeightKeyword}}})
	for i, k := range []string{"m1", "m2", "m3"} {
		ix.Put(Doc{Key: k, Title: "结婚登记" + string(rune('甲'+i)), Fields: []Field{{Text: "结婚登记", Weight: WeightTitle}, {Text: "居民身份证原件", Weight: WeightSecondary}}})
	}
	keys := func(ratio float64) []string {
		ix.SetCutoff(ratio)
		hits, err := ix.Search("身份证", nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Key)
			if math.Abs(h.Score*100-math.Round(h.Score*100)) > 1e-9 {
				t.Errorf("score %v not rounded to two decimals", h.Score)
			}
		}
		return out
	}
	if got := keys(0); len(got) != 5 {
		t.Fatalf("without a cut-off every match counts: %v", got)
	}
	if got := keys(0.4); len(got) != 2 || got[0] != "title" || got[1] != "keyword" {
		t.Fatalf("cut-off 0.4: %v, want the title and the keyword match, not the materials", got)
	}
	if got := keys(0.99); len(got) != 1 || got[0] != "title" {
		t.Fatalf("cut-off 0.99: %v, want the best only", got)
	}
	if got := keys(1.5); len(got) != 5 {
		t.Fatalf("an out-of-range ratio is no cut-off: %v", got)
	}
}

func TestRoundScore(t *testing.T) {
	for in, want := range map[float64]float64{10.899999618530273: 10.9, 14: 14, 5.4049999: 5.4, 0.125: 0.13} {
		if got := roundScore(in); got != want {
			t.Errorf("roundScore(%v) = %v, want %v", in, got, want)
		}
	}
}
