package redact

import (
	"strings"
	"testing"
)

// want is an input and the exact redacted output.
type want struct {
	in, out string
}

func runTable(t *testing.T, kind string, cases []want) {
	t.Helper()
	for _, c := range cases {
		r := Redact(c.in, Options{})
		if r.Text != c.out {
			t.Errorf("%s\n in:   %s\n got:  %s\n want: %s\n spans: %+v", kind, c.in, r.Text, c.out, r.Spans)
		}
	}
}

func TestMobile(t *testing.T) {
	runTable(t, "mobile", []want{
		{"电话13812345678", "电话1**********"},
		{"手机：138 1234 5678。", "手机：1**********。"},
		{"手机138-1234-5678", "手机1**********"},
		{"请回电+86 138 1234 5678谢谢", "请回电1**********谢谢"},
		{"请回电+8613812345678", "请回电1**********"},
		{"请回电0086-13812345678", "请回电1**********"},
		{"请回电（+86）13812345678", "请回电1**********"},
		{"请回电１３８１２３４５６７８", "请回电1**********"},
		{"Tel:19912345678", "Tel:1**********"},
		{"tel13812345678", "tel1**********"},
		{"13812345678", "1**********"},
		{"号码是 17700001111，另一个 15900002222", "号码是 1**********，另一个 1**********"},
		// negatives
		{"12345678901", "12345678901"},                 // second digit 2: not a mobile
		{"138123456789", "138123456789"},               // 12 digits
		{"1381234567", "1381234567"},                   // 10 digits
		{"工单MB202611250001234", "工单MB202611250001234"}, // tracking number
		{"工单HL202609180000012", "工单HL202609180000012"},
		{"订单号SN13812345678A", "订单号SN13812345678A"},
		{"拨打12345热线", "拨打12345热线"},
		{"13812345678元", "13812345678元"}, // an amount
		{"金额3.13812345678", "金额3.13812345678"},
		{"手机138****5678", "手机138****5678"},
		{"1700000000 17000000000", "1700000000 1**********"},
	})
}

func TestLandline(t *testing.T) {
	runTable(t, "landline", []want{
		{"座机0731-84567890", "座机0731-********"},
		{"座机0731 8456 7890", "座机0731-********"},
		{"座机(0731)84567890", "座机0731-********"},
		{"座机（0731）84567890", "座机0731-********"},
		{"座机010-12345678", "座机010-********"},
		{"座机02087654321", "座机020-********"},
		{"座机0731-84567890-8001", "座机0731-********"},
		{"座机0731-84567890转8001，", "座机0731-********，"},
		{"座机0731-84567890 分机 8001，", "座机0731-********，"},
		{"联系电话：84567890", "联系电话：********"},
		{"电话 8456 7890", "电话 ********"},
		{"电话13812345678、84567890", "电话1**********、********"},
		{"+86 731 84567890", "0731-********"},
		// negatives
		{"投诉了84567890次", "投诉了84567890次"}, // no phone context
		{"电话费84567890元", "电话费84567890元"}, // an amount
		{"客服400-123-4567", "客服400-123-4567"},
		{"客服4001234567", "客服4001234567"},
		{"客服800-810-8888", "客服800-810-8888"},
		{"拨打110、120、119、122", "拨打110、120、119、122"},
		{"拨打12345、12315、12333、12366", "拨打12345、12315、12333、12366"},
		{"拨打0731-12345", "拨打0731-12345"}, // the hotline with an area code
		{"电话2026-09-18", "电话2026-09-18"},
		{"拨打95588", "拨打95588"},
		{"发票号码23456789", "发票号码23456789"},
		{"工号：10086", "工号：10086"},
		{"编号：2026-0918-001", "编号：2026-0918-001"},
	})
}

