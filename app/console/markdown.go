package console

import (
	"html"
	"regexp"
	"strings"

	xhtml "golang.org/x/net/html"
)

// Policy bodies are written in a small Markdown subset and stored as the
// HTML the policy package sanitises: headings (#, ##, ###), paragraphs, line
// breaks, bulleted (- or *) and numbered (1.) lists, **bold**, *italic* and
// [links](https://…). Everything else is text: the converter escapes every
// character it does not produce itself, so no HTML an editor types reaches
// the page (the policy sanitiser still cleans what this produces). A small
// converter rather than a Markdown library: the subset is what a government
// notice needs, the module adds no dependency, and the reverse direction
// (htmlToMarkdown, for bodies stored as HTML) has to know exactly which tags
// the forward one makes.

var (
	reHeading = regexp.MustCompile(`^(#{1,3})\s+(.*)$`)
	reBullet  = regexp.MustCompile(`^[-*]\s+(.*)$`)
	reNumber  = regexp.MustCompile(`^\d{1,3}[.、]\s*(.*)$`)
	reLink    = regexp.MustCompile(`\[([^\]]+)\]\((https?://[^\s)]+)\)`)
	reBold    = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	reItalic  = regexp.MustCompile(`\*([^*]+)\*`)
	reSpace   = regexp.MustCompile(`\s+`)
)

// inline converts the inline marks of one escaped line.
func inline(s string) string {
	s = html.EscapeString(s)
	s = reLink.ReplaceAllStringFunc(s, func(m string) string {
		p := reLink.FindStringSubmatch(m)
		return `<a href="` + p[2] + `">` + p[1] + `</a>`
	})
	s = reBold.ReplaceAllString(s, "<strong>$1</strong>")
	return reItalic.ReplaceAllString(s, "<em>$1</em>")
}

// markdownToHTML converts the subset to HTML.
func markdownToHTML(md string) string {
	var b strings.Builder
	var para []string
	list := "" // "ul" or "ol" while inside a list
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + strings.Join(para, "<br>") + "</p>\n")
			para = nil
		}
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	item := func(kind, text string) {
		if len(para) > 0 || (list != "" && list != kind) {
			flush()
		}
		if list == "" {
			b.WriteString("<" + kind + ">\n")
			list = kind
		}
		b.WriteString("<li>" + inline(text) + "</li>\n")
	}
	for _, line := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		line = strings.TrimRight(line, " \t")
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			flush()
		case reHeading.MatchString(t):
			flush()
			m := reHeading.FindStringSubmatch(t)
			n := string(rune('1' + len(m[1])))
			b.WriteString("<h" + n + ">" + inline(m[2]) + "</h" + n + ">\n")
		case reBullet.MatchString(t) && !strings.HasPrefix(t, "**"):
			item("ul", reBullet.FindStringSubmatch(t)[1])
		case reNumber.MatchString(t):
			item("ol", reNumber.FindStringSubmatch(t)[1])
		default:
			if list != "" {
				flush()
			}
			para = append(para, inline(t))
		}
	}
	flush()
	return strings.TrimSpace(b.String())
}

// htmlToMarkdown turns a stored body back into the subset for editing:
// headings, paragraphs, lists, bold, italic and links keep their marks, any
// other element keeps only its text.
func htmlToMarkdown(body string) string {
	if strings.TrimSpace(body) == "" {
		return ""
	}
	doc, err := xhtml.Parse(strings.NewReader("<body>" + body + "</body>"))
	if err != nil {
		return body
	}
	var b strings.Builder
	var walk func(n *xhtml.Node, list string, index *int)
	children := func(n *xhtml.Node, list string, index *int) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, list, index)
		}
	}
	block := func() {
		s := b.String()
		if s == "" {
			return
		}
		for n := len(s) - len(strings.TrimRight(s, "\n")); n < 2; n++ {
			b.WriteString("\n")
		}
	}
	walk = func(n *xhtml.Node, list string, index *int) {
		switch n.Type {
		case xhtml.TextNode:
			t := reSpace.ReplaceAllString(n.Data, " ")
			if s := b.String(); s == "" || strings.HasSuffix(s, "\n") || strings.HasSuffix(s, " ") {
				t = strings.TrimLeft(t, " ")
			}
			b.WriteString(t)
			return
		case xhtml.ElementNode:
		default:
			children(n, list, index)
			return
		}
		switch n.Data {
		case "h1", "h2", "h3", "h4", "h5", "h6":
			block()
			level := min(3, max(1, int(n.Data[1]-'1')))
			b.WriteString(strings.Repeat("#", level) + " ")
			children(n, list, index)
			block()
		case "p", "div", "blockquote", "table", "tr":
			block()
			children(n, list, index)
			block()
		case "br":
			b.WriteString("\n")
		case "ul", "ol":
			block()
			i := 0
			children(n, n.Data, &i)
			block()
		case "li":
			if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
				b.WriteString("\n")
			}
			if list == "ol" {
				*index++
				b.WriteString(itoa(int64(*index)) + ". ")
			} else {
				b.WriteString("- ")
			}
			children(n, list, index)
			b.WriteString("\n")
		case "strong", "b":
			b.WriteString("**")
			children(n, list, index)
			b.WriteString("**")
		case "em", "i":
			b.WriteString("*")
			children(n, list, index)
			b.WriteString("*")
		case "a":
			href := ""
			for _, a := range n.Attr {
				if a.Key == "href" {
					href = a.Val
				}
			}
			if strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://") {
				b.WriteString("[")
				children(n, list, index)
				b.WriteString("](" + href + ")")
			} else {
				children(n, list, index)
			}
		default:
			children(n, list, index)
		}
	}
	children(doc, "", new(int))
	return strings.TrimSpace(b.String())
}
