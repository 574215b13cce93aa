package expr

import "strconv"

// A function of the grammar: name "(" sum { "," sum } ")".
type function struct {
	min, max int // arguments; max < 0: any number from min on
	// call computes the function of args, which it may reuse.
	call func(c *calc, args []Value) (Value, fault)
}

// functions are the functions the grammar knows, by name. Each is exact
// on rationals.
var functions = map[string]function{
	"abs":   {1, 1, func(_ *calc, a []Value) (Value, fault) { return abs(a[0]), faultNone }},
	"trunc": {1, 1, func(c *calc, a []Value) (Value, fault) { return c.trunc(a[0]) }},
	"floor": {1, 1, func(c *calc, a []Value) (Value, fault) { return c.floor(a[0]) }},
	"ceil":  {1, 1, func(c *calc, a []Value) (Value, fault) { v, f := c.floor(neg(a[0])); return neg(v), f }},
	"round": {1, 1, func(c *calc, a []Value) (Value, fault) { return c.round(a[0]) }},
	"sqrt":  {1, 1, func(c *calc, a []Value) (Value, fault) { return c.ratPow(a[0], half) }},
	"cbrt":  {1, 1, func(c *calc, a []Value) (Value, fault) { return c.ratPow(a[0], third) }},
	"min":   {1, -1, func(c *calc, a []Value) (Value, fault) { return c.extreme(a, -1) }},
	"max":   {1, -1, func(c *calc, a []Value) (Value, fault) { return c.extreme(a, 1) }},
}

// isFunction reports whether name is a function's, which no variable may
// take.
func isFunction(name string) bool {
	_, ok := functions[name]
	return ok
}

var (
	one   = Value{num: 1, den: 1}
	half  = Value{num: 1, den: 2}
	third = Value{num: 1, den: 3}
)

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
		p.evalFail(at, name+" takes "+fn.arity()+", not "+strconv.Itoa(len(args)))
		return Value{}
	}
	if !p.ok() {
		return Value{}
	}
	v, f := fn.call(&p.calc, args)
	p.check(f, at, at)
	return v
}