func TestIDCard(t *testing.T) {
	runTable(t, "id_card", []want{
		{"身份证号11010519491231002X", "身份证号[身份证号]"},
		{"11010519491231002x", "[身份证号]"},
		{"证件：440524188001010014。", "证件：[身份证号]。"},
		{"身份证 430102 19900307 4515", "身份证 [身份证号]"},
		{"号码430121198506122835", "号码[身份证号]"},
		{"旧身份证430121850612283", "旧身份证[身份证号]"},
		{"15位：430121850612283", "15位：[身份证号]"},
		// wrong check digit: left alone without context, removed with it
		{"订单号430102199003074516", "订单号430102199003074516"},
		{"单号123456789012345678", "单号123456789012345678"},
		{"身份证430102********4515", "身份证430102********4515"},
		{"身份证号430102199003074516", "身份证号[身份证号]"},
		{"身份证号码：12345678901234567X", "身份证号码：[身份证号]"},
		{"证件号123456789012345", "证件号[身份证号]"},
		// invalid dates, provinces
		{"流水号430102199013074512", "流水号430102199013074512"},
		{"流水号990102199003074515", "流水号990102199003074515"},
		{"流水号202611250001234", "流水号202611250001234"},
	})
}

func TestBankCard(t *testing.T) {
	runTable(t, "bank_card", []want{
		{"工资卡6222021234567890128", "工资卡[银行卡号]"},
		{"卡号 6228 4800 1234 5671", "卡号 [银行卡号]"},
		{"转到6217001234567890122", "转到[银行卡号]"},
		{"转到4367421234567896", "转到[银行卡号]"},
		{"账号：123456789012", "账号：[银行卡号]"},
		// negatives: Luhn fails, or not a card prefix
		{"编号6222021234567890127", "编号6222021234567890127"},
		{"编号1234567812345670", "编号1234567812345670"},
	})
}

func TestPlate(t *testing.T) {
	runTable(t, "plate", []want{
		{"车牌湘A·12345", "车牌湘A·*****"},
		{"车牌湘A12345的车", "车牌湘A·*****的车"},
		{"车牌湘a 12345", "车牌湘A·*****"},
		{"车牌粤B D12345", "车牌粤B·******"},
		{"车牌粤BD12345", "车牌粤B·******"},
		{"车牌粤B·12345D", "车牌粤B·******"},
		{"车牌京A·BX123", "车牌京A·*****"},
		{"车牌湘Ａ·１２３４５", "车牌湘A·*****"},
		{"车牌湘A-12345", "车牌湘A·*****"},
		// negatives
		{"湘A股份", "湘A股份"},
		{"湘ABCDEF", "湘ABCDEF"},
		{"湘A1234567", "湘A1234567"},
		{"苏州12345", "苏州12345"},
	})
}

func TestEmailAndAccount(t *testing.T) {
	runTable(t, "email/account", []want{
		{"邮箱zhangwei@qq.com，", "邮箱[邮箱]，"},
		{"邮箱 zhang.wei+12345@mail.example.com.cn。", "邮箱 [邮箱]。"},
		{"邮箱13812345678@163.com", "邮箱[邮箱]"},
		{"QQ：123456789", "QQ：[账号]"},
		{"qq号 123456789", "qq号 [账号]"},
		{"微信号zw_1990abc，", "微信号[账号]，"},
		{"微信：13812345678", "微信：1**********"},
		// negatives
		{"关注微信公众号“掌上政务”", "关注微信公众号“掌上政务”"},
		{"a@b", "a@b"},
		{"发邮件到@某某", "发邮件到@某某"},
		{"QQ群", "QQ群"},
		{"在微信12345小程序上提交", "在微信12345小程序上提交"},
	})
}

func TestAddress(t *testing.T) {
	runTable(t, "address", []want{
		{"城东区东湖街道幸福路 28 号 3 栋 2 单元 501 室", "城东区东湖街道幸福路**"},
		{"城东区东湖街道幸福路28号3栋2单元501室", "城东区东湖街道幸福路**"},
		{"住在幸福小区3栋2单元501，", "住在幸福小区**，"},
		{"住在幸福小区3-2-501", "住在幸福小区**"},
		{"金色家园二期12号楼1802室楼上", "金色家园**楼上"},
		{"万达广场A座1203室", "万达广场**"},
		{"李家村5组12号", "李家村**"},
		{"芙蓉中路一段123号", "芙蓉中路一段**"},
		{"住3栋2单元", "住**"},
		{"楼上501室", "楼上**"},
		{"人民路与解放路交叉口", "人民路与解放路交叉口"},
		// negatives
		{"9月28号下午", "9月28号下午"},
		{"2026年9月18日下午3点", "2026年9月18日下午3点"},
		{"地铁幸福路3号线", "地铁幸福路3号线"},
		{"湘政发〔2026〕12号文件", "湘政发〔2026〕12号文件"},
		{"第3栋楼", "第3栋楼"},
		{"房子是3室2厅", "房子是3室2厅"},
		{"三室两厅", "三室两厅"},
		{"建了3栋楼", "建了3栋楼"},
		{"住在3楼", "住在3楼"},
		{"东湖街道3个社区", "东湖街道3个社区"},
		{"幸福路5000元", "幸福路5000元"},
		{"幸福路口发生3次", "幸福路口发生3次"},
		{"共有2000户", "共有2000户"},
		{"一期二期三期", "一期二期三期"},
		{"政务服务中心2楼5号窗口", "政务服务中心2楼5号窗口"},
		{"乘坐地铁2号线到五一广场站3号出口", "乘坐地铁2号线到五一广场站3号出口"},
		{"公交12路车", "公交12路车"},
		{"万科魅力之城B区12栋", "万科魅力之城**"},
		{"芙蓉中路二段388号", "芙蓉中路二段**"},
	})
}

