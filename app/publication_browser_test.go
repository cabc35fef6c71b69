package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPublicationWarningsInBrowser (issue 14, item 4): on the publication
// page the operator sees the public numbers kept and the rule explained,
// restores the handler's mobile by hand, publishes, and lands back on the
// page with a warning flash and the list of warnings for the published copy
// — the mobile named, the duty line not — and the copy as edited.
func TestPublicationWarningsInBrowser(t *testing.T) {
	cfg := testConfig(t, embedded)
	cfg.Tickets.PublicNumbers = []string{extraDutyLine}
	a := newTestApp(t, cfg)
	w := newPublicNumbersWorld(t, a)
	br := startBrowser(t, a.listen(t))
	b := br.on(t)
	b.login("op-pub")
	page := "/console/tickets/" + w.no + "/publication"
	b.open(page)
	b.want("#publication-rules", "12345", "服务大厅电话", "个人手机号遮盖")
	if diff := b.text("section[aria-labelledby=h-diff] del[title=手机号]"); diff != residentMobile && diff != handlerMobile {
		t.Fatalf("the first masked mobile reads %q", diff)
	}
	b.want("#publish-form", "确认公开")

	proposed := strings.Replace(handlerReply, handlerMobile, "1**********", 1)
	if got := b.fieldValue("#pub-reply"); got != proposed {
		t.Fatalf("the reply offered for publication is %q, want %q", got, proposed)
	}
	b.fill("#pub-reply", handlerReply) // the mobile restored by hand
	b.submit("#publish")
	if loc := b.location(); loc != page {
		t.Fatalf("after publishing with warnings the browser is on %s, want %s", loc, page)
	}
	b.want("#flash", "已按您编辑的文本公开", "可能含有个人信息")
	b.want("#publish-warnings", "答复", "可能含有个人手机号", handlerMobile)
	if got := b.text("#publish-warnings"); strings.Contains(got, deptDutyLine) || strings.Contains(got, hallPhone) ||
		strings.Contains(got, extraDutyLine) || strings.Contains(got, "李明") {
		t.Fatalf("a public number or the official's name is warned about: %q", got)
	}
	b.want("#published-reply", handlerReply)
	if got := b.fieldValue("#pub-reply"); got != handlerReply { // the form starts from what is public now
		t.Fatalf("after publishing the form offers %q", got)
	}
}

// fieldValue reads the value of a form field.
func (b *browser) fieldValue(sel string) string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return v
}
