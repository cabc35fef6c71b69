package oa_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"govapp/internal/oa"
)

func TestShippedMenuIsValid(t *testing.T) {
	m, err := oa.LoadMenu("../../configs/oa_menu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Buttons) == 0 || m.Welcome == nil || m.Hotline != "12345" {
		t.Fatalf("menu %+v", m)
	}
	keys := 0
	for _, b := range m.MenuButtons(mpAppID) {
		for _, s := range append([]oa.MenuButton{b}, b.SubButtons...) {
			switch s.Type {
			case "miniprogram":
				if s.AppID != mpAppID || s.URL == "" || s.PagePath == "" {
					t.Errorf("miniprogram button %+v", s)
				}
			case "click":
				keys++
			}
		}
	}
	if keys == 0 || len(m.Clicks) < keys {
		t.Fatalf("%d click keys, %d answers", keys, len(m.Clicks))
	}
}

func TestLoadMenuOfAMissingFile(t *testing.T) {
	if _, err := oa.LoadMenu("no-such-menu.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestMenuValidation(t *testing.T) {
	const ok = `
fallback_url: https://www.gov.cn/
buttons:
  - name: 办事
    sub_buttons:
      - {type: miniprogram, name: 办事指南, pagepath: pages/guide/index}
      - {type: click, name: 热线, key: HOTLINE}
  - {type: view, name: 官网, url: "https://www.gov.cn/"}
clicks:
  HOTLINE: {text: 拨打 12345}
`
	if _, err := oa.ParseMenu([]byte(ok)); err != nil {
		t.Fatalf("a valid menu: %v", err)
	}
	tests := []struct{ name, yaml, want string }{
		{"an unknown key", "buttons: []\ncolour: red\n", "colour"},
		{"four top-level buttons", "buttons:\n" + strings.Repeat("  - {type: view, name: a, url: \"https://a.cn/\"}\n", 4), "at most 3"},
		{"six sub-buttons", "buttons:\n  - name: 办事\n    sub_buttons:\n" + strings.Repeat("      - {type: view, name: a, url: \"https://a.cn/\"}\n", 6), "1–5 sub_buttons"},
		{"a top-level name over 16 bytes", "buttons:\n  - {type: view, name: 政务服务一网通办, url: \"https://a.cn/\"}\n", "longer than 16"},
		{"a click key without an answer", "buttons:\n  - {type: click, name: 热线, key: HOTLINE}\n", "no answer"},
		{"a click without a key", "buttons:\n  - {type: click, name: 热线}\nclicks: {}\n", "needs a key"},
		{"a view without a url", "buttons:\n  - {type: view, name: 官网}\n", "http(s) url"},
		{"a view with a javascript url", "buttons:\n  - {type: view, name: 官网, url: \"javascript:alert(1)\"}\n", "http(s) url"},
		{"a miniprogram without pagepath", "fallback_url: https://a.cn/\nbuttons:\n  - {type: miniprogram, name: 指南}\n", "pagepath"},
		{"a miniprogram without any url", "buttons:\n  - {type: miniprogram, name: 指南, pagepath: pages/a}\n", "fallback_url"},
		{"an unknown type", "buttons:\n  - {type: media_id, name: 图片}\n", "not one of"},
		{"an empty answer", "clicks:\n  X: {text: \"  \"}\n", "needs a text or links"},
		{"a link to nowhere", "clicks:\n  X: {text: hi, links: [{title: 去}]}\n", "mini-program path or an http(s) url"},
		{"a name with a percent sign is reported as is", "buttons:\n  - {type: view, name: 100%满意, url: \"x\"}\n", "100%满意"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oa.ParseMenu([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestMenuButtonsFillTheMiniProgram(t *testing.T) {
	m, err := oa.ParseMenu([]byte(`
fallback_url: https://www.gov.cn/
buttons:
  - {type: miniprogram, name: 指南, pagepath: pages/guide/index}
  - {type: miniprogram, name: 预约, pagepath: pages/booking/index, url: "https://booking.example.cn/"}
`))
	if err != nil {
		t.Fatal(err)
	}
	bs := m.MenuButtons("wxmp")
	if bs[0].AppID != "wxmp" || bs[0].URL != "https://www.gov.cn/" || bs[1].URL != "https://booking.example.cn/" {
		t.Fatalf("buttons %+v", bs)
	}
	if m.Buttons[0].AppID != "" {
		t.Fatal("MenuButtons changed the menu")
	}
}