func TestNames(t *testing.T) {
	runTable(t, "name", []want{
		{"我叫张伟，", "我叫某某，"},
		{"我叫张伟住在幸福路", "我叫某某住在幸福路"},
		{"本人李秀英，", "本人某某，"},
		{"我是王芳的母亲", "我是某某的母亲"},
		{"姓名：刘建国 电话", "姓名：某某 电话"},
		{"联系人：欧阳娜娜。", "联系人：某某。"},
		{"联系人王女士", "联系人某女士"},
		{"找了物业的张经理", "找了物业的某经理"},
		{"维修王师傅", "维修某师傅"},
		{"小区黄先生", "小区某先生"},
		{"社区张伟先生", "社区某先生"},
		{"的李明阿姨", "的某阿姨"},
		{"业主王建国反映", "业主某某反映"},
		{"投诉人：赵四", "投诉人：某某"},
		{"我姓张", "我姓某"},
		{"一位姓李的师傅", "一位姓某的师傅"},
		{"民警刘洋到场", "民警某某到场"},
		{"名叫王小明今年10岁", "名叫某某今年10岁"},
		{"孩子陈子涵在幸福小学", "孩子某某在幸福小学"},
		// negatives
		{"班主任老师", "班主任老师"},
		{"向老师反映", "向老师反映"},
		{"我是王家村的村民", "我是王家村的村民"},
		{"我是周边居民", "我是周边居民"},
		{"我是业主", "我是业主"},
		{"本人于2026年", "本人于2026年"},
		{"本人于上月", "本人于上月"},
		{"老百姓反映", "老百姓反映"},
		{"市住建局", "市住建局"},
		{"门卫大爷", "门卫大爷"},
		{"保安师傅", "保安师傅"},
		{"出租车师傅", "出租车师傅"},
		{"姓名、电话", "姓名、电话"},
		{"联系人电话", "联系人电话"},
		{"我叫了救护车", "我叫了救护车"},
		{"我是高三学生家长", "我是高三学生家长"},
		{"我是黄花镇人", "我是黄花镇人"},
		{"各位领导", "各位领导"},
		{"孩子今年上学", "孩子今年上学"},
		{"《劳动合同法》第三十条", "《劳动合同法》第三十条"},
		{"本人陈述如下：", "本人陈述如下："},
		{"本人曾致电12345", "本人曾致电12345"},
		{"本人曾遇到这种情况", "本人曾遇到这种情况"},
		{"本人郑重承诺", "本人郑重承诺"},
		{"司机马上就走了", "司机马上就走了"},
		{"我是程序员", "我是程序员"},
		{"我是钟点工", "我是钟点工"},
		{"我是杜鹃花园业主", "我是杜鹃花园业主"},
		{"孩子周末要上课", "孩子周末要上课"},
		{"工人施工到半夜", "工人施工到半夜"},
		{"找黄牛买的票", "找黄牛买的票"},
		{"我是张家界人", "我是张家界人"},
		{"我是江苏人", "我是江苏人"},
		{"王府井百货楼下", "王府井百货楼下"},
		{"刘海路与马王堆路交叉口", "刘海路与马王堆路交叉口"},
		{"朱雀门社区、毛家桥社区、雷锋街道", "朱雀门社区、毛家桥社区、雷锋街道"},
		{"城东区人民政府区长办公室", "城东区人民政府区长办公室"},
		{"甲方：长沙某某公司", "甲方：长沙某某公司"},
		{"联系人：物业", "联系人：物业"},
		{"姓名：不详", "姓名：不详"},
		{"居民反映、村民们、保洁阿姨、委员会、朋友圈、局长信箱", "居民反映、村民们、保洁阿姨、委员会、朋友圈、局长信箱"},
		{"王某某、李某等3人", "王某某、李某等3人"},
		// more positives
		{"老师傅姓王，人很好", "老师傅姓某，人很好"},
		{"请转告李局长和王主任", "请转告某局长和某主任"},
		{"社区书记李红梅", "社区书记某某"},
		{"派出所所长王立新", "派出所所长某某"},
		{"区人大代表张勇", "区人大代表某某"},
		{"乙方：王小红", "乙方：某某"},
		{"患者：黄永年，", "患者：某某，"},
		{"我母亲叫张桂英，今年80岁", "我母亲叫某某，今年80岁"},
		{"姓名：张三", "姓名：某某"},
		{"项目经理李强说", "项目经理某某说"},
		{"联系人欧阳女士", "联系人某女士"},
		{"请转告欧阳娜娜女士", "请转告某女士"},
		{"诸葛先生和司马老师", "某先生和某老师"},
	})
}

