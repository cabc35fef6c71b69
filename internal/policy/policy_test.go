package policy_test

import (
	"strings"
	"testing"

	"govapp/internal/platform/errs"
	"govapp/internal/policy"
)

// hostile are bodies an attacker (or a careless paste) may send.
var hostile = []string{
	`<p>正文</p><script>alert(1)</script>`,
	`<SCRIPT SRC=https://evil.example/x.js></SCRIPT>`,
	`<img src="https://img.example/a.png" onerror="alert(1)">`,
	`<img src=x onerror=alert(1)//>`,
	`<a href="javascript:alert(1)">点此</a>`,
	`<a href="JaVaScRiPt:alert(1)">点此</a>`,
	`<a href="&#106;avascript:alert(1)">点此</a>`,
	`<a href=" javascript:alert(1)">点此</a>`,
	`<a href="vbscript:msgbox(1)">点此</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">点此</a>`,
	`<p onclick="alert(1)" onmouseover="alert(2)">文字</p>`,
	`<svg onload="alert(1)"><circle r="1"/></svg>`,
	`<iframe src="https://evil.example/embed"></iframe>`,
	`<iframe src="https://v.qq.com.evil.example/x"></iframe>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<iframe src="http://v.qq.com/x"></iframe>`,
	`<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x.swf">`,
	`<style>body{display:none}</style><p style="background:url(javascript:alert(1))">x</p>`,
	`<form action="https://evil.example"><input name="q"></form>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<body onload=alert(1)>`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example">`,
	`<base href="https://evil.example/">`,
	`<<script>script>alert(1)<</script>/script>`,
}

// forbidden are what must never survive sanitising.
var forbidden = []string{"<script", "onerror", "onload", "onclick", "onmouseover", "javascript:", "vbscript:", "data:text",
	"evil.example", "<style", "<form", "<object", "<embed", "<svg", "<meta", "<base", "srcdoc", "http://v.qq.com"}

func TestSanitizerRemovesScriptsHandlersAndForeignFrames(t *testing.T) {
	san := policy.NewSanitizer([]string{"v.qq.com", "player.bilibili.com"})
	for _, in := range hostile {
		out := strings.ToLower(san.HTML(in))
		for _, f := range forbidden {
			if strings.Contains(out, f) {
				t.Errorf("%q sanitised to %q, which still holds %q", in, out, f)
			}
		}
	}
	t.Run("an iframe of an allowed video host stays, and only its src", func(t *testing.T) {
		in := `<iframe src="https://v.qq.com/txp/iframe/player.html?vid=w0034abc" width="100%" onload="x()" allowfullscreen></iframe>`
		out := san.HTML(in)
		if out != `<iframe src="https://v.qq.com/txp/iframe/player.html?vid=w0034abc"></iframe>` {
			t.Fatalf("sanitised to %q", out)
		}
	})
	t.Run("without video hosts no iframe is kept", func(t *testing.T) {
		out := policy.NewSanitizer(nil).HTML(`<iframe src="https://v.qq.com/x"></iframe><p>正文</p>`)
		if strings.Contains(out, "iframe") || !strings.Contains(out, "<p>正文</p>") {
			t.Fatalf("sanitised to %q", out)
		}
	})
	t.Run("the structure of a document is kept", func(t *testing.T) {
		in := `<h2>一、总体要求</h2><p>坚持<strong>就业优先</strong>。</p><ol><li>第一条</li></ol>` +
			`<table><tr><th>项目</th><td>标准</td></tr></table><a href="https://www.gov.cn/zhengce/">中国政府网</a><img src="https://img.example/a.png" alt="图解">`
		out := san.HTML(in)
		for _, want := range []string{"<h2>一、总体要求</h2>", "<strong>就业优先</strong>", "<li>第一条</li>", "<th>项目</th>",
			`href="https://www.gov.cn/zhengce/"`, `src="https://img.example/a.png"`} {
			if !strings.Contains(out, want) {
				t.Errorf("sanitised body lacks %q: %s", want, out)
			}
		}
	})
	t.Run("text drops every tag and decodes entities", func(t *testing.T) {
		if got := san.Text(`<p>一、&lt;总体&gt;</p><p>要求</p><script>x()</script>`); got != "一、<总体> 要求" {
			t.Fatalf("text = %q", got)
		}
	})
}

