package expr_test

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/go-multistage/multistage/calculator/expr"
)

// TestValueNotComparable checks that == on Values does not compile, since
// it would compare representations: Eval("0") and the zero Value, or two
// results 2^64, are equal numbers with different ones.
func TestValueNotComparable(t *testing.T) {
	if reflect.TypeFor[expr.Value]().Comparable() {
		t.Error("expr.Value is comparable; want == refused at compile time")
	}
	if size := unsafe.Sizeof(expr.Value{}); size != 3*unsafe.Sizeof(uintptr(0)) {
		t.Errorf("expr.Value has %d bytes, want 3 words", size)
	}
}

func TestEqual(t *testing.T) {
	values := []expr.Value{eval(t, "0"), {}, eval(t, "-0"), eval(t, "0/5")}
	for _, v := range values {
		for _, w := range values {
			if !v.Equal(w) {
				t.Errorf("%s.Equal(%s) is false for two zeros", v.Fraction(), w.Fraction())
			}
		}
	}
	same := []string{"2^64", "2^65 / 2", "18446744073709551616", "(2^64 * 3) / 3"}
	for _, a := range same {
		for _, b := range same {
			if !eval(t, a).Equal(eval(t, b)) {
				t.Errorf("Eval(%q).Equal(Eval(%q)) is false", a, b)
			}
		}
	}
	distinct := []string{"0", "1", "-1", "1/2", "2/3", "2^64", "-2^64", "2^64 + 1", "1/2^64", "2^63 - 1", "-2^63"}
	for i, a := range distinct {
		for j, b := range distinct {
			if got := eval(t, a).Equal(eval(t, b)); got != (i == j) {
				t.Errorf("Eval(%q).Equal(Eval(%q)) = %v", a, b, got)
			}
		}
	}
}
