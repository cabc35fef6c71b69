package redact

// Personal names. Chinese has no capital letters and no spaces, so a name is
// only recognised where a ticket puts one:
//
//   - after words that introduce one: 我叫, 名叫, 叫做, 姓名, 联系人 (strong:
//     what follows is a name), 本人, 我是, 业主, 投诉人, 孩子, 民警 … (weak:
//     what follows must start with a common surname and end where a name
//     ends);
//   - before a form of address: 张先生, 李女士, 王师傅, 刘阿姨, 赵经理 — the
//     surname is replaced and the form kept: 某先生;
//   - after 姓: 姓张 → 姓某;
//   - anywhere, for the names in Options.KnownNames.

// singleSurnames holds the common one-character surnames.
var singleSurnames = newRuneSet("王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻厉伊仝郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰卿国狄平计索宣晋相初云容敬扈晁芮普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况宿鲜印逯隆茹战慕危玉银亢嵇哈湛宾戎勾茅利揭干尉冶斯元束檀衣展阴昝智奉植衡富尧闭")

// weakSurnames are the surnames frequent enough to trust after a weak
// introducer (我是…, 业主…): the hundred most common, less those that are
// also everyday words at the start of a phrase (于, 万, 高, 金, 石, 方, 白,
// 文, 安, 常, 温, 康, 成, 路, 时, 明, 向, 全, 平, 国, 曾).
var weakSurnames = newRuneSet("王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范廖贾夏韦付傅邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤施牛樊葛邢乔伍庞颜倪庄聂章鲁岳翟殷詹耿焦俞祝柯纪梅童凌毕裴霍涂苗谷盛翁骆蓝游辛靳柴鲍喻祁蒲滕屈饶")

var compoundSurnames = newWordSet("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史", "申屠", "闻人", "赫连", "万俟", "钟离", "宗政", "濮阳", "淳于", "单于", "拓跋", "司空", "第五")

// nameStop holds characters that are not part of a given name; one of them
// right after a candidate ends it ("张伟的", "张伟在"). Function words,
// pronouns, numerals, time words, kinship and address words.
var nameStop = newRuneSet("姓上下的是在了到说和与及也都就还已于从向对把被将因等称讲去来要想会能可应该这那此其我你他她它您们本不没很太最更又再才只吗呢吧啊呀么着过得地之以而且并或但为所让给请问找打拨看叫住今昨前后年月日号时点分天周一二三四五六七八九十百千万零两几多某先女男士爷姨傅妈爸哥姐叔婶伯奶娘嫂弟妹儿孙反投咨电手联身居现同无见略未暂反映经理总任师员工")

// nameBreak holds characters that end a place or an organisation: a
// candidate containing one, or followed by one, is not a name ("王家村",
// "林业局", "万达广场").
var nameBreak = newRuneSet("村庄屯镇乡区县市省州路街巷道弄里园苑湾组队厂店局委所院站馆校司部处科室业主人群会团楼栋层单户房场港岛家桥坊集铺行社厅署办")

// notNames are everyday words that start with a surname and end where a name
// would ("我是周边居民", "我是孙子").
var notNames = newWordSet("陈述", "郑重", "马上", "钟爱", "谢绝", "许诺", "韩国", "杜绝", "严禁", "项目", "商务", "车间", "班组", "宣传", "纪检", "计生", "卫生", "武装", "安全", "安保", "管理", "经营", "财政", "文化", "文明", "文体", "应急", "平安", "海事", "司法", "蒋介", "常务", "常委", "程控", "施工", "施救", "包装", "包保", "包片", "包村", "包联", "成人", "成本", "景区", "景点", "党政", "党群", "宫廷", "康复", "康养", "江湖", "金融", "石化", "方案", "高级", "高速", "高层", "高管", "国土", "国资", "国际", "明星", "余家", "周家", "白天", "时代", "温泉", "万家", "关工", "农业", "农村", "农机", "农技", "水利", "林草", "林场", "周边", "周围", "周末", "孙子", "孙女", "白领", "黄牛", "高中", "初中", "江西", "江苏", "江南", "江北", "湖南", "湖北", "河南", "河北", "山东", "山西", "广东", "广西", "海南", "云南", "贵州", "四川", "安徽", "福建", "浙江", "陕西", "甘肃", "宁夏", "新疆", "西藏", "吉林", "辽宁", "台湾", "北京", "上海", "天津", "重庆", "杭州", "苏州", "常州", "温州", "徐州", "郑州", "林业", "钱款", "马路", "龙头", "雷锋", "童年", "夏天", "秦朝", "宋体", "杜绝", "田地", "汤圆", "熊孩子", "毛坯", "谢谢", "梁上", "程序", "任何", "任务", "严重", "严格", "武汉", "曾经", "许多", "许可", "陆续", "章程", "罗列", "孟夏", "袁大头", "方便", "黎明", "贺卡", "顾客", "顾问", "齐全", "何时", "何处", "何况", "余额", "余下", "吴语", "苏醒", "董事", "付款", "付费", "付钱", "庞大", "鲁莽", "岳父", "岳母", "焦虑", "焦急", "牛奶", "包括", "包工", "史上", "韩国", "欧洲", "汪洋", "宁可", "宁愿", "戴着", "段落", "薄弱", "柴油", "祝福", "祝贺", "纪律", "纪念", "梅雨", "凌晨", "毕业", "涂料", "苗木", "谷物", "盛夏", "蓝色", "游戏", "游客", "辛苦")

