package expr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/go-multistage/multistage/calculator/expr"
)

func ExampleEval() {
	v, err := expr.Eval("(1.5 + 2.25) * 4 - 10 / 3", expr.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v)
	fmt.Println(v.Decimal(5))
	fmt.Println(v.Fraction())
	// Output:
	// 11.666666666666666667
	// 11.667
	// 35/3
}

func ExampleError() {
	_, err := expr.Eval("1 / (2 - 2)", expr.Options{})
	fmt.Println(err)
	var e *expr.Error
	if errors.As(err, &e) {
		fmt.Printf("%q at byte %d, column %d\n", e.Msg, e.Offset, e.Column)
	}
	// Output:
	// division by zero at column 5
	// "division by zero" at byte 4, column 5
}

func ExampleOptions() {
	first, _ := expr.Eval("2^10", expr.Options{})
	next, _ := expr.Eval("ans / 3", expr.Options{Ans: first, HasAns: true})
	fmt.Println(next, "=", next.Fraction())
	// Output: 341.33333333333333333 = 1024/3
}

// A Budget shared by evaluations running at once lets exactly as many
// succeed as it pays for.
func ExampleNewBudget() {
	big, _ := expr.Eval("2^64", expr.Options{})
	opts := expr.Options{Ans: big, HasAns: true, Budget: expr.NewBudget(expr.MaxWork)}
	if _, err := expr.Eval("ans + 1", opts); err != nil { // one big addition
		fmt.Println(err)
		return
	}
	cost := expr.MaxWork - opts.Budget.Left()

	opts.Budget = expr.NewBudget(3 * cost)
	var wg sync.WaitGroup
	var succeeded atomic.Int32
	for range 8 {
		wg.Go(func() {
			if _, err := expr.Eval("ans + 1", opts); err == nil {
				succeeded.Add(1)
			}
		})
	}
	wg.Wait()
	fmt.Println(succeeded.Load(), "of 8 succeeded;", opts.Budget.Left(), "left")
	_, err := expr.Eval("ans + 1", opts)
	fmt.Println(err)
	// Output:
	// 3 of 8 succeeded; 0 left
	// CPU budget used up at column 5
}

func ExampleValue_Equal() {
	a, _ := expr.Eval("2^64", expr.Options{})
	b, _ := expr.Eval("2^65 / 2", expr.Options{})
	zero, _ := expr.Eval("0", expr.Options{})
	fmt.Println(a.Equal(b), zero.Equal(expr.Value{}), a.Cmp(b))
	// Output: true true 0
}

func ExampleValue_MarshalText() {
	type reading struct {
		Mean expr.Value `json:"mean"`
	}
	mean, _ := expr.Eval("(1 + 2 + 4) / 6", expr.Options{})
	b, _ := json.Marshal(reading{mean})
	fmt.Println(string(b))
	var back reading
	err := json.Unmarshal([]byte(`{"mean": "-1.25"}`), &back)
	fmt.Println(back.Mean.Fraction(), err)
	err = json.Unmarshal([]byte(`{"mean": "1 / 3"}`), &back)
	fmt.Println(err)
	// Output:
	// {"mean":"7/6"}
	// -5/4 <nil>
	// reading a Value from "1 / 3": unexpected " " at column 2
}

func ExampleParseValue() {
	for _, s := range []string{"35/3", "-1/2", "1.5", "2e-3", "1/0"} {
		v, err := expr.ParseValue(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(s, "=", v.Fraction(), "=", v)
	}
	// Output:
	// 35/3 = 35/3 = 11.666666666666666667
	// -1/2 = -1/2 = -0.5
	// 1.5 = 3/2 = 1.5
	// 2e-3 = 1/500 = 0.002
	// reading a Value from "1/0": division by zero at column 3
}

func ExampleValue_Format() {
	v := expr.MustParseValue("35/3")
	fmt.Printf("%v|%.5v|%d|%x|%.2f|%8.3f|%+d\n", v, v, v, v, v, v, v)
	fmt.Printf("%#v\n", v)
	fmt.Printf("%+v\n", struct{ X expr.Value }{v})
	// Output:
	// 11.666666666666666667|11.667|35/3|23/3|11.67|  11.667|+35/3
	// expr.MustParseValue("35/3")
	// {X:11.666666666666666667}
}

// Errors tell their kind to errors.Is, so that a caller need not match
// the message.
func ExampleError_kinds() {
	for _, src := range []string{"1 / (2 - 2)", "2 +", "x * 2", "sqrt(-2)", "2^10^10"} {
		_, err := expr.Eval(src, expr.Options{})
		switch {
		case errors.Is(err, expr.ErrDivisionByZero):
			fmt.Println(src, "→ division by zero")
		case errors.Is(err, expr.ErrSyntax):
			fmt.Println(src, "→ not an expression:", err)
		case errors.Is(err, expr.ErrUndefined):
			fmt.Println(src, "→ undefined:", err)
		case errors.Is(err, expr.ErrDomain):
			fmt.Println(src, "→ outside the domain:", err)
		case errors.Is(err, expr.ErrLimit):
			fmt.Println(src, "→ refused:", err)
		default:
			fmt.Println(src, "→", err)
		}
	}
	// Output:
	// 1 / (2 - 2) → division by zero
	// 2 + → not an expression: unexpected end of input at column 4
	// x * 2 → undefined: unknown name "x" at column 1
	// sqrt(-2) → outside the domain: even root of a negative number at column 1
	// 2^10^10 → refused: result too large (more than 100000 bits) at column 2
}

// Irrational results are correctly rounded to Options.Precision digits
// and marked as rounded; rational ones stay exact.
func Example_irrational() {
	for _, src := range []string{"sqrt(2)", "pi", "sqrt(9/4)", "log(8, 4)", "2^0.5 * 2^0.5", "sin(pi)"} {
		v, err := expr.Eval(src, expr.Options{Precision: 30})
		if err != nil {
			fmt.Println(src, "→", err)
			continue
		}
		s, rounded := v.DecimalRounded(30)
		fmt.Println(src, "=", s, rounded)
	}
	// Output:
	// sqrt(2) = 1.41421356237309504880168872421 true
	// pi = 3.14159265358979323846264338328 true
	// sqrt(9/4) = 1.5 false
	// log(8, 4) = 1.5 false
	// 2^0.5 * 2^0.5 = 2 true
	// sin(pi) → too close to 0 to round: the result may be exactly 0 at column 1
}
