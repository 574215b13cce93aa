package expr_test

import (
	"errors"
	"strings"
	"testing"

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