// strongIntroducers are followed by a name (after an optional colon).
var strongIntroducers = newWordSet("我叫", "名叫", "叫做", "姓名", "联系人", "名字叫", "名字是", "署名", "真实姓名", "本人姓名")

// weakIntroducers are often followed by a name; with a colon after them they
// count as strong ("投诉人：张伟").
var weakIntroducers = newWordSet("本人", "我是", "叫", "户主", "业主", "申请人", "投诉人", "来电人", "反映人", "举报人", "当事人", "求助人", "建议人", "被投诉人", "被举报人", "患者", "病人", "老人", "孩子", "小孩", "家长", "儿子", "女儿", "父亲", "母亲", "爸爸", "妈妈", "丈夫", "妻子", "老公", "老婆", "爱人", "学生", "员工", "工人", "租户", "房东", "邻居", "司机", "经办人", "负责人", "工作人员", "家属", "孙子", "孙女", "同事", "老板", "包工头", "班主任", "网格员", "民警", "警官", "医生", "律师", "承办人", "经理", "主任", "老师", "联系", "找", "委托人", "代理人", "法人", "法定代表人", "监护人", "受害人", "死者", "伤者", "车主", "房主", "店主",
	"书记", "支书", "所长", "局长", "科长", "处长", "站长", "队长", "院长", "校长", "社长", "组长", "村长", "网格长", "楼栋长", "店长", "代表", "委员", "原告", "被告", "甲方", "乙方", "丙方", "会计", "出纳", "护士", "保安", "保洁", "厨师", "股东", "村民", "居民", "市民", "职工", "教师", "老乡", "朋友", "亲戚", "哥哥", "姐姐", "弟弟", "妹妹", "爷爷", "奶奶", "外公", "外婆", "儿媳", "女婿", "侄子", "嫌疑人", "驾驶员", "驾驶人", "收款人", "付款人", "法官", "检察官", "快递员", "外卖员", "骑手", "网格员", "社工", "志愿者")

// terminators end a name when they follow it: "张伟反映", "王芳今年".
var terminators = newWordSet("反映", "来电", "投诉", "咨询", "表示", "今年", "现年", "电话", "手机", "联系", "身份", "家住", "现住", "居住", "住在", "先生", "女士", "同志", "要求", "希望", "请求", "一家", "夫妇", "本人", "等人", "称", "说", "于", "在", "是", "的", "和", "与", "及", "向", "从", "因", "等", "已", "也", "都", "就", "被", "把", "将", "到", "去", "来", "男", "女", "岁", "曾", "系", "为", "所", "对", "给", "让", "找", "打", "拨", "经", "每", "多", "一", "再", "又", "又", "才", "还", "未", "没", "不", "仍", "早", "今", "昨", "上", "下", "前", "后", "年", "月", "日", "拖欠", "讨要", "工资", "承诺", "签", "办", "看", "问", "帮", "带", "送", "买", "卖", "租", "借", "欠", "拿", "领", "交", "缴", "申请", "提出", "认为", "发现", "无法", "一直", "多次", "目前", "现在", "当时", "拒", "拒不", "拒绝", "不予", "态度")

// titles follow a surname: 张先生, 王师傅, 刘经理.
var titles = newWordSet("先生", "女士", "小姐", "师傅", "阿姨", "大爷", "大妈", "大娘", "大姐", "大哥", "大叔", "叔叔", "奶奶", "爷爷", "婆婆", "老师", "医生", "护士", "律师", "经理", "总经理", "主任", "局长", "科长", "处长", "所长", "站长", "队长", "院长", "校长", "书记", "主席", "部长", "组长", "班长", "厂长", "行长", "村长", "镇长", "乡长", "县长", "区长", "市长", "省长", "警官", "同志", "同学", "会计", "总监", "教授", "博士", "主管", "专员", "网格员", "干事", "老板", "法官", "检察官", "工程师", "社工", "教练", "大夫", "副局长", "副主任", "副校长", "副院长", "副经理", "副市长", "副区长", "副县长")

