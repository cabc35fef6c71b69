package console

import (
	"fmt"
	"strconv"
	"time"

	"govapp/internal/policy"
	"govapp/internal/push"
)

// Chinese for the codes and quantities the console would otherwise show raw.

// deptKindNames name the kinds of department.
var deptKindNames = map[string]string{"city": "市级", "bureau": "委办局", "center": "中心", "district": "区县", "section": "科室/下属单位"}

// deliveryStatuses name the outcomes of a push, in the order they are shown.
var deliveryStatuses = []struct{ Code, Name string }{
	{push.StatusSent, "已送达"}, {push.StatusPending, "待发送"}, {push.StatusSending, "发送中"},
	{push.StatusNoGrant, "未授权订阅"}, {push.StatusSkipped, "居民已关闭提醒"}, {push.StatusRefused, "居民拒收"},
	{push.StatusFailed, "发送失败"},
}

// wechatErrNames say what the WeChat errcodes of failed pushes mean.
var wechatErrNames = map[int]string{
	-3: "网络超时或连接失败", -1: "微信系统繁忙", 40001: "接口凭证无效", 40003: "openid 无效", 40037: "模板编号无效",
	41030: "跳转页面无效", 43101: "用户拒收或未授权订阅", 43107: "订阅消息次数已用完", 45009: "接口调用超过限额",
	47003: "模板参数不正确",
}

// humanDuration says a configured span the way people do: whole days from
// two days up ("7 天"), else hours ("24 小时"), else minutes.
func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + " 天"
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " 小时"
	case d >= time.Hour:
		return fmt.Sprintf("%d 小时 %d 分钟", int(d/time.Hour), int(d%time.Hour/time.Minute))
	case d >= time.Minute:
		return strconv.Itoa(int(d/time.Minute)) + " 分钟"
	}
	return strconv.Itoa(int(d/time.Second)) + " 秒"
}

type labelledCount struct {
	Name  string
	Count int
}

// releaseView is a release with its totals and failures in Chinese.
type releaseView struct {
	policy.Release
	Totals   []labelledCount
	Failures []labelledCount
}

func viewReleases(rs []policy.Release) []releaseView {
	out := make([]releaseView, 0, len(rs))
	for _, r := range rs {
		v := releaseView{Release: r}
		seen := map[string]bool{}
		for _, s := range deliveryStatuses {
			seen[s.Code] = true
			if n := r.ByStatus[s.Code]; n > 0 || s.Code == push.StatusSent {
				v.Totals = append(v.Totals, labelledCount{s.Name, n})
			}
		}
		for code, n := range r.ByStatus {
			if !seen[code] && n > 0 {
				v.Totals = append(v.Totals, labelledCount{"其他", n})
			}
		}
		for _, f := range r.Failures {
			name := wechatErrNames[f.ErrCode]
			if name == "" {
				name = "其他错误"
			}
			v.Failures = append(v.Failures, labelledCount{fmt.Sprintf("%s（错误码 %d）", name, f.ErrCode), f.Count})
		}
		out = append(out, v)
	}
	return out
}
