package search

// synonymGroups are words residents use interchangeably: a query word of a
// group also searches for every other word of its group.
var synonymGroups = [][]string{
	{"社保", "社会保险", "社会保障"},
	{"社保卡", "社会保障卡"},
	{"公积金", "住房公积金"},
	{"身份证", "居民身份证"},
	{"驾照", "驾驶证", "机动车驾驶证"},
	{"户口", "户籍"},
	{"补办", "补领", "补发", "补换"},
	{"医保", "医疗保险", "基本医疗保险"},
	{"失业金", "失业保险金"},
	{"低保", "最低生活保障"},
	{"营业执照", "设立登记"},
	{"结婚证", "结婚登记"},
	{"离婚证", "离婚登记"},
	{"过户", "转移登记"},
	{"房产证", "不动产权证书"},
	{"护照", "普通护照"},
	{"港澳通行证", "往来港澳通行证"},
	{"落户", "户口迁入", "入户"},
	{"退休金", "养老金"},
	{"开公司", "公司设立", "企业开办"},
	{"个体户", "个体工商户"},
	{"残疾证", "残疾人证"},
	{"老年证", "老年人优待证"},
	{"出生证", "出生医学证明"},
	{"异地就医", "异地就医备案"},
	{"报销", "零星报销"},
	{"施工许可", "施工许可证"},
	{"发票", "发票申领"},
}

// rewrites send colloquial words to the words guides use; unlike groups they
// work one way (a guide about 补领 is not about 丢了).
var rewrites = map[string][]string{
	"丢了":  {"补领", "遗失"},
	"丢失":  {"补领", "遗失"},
	"掉了":  {"补领", "遗失"},
	"遗失":  {"补领"},
	"生孩子": {"出生", "生育"},
	"生小孩": {"出生", "生育"},
	"到期":  {"换领", "换证", "有效期满"},
	"过期":  {"换领", "换证", "有效期满"},
	"上学":  {"入学"},
	"买房":  {"购房", "购买"},
	"租房":  {"租赁", "租房"},
	"看病":  {"医疗", "就医"},
	"领证":  {"登记"},
	"取钱":  {"提取"},
	"贷款":  {"贷款"},
}

// stopwords carry no meaning for the search and are dropped from queries.
var stopwords = map[string]bool{
	"怎么": true, "怎么办": true, "如何": true, "怎样": true, "办理": true, "哪里": true, "在哪": true,
	"在哪里": true, "需要": true, "什么": true, "的": true, "了": true, "吗": true, "呢": true,
	"我": true, "想": true, "要": true, "去": true, "办": true, "手续": true, "流程": true,
	"我要": true, "我想": true, "请问": true, "可以": true, "能": true, "哪些": true,
}

// dictionary holds every word the query segmenter recognises, and the
// alternatives each expands to (itself first).
var dictionary = func() map[string][]string {
	d := map[string][]string{}
	add := func(w string, alts ...string) {
		for _, a := range alts {
			if !contains(d[w], a) {
				d[w] = append(d[w], a)
			}
		}
	}
	for _, g := range synonymGroups {
		for _, w := range g {
			add(w, w)
			add(w, g...)
		}
	}
	for w, alts := range rewrites {
		add(w, w)
		add(w, alts...)
	}
	for w := range stopwords {
		if _, ok := d[w]; !ok {
			d[w] = nil
		}
	}
	return d
}()

var maxDictWord = func() int {
	m := 0
	for w := range dictionary {
		if n := len([]rune(w)); n > m {
			m = n
		}
	}
	return m
}()

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
