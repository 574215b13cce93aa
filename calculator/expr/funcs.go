package expr

import (
	"math/big"
	"strconv"
)

// A function of the grammar: name "(" sum { "," sum } ")".
type function struct {
	min, max int // arguments; max < 0: any number from min on
	// call computes the function of args, which it may reuse.
	call func(c *calc, args []Value) (Value, fault)
}

// functions are the functions the grammar knows, by name. Each gives an
// exact result where the result is rational, and an interval otherwise
// (see approx.go).
var functions = map[string]function{
	"abs":   {1, 1, func(c *calc, a []Value) (Value, fault) { return c.abs(a[0]) }},
	"trunc": {1, 1, func(c *calc, a []Value) (Value, fault) { return c.integer(a[0], truncFunc) }},
	"floor": {1, 1, func(c *calc, a []Value) (Value, fault) { return c.integer(a[0], floorFunc) }},
	"ceil":  {1, 1, func(c *calc, a []Value) (Value, fault) { return c.integer(a[0], ceilFunc) }},
	"round": {1, 1, func(c *calc, a []Value) (Value, fault) { return c.integer(a[0], roundFunc) }},
	"sqrt":  {1, 1, func(c *calc, a []Value) (Value, fault) { return c.pow(a[0], half) }},
	"cbrt":  {1, 1, func(c *calc, a []Value) (Value, fault) { return c.pow(a[0], third) }},
	"min":   {1, -1, func(c *calc, a []Value) (Value, fault) { return c.extreme(a, -1) }},
	"max":   {1, -1, func(c *calc, a []Value) (Value, fault) { return c.extreme(a, 1) }},
	"exp":   {1, 1, func(c *calc, a []Value) (Value, fault) { return c.expValue(a[0]) }},
	"ln":    {1, 1, func(c *calc, a []Value) (Value, fault) { return c.lnValue(a[0]) }},
	"log10": {1, 1, func(c *calc, a []Value) (Value, fault) { return c.logValue(a[0], ten) }},
	"log2":  {1, 1, func(c *calc, a []Value) (Value, fault) { return c.logValue(a[0], two) }},
	"log":   {2, 2, func(c *calc, a []Value) (Value, fault) { return c.logValue(a[0], a[1]) }},
	"sin":   {1, 1, func(c *calc, a []Value) (Value, fault) { s, _, f := c.sinCosValues(a[0]); return s, f }},
	"cos":   {1, 1, func(c *calc, a []Value) (Value, fault) { _, co, f := c.sinCosValues(a[0]); return co, f }},
	"tan":   {1, 1, func(c *calc, a []Value) (Value, fault) { return c.tanValue(a[0]) }},
	"asin":  {1, 1, func(c *calc, a []Value) (Value, fault) { return c.asinValue(a[0]) }},
	"acos":  {1, 1, func(c *calc, a []Value) (Value, fault) { return c.acosValue(a[0]) }},
	"atan":  {1, 1, func(c *calc, a []Value) (Value, fault) { return c.atanValue(a[0]) }},
	"atan2": {2, 2, func(c *calc, a []Value) (Value, fault) { return c.atan2Value(a[0], a[1]) }},
}

// constants are the names of the grammar's constants, which no variable
// may take either.
var constants = map[string]func(c *calc) (Value, fault){
	"pi": func(c *calc) (Value, fault) { return c.constant(c.pi(c.bits)) },
	"e":  func(c *calc) (Value, fault) { return c.expValue(one) },
}

// isFunction reports whether name is a function's, which no variable may
// take.
func isFunction(name string) bool {
	_, ok := functions[name]
	return ok
}

// isConstant reports whether name is a constant's.
func isConstant(name string) bool {
	_, ok := constants[name]
	return ok
}

var (
	one   = Value{num: 1, den: 1}
	two   = Value{num: 2, den: 1}
	ten   = Value{num: 10, den: 1}
	half  = Value{num: 1, den: 2}
	third = Value{num: 1, den: 3}
)

