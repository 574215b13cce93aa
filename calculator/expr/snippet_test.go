package expr_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-multistage/multistage/calculator/expr"
	"github.com/go-multistage/multistage/calculator/internal/width"
)

func evalError(t *testing.T, src string) *expr.Error {
	t.Helper()
	_, err := expr.Eval(src, expr.Options{})
	var e *expr.Error
	if !errors.As(err, &e) {
		t.Fatalf("Eval(%q): %v, want an *expr.Error", src, err)
	}
	return e
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("1 + ", 40) + "1/0" + strings.Repeat(" + 1", 40)
	tests := []struct {
		name, src string
		cols      int
		want      string
	}{
		{"division", "1 / 0", 0, " | 1 / 0\n |     ^\n"},
		{"at the end", "1 +", 0, " | 1 +\n |    ^\n"},
		{"at the start", ")", 0, " | )\n | ^\n"},
		{"tabs and controls as spaces", "1\t/\v0", 0, " | 1 / 0\n |     ^\n"},
		{"wide spaces", "\u3000\u30001/0", 0, " | \u3000\u30001/0\n |       ^\n"},
		{"wide character at the spot", "1 + 中", 0, " | 1 + 中\n |     ^\n"},
		{"CJK after the spot", "1/0 # 中文", 0, " | 1/0 # 中文\n |   ^\n"},
		{"multi-byte operators before the spot", "2×3÷(1−1)", 0, " | 2×3÷(1−1)\n |     ^\n"},
		{"a multi-byte operator at the spot", "2 × × 3", 0, " | 2 × × 3\n |     ^\n"},
		{"bidi override shown as U+FFFD", "1 + 2 \u202e 3", 0, " | 1 + 2 \ufffd 3\n |       ^\n"},
		{"zero-width and isolates shown", "\u200b\u2066)", 0, " | \ufffd\ufffd)\n | ^\n"},
		{"long line cut on both sides", long, 40,
			" | ... + 1 + 1/0 + 1 + 1 + 1 + 1 + 1...\n |             ^\n"},
		{"long line cut on the right", "1/0" + strings.Repeat(" + 1", 40), 30,
			" | 1/0 + 1 + 1 + 1 + 1 + 1...\n |   ^\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := evalError(t, tt.src).Snippet(tt.cols)
			if got != tt.want {
				t.Errorf("Snippet(%d) of %q:\n%s\nwant\n%s", tt.cols, tt.src, got, tt.want)
			}
			cols := tt.cols
			if cols < 20 {
				cols = 80
			}
			for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				if w := width.String(line); w >= cols {
					t.Errorf("line %q is %d columns wide, more than %d", line, w, cols-1)
				}
			}
		})
	}
}

// TestScreenColumn renders errors made by hand, at spots Eval would not
// report, to check the columns of every kind of character.
func TestScreenColumn(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		want   int
	}{
		{"1 / 0", 4, 4},
		{"１ / 0", len("１ / "), 5},
		{"e\u0301e\u0301 / 0", len("e\u0301e\u0301 / "), 5},
		{"中文 + x", len("中文 + "), 7},
		{"\t1", 1, 1},
	}
	for _, tt := range tests {
		e := &expr.Error{Msg: "m", Source: tt.src, Offset: tt.offset}
		if got := e.ScreenColumn(); got != tt.want {
			t.Errorf("ScreenColumn of %q at %d = %d, want %d", tt.src, tt.offset, got, tt.want)
		}
		snippet := e.Snippet(0)
		caret := snippet[strings.Index(snippet, "\n")+1:]
		if want := " | " + strings.Repeat(" ", tt.want) + "^\n"; caret != want {
			t.Errorf("caret line %q, want %q", caret, want)
		}
	}
}

// FuzzSnippet renders errors at any spot of any source, for any width: a
// snippet is two lines of valid UTF-8 that fit the width, the second a
// caret under a column of the first.
//
//	go test ./expr -run '^$' -fuzz FuzzSnippet -fuzztime 10s
func FuzzSnippet(f *testing.F) {
	f.Add("1 / 0", 4, 0)
	f.Add("\u3000中文 + e\u0301 # 😀", 7, 25)
	f.Add(strings.Repeat("1 + ", 50)+"x", 100, 30)
	f.Fuzz(func(t *testing.T, src string, offset, cols int) {
		if offset < 0 || offset > len(src) {
			return
		}
		for offset < len(src) && !utf8.RuneStart(src[offset]) {
			offset++ // Eval's offsets are on character boundaries
		}
		if cols > 1000 {
			cols %= 1000
		}
		s := (&expr.Error{Msg: "m", Source: src, Offset: offset}).Snippet(cols)
		if cols < 20 {
			cols = 80
		}
		lines := strings.Split(s, "\n")
		if len(lines) != 3 || lines[2] != "" || !utf8.ValidString(s) {
			t.Fatalf("Snippet of %q at %d: %q", src, offset, s)
		}
		shown, caret := lines[0], lines[1]
		if !strings.HasPrefix(shown, " | ") || strings.TrimLeft(strings.TrimPrefix(caret, " | "), " ") != "^" {
			t.Fatalf("Snippet of %q at %d: %q", src, offset, s)
		}
		if w := width.String(shown); w >= cols && width.String(src)+3 >= cols {
			t.Fatalf("Snippet(%d) of %q at %d: first line %d columns wide", cols, src, offset, w)
		}
		if len(caret)-1 > width.String(shown) {
			t.Fatalf("Snippet of %q at %d: caret at column %d past the line %q", src, offset, len(caret)-1, shown)
		}
	})
}
