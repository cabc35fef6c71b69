package ticket

// StatusLabels names each status in Chinese, as the API's status_label and
// the console show it.
var StatusLabels = map[Status]string{
	Submitted: "待受理", Accepted: "已受理", Rejected: "不予受理", Cancelled: "已撤回",
	Dispatched: "已派单待签收", Returned: "已退回", Handling: "办理中", NeedInfo: "待补充信息",
	Replied: "已答复待审核", Visiting: "待回访", Closed: "已办结", Merged: "已合并",
}

// Label is the status's Chinese name.
func (s Status) Label() string {
	if l, ok := StatusLabels[s]; ok {
		return l
	}
	return string(s)
}

// ActionLabels names what each timeline entry records, as the API's label
// and the console show it.
var ActionLabels = map[string]string{
	"submit": "提交", "accept": "受理", "reject": "不予受理", "withdraw": "撤回", "answer": "直接答复",
	"dispatch": "派单", "sign": "签收", "return": "退单", "ask_info": "请补充信息", "provide_info": "补充信息",
	"request_extension": "申请延期", "approve_extension": "同意延期", "reply": "答复", "review_pass": "审核通过",
	"review_fail": "审核退回", "rate": "评价", "auto_close": "自动办结", "merge": "合并", "merge_child": "并入重复诉求",
	"publish": "公开办理结果", "callback": "电话回访", "remind": "催办", "supervise": "督办",
}

// actionLabel is the Chinese name of a timeline action.
func actionLabel(a string) string {
	if l, ok := ActionLabels[a]; ok {
		return l
	}
	return a
}

// Page is one page of a list, with the number of entries the whole list
// holds (whatever the page) for "共 N 条".
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
	Total      int    `json:"total"`
}
