package guide

import (
	"errors"
	"strings"
	"testing"
)

func put(c *Catalog, code, name string, keywords []string, materials ...string) {
	g := &Guide{Content: Content{Code: code, Name: name, Keywords: keywords, Audience: AudiencePersonal, Category: "hukou"}, Version: 1}
	for _, m := range materials {
		g.Materials = append(g.Materials, Material{Name: m, Form: FormOriginal, Required: true})
	}
	c.put(g)
}

func codes(hits []Hit) string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Code)
	}
	return strings.Join(out, ",")
}

func testCatalog() *Catalog {
	c := NewCatalog()
	put(c, "GA-1", "居民身份证换领", []string{"到期换证"}, "居民户口簿")
	put(c, "GA-2", "居民身份证补领", []string{"丢失", "补办"}, "居民户口簿")
	put(c, "GJJ-1", "住房公积金提取（租房）", []string{"租房提取"}, "租赁合同")
	put(c, "GJJ-2", "住房公积金个人住房贷款", nil, "购房合同")
	put(c, "RS-1", "社会保障卡申领", []string{"社保卡"}, "居民身份证")
	put(c, "HY-1", "结婚登记", []string{"领证"}, "居民身份证", "居民户口簿")
	return c
}

func TestSearchRules(t *testing.T) {
	c := testCatalog()
	cases := []struct {
		name, q, wantFirst string
		wantAll            string // exact ordered codes when set
	}{
		{"a part of the name", "身份证", "", "GA-1,GA-2,HY-1,RS-1"},
		{"words in any order", "提取 公积金", "GJJ-1", ""},
		{"no space between words", "公积金提取", "GJJ-1", ""},
		{"a short form through the synonym table", "社保", "RS-1", ""},
		{"a colloquial phrase", "身份证丢了", "GA-2", ""},
		{"pinyin initials", "sfz", "GA-1", ""},
		{"full pinyin", "shenfenzheng", "GA-1", ""},
		{"pinyin of a keyword", "sbk", "RS-1", ""},
		{"mixed pinyin and Chinese", "sfz 补领", "GA-2", ""},
		{"full-width characters fold", "ＧＪＪ", "GJJ-1", ""},
		{"a word found nowhere is ignored", "公积金 贷款 怎么办", "GJJ-2", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := c.Search(tc.q, Filter{}, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantAll != "" && codes(hits) != tc.wantAll {
				t.Fatalf("%q → %s, want %s", tc.q, codes(hits), tc.wantAll)
			}
			if tc.wantFirst != "" && (len(hits) == 0 || hits[0].Code != tc.wantFirst) {
				t.Fatalf("%q → %s, want %s first", tc.q, codes(hits), tc.wantFirst)
			}
		})
	}
}

func TestSearchRanksNameOverKeywordsOverMaterials(t *testing.T) {
	c := NewCatalog()
	put(c, "M", "出生登记", nil, "户口簿")
	put(c, "K", "新生儿医保参保", []string{"户口簿"})
	put(c, "N", "户口簿补发", nil)
	hits, err := c.Search("户口簿", Filter{}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(hits); got != "N,K,M" {
		t.Fatalf("ranking = %s, want name (N) > keyword (K) > material (M)", got)
	}
}

func TestSearchHighlightsTheName(t *testing.T) {
	c := testCatalog()
	hits, _ := c.Search("公积金 提取", Filter{}, 0, 1)
	if len(hits) == 0 || hits[0].NameHighlight != "住房<em>公积金提取</em>（租房）" {
		t.Fatalf("highlight = %+v", hits)
	}
	hits, _ = c.Search("sfz", Filter{}, 0, 1)
	if hits[0].NameHighlight != "居民<em>身份证</em>换领" {
		t.Fatalf("pinyin highlight = %q", hits[0].NameHighlight)
	}
	c2 := NewCatalog()
	put(c2, "X", "<script>alert(1)</script>登记", nil)
	hits, _ = c2.Search("登记", Filter{}, 0, 1)
	if strings.Contains(hits[0].NameHighlight, "<script>") {
		t.Fatalf("names must be escaped: %q", hits[0].NameHighlight)
	}
}

func TestSearchRefusesUselessQueries(t *testing.T) {
	c := testCatalog()
	for _, q := range []string{strings.Repeat("证", 65), "！？。，", "   ", "%%%___'''"} {
		if _, err := c.Search(q, Filter{}, 0, 10); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%q: err = %v, want ErrBadQuery", q, err)
		}
	}
	for _, q := range []string{"' OR 1=1 --", "<script>alert(1)</script>", "身份证'; DROP TABLE guides; --"} {
		if _, err := c.Search(q, Filter{}, 0, 10); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
}

func TestSearchFiltersAndRemoval(t *testing.T) {
	c := testCatalog()
	if hits, _ := c.Search("身份证", Filter{Category: "nope"}, 0, 10); len(hits) != 0 {
		t.Fatalf("unknown category: %s", codes(hits))
	}
	c.remove("GA-1")
	hits, _ := c.Search("身份证换领", Filter{}, 0, 10)
	for _, h := range hits {
		if h.Code == "GA-1" {
			t.Fatal("a removed guide is still found")
		}
	}
	put(c, "GA-2", "居民身份证遗失补领", nil)
	if v := c.Version("GA-2"); v != 1 || c.Len() != 5 {
		t.Fatalf("replacing a guide: version %d, len %d", v, c.Len())
	}
}
