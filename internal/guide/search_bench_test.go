package guide

import (
	"fmt"
	"testing"

	"govapp/internal/guide/seeddata"
)

// BenchmarkSearch20k ranks realistic queries over 20,000 guides derived from
// the seed guides (the bar of SPEC §10 is p99 under 20 ms through HTTP; see
// make bench for the end-to-end figure).
func BenchmarkSearch20k(b *testing.B) {
	rows, err := ParseJSON(seeddata.GuidesJSON)
	if err != nil {
		b.Fatal(err)
	}
	c := NewCatalog()
	prefixes := []string{"城东区", "城西区", "高新区", "东湖街道", "西山街道", "新城", "开发区", "湘江", "岳麓", "雨花"}
	for i := 0; i < 20_000; i++ {
		g := &Guide{Content: rows[i%len(rows)].Content, Version: 1}
		g.Code = fmt.Sprintf("GEN-%05d", i)
		g.Name = prefixes[i%len(prefixes)] + g.Name + fmt.Sprintf("（%d）", i/len(rows))
		c.put(g)
	}
	queries := []string{"身份证", "公积金 提取", "sfz", "shenfenzheng", "社保卡", "身份证丢了", "结婚登记", "不动产 过户", "gjj", "营业执照"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Search(queries[i%len(queries)], Filter{}, 0, 21); err != nil {
			b.Fatal(err)
		}
	}
}
