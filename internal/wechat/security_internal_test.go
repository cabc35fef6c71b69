package wechat

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestChunkRunes(t *testing.T) {
	if got := chunkRunes("短文本", 2500, 32); len(got) != 1 || got[0] != "短文本" {
		t.Fatalf("short text: %q", got)
	}
	exact := strings.Repeat("字", 2500)
	if got := chunkRunes(exact, 2500, 32); len(got) != 1 {
		t.Fatalf("2500 characters: %d chunks", len(got))
	}
	var b strings.Builder
	for i := range 6000 {
		b.WriteRune(rune('一' + i%500))
	}
	text := b.String()
	chunks := chunkRunes(text, 2500, 32)
	if len(chunks) != 3 {
		t.Fatalf("%d chunks, want 3", len(chunks))
	}
	runes := []rune(text)
	start := 0
	for i, c := range chunks {
		n := utf8.RuneCountInString(c)
		if n > 2500 || !utf8.ValidString(c) {
			t.Fatalf("chunk %d: %d characters", i, n)
		}
		if c != string(runes[start:start+n]) {
			t.Fatalf("chunk %d does not start at %d", i, start)
		}
		start += 2500 - 32
	}
	if !strings.HasSuffix(text, chunks[2]) {
		t.Fatal("the end is missing")
	}
}
