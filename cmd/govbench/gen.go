package main

import (
	"encoding/json"
	"fmt"
	"os"
	"unicode/utf8"

	"govapp/internal/guide"
	"govapp/internal/guide/seeddata"
)

// doc is one guide in the import format (the API's fields plus department_name).
type doc struct {
	guide.Content
	DepartmentName string `json:"department_name"`
}

// seedDocs returns the demo guides of seeddata, or — while that file is still
// empty — one guide built from a template in the first category.
func seedDocs(categories []guide.Category) ([]doc, error) {
	rows, err := guide.ParseJSON(seeddata.GuidesJSON)
	if err != nil {
		return nil, fmt.Errorf("seed guides: %w", err)
	}
	var out []doc
	for _, r := range rows {
		if len(r.Errors) == 0 {
			out = append(out, doc{Content: r.Content, DepartmentName: r.DepartmentName})
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if len(categories) == 0 {
		return nil, fmt.Errorf("no seed guides and no categories to build one")
	}
	return []doc{templateDoc(categories[0])}, nil
}

func templateDoc(cat guide.Category) doc {
	audience := cat.Audience
	if audience != guide.AudiencePersonal && audience != guide.AudienceLegal {
		audience = guide.AudiencePersonal
	}
	return doc{DepartmentName: "市公安局户政管理支队", Content: guide.Content{
		Code: "TPL-0001", Name: "居民身份证补领", Audience: audience, Category: cat.Code,
		LegalBasis:   "《中华人民共和国居民身份证法》第十一条",
		ApplicableTo: "本市户籍居民，居民身份证丢失的。",
		Process: []guide.Step{{Name: "申请", Description: "本人到户籍所在地派出所提交申请，现场采集人像", TimeLimit: "即时"},
			{Name: "制证", Description: "省公安厅制证中心制作证件", TimeLimit: "15 个工作日"},
			{Name: "领证", Description: "凭领取凭证领取新证或邮寄送达", TimeLimit: "制证完成后"}},
		Materials: []guide.Material{{Name: "居民户口簿", Form: guide.FormOriginal, Copies: 1, Required: true},
			{Name: "监护人居民身份证", Form: guide.FormOriginal, Copies: 1, Condition: "申请人未满十六周岁的"}},
		Fees: "工本费 20 元", LegalTimeLimitDays: 60, PromisedTimeLimitDays: 15,
		Phone: "0571-12345", ComplaintPhone: "12345",
		Halls:    []guide.Hall{{Name: "市民中心户政窗口", Address: "市民中心二楼 B 区", Phone: "0571-12345", Hours: "工作日 9:00–17:00"}},
		Keywords: []string{"身份证", "补领", "丢失", "sfz"},
	}}
}

// Name parts of the generated guides: where the item is handled, and how.
var (
	places = []string{"城东区", "城西区", "高新区", "南湖区", "北山区", "滨江区", "经开区", "临港新区",
		"东湖街道", "西山街道", "文昌街道", "明珠街道", "望江街道", "金桥镇", "青石镇", "柳营乡"}
	suffixes = []string{"", "（网上办）", "（容缺受理）", "（跨省通办）", "（告知承诺制）", "（预约办理）",
		"（自助办）", "（延时服务）", "（帮办代办）", "（就近办）"}
	extraKeywords = []string{"便民", "一网通办", "掌上办", "秒批", "免证办", "上门服务", "绿色通道", "周末办"}
)

// generate makes n import rows GEN-00001… from the seed guides: each a seed
// guide with a place before its name, a way of handling after it, and
// keywords varied to match. Rows share the seed's process, materials and
// halls (read-only), so that the generator itself stays small in memory.
func generate(seeds []doc, n int) []guide.ImportRow {
	out := make([]guide.ImportRow, 0, n)
	for i := range n {
		s := seeds[i%len(seeds)]
		c := s.Content
		c.Code = fmt.Sprintf("GEN-%05d", i+1)
		place := places[(i/len(seeds))%len(places)]
		suffix := suffixes[(i/(len(seeds)*len(places)))%len(suffixes)]
		c.Name = place + s.Name + suffix
		if utf8.RuneCountInString(c.Name) > 100 {
			c.Name = place + s.Name
		}
		kw := make([]string, 0, len(s.Keywords)+2)
		kw = append(kw, s.Keywords...)
		kw = append(kw, place, extraKeywords[i%len(extraKeywords)])
		if len(kw) > 20 {
			kw = kw[len(kw)-20:]
		}
		c.Keywords = kw
		out = append(out, guide.ImportRow{Row: i + 1, Content: c, DepartmentName: s.DepartmentName})
	}
	return out
}

// importRows turns docs into import rows through the import file format.
func importRows(docs []doc) ([]guide.ImportRow, error) {
	b, err := json.Marshal(docs)
	if err != nil {
		return nil, err
	}
	return guide.ParseJSON(b)
}

// searchQueries returns the "q" values of the search-quality test file when
// it is there, else a built-in list of what residents type.
func searchQueries() []string {
	fallback := []string{"身份证", "公积金 提取", "sfz", "shenfenzheng", "社保卡", "身份证丢了", "结婚登记",
		"不动产 过户", "gjj", "营业执照", "居住证", "出生登记", "医保 报销", "驾驶证 换证", "失业保险金"}
	b, err := os.ReadFile("internal/guide/testdata/search_queries.json")
	if err != nil {
		return fallback
	}
	var cases []struct {
		Q string `json:"q"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		return fallback
	}
	var out []string
	for _, c := range cases {
		if c.Q != "" {
			out = append(out, c.Q)
		}
	}
	if len(out) == 0 {
		return fallback
	}
	return out
}
