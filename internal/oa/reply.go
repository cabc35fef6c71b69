package oa

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// GuideDetailPage is the mini-program page of one guide; the code is appended.
const GuideDetailPage = "pages/guide/detail?code="

// maxQueryRunes is the longest text searched as a guide query (the guide
// search's own limit); longer texts get a hint instead.
const maxQueryRunes = 64

// bestMatches is how many guides a text reply lists.
const bestMatches = 3

// defaultWelcome is the subscribe welcome when the menu file sets none.
var defaultWelcome = Answer{
	Text: "您好，欢迎关注！在这里您可以：\n" +
		"· 办事指南查询：直接发送事项名称，如“公积金提取”\n" +
		"· 12345 热线：政务服务便民热线，电话或在线留言\n" +
		"· 预约办事：预约大厅窗口，少排队\n" +
		"· 政策订阅：新政策第一时间通知您",
	Links: []Link{
		{Title: "办事指南", Path: "pages/guide/index"},
		{Title: "12345 在线留言", Path: "pages/hotline/index"},
		{Title: "预约办事", Path: "pages/booking/index"},
		{Title: "政策订阅", Path: "pages/policy/index"},
	},
}

// helpWords are texts answered with the welcome instead of a search.
var helpWords = map[string]bool{"帮助": true, "菜单": true, "?": true, "？": true, "help": true, "你好": true, "您好": true}

// render writes an answer as a text reply: the text, then one link a line.
func (s *Service) render(a Answer) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(a.Text))
	for i, l := range a.Links {
		if i == 0 && b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("\n")
		b.WriteString(s.link(l))
	}
	return capBytes(b.String(), maxAnswerBytes)
}

// link renders a link of a text reply: <a data-miniprogram-appid=…
// data-miniprogram-path=…> for a mini-program page (href is the fallback for
// clients that cannot open it), <a href=…> for a web page.
func (s *Service) link(l Link) string {
	title := clean(l.Title)
	switch {
	case l.Path != "" && s.mpAppID != "":
		href := ""
		if s.menu.FallbackURL != "" {
			href = ` href="` + clean(s.menu.FallbackURL) + `"`
		}
		return `<a` + href + ` data-miniprogram-appid="` + clean(s.mpAppID) + `" data-miniprogram-path="` + clean(l.Path) + `">` + title + `</a>`
	case l.URL != "":
		return `<a href="` + clean(l.URL) + `">` + title + `</a>`
	}
	return title
}

// clean drops what would break the markup of a text reply.
func clean(s string) string {
	return strings.NewReplacer(`<`, "", `>`, "", `"`, "", "\n", " ").Replace(strings.TrimSpace(s))
}

// capBytes cuts s to at most n bytes at a line break, never inside a link.
func capBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndex(s[:n], "\n")
	if cut <= 0 {
		cut = n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut]
}

func (s *Service) welcome() string {
	if s.menu.Welcome != nil {
		return s.render(*s.menu.Welcome)
	}
	return s.render(defaultWelcome)
}

// answerText searches the guides for what a follower typed and lists the
// best matches, or answers a hint or the fallback. It never fails: a search
// error is logged and answered politely.
func (s *Service) answerText(text string) string {
	q := strings.TrimSpace(text)
	switch {
	case q == "":
		return "请直接发送想办理的事项名称，例如“公积金提取”“身份证换领”，我们为您查找办事指南。"
	case helpWords[strings.ToLower(q)]:
		return s.welcome()
	case utf8.RuneCountInString(q) > maxQueryRunes:
		return fmt.Sprintf("您发送的内容较长，请只发送事项名称关键词，例如“公积金提取”。如需详细咨询，请拨打 %s 政务服务便民热线。", s.hotline())
	}
	matches, err := s.guides.Search(q, bestMatches)
	if err != nil {
		s.log.Warn("oa: guide search failed", "err", err)
		return fmt.Sprintf("系统繁忙，暂时无法查询办事指南，请稍后再试，或拨打 %s 政务服务便民热线咨询。", s.hotline())
	}
	if len(matches) == 0 {
		return s.render(Answer{
			Text:  fmt.Sprintf("抱歉，暂未找到相关的办事指南。您可以换个关键词再试，例如“社保”“户口”，或拨打 %s 政务服务便民热线咨询。", s.hotline()),
			Links: []Link{{Title: "在小程序中查看全部办事指南", Path: "pages/guide/index"}},
		})
	}
	if len(matches) > bestMatches {
		matches = matches[:bestMatches]
	}
	var b strings.Builder
	b.WriteString("为您找到以下办事指南：")
	for i, m := range matches {
		fmt.Fprintf(&b, "\n%d. %s", i+1, s.link(Link{Title: m.Name, Path: GuideDetailPage + url.QueryEscape(m.Code)}))
	}
	b.WriteString("\n点击事项名称查看所需材料、办理流程和地点。")
	return capBytes(b.String(), maxAnswerBytes)
}

func (s *Service) hotline() string {
	if s.menu.Hotline != "" {
		return s.menu.Hotline
	}
	return DefaultHotline
}
