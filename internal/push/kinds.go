package push

import (
	"fmt"
	"slices"
)

// Field is one keyword of a message's WeChat template: its key (the
// template registered in the WeChat console must carry it) and what it holds.
type Field struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Example string `json:"example"`
}

// Kind is one kind of message the service sends. Its name is the key of
// push.templates in the configuration, which maps it to the WeChat template
// ids; Fields are the only keywords its messages fill (EnqueueTx refuses
// others), so that what GET /api/v1/subscribe-templates tells the
// mini-program cannot drift from what is sent.
type Kind struct {
	Name   string  `json:"kind"`
	Label  string  `json:"label"`
	When   string  `json:"when"`
	Fields []Field `json:"fields"`
}

// Kinds lists every kind of message, in the order the mini-program should
// ask for the grants.
var Kinds = []Kind{
	{Name: "ticket_update", Label: "诉求办理进度", When: "诉求被受理、不予受理、答复、需要补充信息、办结或重新办理时",
		Fields: []Field{{"character_string1", "受理编号", "MB2026120300001"}, {"thing2", "诉求标题", "小区电梯停运两周"},
			{"phrase3", "办理状态", "已答复"}, {"time4", "更新时间", "2026-12-03 15:04"}}},
	{Name: "appointment_reminder", Label: "预约办事提醒", When: "办事前一天晚上和开始前一小时（booking.reminder_evening、booking.reminder_before）",
		Fields: []Field{{"thing1", "办事大厅", "市民之家"}, {"thing2", "办理事项", "居民身份证换领"},
			{"time3", "预约时间", "2026-12-04 09:30"}, {"character_string4", "签到码", "K7Q2-4815"}, {"thing5", "温馨提示", "明天请按时到大厅签到，不能前往请提前取消"}}},
	{Name: "appointment_change", Label: "预约变更通知", When: "大厅临时闭厅、预约被取消时",
		Fields: []Field{{"thing1", "办事大厅", "市民之家"}, {"thing2", "办理事项", "居民身份证换领"},
			{"time3", "预约时间", "2026-12-04 09:30"}, {"phrase4", "预约状态", "已取消"},
			{"thing5", "变更原因", "闭厅：设备检修"}, {"thing6", "后续办理", "可改约其他时段"}}},
	{Name: "policy_release", Label: "政策发布与更正", When: "订阅的主题有新政策发布或已发布政策更正时",
		Fields: []Field{{"thing1", "政策名称", "关于进一步稳就业的若干措施"}, {"thing2", "发文机关/文号", "长人社发〔2025〕8号"},
			{"date3", "发文日期", "2026年12月3日"}, {"thing4", "说明", "点击查看政策原文与解读"}}},
}

// kindOf returns the kind named name.
func kindOf(name string) (Kind, bool) {
	i := slices.IndexFunc(Kinds, func(k Kind) bool { return k.Name == name })
	if i < 0 {
		return Kind{}, false
	}
	return Kinds[i], true
}

// checkFields refuses a message that fills a keyword its kind does not declare.
func checkFields(m Message) error {
	k, ok := kindOf(m.Template)
	if !ok {
		return fmt.Errorf("push: %q is not a kind of message (push.Kinds)", m.Template)
	}
	for key := range m.Data {
		if !slices.ContainsFunc(k.Fields, func(f Field) bool { return f.Key == key }) {
			return fmt.Errorf("push: %s does not declare the keyword %q (push.Kinds)", m.Template, key)
		}
	}
	return nil
}
