package console

import (
	"encoding/json"
	"strings"
	"testing"

	"govapp/internal/policy"
)

func TestMarkdownToHTML(t *testing.T) {
	for _, c := range []struct{ rule, in, want string }{
		{"blank lines make paragraphs, single newlines line breaks", "第一段\n续行\n\n第二段", "<p>第一段<br>续行</p>\n<p>第二段</p>"},
		{"# is a heading under the page title", "# 一、总则", "<h2>一、总则</h2>"},
		{"bullets and numbers make lists", "- 甲\n- 乙\n\n1. 一\n2. 二", "<ul>\n<li>甲</li>\n<li>乙</li>\n</ul>\n<ol>\n<li>一</li>\n<li>二</li>\n</ol>"},
		{"bold, italic and http(s) links", "**重点** *注* [详情](https://www.gov.cn/x)", `<p><strong>重点</strong> <em>注</em> <a href="https://www.gov.cn/x">详情</a></p>`},
		{"typed HTML stays text", `<script>alert(1)</script><b onclick="x">粗</b>`, "<p>&lt;script&gt;alert(1)&lt;/script&gt;&lt;b onclick=&#34;x&#34;&gt;粗&lt;/b&gt;</p>"},
		{"javascript links are not links", "[点我](javascript:alert(1))", "<p>[点我](javascript:alert(1))</p>"},
	} {
		t.Run(c.rule, func(t *testing.T) {
			if got := markdownToHTML(c.in); got != c.want {
				t.Fatalf("markdownToHTML(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
	t.Run("the policy sanitiser keeps all of it", func(t *testing.T) {
		in := markdownToHTML("# 标题\n\n正文 **重点** [链接](https://www.gov.cn/)\n\n- 甲\n1. 一")
		out := strings.ReplaceAll(policy.NewSanitizer(nil).HTML(in), ` rel="nofollow noopener" target="_blank"`, "")
		if out != in {
			t.Fatalf("sanitised\n%q\nto\n%q", in, out)
		}
	})
}

// TestHTMLToMarkdownRoundTrip: a body stored as HTML opens as Markdown that
// converts back to the same HTML, so editing a policy changes only what the
// editor changed.
func TestHTMLToMarkdownRoundTrip(t *testing.T) {
	for _, md := range []string{
		"# 一、总则\n\n为深入贯彻落实就业优先战略，**现就有关事项**通知如下：\n\n1. 补贴对象\n2. 补贴标准\n\n- 详见 [附件](https://www.gov.cn/a.pdf)\n- *以此为准*",
		"第一段\n续行",
	} {
		html := markdownToHTML(md)
		back := htmlToMarkdown(html)
		if again := markdownToHTML(back); again != html {
			t.Errorf("round trip of %q\nthrough %q\ngave %q, want %q", md, back, again, html)
		}
	}
	if got := htmlToMarkdown("<p>旧正文<span>保留文字</span></p><table><tr><td>表格</td></tr></table>"); got != "旧正文保留文字\n\n表格" {
		t.Errorf("other elements keep their text: got %q", got)
	}
}

func TestDiffLines(t *testing.T) {
	got := diffLines([]string{"甲", "乙", "丙"}, []string{"甲", "丙", "丁"})
	var ops []string
	for _, l := range got {
		ops = append(ops, l.Op+l.Text)
	}
	if s := strings.Join(ops, ","); s != " 甲,-乙, 丙,+丁" {
		t.Fatalf("diff = %s", s)
	}
	if d := diffDocs(labelled{{"名称", []string{"甲"}}}, labelled{{"名称", []string{"甲"}}}); len(d) != 0 {
		t.Fatalf("unchanged fields are listed: %+v", d)
	}
}

func TestJSONErrorInChinese(t *testing.T) {
	var v []policy.Attachment
	for _, in := range []string{`[{"name": 1}]`, `[{"name": "a",}]`, `[{"name": "a"`, `{"name":"a"}`, `[{"nmae": "a"}]`} {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.DisallowUnknownFields()
		err := dec.Decode(&v)
		if err == nil {
			t.Fatalf("%s decoded", in)
		}
		msg := jsonError(err)
		if strings.Contains(msg, "json:") || strings.Contains(msg, "cannot unmarshal") || strings.Contains(msg, "invalid character") {
			t.Errorf("%s: the message %q is the decoder's English", in, msg)
		}
	}
}
