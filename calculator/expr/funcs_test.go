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
		{"abs(2^0.5)", "exponent must be an integer", 7, expr.ErrDomain},
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