// notSurnameBefore are the characters that are surnames but, right before a
// title, are function words: 向老师反映, 和王阿姨, 由主任.
var notSurnameBefore = newRuneSet("向于和由那诸时都来但全区支司门居幸位於成")

// titleWords are words that end in a surname character and often stand
// before a title without being a name: 班主任老师, 维修师傅, 门卫大爷.
var titleWords = newWordSet("主任", "科任", "语文", "中文", "英文", "日文", "人文", "天文", "音乐", "声乐", "器乐", "历史", "维修", "装修", "检修", "租车", "约车", "交车", "货车", "卡车", "叉车", "专车", "出车", "班车", "校车", "宿管", "楼管", "城管", "主管", "监管", "分管", "网管", "高管", "物管", "舍管", "代管", "托管", "协管", "门卫", "环卫", "保卫", "警卫", "护卫", "值班", "跟班", "带班", "上班", "加班", "同班", "保安", "公安", "治安", "平安", "美容", "内容", "导游", "教练", "厨房", "病房", "药房", "机房", "售楼", "财务", "党委", "纪委", "村委", "居委", "业委", "政委", "部委", "常委", "班子", "乘务", "商务", "政务", "医务", "教务", "总务", "党务", "事务", "服务", "家政", "司法", "执法", "大学", "小学", "中学", "同学", "外公", "老公", "公公", "包公", "雷公", "主人公", "办公", "相关", "有关", "机关", "海关", "公关", "全程", "工程", "流程", "课程", "行程", "日程", "规程", "过程", "进程", "专程", "教程")

// nameStarters, right before a candidate, start it clearly: 的张伟先生.
var nameStarters = newRuneSet("者生系请由给向对和与及跟让被把派带")

func isSurname(r rune) bool { return singleSurnames.has(r) }

// surnameAt returns the length of a surname at f[i] (2 for compound ones),
// or 0. With weak, only the common surnames count.
func surnameAt(f []rune, i int, weak bool) int {
	if compoundSurnames.matchAt(f, i) == 2 {
		return 2
	}
	r := at(f, i)
	if weak && weakSurnames.has(r) || !weak && isSurname(r) {
		return 1
	}
	return 0
}

func givenNameRune(r rune) bool {
	return isHan(r) && !nameStop.has(r) && !nameBreak.has(r)
}

// nameEndsAt reports whether a name may end at f[i]: the text ends, a
// non-Han character follows, or a terminator or a stop character.
//
// After a weak introducer only the characters of weakEnders end a name on
// their own: most others also end words ("本人陈述如下", "本人曾致电"),
// which would make a fragment of a phrase look like a name.
func nameEndsAt(f []rune, i int, weak bool) bool {
	if i >= len(f) || !isHan(f[i]) {
		return true
	}
	// 某 is what an adjacent redaction leaves: a name does not end there,
	// so that a second pass finds nothing new.
	if f[i] == '某' || nameBreak.has(f[i]) {
		return false
	}
	if terminators.matchAt(f, i) > 1 || titles.matchAt(f, i) > 0 {
		return true
	}
	if weak {
		return weakEnders.has(f[i])
	}
	return nameStop.has(f[i]) || terminators.matchAt(f, i) > 0
}

// weakEnders end a name after a weak introducer: "业主王芳的", "民警刘洋到场".
var weakEnders = newRuneSet("的说称在是和与及等于今现男女因向从也都已被把对给让找拒不未没一又还就要想将到")

// introducer modes: how much to trust what follows.
const (
	introWeak   = iota // a common surname must follow
	introStrong        // any surname must follow
	introColon         // "姓名：…": any character may start the name
)

// names finds names after introducers, before titles and after 姓.
func (s *scan) names() {
	f := s.f
	for i := 0; i < len(f); i++ {
		if !isHan(f[i]) {
			continue
		}
		if l := strongIntroducers.matchAt(f, i); l > 0 {
			s.introduced(i+l, introStrong)
		}
		if l := weakIntroducers.matchAt(f, i); l > 0 {
			s.introduced(i+l, introWeak)
		}
		if l := titles.matchAt(f, i); l > 0 {
			s.titled(i)
		}
		if f[i] == '姓' {
			s.surnameAfterXing(i)
		}
	}
}

