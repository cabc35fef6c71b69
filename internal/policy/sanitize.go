package policy

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
)

// Sanitizer cleans the HTML of policy bodies. It is bluemonday's UGC policy
// (structure, links, images and tables; no scripts, styles, forms, event
// handlers or javascript: URLs) plus iframes whose https address is on one
// of the allowed video hosts — an iframe from anywhere else is dropped whole.
// It is safe for concurrent use.
type Sanitizer struct {
	ugc  *bluemonday.Policy
	text *bluemonday.Policy
}

// NewSanitizer returns a sanitizer that lets through the video players of
// videoHosts (e.g. v.qq.com), none when it is empty.
func NewSanitizer(videoHosts []string) *Sanitizer {
	p := bluemonday.UGCPolicy()
	p.AddTargetBlankToFullyQualifiedLinks(true)
	var hosts []string
	for _, h := range videoHosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			hosts = append(hosts, regexp.QuoteMeta(h))
		}
	}
	if len(hosts) > 0 {
		// src is the iframe's only attribute: without an allowed src the
		// element has none left, and bluemonday drops it with its content.
		src := regexp.MustCompile(`^https://(?:` + strings.Join(hosts, "|") + `)/[^\s"'<>\\]*$`)
		p.AllowAttrs("src").Matching(src).OnElements("iframe")
	}
	return &Sanitizer{ugc: p, text: bluemonday.StrictPolicy().AddSpaceWhenStrippingTag(true)}
}

// HTML returns body with everything unsafe removed.
func (s *Sanitizer) HTML(body string) string {
	return strings.TrimSpace(s.ugc.Sanitize(body))
}

var spaces = regexp.MustCompile(`\s+`)

// Text returns the words of an HTML body without any markup, whitespace
// collapsed (for search and excerpts).
func (s *Sanitizer) Text(body string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(s.text.Sanitize(body)), " "))
}

// Excerpt returns the first n characters of text (see Sanitizer.Text), with
// an ellipsis when cut, leaving out a leading salutation: a first paragraph
// of at most 40 characters ending in "：" (主送机关, "各区县（市）人民政府：").
func Excerpt(text string, n int) string {
	if i := strings.Index(text, "： "); i > 0 && utf8.RuneCountInString(text[:i]) <= 40 && !strings.ContainsAny(text[:i], "。；") {
		text = strings.TrimSpace(text[i+len("： "):])
	}
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	return string([]rune(text)[:n-1]) + "…"
}
