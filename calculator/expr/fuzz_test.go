package expr_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-multistage/multistage/calculator/expr"
)

// FuzzEval checks that Eval never panics, that its errors are *expr.Error
// with a column inside the input, and, when src evaluates, that (src)
// gives the same value, (src) - (src) gives 0, the exact fraction printed
// for it reads back as the same value, and its decimal form reads back
// and prints the same. An error's snippet is two lines of valid UTF-8.
//
//	go test ./expr -run '^$' -fuzz FuzzEval -fuzztime 10s
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"(1.5 + 2.25) * 4 - 10 / 3", "2^3^2", "-2^2", "1 / 0", "(1 + 2))", "0.1 + 0.2",
		"9223372036854775807 + 1", "7.5 % -2", "2^-3", "1_000.5e-3", "1e1000000000",
		"9^9^9", "((2^60000)^2)", "ans", "1 + # x", "2 × 3", "(((", "1/3", "-(-(-1))",
		"4611686018427387904 * -2", "3037000500^2 % 7", "(2/3)^-5", ".5e", "1__0", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, err := expr.Eval(src, expr.Options{})
		if err != nil {
			checkFuzzError(t, src, err)
			return
		}
		frac := v.Fraction()
		if w, err := expr.Eval(frac, expr.Options{}); err != nil || w.Cmp(v) != 0 {
			t.Fatalf("Eval(%q) = %.100s, but Eval(%.100q) = %.100v, %v", src, frac, frac, w.Fraction(), err)
		}
		dec := v.String()
		if w, err := expr.Eval(dec, expr.Options{}); err != nil || w.String() != dec {
			t.Fatalf("Eval(%q) = %.100s, but Eval(%.100q) = %.100v, %v", src, dec, dec, w, err)
		}
		if strings.Contains(src, "#") {
			return // the comment would swallow what follows
		}
		w, err := expr.Eval("("+src+")", expr.Options{})
		if err != nil && !isLimit(err) {
			t.Fatalf("Eval((%q)): %v, but Eval(%q) = %s", src, err, src, v)
		}
		if err == nil && w.Cmp(v) != 0 {
			t.Fatalf("Eval((%q)) = %s, Eval(%q) = %s", src, w, src, v)
		}
		w, err = expr.Eval("("+src+") - ("+src+")", expr.Options{})
		if err != nil && !isLimit(err) {
			t.Fatalf("Eval((x) - (x)) for x = %q: %v", src, err)
		}
		if err == nil && w.Sign() != 0 {
			t.Fatalf("Eval((x) - (x)) = %s for x = %q", w, src)
		}
	})
}

func checkFuzzError(t *testing.T, src string, err error) {
	t.Helper()
	var e *expr.Error
	if !errors.As(err, &e) {
		t.Fatalf("Eval(%q): error %v is a %T, want *expr.Error", src, err, err)
	}
	if e.Msg == "" || e.Offset < 0 || e.Offset > len(src) ||
		e.Column != utf8.RuneCountInString(src[:e.Offset])+1 {
		t.Fatalf("Eval(%q): bad error %+v", src, e)
	}
	if s := e.Snippet(0); strings.Count(s, "\n") != 2 || !strings.HasSuffix(s, "^\n") || !utf8.ValidString(s) {
		t.Fatalf("Eval(%q): bad snippet %q", src, s)
	}
}

// isLimit reports whether err is one of the limits that wrapping an
// expression in parentheses can newly reach.
func isLimit(err error) bool {
	var e *expr.Error
	return errors.As(err, &e) && (strings.HasPrefix(e.Msg, "expression too long") ||
		strings.HasPrefix(e.Msg, "nesting too deep") || strings.HasPrefix(e.Msg, "too much computation"))
}
