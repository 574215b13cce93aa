package width

import (
	"testing"
	"unicode"
)

func TestRune(t *testing.T) {
	tests := []struct {
		r    rune
		want int
	}{
		{'a', 1}, {'1', 1}, {' ', 1}, {'\t', 1}, {0x7f, 1},
		{'é', 1}, {'×', 1}, {'Ω', 1}, {'я', 1}, {0xad, 1}, // soft hyphen
		{0x0301, 0}, {0x20dd, 0}, {0x200b, 0}, {0xfeff, 0}, // combining acute, enclosing circle, zero width space, BOM
		{0x1160, 0}, {0x11a8, 0}, // Hangul vowel and final consonant
		{'中', 2}, {'文', 2}, {'あ', 2}, {'ア', 2}, {'가', 2}, {'힣', 2},
		{'１', 2}, {'Ａ', 2}, {'（', 2}, {'　', 2}, // fullwidth digit, letter, parenthesis, ideographic space
		{'ｱ', 1},           // halfwidth katakana
		{'😀', 2}, {'🚀', 2}, // emoji
		{0x20000, 2}, {0x3fffd, 2}, // CJK extension B, plane 3
		{0xe000, 1}, {unicode.MaxRune, 1}, {0x10fffd, 1},
		{0xe0100, 0}, // variation selector 17
	}
	for _, tt := range tests {
		if got := Rune(tt.r); got != tt.want {
			t.Errorf("Rune(%U) = %d, want %d", tt.r, got, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0}, {"1 + 2", 5}, {"１＋２", 6}, {"e\u0301", 1}, {"中文 1", 6}, {"\xff\xfe", 2},
	}
	for _, tt := range tests {
		if got := String(tt.s); got != tt.want {
			t.Errorf("String(%q) = %d, want %d", tt.s, got, tt.want)
		}
		if got := Runes([]rune(tt.s)); got != tt.want {
			t.Errorf("Runes(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

// TestTable checks that the spans are in order, do not overlap, and none
// has width 1 (those are the default).
func TestTable(t *testing.T) {
	prev := rune(-1)
	for i, s := range table {
		if s.lo > s.hi || s.lo <= prev || s.w == 1 || s.w > 2 {
			t.Fatalf("span %d %+v after %U", i, s, prev)
		}
		prev = s.hi
	}
}

// FuzzString checks that String is the sum of Rune over the characters.
func FuzzString(f *testing.F) {
	f.Add("１＋２ 中 e\u0301")
	f.Fuzz(func(t *testing.T, s string) {
		n := 0
		for _, r := range s {
			n += Rune(r)
		}
		if got := String(s); got != n {
			t.Fatalf("String(%q) = %d, sum of Rune = %d", s, got, n)
		}
	})
}
