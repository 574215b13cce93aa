// Package engines puts our calculator's engine and two popular Go expression
// engines behind one function type, and holds the table of expressions they
// are compared on.
//
// Every engine is timed as a user who sees each expression once would call
// it: parse (compile) and evaluate together.
//
// It is the only package that imports the peer engines (expr-lang/expr,
// govaluate), and it must not put an expression in the table that the
// three read differently (no ^, which govaluate reads as XOR).
package engines

import (
	"fmt"
	"math"
	"math/big"

	"github.com/Knetic/govaluate"
	exprlang "github.com/expr-lang/expr"

	"github.com/go-multistage/multistage/calculator/expr"
)

// Engine is one expression engine.
type Engine struct {
	// Name is short and safe in a benchmark name.
	Name string
	// Eval parses and evaluates src and returns the engine's own result
	// value.
	Eval func(src string) (any, error)
}

// Ours is the calculator's exact engine.
var Ours = Engine{Name: "ours", Eval: func(src string) (any, error) {
	return expr.Eval(src, expr.Options{})
}}

// ExprLang is github.com/expr-lang/expr: compile, then run.
var ExprLang = Engine{Name: "expr-lang", Eval: func(src string) (any, error) {
	program, err := exprlang.Compile(src)
	if err != nil {
		return nil, err
	}
	return exprlang.Run(program, nil)
}}

// Govaluate is github.com/Knetic/govaluate: parse, then evaluate.
var Govaluate = Engine{Name: "govaluate", Eval: func(src string) (any, error) {
	e, err := govaluate.NewEvaluableExpression(src)
	if err != nil {
		return nil, err
	}
	return e.Evaluate(nil)
}}

// All lists the engines in the order reports show them.
var All = []Engine{Ours, ExprLang, Govaluate}

// Case is one expression of the comparison table. Its syntax means the same
// in every engine: no "^" (govaluate's XOR), no "%", no names.
type Case struct {
	Name  string // short and safe in a benchmark name
	Src   string
	Exact string // the exact result, as big.Rat.SetString reads it
}

// Table is the expression table every engine is benchmarked on.
var Table = []Case{
	{"int-add", "1 + 2", "3"},
	{"int-mul", "12345 * 6789", "83810205"},
	{"decimal", "0.1 + 0.2", "3/10"},
	{"mixed", "(1.5 + 2.25) * 4 - 10 / 3", "35/3"},
	{"nested", "((2 + 3) * (7 - 4)) / (1 + (6 / (5 - 2)))", "5"},
	{"unary", "-3 + -(4 * -2)", "5"},
	{"long", "1.5 * 2 + 3 / 4 - 0.25 + 10 * (2 - 0.5) + 7 / 8 + 100 - 99.125 + 6 * 7 - 1 / 3", "743/12"},
	{"overflow", "9223372036854775807 + 1", "9223372036854775808"},
}

// Rat converts an engine's result to an exact rational: our Value exactly,
// integers exactly, and a float64 as the binary fraction it holds.
func Rat(result any) (*big.Rat, error) {
	switch v := result.(type) {
	case expr.Value:
		return v.Rat(), nil
	case int:
		return new(big.Rat).SetInt64(int64(v)), nil
	case int64:
		return new(big.Rat).SetInt64(v), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("result %v is not a number", v)
		}
		return new(big.Rat).SetFloat64(v), nil
	}
	return nil, fmt.Errorf("result %v has unexpected type %T", result, result)
}

// Check evaluates c with e and reports whether the result is exactly c.Exact,
// with the result as the engine prints it.
func Check(e Engine, c Case) (exact bool, shown string, err error) {
	want, ok := new(big.Rat).SetString(c.Exact)
	if !ok {
		return false, "", fmt.Errorf("case %s: bad exact value %q", c.Name, c.Exact)
	}
	res, err := e.Eval(c.Src)
	if err != nil {
		return false, "", fmt.Errorf("%s on %q: %w", e.Name, c.Src, err)
	}
	got, err := Rat(res)
	if err != nil {
		return false, "", fmt.Errorf("%s on %q: %w", e.Name, c.Src, err)
	}
	return got.Cmp(want) == 0, fmt.Sprint(res), nil
}