// introduced looks for a name right after an introducer ending at j.
func (s *scan) introduced(j int, mode int) {
	f := s.f
	q := j
	for q < len(f) && isSpace(f[q]) && q-j < 2 {
		q++
	}
	if at(f, q) == ':' {
		mode = introColon
		q++
		for q < len(f) && isSpace(f[q]) && q-j < 4 {
			q++
		}
	}
	if mode != introWeak {
		for q < len(f) && (f[q] == '是' || f[q] == '为') && q-j < 4 {
			q++
		}
	}
	sl := surnameAt(f, q, mode == introWeak)
	surname := sl > 0
	if !surname {
		if mode != introColon || !givenNameRune(at(f, q)) {
			return
		}
		sl = 1 // after a colon: the first character may be a rare surname
	}
	// The title rule handles 王经理, 李女士.
	if titles.matchAt(f, q+sl) > 0 {
		return
	}
	// After a colon, a short run of Han characters standing alone is the
	// name, whatever its characters: "患者：黄永年，".
	if mode == introColon {
		e := q + sl
		for e < len(f) && e-q < sl+3 && isHan(f[e]) && !nameBreak.has(f[e]) && f[e] != '某' {
			e++
		}
		if g := e - q - sl; g >= 1 && g <= 2 && (e >= len(f) || !isHan(f[e])) {
			if l := notNames.matchAt(f, q); l == 0 || l > e-q {
				s.add(q, e, KindName, NameMask, prioName)
				return
			}
		}
	}
	if !surname {
		return
	}
	// Longest given name first: two characters, then one.
	for g := 2; g >= 1; g-- {
		e := q + sl + g
		if e > len(f) {
			continue
		}
		ok := true
		for k := q + sl; k < e; k++ {
			// After a colon, 张三 and 李四 are names too.
			if !givenNameRune(f[k]) && !(mode == introColon && isNumeralCN(f[k])) {
				ok = false
				break
			}
		}
		if !ok || !nameEndsAt(f, e, mode == introWeak) {
			continue
		}
		if l := notNames.matchAt(f, q); l > 0 && l <= e-q {
			return
		}
		s.add(q, e, KindName, NameMask, prioName)
		return
	}
	if mode != introWeak && givenNameRune(at(f, q+sl)) {
		// No clear end ("我叫王小明明天…"): take the usual length.
		e := q + sl + 1
		if givenNameRune(at(f, e)) {
			e++
		}
		if l := notNames.matchAt(f, q); l > 0 && l <= e-q {
			return
		}
		s.add(q, e, KindName, NameMask, prioName)
	}
}

// titleCompounds are words that end in a title but are not a surname and a
// title: 班主任 (the class teacher), 车队长.
var titleCompounds = runesOf("班主任", "车队长", "车站长", "宿舍长", "房管局长", "邮局长")

// titled looks for a surname (or a full name) before the title at p.
func (s *scan) titled(p int) {
	f := s.f
	for _, rw := range titleCompounds {
		if l := titles.matchAt(f, p); hasAt(f, p+l-len(rw), rw) && p+l-len(rw) < p {
			return
		}
	}
	// A full name with a clear start (的张伟先生, 联系人王建国老师), or a
	// compound surname with or without a given name (欧阳女士, 欧阳娜娜女士).
	for k := 4; k >= 2; k-- {
		a := p - k
		if a < 0 {
			continue
		}
		sl := surnameAt(f, a, false)
		if sl == 0 || sl == 1 && notSurnameBefore.has(f[a]) || k-sl > 2 {
			continue
		}
		ok := true
		for m := a + sl; m < p; m++ {
			if !givenNameRune(f[m]) {
				ok = false
			}
		}
		if !ok || titleWords.endsAt(f, p) > 0 && titleWords.endsAt(f, p) <= k {
			continue
		}
		if l := notNames.matchAt(f, a); l > 0 && l <= k {
			continue
		}
		before := at(f, a-1)
		clearStart := !isHan(before) || nameStop.has(before) || nameBreak.has(before) ||
			nameStarters.has(before) || titles.endsAt(f, a) > 0
		if sl == 2 || clearStart || k == 2 && !surnameUsable(f, p-1) {
			s.add(a, p, KindName, SurnameMask, prioName)
			return
		}
	}
	if surnameUsable(f, p-1) {
		s.add(p-1, p, KindName, SurnameMask, prioName)
	}
}

// surnameUsable reports whether f[i] is a surname right before a title,
// not a function word and not the end of a word such as 主任 or 维修.
func surnameUsable(f []rune, i int) bool {
	r := at(f, i)
	if !isSurname(r) || notSurnameBefore.has(r) {
		return false
	}
	return titleWords.endsAt(f, i+1) == 0
}

// surnameAfterXing replaces the surname in 姓张, 我姓欧阳.
func (s *scan) surnameAfterXing(i int) {
	f := s.f
	if runeIn(at(f, i-1), "百同贵复改") {
		return
	}
	j := i + 1
	for j < len(f) && isSpace(f[j]) && j-i < 2 {
		j++
	}
	sl := surnameAt(f, j, false)
	if sl == 0 {
		return
	}
	// 姓名, 姓氏 are not surnames; one of the introducers handles 姓名.
	s.add(j, j+sl, KindName, SurnameMask, prioName)
}
