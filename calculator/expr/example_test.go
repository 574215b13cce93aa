package expr_test

import (
	"errors"
	"fmt"

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
