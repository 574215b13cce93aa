// Package expr evaluates arithmetic expressions exactly, with rational
// numbers, rounds irrational results correctly to the digits asked for,
// and formats the results.
//
// # Grammar
//
//	expression = [ name "=" ] sum
//	sum        = product { ("+" | "-") product }
//	product    = unary { ("*" | "/" | "%") unary }
//	unary      = { "+" | "-" } power
//	power      = primary [ "^" unary ]
//	primary    = number | "ans" | name | constant | call | "(" sum ")"
//	call       = name "(" sum { "," sum } ")"
//	name       = letter { letter | digit }   (letters: a-z, A-Z, "_")
//	number     = decimal | ("0x" | "0X") hex | ("0o" | "0O") octal | ("0b" | "0B") binary
//	decimal    = mantissa [ ("e" | "E") [ "+" | "-" ] digit { digit } ]
//	mantissa   = digits [ "." [ digits ] ] | "." digits
//	digits     = digit { [ "_" ] digit }
//	hex        = [ "_" ] hexdigit { [ "_" ] hexdigit }
//
// The functions are abs, trunc, floor, ceil, round (half away from zero),
// min and max (of one or more arguments), sqrt, cbrt, exp, ln, log10,
// log2, log(x, base), sin, cos, tan, asin, acos, atan (in radians) and
// atan2(y, x) (the angle of the point (x, y), in (-π, π]); the constants
// are pi and e. Inside a number "e" is the exponent marker: 2e3 is 2000,
// 2e is a malformed number, 2*e is twice e. A name that is a function's or
// a constant's cannot be a variable. An expression may start with an
// assignment, "x = 2 * 3", which sets the variable x of Options.Env to the
// value of the rest and evaluates to it; a name is then the value of its
// variable. "ans" is the previous result (Options.Ans) and cannot be
// assigned.
//
// So "^" binds tighter than a sign and is right-associative: -2^2 is -4 and
// 2^3^2 is 512, while 2^-1 is 0.5. "/" is exact division, "%" the remainder
// of truncated division (its sign is the dividend's: -7 % 2 is -1; it works
// on fractions too: 7.5 % 2 is 1.5). A real exponent is allowed (2^0.5,
// 2^pi); a negative number's only when it is a fraction with an odd
// denominator ((-8)^(1/3) is -2); 0^0 is 1.
// Numbers are decimal, or integers in hexadecimal, octal or binary (0x1f,
// 0o17, 0b1010, with octal and binary digits as hex's); "_" may separate
// digits (1_000_000, 0x_ff_ff). The symbols × and · (U+00D7, U+00B7,
// U+22C5) multiply, ÷ and ∕ (U+00F7, U+2215) divide and − (U+2212) is a
// minus, as in pasted text; error columns count them as one character each.
// Spaces, tabs
// and other white space may appear between tokens, and "#" starts a comment
// that runs to the end of the input.
//
// # Exact and rounded results
//
// A result that is rational is exact: sqrt(9/4) is 1.5, 8^(1/3) is 2,
// log(8, 4) is 1.5, ln(1), sin(0) and atan(0) are 0, and floor(pi) is 3.
// Any other result, that of sqrt(2), pi or exp(1) or of an expression
// using one, is irrational and is correctly rounded to Options.Precision
// significant digits: the Value is the decimal nearest to the exact
// result (a tie, which only an exact result can be, would go to the even
// digit), marked as rounded (see [Value.Rounded]).
//
// Eval finds it with interval arithmetic and Ziv's strategy. An
// irrational value is carried as an interval of binary floating-point
// numbers known to hold it, at a working precision of the digits asked
// for plus guard bits: every operation rounds the interval's lower bound
// down and its upper bound up, and every function (a series on math/big,
// see series.go) widens it by a bound of its own error. When the ends of
// the final interval round to the same decimal, that is the correctly
// rounded result. When they do not, or when an operation cannot tell on
// which side of a point an interval lies (a divisor that may be 0, a
// floor near an integer), Eval evaluates the whole expression again with
// twice the guard bits, from 32 up to 4 times the bits of the precision
// plus 1024. A result still undecided then is refused: it is too close to
// 0 or to halfway between two decimals to round (sin(pi) and sqrt(2)^2 - 2
// are exactly 0, which no finite precision can show), or an operation is
// too close to call (1/(sqrt(2)^2 - 2)). The work of every attempt counts
// against MaxApproxWork.
//
// # Limits
//
// Every limit is checked before the work it guards is done, so that any
// input is refused or evaluated quickly: see [MaxLength], [MaxDepth],
// [MaxDigits], [MaxBits], [MaxLiteralBits], [MaxWork] and [MaxApproxWork], and a [Budget]
// shared by several evaluations, which may run at once. A refusal is an
// [*Error] like any other.
//
// # State
//
// Eval does no I/O and keeps no state between evaluations: everything comes
// in as the source and [Options], and goes out as a [Value] or an [*Error],
// so it may be called from several goroutines at once, also with the same
// Options: a [Budget] is safe to share, and Values are immutable.
package expr

import "unicode/utf8"

