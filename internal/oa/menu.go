package oa

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Menu is the official account's menu and canned answers, as configured in
// configs/oa_menu.yaml.
type Menu struct {
	// Hotline is the number the fallback answers name ("12345" when empty).
	Hotline string `yaml:"hotline"`
	// FallbackURL is a web page for WeChat clients that cannot open the
	// mini-program: the href of mini-program links in answers and the url of
	// miniprogram buttons that set none. Optional.
	FallbackURL string `yaml:"fallback_url"`
	// Buttons are the menu's top-level buttons (at most 3).
	Buttons []MenuButton `yaml:"buttons"`
	// Clicks answers each click key of Buttons.
	Clicks map[string]Answer `yaml:"clicks"`
	// Welcome, when set, replaces the built-in subscribe welcome.
	Welcome *Answer `yaml:"welcome"`
}

// MenuButton is one button of the menu: a parent of SubButtons (no Type), or
// a click, view or miniprogram button.
type MenuButton struct {
	Type       string       `yaml:"type"` // "click", "view", "miniprogram"; "" for a parent
	Name       string       `yaml:"name"`
	Key        string       `yaml:"key"`      // click
	URL        string       `yaml:"url"`      // view; the fallback page of miniprogram
	AppID      string       `yaml:"-"`        // miniprogram: filled with the mini-program's app id
	PagePath   string       `yaml:"pagepath"` // miniprogram
	SubButtons []MenuButton `yaml:"sub_buttons"`
}

// Answer is a canned reply: a text followed by links, one a line.
type Answer struct {
	Text  string `yaml:"text"`
	Links []Link `yaml:"links"`
}

// Link is a link in an answer: to a mini-program page (Path) or a web page (URL).
type Link struct {
	Title string `yaml:"title"`
	Path  string `yaml:"path"` // mini-program page, "pages/guide/index"
	URL   string `yaml:"url"`  // web page, when Path is empty
}

// DefaultHotline is the city's government service hotline.
const DefaultHotline = "12345"

// Menu limits of WeChat (bytes of UTF-8: 4 and 8 Chinese characters after
// WeChat's own counting of at most 16 and 60 bytes).
const (
	maxTopButtons  = 3
	maxSubButtons  = 5
	maxTopNameLen  = 16
	maxSubNameLen  = 60
	maxKeyLen      = 128
	maxAnswerBytes = 1800 // a passive text reply holds at most 2048 bytes
)

// LoadMenu reads and validates the menu file at path.
func LoadMenu(path string) (Menu, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Menu{}, fmt.Errorf("oa: read menu: %w", err)
	}
	m, err := ParseMenu(b)
	if err != nil {
		return Menu{}, fmt.Errorf("oa: %s: %w", path, err)
	}
	return m, nil
}

// ParseMenu decodes a menu (unknown keys are an error) and validates it.
func ParseMenu(b []byte) (Menu, error) {
	var m Menu
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return Menu{}, fmt.Errorf("menu: %w", err)
	}
	if err := m.Validate(); err != nil {
		return Menu{}, err
	}
	return m, nil
}

// Validate checks the menu against WeChat's rules (counts, name lengths,
// required fields per type) and that every click key has an answer.
func (m Menu) Validate() error {
	var problems []error
	bad := func(format string, a ...any) { problems = append(problems, fmt.Errorf(format, a...)) }
	if len(m.Buttons) > maxTopButtons {
		bad("menu: %d top-level buttons, at most %d", len(m.Buttons), maxTopButtons)
	}
	for i, b := range m.Buttons {
		where := fmt.Sprintf("buttons[%d] %q", i, b.Name)
		if len(b.Name) > maxTopNameLen {
			bad("%s: name longer than %d bytes", where, maxTopNameLen)
		}
		if b.Type == "" {
			if len(b.SubButtons) == 0 || len(b.SubButtons) > maxSubButtons {
				bad("%s: a parent button needs 1–%d sub_buttons", where, maxSubButtons)
			}
			for j, s := range b.SubButtons {
				sw := fmt.Sprintf("%s.sub_buttons[%d] %q", where, j, s.Name)
				if len(s.Name) > maxSubNameLen {
					bad("%s: name longer than %d bytes", sw, maxSubNameLen)
				}
				if len(s.SubButtons) > 0 || s.Type == "" {
					bad("%s: a sub-button needs a type and no sub_buttons", sw)
				}
				problems = append(problems, m.checkAction(sw, s)...)
			}
			continue
		}
		if len(b.SubButtons) > 0 {
			bad("%s: a button with a type has no sub_buttons", where)
		}
		problems = append(problems, m.checkAction(where, b)...)
	}
	for key, a := range m.Clicks {
		problems = append(problems, checkAnswer("clicks."+key, a)...)
	}
	if m.Welcome != nil {
		problems = append(problems, checkAnswer("welcome", *m.Welcome)...)
	}
	if m.FallbackURL != "" && !isWebURL(m.FallbackURL) {
		bad("fallback_url: not an http(s) URL")
	}
	return errors.Join(problems...)
}

func (m Menu) checkAction(where string, b MenuButton) []error {
	var problems []error
	bad := func(format string, a ...any) {
		problems = append(problems, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, a...)))
	}
	if strings.TrimSpace(b.Name) == "" {
		bad("name is empty")
	}
	switch b.Type {
	case "click":
		if b.Key == "" || len(b.Key) > maxKeyLen {
			bad("a click button needs a key of 1–%d bytes", maxKeyLen)
		} else if _, ok := m.Clicks[b.Key]; !ok {
			bad("click key %q has no answer under clicks", b.Key)
		}
	case "view":
		if !isWebURL(b.URL) {
			bad("a view button needs an http(s) url")
		}
	case "miniprogram":
		if b.PagePath == "" {
			bad("a miniprogram button needs a pagepath")
		}
		if b.URL == "" && m.FallbackURL == "" {
			bad("a miniprogram button needs a url (or set fallback_url)")
		} else if b.URL != "" && !isWebURL(b.URL) {
			bad("url is not an http(s) URL")
		}
	default:
		bad("type %q is not one of click, view, miniprogram", b.Type)
	}
	return problems
}

func checkAnswer(where string, a Answer) []error {
	var problems []error
	if strings.TrimSpace(a.Text) == "" && len(a.Links) == 0 {
		problems = append(problems, fmt.Errorf("%s: an answer needs a text or links", where))
	}
	for i, l := range a.Links {
		switch {
		case strings.TrimSpace(l.Title) == "":
			problems = append(problems, fmt.Errorf("%s.links[%d]: title is empty", where, i))
		case l.Path == "" && !isWebURL(l.URL):
			problems = append(problems, fmt.Errorf("%s.links[%d]: needs a mini-program path or an http(s) url", where, i))
		}
	}
	return problems
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// MenuButtons returns the buttons to create, miniprogram buttons carrying the
// mini-program's app id and, when they set no url, the fallback URL.
func (m Menu) MenuButtons(miniProgramAppID string) []MenuButton {
	var fill func(bs []MenuButton) []MenuButton
	fill = func(bs []MenuButton) []MenuButton {
		out := make([]MenuButton, len(bs))
		for i, b := range bs {
			if b.Type == "miniprogram" {
				b.AppID = miniProgramAppID
				if b.URL == "" {
					b.URL = m.FallbackURL
				}
			}
			b.SubButtons = fill(b.SubButtons)
			if len(b.SubButtons) == 0 {
				b.SubButtons = nil
			}
			out[i] = b
		}
		return out
	}
	return fill(m.Buttons)
}
