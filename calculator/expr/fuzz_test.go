package expr_test

import (
	"bytes"
	"errors"
	"math/big"
	"strconv"
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
		"0x1f × 2", "0b1_0 ÷ 0o7", "−0X_fF · 3", "0x", "0b2", "0o1__7", "1 + 2 \u202e 3", "0xffffffffffffffffffff",
		"x = 3", "ans = 1", "x == 2", "y = y",
		"floor(-7/2)", "max(1, 2, 3)", "round(-2.5)", "abs()", "min(1,)", "foo(1)", "abs = 2", "ceil(2^-3, 1)",
		"sqrt(9/4)", "8^(1/3)", "(-8)^(2/3)", "(-4)^0.5", "2^0.5", "cbrt(-27)",
		"sin(1) + cos(2)", "tan(pi/4)", "exp(1) - e", "ln(10)/ln(2)", "log(8, 4)", "log10(0.001)", "atan2(-1, -2)",
		"asin(1)", "acos(-1)", "2^pi", "(-2)^(1/3)", "floor(sqrt(2))", "7 % pi", "max(e, pi)", "sin(pi)", "e^1e5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		// With variables, an assignment that succeeds sets its name to its
		// value.
		env := expr.NewEnv()
		if ve, err := expr.Eval(src, expr.Options{Env: env}); err == nil {
			if name, ok := expr.Assignment(src); ok {
				if got, set := env.Get(name); !set || !got.Equal(ve) {
					t.Fatalf("Eval(%q) = %.100v, but %s is %.100v (set: %v)", src, ve, name, got, set)
				}
			}
		}
		v, err := expr.Eval(src, expr.Options{})
		if err != nil {
			checkFuzzError(t, src, err)
			return
		}
		frac := v.Fraction()
		if w, err := expr.Eval(frac, expr.Options{}); err != nil || w.Cmp(v) != 0 {
			t.Fatalf("Eval(%q) = %.100s, but Eval(%.100q) = %.100v, %v", src, frac, frac, w.Fraction(), err)
		}
		// An exact decimal reads back and prints the same. A rounded one
		// reads back as the rounded number, which may print otherwise
		// (2.3507207961731514888e62 is an integer, printed in full), and
		// that form prints the same.
		dec, rounded := v.DecimalRounded(expr.DefaultPrecision)
		w, err := expr.Eval(dec, expr.Options{})
		if err == nil && rounded {
			dec = w.String()
			w, err = expr.Eval(dec, expr.Options{})
		}
		if err != nil || w.String() != dec {
			t.Fatalf("Eval(%q) = %.100s, but Eval(%.100q) = %.100v, %v", src, dec, dec, w, err)
		}
		if strings.Contains(src, "#") {
			return // the comment would swallow what follows
		}
		w, err = expr.Eval("("+src+")", expr.Options{})
		if err != nil && !isLimit(err) {
			t.Fatalf("Eval((%q)): %v, but Eval(%q) = %s", src, err, src, v)
		}
		if err == nil && w.Cmp(v) != 0 {
			t.Fatalf("Eval((%q)) = %s, Eval(%q) = %s", src, w, src, v)
		}
		if v.Rounded() {
			checkRounding(t, src, v)
			return // (x) - (x) of an interval is an interval around 0
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

// checkRounding checks that v, the rounded value of src at the default
// precision, is within half a unit of its last digit of the value of src
// at twice that precision, which is itself within 10^-20 of such a unit
// of the exact value.
func checkRounding(t *testing.T, src string, v expr.Value) {
	t.Helper()
	w, err := expr.Eval(src, expr.Options{Precision: 2 * expr.DefaultPrecision})
	if err != nil {
		if !errors.Is(err, expr.ErrLimit) && !errors.Is(err, expr.ErrBudget) {
			t.Fatalf("Eval(%q) = %s at precision 20, but at 40: %v", src, v, err)
		}
		return
	}
	x, y := v.Rat(), w.Rat()
	if x.Sign() == 0 {
		t.Fatalf("Eval(%q) is a rounded 0", src)
	}
	// unit is 10^(e-19) for the exponent e of x: x = d.ddd·10^e.
	_, exp, _ := strings.Cut(new(big.Float).SetRat(x).Text('e', 19), "e")
	e, _ := strconv.Atoi(exp)
	unit := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(19-e)), nil))
	if e >= 19 {
		unit.SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e-19)), nil))
	}
	diff := new(big.Rat).Sub(x, y)
	diff.Abs(diff)
	limit := new(big.Rat).Mul(unit, big.NewRat(1_000_000_000_000_000_001, 2_000_000_000_000_000_000))
	if diff.Cmp(limit) > 0 {
		t.Fatalf("Eval(%q) = %s at precision 20, but %s at 40", src, v, w.Decimal(40))
	}
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

// FuzzValueText checks that MarshalText and UnmarshalText round-trip: for
// src read as an expression, the Value's text reads back as the same
// Value and marshals to the same text; and for src read as a Value's text
// by ParseValue, that it succeeds only where Eval gives the same Value,
// and fails with an *expr.Error in src.
//
//	go test ./expr -run '^$' -fuzz FuzzValueText -fuzztime 10s
func FuzzValueText(f *testing.F) {
	for _, s := range []string{
		"35/3", "-1/2", "4", "0", "-0", "+7", "1.5", "-0.25", "1e-3", "2.5E+2/1_0",
		"2^64", "-2^63", "1/3 - 2^70", "1/0", "1 / 2", "1/-2", "--1", "1e", ".", "\xff",
		"e", "-e", "1/e", "2e", "pi", "sqrt(2)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if v, err := expr.Eval(src, expr.Options{}); err == nil {
			roundTrip(t, src, v)
		}
		v, err := expr.ParseValue(src)
		if err != nil {
			checkFuzzError(t, src, err)
			return
		}
		if w, err := expr.Eval(src, expr.Options{}); err != nil || !w.Equal(v) {
			t.Fatalf("ParseValue(%q) = %.100s, but Eval gives %.100s, %v", src, v.Fraction(), w.Fraction(), err)
		}
		roundTrip(t, src, v)
	})
}

// roundTrip checks that v, from src, marshals to text that reads back as
// v and marshals to the same text.
func roundTrip(t *testing.T, src string, v expr.Value) {
	t.Helper()
	text, err := v.MarshalText()
	if err != nil {
		t.Fatalf("MarshalText of %q: %v", src, err)
	}
	var w expr.Value
	if err := w.UnmarshalText(text); err != nil || !w.Equal(v) {
		t.Fatalf("%q marshals as %.100q, which reads back as %.100s, %v", src, text, w.Fraction(), err)
	}
	if again, _ := w.MarshalText(); !bytes.Equal(again, text) {
		t.Fatalf("%q marshals as %.100q, then as %.100q", src, text, again)
	}
}