// Limits on what Eval accepts. Each is reported as an *Error naming it.
const (
	// MaxLength is the largest accepted expression, in bytes.
	MaxLength = 64 << 10

	// MaxDepth is the deepest accepted nesting of parentheses and
	// exponents: "((1))" has depth 2, and so has "2^2^2".
	MaxDepth = 1000

	// MaxDigits is the most digits a number literal may have: as many
	// as the largest integer has (2^MaxBits - 1), so that every number
	// Decimal and Fraction print can be read back.
	MaxDigits = 30_103

	// MaxBits is the largest numerator or denominator, in bits (about
	// 30,100 decimal digits), of any number: intermediate results and the
	// result, and the numerators of literals. Operations whose result
	// would be larger are refused before they are computed, using the
	// sizes of their operands (so 2^1000000000, 9^9^9 and 1e1000000000 are
	// refused at once).
	MaxBits = 100_000

	// MaxLiteralBits is the largest denominator of a literal, in bits:
	// that of 10^40103, so that a result rounded to MaxPrecision digits
	// reads back even when it is as small as a result can be (about
	// 10^-30103). Arithmetic on such a literal must bring its denominator
	// back within MaxBits.
	MaxLiteralBits = 133_220

	// MaxWork bounds the big-number work of one evaluation, in units of
	// about a nanosecond of CPU time. Before each operation on big
	// integers its cost is estimated from the sizes of its operands, as
	// an upper bound of what it takes, and refused if the total would
	// pass MaxWork. This keeps the exact arithmetic of any evaluation
	// within about 40 ms, checked before the work is done; values that fit
	// in 64 bits cost nothing.
	MaxWork = 40_000_000

	// MaxApproxWork bounds the work of one evaluation on irrational
	// values (see the package doc), in the same units, estimated the same
	// way before each operation on big floats: about 2 s of CPU time at
	// most, and in practice well under a second, as the estimates are 1.5
	// to 4 times what the operations take. That is room for 10,000 digits
	// of pi, e^x or sin x and of compositions of a few such functions;
	// larger tasks, such as sin(10^30000), are refused within it.
	MaxApproxWork = 2_000_000_000
)

// Options configure Eval. The zero Options is ready to use.
type Options struct {
	// Ans is the value of the name "ans" when HasAns is true. When HasAns
	// is false, using "ans" is an error.
	Ans    Value
	HasAns bool

	// Budget, when not nil, is a budget of work shared by evaluations,
	// such as those of the lines of one input, or of the requests of one
	// client, also when they run at once in several goroutines. Each
	// evaluation may do at most MaxWork units of work and at most what is
	// left of the budget: it takes each unit from the budget before doing
	// it, so evaluations sharing a budget never do more work in all than
	// it held, whether they succeed or fail. An evaluation that would
	// pass what is left fails with "CPU budget used up" (the work it did
	// until then stays taken); one that would pass MaxWork fails as it
	// would without a budget.
	Budget *Budget

	// Env, when not nil, holds the variables: an expression may use any
	// name it has, and an assignment "name = expression" sets one (and
	// evaluates to its value). Evaluations may share an Env, also at once.
	// Without one, every name but "ans" is unknown and an assignment fails.
	Env *Env

	// Precision is the number of significant digits an irrational
	// result is correctly rounded to (see the package doc):
	// DefaultPrecision when it is 0 or less, MaxPrecision at most.
	Precision int
}

// Eval parses and evaluates the expression src. The error, if any, is an
// *Error: the first syntax error if there is one, otherwise the first
// error met while evaluating from left to right.
func Eval(src string, opts Options) (Value, error) {
	if len(src) > MaxLength {
		at := MaxLength // the first byte too many, or the start of its character
		for at > 0 && !utf8.RuneStart(src[at]) {
			at--
		}
		return Value{}, newError(src, at, msgTooLong)
	}
	prec := opts.precision()
	var c calc
	for guard := uint(firstGuard); ; guard *= 2 {
		p := parser{src: src, ans: opts.Ans.norm(), hasAns: opts.HasAns, env: opts.Env}
		p.calc = calc{work: c.work, approxWork: c.approxWork, budget: opts.Budget, bits: precBits(prec) + guard, consts: c.consts}
		v, target := p.parse()
		last := guard >= maxGuard(prec)
		switch {
		case p.err != nil:
			return Value{}, p.err
		case p.evalErr != nil && p.undecided && !last:
			c = p.calc
			continue
		case p.evalErr != nil:
			return Value{}, p.evalErr
		}
		if v.ival() != nil {
			r, exact, ok, zero, f := p.rounded(v.ival(), prec)
			switch {
			case f != faultNone:
				p.check(f, 0, 0)
				return Value{}, p.evalErr
			case !ok && !last:
				c = p.calc
				continue
			case !ok && zero:
				return Value{}, newError(src, 0, msgNearZero, ErrLimit)
			case !ok:
				return Value{}, newError(src, 0, msgNearTie, ErrLimit)
			}
			v, p.inexact = r, p.inexact || !exact
		}
		if p.inexact {
			v = v.rounded()
		}
		if target != "" {
			opts.Env.Set(target, v)
		}
		return v, nil
	}
}

// precision returns the digits of rounded results.
func (o Options) precision() int {
	if o.Precision <= 0 {
		return DefaultPrecision
	}
	return min(o.Precision, MaxPrecision)
}

// The guard bits of irrational values: Eval starts with firstGuard bits
// beyond the precision asked for and doubles them while the result's
// rounding is not decided, up to maxGuard.
const firstGuard = 32

// precBits returns the bits of prec decimal digits, at least: log2(10) is
// just below 3.3220.
func precBits(prec int) uint {
	return uint(prec*33220+9999)/10000 + 1
}

// maxGuard returns the most guard bits Eval tries at precision prec:
// enough for a result to be decided unless it is within about
// 2^-(4·precBits+1024) of 0 or of a halfway point, relative to its size.
func maxGuard(prec int) uint {
	return 4*precBits(prec) + 1024
}
