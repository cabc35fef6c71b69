package redact

import (
	"fmt"
	"strings"
	"unicode"
)

// Invisible reports whether r is a character that takes no room on screen
// yet may stand between the digits of a number: a format character (Cf:
// zero-width space and joiners, word joiner, byte-order mark, soft hyphen,
// bidirectional controls), any other default-ignorable code point (Hangul
// fillers, variation selectors, the combining grapheme joiner), or a
// control character other than tab, line feed and carriage return.
// Detection reads text without them, the publication preview shows them
// (ShowInvisible), and what is published has them removed (StripInvisible).
func Invisible(r rune) bool {
	if r < 0x80 {
		return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f
	}
	if r < 1<<16 {
		return invisibleBMP.has(r)
	}
	return unicode.In(r, invisibleTables...)
}

var (
	invisibleTables = []*unicode.RangeTable{unicode.Cf, unicode.Cc, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector}
	invisibleBMP    = tableSet(invisibleTables...)
	marksBMP        = tableSet(unicode.Mn, unicode.Me)
)

// isMark reports combining marks (Mn, Me).
func isMark(r rune) bool {
	if r < 1<<16 {
		return marksBMP.has(r)
	}
	return unicode.In(r, unicode.Mn, unicode.Me)
}

// tableSet returns the runes of the Basic Multilingual Plane in any of the
// tables, as a runeSet (the detectors ask at nearly every rune).
func tableSet(tabs ...*unicode.RangeTable) *runeSet {
	s := &runeSet{}
	for _, t := range tabs {
		for _, rg := range t.R16 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				s.bits[r>>6] |= 1 << (uint(r) & 63)
			}
		}
	}
	return s
}

// hasInvisible reports whether s holds any invisible character.
// HasInvisible reports whether s holds an invisible character.
func HasInvisible(s string) bool { return hasInvisible(s) }

func hasInvisible(s string) bool {
	for _, r := range s {
		if Invisible(r) {
			return true
		}
	}
	return false
}

// ShowInvisible returns s with every invisible character written as a
// visible marker of its code point, ⟨U+200B⟩, for the operator who reviews
// a text before it is published.
func ShowInvisible(s string) string {
	if !hasInvisible(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if Invisible(r) {
			fmt.Fprintf(&b, "⟨%s⟩", codePoint(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// StripInvisible returns s without its invisible characters: the form in
// which a text is published.
func StripInvisible(s string) string {
	if !hasInvisible(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if Invisible(r) {
			return -1
		}
		return r
	}, s)
}

// CountInvisible returns how many times each invisible character occurs in
// s, keyed by code point ("U+200B"); an empty map when there is none.
func CountInvisible(s string) map[string]int {
	m := map[string]int{}
	for _, r := range s {
		if Invisible(r) {
			m[codePoint(r)]++
		}
	}
	return m
}

func codePoint(r rune) string { return fmt.Sprintf("U+%04X", r) }