// abs returns |v|, for an interval too.
func (c *calc) abs(v Value) (Value, fault) {
	switch {
	case v.ival() == nil:
		return abs(v), faultNone
	case v.ival().lo.Sign() >= 0:
		return v, faultNone
	case v.ival().hi.Sign() <= 0:
		return neg(v), faultNone
	}
	hi := new(big.Float).Neg(v.ival().lo)
	if hi.Cmp(v.ival().hi) < 0 {
		hi = v.ival().hi
	}
	return ivValue(&interval{new(big.Float), hi}), faultNone
}

func abs(v Value) Value {
	if v.Sign() < 0 {
		return neg(v)
	}
	return v
}

// trunc returns v without its fraction, toward zero.
func (c *calc) trunc(v Value) (Value, fault) {
	if v.IsInt() {
		return v, faultNone
	}
	frac, f := c.rem(v, one)
	if f != faultNone {
		return Value{}, f
	}
	return c.sub(v, frac)
}

// floor returns the largest integer at most v.
func (c *calc) floor(v Value) (Value, fault) {
	t, f := c.trunc(v)
	if f != faultNone || v.Sign() >= 0 || t.Equal(v) {
		return t, f
	}
	return c.sub(t, one)
}

// ceil returns the smallest integer at least v.
func (c *calc) ceil(v Value) (Value, fault) {
	w, f := c.floor(neg(v))
	return neg(w), f
}

// round returns the integer nearest v, halves away from zero.
func (c *calc) round(v Value) (Value, fault) {
	h := half
	if v.Sign() < 0 {
		h = neg(half)
	}
	w, f := c.add(v, h)
	if f != faultNone {
		return Value{}, f
	}
	return c.trunc(w)
}

// extreme returns the least of vs (sign -1) or the greatest (sign 1).
// Comparing two big values costs two products, charged as such.
func (c *calc) extreme(vs []Value, sign int) (Value, fault) {
	for _, v := range vs {
		if v.ival() != nil {
			return c.ivExtreme(vs, sign)
		}
	}
	best := vs[0]
	for _, v := range vs[1:] {
		if v.r != nil || best.r != nil {
			vn, vd := v.parts()
			bn, bd := best.parts()
			if !c.charge(mulCost(ordered(vn, bd)) + mulCost(ordered(bn, vd))) {
				return Value{}, faultTooCostly
			}
		}
		if v.Cmp(best) == sign {
			best = v
		}
	}
	return best, faultNone
}

// arity describes how many arguments f takes, for an error message.
func (f function) arity() string {
	switch {
	case f.max < 0:
		return "at least " + plural(f.min, "argument")
	case f.min == f.max:
		return plural(f.min, "argument")
	}
	return strconv.Itoa(f.min) + " to " + plural(f.max, "argument")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// call parses the arguments of the function named name, whose name starts
// at offset at and whose "(" is the current token, and applies it.
func (p *parser) call(name string, at int) Value {
	fn, known := functions[name]
	if !known {
		p.fail(at, msgUnknownFunc+quote(name))
		return Value{}
	}
	if !p.enter() {
		return Value{}
	}
	p.next() // "("
	var args []Value
	for p.tok != tokRParen {
		args = append(args, p.sum())
		if p.tok != tokComma {
			break
		}
		p.next()
		if p.tok == tokRParen {
			p.unexpected() // a comma must be followed by an argument
		}
	}
	p.depth--
	switch {
	case p.tok == tokEOF && p.err == nil:
		p.fail(at, `unclosed "(" of `+name)
		return Value{}
	case p.tok != tokRParen:
		p.unexpected()
		return Value{}
	}
	p.next()
	if len(args) < fn.min || fn.max >= 0 && len(args) > fn.max {
		p.evalFail(at, name+" takes "+fn.arity()+", not "+strconv.Itoa(len(args)), ErrDomain)
		return Value{}
	}
	if !p.ok() {
		return Value{}
	}
	v, f := fn.call(&p.calc, args)
	p.check(f, at, at)
	return v
}