func TestKnownNamesAndSubmitter(t *testing.T) {
	opts := Options{
		KnownNames:        []string{"张伟", " 李 秀英 ", "王"},
		SubmitterIdentity: []string{"快乐的小鱼", "oAbC123xyz", "x"},
	}
	in := "张伟和李秀英、张 伟；昵称快乐的小鱼，openid oAbC123xyz，OABC123XYZ，oAbC123xyzz。王先生"
	r := Redact(in, opts)
	wantText := "某某和某某、某某；昵称***，openid ***，***，oAbC123xyzz。某先生"
	if r.Text != wantText {
		t.Fatalf("got  %s\nwant %s\n%+v", r.Text, wantText, r.Spans)
	}
	kinds := r.Kinds()
	if kinds[KindName] != 4 || kinds[KindSubmitter] != 3 {
		t.Errorf("kinds = %v", kinds)
	}
}

func TestAllow(t *testing.T) {
	in := "请拨打区住建局电话0731-84567890咨询，或联系13812345678。"
	r := Redact(in, Options{Allow: []string{"0731-84567890"}})
	want := "请拨打区住建局电话0731-84567890咨询，或联系1**********。"
	if r.Text != want {
		t.Fatalf("got %s", r.Text)
	}
}

func TestSpansAndDiff(t *testing.T) {
	in := "我叫张伟，电话13812345678，住幸福路28号。"
	r := Redact(in, Options{})
	rs := []rune(in)
	for _, sp := range r.Spans {
		if string(rs[sp.Start:sp.End]) != sp.Original {
			t.Errorf("span %+v does not cover its original", sp)
		}
	}
	parts := Diff(in, r)
	var orig, red strings.Builder
	for _, p := range parts {
		orig.WriteString(p.Text)
		if p.Op == DiffKeep {
			red.WriteString(p.Text)
		} else {
			red.WriteString(p.Replacement)
			if p.Kind == "" {
				t.Errorf("redact part without kind: %+v", p)
			}
		}
	}
	if orig.String() != in || red.String() != r.Text {
		t.Fatalf("diff does not rebuild: %q / %q", orig.String(), red.String())
	}
	if len(parts) != 7 || parts[0].Op != DiffKeep || parts[1].Op != DiffRedact || parts[1].Kind != KindName {
		t.Errorf("parts = %+v", parts)
	}

	// Apply: the operator drops the address span.
	var keep []Span
	for _, sp := range r.Spans {
		if sp.Kind != KindAddress {
			keep = append(keep, sp)
		}
	}
	got, err := Apply(in, keep)
	if err != nil || got != "我叫某某，电话1**********，住幸福路28号。" {
		t.Fatalf("Apply = %q, %v", got, err)
	}
	if got, err := Apply(in, r.Spans); err != nil || got != r.Text {
		t.Fatalf("Apply(all) = %q, %v", got, err)
	}
	bad := []Span{{Start: 2, End: 4, Original: "李四", Replacement: "某某"}}
	if _, err := Apply(in, bad); err == nil {
		t.Error("Apply accepted a span whose original does not match")
	}
	if _, err := Apply(in, []Span{{Start: 2, End: 4, Original: "张伟"}, {Start: 3, End: 5, Original: "伟，"}}); err == nil {
		t.Error("Apply accepted overlapping spans")
	}
	if _, err := Apply(in, []Span{{Start: 2, End: 400, Original: "x"}}); err == nil {
		t.Error("Apply accepted a span out of range")
	}
	if d := Diff("", Result{}); len(d) != 0 {
		t.Errorf("Diff of empty = %+v", d)
	}
}

