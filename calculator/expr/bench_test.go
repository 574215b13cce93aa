package expr_test

import (
	"testing"

	"github.com/go-multistage/multistage/calculator/expr"
)

// benchExprs are typical inputs: the first is the one compared with other
// evaluators; one needs the big-number fallback.
var benchExprs = []struct{ name, src string }{
	{"mixed", "(1.5 + 2.25) * 4 - 10 / 3"},
	{"sum", "5 + 3"},
	{"quotient", "10 / 2"},
	{"nested", "2 * (3 + 4)"},
	{"integers", "1234567 * 7654321 - 42 % 5"},
	{"power", "2^10 - 1"},
	{"unary", "-3 + 4 * -(2 - 7)"},
	{"decimals", "0.1 + 0.2"},
	{"fractions", "1/3 + 1/6 - 1/7"},
	{"overflow", "9223372036854775807 + 1"},
}

// BenchmarkEval measures parsing and evaluating, together.
func BenchmarkEval(b *testing.B) {
	for _, bb := range benchExprs {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := expr.Eval(bb.src, expr.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFormat measures turning results into text.
func BenchmarkFormat(b *testing.B) {
	for _, bb := range benchExprs {
		v, err := expr.Eval(bb.src, expr.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = v.String()
			}
		})
	}
}