func valid() policy.Content {
	return policy.Content{
		Title: "关于进一步稳就业促创业的若干措施", DocNumber: "长政办发〔2025〕12号", Issuer: "长沙市人民政府办公厅",
		IssueDate: "2025-03-18", EffectiveDate: "2025-04-01", Body: "<p>为深入贯彻落实就业优先战略……</p>",
		Attachments:     []policy.Attachment{{Name: "申报表.docx", URL: "https://www.example.gov.cn/a.docx"}},
		Topics:          []string{"jiuye"},
		Interpretations: []policy.Interpretation{{Kind: policy.KindText, Title: "一图读懂", Text: "解读正文", Author: "市人社局"}},
	}
}

func TestValidateNamesEachField(t *testing.T) {
	topics := map[string]policy.Topic{"jiuye": {Code: "jiuye", Name: "就业创业"}}
	cases := []struct {
		rule  string
		edit  func(c *policy.Content)
		field string
	}{
		{"a title is required", func(c *policy.Content) { c.Title = "  " }, "title"},
		{"a 文号 has at most 64 characters", func(c *policy.Content) { c.DocNumber = strings.Repeat("号", 65) }, "doc_number"},
		{"dates are YYYY-MM-DD", func(c *policy.Content) { c.IssueDate = "2025/03/18" }, "issue_date"},
		{"the effective date too", func(c *policy.Content) { c.EffectiveDate = "明年" }, "effective_date"},
		{"topics must exist", func(c *policy.Content) { c.Topics = []string{"jiuye", "nope"} }, "topics[1]"},
		{"attachments need a name", func(c *policy.Content) { c.Attachments[0].Name = "" }, "attachments[0].name"},
		{"attachments need an http(s) address", func(c *policy.Content) { c.Attachments[0].URL = "javascript:alert(1)" }, "attachments[0].url"},
		{"an interpretation has a known kind", func(c *policy.Content) { c.Interpretations[0].Kind = "podcast" }, "interpretations[0].kind"},
		{"a text interpretation has text", func(c *policy.Content) { c.Interpretations[0].Text = "" }, "interpretations[0].text"},
		{"a graphic interpretation has an image", func(c *policy.Content) { c.Interpretations[0].Kind = policy.KindGraphic }, "interpretations[0].image_url"},
		{"a video interpretation has a video link", func(c *policy.Content) { c.Interpretations[0].Kind = policy.KindVideo }, "interpretations[0].video_url"},
		{"image links are http(s)", func(c *policy.Content) { c.Interpretations[0].ImageURL = "javascript:x" }, "interpretations[0].image_url"},
		{"related guides are guide codes", func(c *policy.Content) { c.RelatedGuides = []string{"<b>"} }, "related_guides[0]"},
		{"control characters are refused", func(c *policy.Content) { c.Title = "标题\x00" }, "title"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			c := valid()
			tc.edit(&c)
			c.Normalize()
			err := c.Validate(topics)
			e, ok := errs.As(err)
			if !ok || e.Fields[tc.field] == "" {
				t.Fatalf("Validate = %v, want an error on %s", err, tc.field)
			}
		})
	}
	t.Run("a complete content is valid", func(t *testing.T) {
		c := valid()
		c.Normalize()
		if err := c.Validate(topics); err != nil {
			t.Fatal(err)
		}
		if err := c.Complete(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("publishing needs the issuer, the issue date, a body and a topic", func(t *testing.T) {
		c := policy.Content{Title: "草稿"}
		c.Normalize()
		e, ok := errs.As(c.Complete())
		if !ok || e.Code != "policy_incomplete" || len(e.Fields) != 4 {
			t.Fatalf("Complete = %+v", e)
		}
	})
}

func TestExcerpt(t *testing.T) {
	cases := []struct{ in, want string }{
		{"各区县（市）人民政府，市直机关各单位： 为深入实施就业优先战略，现提出如下措施。", "为深入实施就业优先战略，现提出…"},
		{"为深入实施就业优先战略：一是稳岗，二是扩岗", "为深入实施就业优先战略：一是稳…"},
		{"一、总体要求。坚持就业优先：稳岗扩岗", "一、总体要求。坚持就业优先：稳…"},
		{"短文", "短文"},
	}
	for _, c := range cases {
		if got := policy.Excerpt(c.in, 16); got != c.want {
			t.Errorf("Excerpt(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
