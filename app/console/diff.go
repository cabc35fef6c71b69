package console

import (
	"fmt"
	"strings"

	"govapp/internal/guide"
	"govapp/internal/policy"
)

// A diff shows an editor, before publishing, what the draft changes against
// the published version: field by field, line by line, only what differs.

type diffLine struct {
	Op   string // "+" added in the draft, "-" removed from the published version, " " kept
	Text string
}

type diffField struct {
	Label string
	Lines []diffLine
}

// diffLines is the line diff of a → b by their longest common subsequence.
func diffLines(a, b []string) []diffLine {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{" ", a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{"-", a[i]})
			i++
		default:
			out = append(out, diffLine{"+", b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, diffLine{"-", a[i]})
	}
	for ; j < m; j++ {
		out = append(out, diffLine{"+", b[j]})
	}
	return out
}

// labelled is a document as labelled fields of lines, in page order.
type labelled []struct {
	Label string
	Lines []string
}

func (l *labelled) add(label string, lines ...string) {
	*l = append(*l, struct {
		Label string
		Lines []string
	}{label, lines})
}

// diffDocs compares the fields of two documents, keeping the changed ones.
func diffDocs(published, draft labelled) []diffField {
	var out []diffField
	for i := range draft {
		var old []string
		if i < len(published) {
			old = published[i].Lines
		}
		lines := diffLines(old, draft[i].Lines)
		for _, l := range lines {
			if l.Op != " " {
				out = append(out, diffField{Label: draft[i].Label, Lines: lines})
				break
			}
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func materialFormName(code string) string {
	for _, f := range materialForms {
		if f.Code == code {
			return f.Name
		}
	}
	return code
}

func splitLines(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// guideFields lays a guide's content out as the diff compares it.
func guideFields(g guide.Content) labelled {
	var l labelled
	l.add("事项名称", g.Name)
	l.add("服务对象", audienceName(g.Audience))
	l.add("分类", g.Category)
	l.add("受理单位", fmt.Sprint(g.DepartmentID))
	l.add("咨询电话", g.Phone)
	l.add("投诉电话", g.ComplaintPhone)
	l.add("法定时限", fmt.Sprintf("%d 个工作日", g.LegalTimeLimitDays))
	l.add("承诺时限", fmt.Sprintf("%d 个工作日", g.PromisedTimeLimitDays))
	l.add("最多跑动次数", fmt.Sprint(g.MaxVisits))
	l.add("可预约办理", yesNo(g.Bookable))
	l.add("收费标准", splitLines(g.Fees)...)
	l.add("网上办理地址", g.OnlineURL)
	l.add("设定依据", splitLines(g.LegalBasis)...)
	l.add("适用对象与条件", splitLines(g.ApplicableTo)...)
	l.add("关键词", strings.Join(g.Keywords, "，"))
	var steps, mats, halls []string
	for i, s := range g.Process {
		steps = append(steps, fmt.Sprintf("%d. %s：%s（%s）", i+1, s.Name, s.Description, s.TimeLimit))
	}
	for _, m := range g.Materials {
		need := "必需"
		if !m.Required {
			need = "非必需：" + m.Condition
		}
		mats = append(mats, fmt.Sprintf("%s · %s %d 份 · %s%s", m.Name, materialFormName(m.Form), m.Copies, need,
			strings.TrimSuffix(" · "+m.Notes, " · ")))
	}
	for _, h := range g.Halls {
		halls = append(halls, fmt.Sprintf("%s · %s · %s · %s", h.Name, h.Address, h.Phone, h.Hours))
	}
	l.add("办理流程", steps...)
	l.add("申请材料", mats...)
	l.add("办理地点", halls...)
	return l
}

func audienceName(a string) string {
	switch a {
	case guide.AudiencePersonal:
		return "个人"
	case guide.AudienceLegal:
		return "法人"
	}
	return a
}

// policyFields lays a policy's content out as the diff compares it; the body
// is compared as its text, one line per block.
func policyFields(p policy.Content) labelled {
	var l labelled
	l.add("标题", p.Title)
	l.add("文号", p.DocNumber)
	l.add("发文机关", p.Issuer)
	l.add("成文日期", p.IssueDate)
	l.add("施行日期", p.EffectiveDate)
	l.add("主题", strings.Join(p.Topics, "，"))
	l.add("重大政策", yesNo(p.Major))
	l.add("正文", splitLines(htmlToMarkdown(p.Body))...)
	l.add("相关办事指南", strings.Join(p.RelatedGuides, "，"))
	var att, in []string
	for _, a := range p.Attachments {
		att = append(att, a.Name+" · "+a.URL)
	}
	for _, x := range p.Interpretations {
		in = append(in, x.Kind+" · "+x.Title+" · "+x.Text)
	}
	l.add("附件", att...)
	l.add("政策解读", in...)
	return l
}
