package expr_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/go-multistage/multistage/calculator/expr"
)

// TestExactFirst checks that results that are rational stay exact, not
// rounded, also where they come out of irrational values.
func TestExactFirst(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"sqrt(16)", "4"},
		{"sqrt(9/4)", "1.5"},
		{"8^(1/3)", "2"},
		{"ln(1)", "0"},
		{"exp(0)", "1"},
		{"sin(0) + tan(0) + asin(0) + atan(0) + acos(1)", "0"},
		{"cos(0)", "1"},
		{"log10(1000)", "3"},
		{"log10(0.001)", "-3"},
		{"log2(1/8)", "-3"},
		{"log(8, 4)", "1.5"},
		{"log(1, 7)", "0"},
		{"atan2(0, 5)", "0"},
		{"floor(pi)", "3"},
		{"ceil(-e)", "-2"},
		{"round(sqrt(2) * 10)", "14"},
		{"trunc(-exp(2))", "-7"},
		{"max(5, pi)", "5"},
		{"min(-1, sin(1))", "-1"},
		{"0 * pi", "0"},
		{"floor(10^9 * pi) % 10^3", "653"},
		{"floor(sqrt(4 + 10^-300) - 1)", "1"},
	} {
		v, err := expr.Eval(tt.src, expr.Options{})
		if err != nil || v.Rounded() || v.String() != tt.want {
			t.Errorf("Eval(%q) = %v (rounded %v), %v; want exactly %s", tt.src, v, v.Rounded(), err, tt.want)
		}
	}
}

// TestRounding checks correctly rounded results at the edges of the
// precisions, and what Value says about them.
func TestRounding(t *testing.T) {
	for _, tt := range []struct {
		src  string
		prec int
		want string
	}{
		{"pi", 1, "3"},
		{"pi", 3, "3.14"},
		{"-pi", 5, "-3.1416"},
		{"e", 0, "2.7182818284590452354"}, // 0: DefaultPrecision
		{"sqrt(2)", 20, "1.4142135623730950488"},
		{"sqrt(2)^2", 20, "2"},                              // 1.99999... or 2.00000...: both round to 2
		{"sqrt(2)^2 * 1.25", 2, "2.5"},                      // exactly 2.5, but not known to be
		{"exp(1e-20) - 1", 20, "1.0000000000000000000e-20"}, // cancellation: more guard bits
		{"exp(100)", 10, "2.688117142e43"},
		{"exp(-100)", 10, "3.720075976e-44"},
		{"2^0.5 * 10^30", 3, "1.41e30"},
		{"ln(10^-30000)", 8, "-69077.553"},
		{"1 - cos(1e-10)", 5, "5e-21"},
	} {
		v, err := expr.Eval(tt.src, expr.Options{Precision: tt.prec})
		want := expr.MustParseValue(tt.want)
		if err != nil || !v.Equal(want) || !v.Rounded() {
			t.Errorf("Eval(%q) at %d digits = %v (rounded %v), %v; want %s", tt.src, tt.prec, v, v.Rounded(), err, tt.want)
		}
	}
	// A value computed from a rounded one is rounded too, and so shown.
	env := expr.NewEnv()
	if _, err := expr.Eval("x = sqrt(2)", expr.Options{Env: env}); err != nil {
		t.Fatal(err)
	}
	v, err := expr.Eval("x * 2", expr.Options{Env: env})
	if s, rounded := v.DecimalRounded(5); err != nil || s != "2.8284" || !rounded || !v.Rounded() {
		t.Errorf("x * 2 for x = sqrt(2) = %q, rounded %v, %v; want 2.8284, rounded", s, rounded, err)
	}
}

// TestUndecided checks the results that no precision can round: exact
// zeros and ties reached through irrational values.
func TestUndecided(t *testing.T) {
	for _, tt := range []struct {
		src  string
		prec int
		msg  string
	}{
		{"sin(pi)", 20, "too close to 0 to round: the result may be exactly 0"},
		{"ln(e) - 1", 20, "too close to 0 to round: the result may be exactly 0"},
		{"sqrt(2)^2 * 1.25", 1, "too close to halfway between two results to round (it may be exactly halfway)"},
		{"floor(sqrt(2)^2)", 20, "too close to call: a value that is not exact is too near 0, an integer or the edge of a domain"},
	} {
		_, err := expr.Eval(tt.src, expr.Options{Precision: tt.prec})
		var e *expr.Error
		if !errors.As(err, &e) || e.Msg != tt.msg || !errors.Is(err, expr.ErrLimit) {
			t.Errorf("Eval(%q) at %d digits: %v; want %q (ErrLimit)", tt.src, tt.prec, err, tt.msg)
		}
	}
}

// TestIrrationalStaysBounded feeds the costliest irrational tasks at the
// largest precision: each ends with a value or a limit's error, having
// drawn at most MaxWork + MaxApproxWork units from a budget, and within a
// time far above what they take (a few hundred ms), to catch a hang.
func TestIrrationalStaysBounded(t *testing.T) {
	for _, src := range []string{
		"sin(10^30000)", "exp(10^6)", "exp(-10^6)", "ln(10^-30000)", "pi", "exp(1)", "sin(1)",
		"atan(0.999)", "2^(1/3)^(1/3)^(1/3)", "e^e^e", "sin(pi)", "1/(sqrt(2)^2 - 2)", "tan(pi/2)",
		"sin(sin(sin(sin(sin(1)))))", "exp(69000)", "sin(1e-300)", "asin(1 - 10^-300)",
	} {
		b := expr.NewBudget(1 << 62)
		start := time.Now()
		_, err := expr.Eval(src, expr.Options{Precision: expr.MaxPrecision, Budget: b})
		elapsed := time.Since(start)
		if err != nil && !errors.Is(err, expr.ErrLimit) {
			t.Errorf("Eval(%q): %v", src, err)
		}
		if used := 1<<62 - b.Left(); used > expr.MaxWork+expr.MaxApproxWork {
			t.Errorf("Eval(%q) used %d units of work", src, used)
		}
		if elapsed > 20*time.Second {
			t.Errorf("Eval(%q) took %v", src, elapsed)
		}
	}
}

// TestFunctionsConcurrent evaluates irrational results in goroutines
// sharing one budget (run with -race): each gets the same digits.
func TestFunctionsConcurrent(t *testing.T) {
	b := expr.NewBudget(1 << 40)
	want := expr.MustParseValue("0.84147098480789650665")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			v, err := expr.Eval("sin(1)", expr.Options{Budget: b})
			if err != nil || !v.Equal(want) {
				t.Errorf("sin(1) = %v, %v", v, err)
			}
		})
	}
	wg.Wait()
}