func TestCheckDigit(t *testing.T) {
	// The examples of GB 11643-1999.
	for _, id := range []string{"11010519491231002X", "440524188001010014"} {
		d := []byte(strings.ToLower(id))
		if !validID18(d) {
			t.Errorf("%s should be valid", id)
		}
		d[17] = '0' + (d[17]-'0'+1)%10
		if d[17] == 'x'+1 || validID18(d) {
			t.Errorf("%s with a changed check digit should be invalid", id)
		}
	}
	if !luhn([]byte("4111111111111111")) || luhn([]byte("4111111111111112")) {
		t.Error("luhn")
	}
}

func TestEmptyAndInvalidUTF8(t *testing.T) {
	if r := Redact("", Options{}); r.Text != "" || len(r.Spans) != 0 {
		t.Fatalf("%+v", r)
	}
	r := Redact("电话13812345678\xff\xfe", Options{})
	if r.Text != "电话1**********\uFFFD\uFFFD" {
		t.Fatalf("%q", r.Text)
	}
}

func TestCompose(t *testing.T) {
	orig := []rune("abcdefgh")
	first := []Span{
		{Start: 1, End: 3, Kind: KindName, Original: "bc", Replacement: "XY"},
		{Start: 5, End: 6, Kind: KindAddress, Original: "f", Replacement: "**"},
	}
	out := apply(orig, first) // aXYde**gh
	if string(out) != "aXYde**gh" {
		t.Fatalf("apply = %q", string(out))
	}
	second := []Span{
		{Start: 2, End: 4, Kind: KindPhone, Original: "Yd", Replacement: "Z"},
		{Start: 6, End: 8, Kind: KindName, Original: "*g", Replacement: "Q"},
	}
	want := "aXZe*Qh" // second applied to out
	got := compose(orig, first, out, second)
	if s := string(apply(orig, got)); s != want {
		t.Fatalf("compose gives %q, want %q; spans %+v", s, want, got)
	}
	if len(got) != 2 || got[0].Start != 1 || got[0].End != 4 || got[0].Original != "bcd" || got[0].Kind != KindPhone ||
		got[1].Start != 5 || got[1].End != 7 || got[1].Original != "fg" || got[1].Kind != KindName {
		t.Fatalf("spans = %+v", got)
	}
}

// A span dropped in the first pass (it overlapped a known name) would come
// back on the output; Redact merges it so that the result is stable.
func TestSecondPassIsMerged(t *testing.T) {
	opts := Options{KnownNames: []string{"张伟"}}
	in := "我叫张䏫张伟0"
	r := Redact(in, opts)
	if again := Redact(r.Text, opts); again.Text != r.Text || len(again.Spans) != 0 {
		t.Fatalf("second pass changed %q into %q", r.Text, again.Text)
	}
	if strings.Contains(r.Text, "张") {
		t.Fatalf("a name survived: %q", r.Text)
	}
	if got, err := Apply(in, r.Spans); err != nil || got != r.Text {
		t.Fatalf("Apply = %q, %v", got, err)
	}
}

// Room, building and house numbers are addresses; the phone numbers next to
// them are phones; amounts, dates, counts and the hotline stay.
func TestRoomVersusPhone(t *testing.T) {
	runTable(t, "room/phone", []want{
		{"住1502室，电话84567890", "住**，电话********"},
		{"幸福小区3栋2单元501 电话13812345678", "幸福小区** 电话1**********"},
		{"幸福路28号，手机13812345678，欠款5000元", "幸福路**，手机1**********，欠款5000元"},
		{"1502室的住户于2026-09-18打了3次12345", "**的住户于2026-09-18打了3次12345"},
		{"房号1201，座机2345678", "房号1201，座机********"},
		{"共5栋楼、3个单元、120户", "共5栋楼、3个单元、120户"},
		{"电话：8栋1502", "电话：**"},
	})
}
