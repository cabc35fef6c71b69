package redact_test

import (
	"fmt"

	"govapp/internal/redact"
)

func ExampleRedact() {
	r := redact.Redact("我叫张伟，电话13812345678，住城东区东湖街道幸福路 28 号 3 栋 2 单元 501 室，车牌湘A·12345。",
		redact.Options{})
	fmt.Println(r.Text)
	for _, s := range r.Spans {
		fmt.Printf("%s %q → %q\n", s.Kind, s.Original, s.Replacement)
	}
	// Output:
	// 我叫某某，电话1**********，住城东区东湖街道幸福路**，车牌湘A·*****。
	// name "张伟" → "某某"
	// phone "13812345678" → "1**********"
	// address " 28 号 3 栋 2 单元 501 室" → "**"
	// plate "湘A·12345" → "湘A·*****"
}

func ExampleDiff() {
	in := "联系人王女士，手机138 1234 5678。"
	for _, p := range redact.Diff(in, redact.Redact(in, redact.Options{})) {
		if p.Op == redact.DiffKeep {
			fmt.Printf("keep   %q\n", p.Text)
		} else {
			fmt.Printf("redact %q → %q (%s)\n", p.Text, p.Replacement, p.Kind)
		}
	}
	// Output:
	// keep   "联系人"
	// redact "王" → "某" (name)
	// keep   "女士，手机"
	// redact "138 1234 5678" → "1**********" (phone)
	// keep   "。"
}
