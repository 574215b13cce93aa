package expr_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/calculator/expr"
)

func TestFunctions(t *testing.T) {
	tests := []struct{ src, want string }{
		{"abs(-3/2)", "1.5"},
		{"abs(0)", "0"},
		{"abs(-2^70)", "1180591620717411303424"},
		{"trunc(7/2)", "3"},
		{"trunc(-7/2)", "-3"},
		{"trunc(5)", "5"},
		{"floor(7/2)", "3"},
		{"floor(-7/2)", "-4"},
		{"floor(-4)", "-4"},
		{"ceil(7/2)", "4"},
		{"ceil(-7/2)", "-3"},
		{"ceil(4)", "4"},
		{"round(2.5)", "3"},
		{"round(-2.5)", "-3"},
		{"round(2.4999)", "2"},
		{"round(-0.5)", "-1"},
		{"round(1/3)", "0"},
		{"floor(10^30/7)", "142857142857142857142857142857"},
		{"floor(-(10^30+1)/7)", "-142857142857142857142857142858"},
		{"min(3, 1/2, -4)", "-4"},
		{"max(3, 1/2, -4)", "3"},
		{"min(7)", "7"},
		{"max(2^64, 2^64 + 1/2)", "18446744073709551616.5"},
		{"abs (−3) × 2", "6"},
		{"max(1, min(5, 3)) + abs(-1)", "4"},
		{"floor(ans)", "3"}, // Ans 3.5
		{"2^abs(-3)", "8"},
		{"-abs(-2)^2", "-4"},
		{"sqrt(16)", "4"},
		{"sqrt(9/4)", "1.5"},
		{"sqrt(0.25)", "0.5"},
		{"sqrt(0)", "0"},
		{"cbrt(-27/8)", "-1.5"},
		{"8^(1/3)", "2"},
		{"4^1.5", "8"},
		{"4^-1.5", "0.125"},
		{"(-8)^(1/3)", "-2"},
		{"(-8)^(2/3)", "4"},
		{"(-1)^(1/3)", "-1"},
		{"1^(1/10^200)", "1"},
		{"0^(1/2)", "0"},
		{"(7^35000)^(1/35000)", "7"},
		{"(3^60000)^(1/1000)", "42391158275216203514294433201"},
		{"(2^64)^(1/64)", "2"},
		{"(10^50)^(1/25)", "100"},
	}
	for _, tt := range tests {
		v, err := expr.Eval(tt.src, expr.Options{Ans: expr.MustParseValue("3.5"), HasAns: true})
		if err != nil || v.String() != tt.want {
			t.Errorf("Eval(%q) = %v, %v; want %s", tt.src, v, err, tt.want)
		}
	}
}

func TestFunctionErrors(t *testing.T) {
	tests := []struct {
		src, msg string
		column   int
		kind     error
	}{
		{"abs()", "abs takes 1 argument, not 0", 1, expr.ErrDomain},
		{"1 + abs(1, 2)", "abs takes 1 argument, not 2", 5, expr.ErrDomain},
		{"min()", "min takes at least 1 argument, not 0", 1, expr.ErrDomain},
		{"foo(2)", `unknown function "foo"`, 1, expr.ErrUndefined},
		{"abs", `"abs" is a function: abs(...)`, 1, expr.ErrSyntax},
		{"abs = 3", `cannot assign to the function "abs"`, 1, expr.ErrSyntax},
		{"max(1,)", `unexpected ")"`, 7, expr.ErrSyntax},
		{"max(1,,2)", `unexpected ","`, 7, expr.ErrSyntax},
		{"max(1 2)", `unexpected "2"`, 7, expr.ErrSyntax},
		{"min(1, 2", `unclosed "(" of min`, 1, expr.ErrSyntax},
		{"abs(1/0)", "division by zero", 7, expr.ErrDivisionByZero},
		{"2 abs(3)", `unexpected "abs"`, 3, expr.ErrSyntax},
		{"1, 2", `unexpected ","`, 2, expr.ErrSyntax},
		{"abs((-2)^0.5)", "even root of a negative number", 10, expr.ErrDomain},
		{"pi(2)", `unknown function "pi"`, 1, expr.ErrUndefined},
		{"log(2)", "log takes 2 arguments, not 1", 1, expr.ErrDomain},
		{"atan2(1)", "atan2 takes 2 arguments, not 1", 1, expr.ErrDomain},
		{"sqrt(-4)", "even root of a negative number", 1, expr.ErrDomain},
		{"sqrt(1, 2)", "sqrt takes 1 argument, not 2", 1, expr.ErrDomain},
		{strings.Repeat("abs(", expr.MaxDepth+1) + "1", "nesting too deep (more than 1000 levels)", 4*expr.MaxDepth + 4, expr.ErrLimit},
	}
	for _, tt := range tests {
		checkError(t, tt.src, tt.msg, tt.column)
		if _, err := expr.Eval(tt.src, expr.Options{}); !errors.Is(err, tt.kind) {
			t.Errorf("Eval(%q): %v is not %v", tt.src, err, tt.kind)
		}
	}
	env := expr.NewEnv()
	if env.Set("abs", expr.MustParseValue("1")) {
		t.Error(`Env.Set("abs") accepted a function's name`)
	}
}

func Example_functions() {
	for _, src := range []string{"floor(-7/2)", "round(2.5) + round(-2.5)", "max(1/3, 0.3, -1)", "abs(1, 2)"} {
		v, err := expr.Eval(src, expr.Options{})
		if err != nil {
			fmt.Println(src, "→", err)
			continue
		}
		fmt.Println(src, "=", v)
	}
	// Output:
	// floor(-7/2) = -4
	// round(2.5) + round(-2.5) = 0
	// max(1/3, 0.3, -1) = 0.33333333333333333333
	// abs(1, 2) → abs takes 1 argument, not 2 at column 1
}

// TestRootsStayBounded feeds roots of the largest numbers with many
// kinds of index: each ends with a value, or a domain or limit error.
func TestRootsStayBounded(t *testing.T) {
	for _, src := range []string{
		"(3^63000 + 1)^(1/2)", "(3^63000 + 1)^(1/3)", "(3^63000)^(1/3)", "(3^63000 + 1)^(1/997)",
		"(2^99999 + 1)^(1/99999)", "(3^63000)^(1/63000)", "(2^99999)^(1/100001)", "(3^60000/7^30000)^(1/3)",
		"2^(1/3)^(1/3)^(1/3)", "(10^30000 + 1)^(1/10)",
	} {
		_, err := expr.Eval(src, expr.Options{})
		if err != nil && !errors.Is(err, expr.ErrDomain) && !errors.Is(err, expr.ErrLimit) {
			t.Errorf("Eval(%.40q): %v", src, err)
		}
	}
}
