// Package expr evaluates arithmetic expressions exactly, with rational
// numbers, and formats the results.
//
// # Grammar
//
//	expression = [ name "=" ] sum
//	sum        = product { ("+" | "-") product }
//	product    = unary { ("*" | "/" | "%") unary }
//	unary      = { "+" | "-" } power
//	power      = primary [ "^" unary ]
//	primary    = number | "ans" | name | call | "(" sum ")"
//	call       = name "(" sum { "," sum } ")"
//	name       = letter { letter | digit }   (letters: a-z, A-Z, "_")
//	number     = decimal | ("0x" | "0X") hex | ("0o" | "0O") octal | ("0b" | "0B") binary
//	decimal    = mantissa [ ("e" | "E") [ "+" | "-" ] digit { digit } ]
//	mantissa   = digits [ "." [ digits ] ] | "." digits
//	digits     = digit { [ "_" ] digit }
//	hex        = [ "_" ] hexdigit { [ "_" ] hexdigit }
//
// The functions abs, trunc, floor, ceil, round (half away from zero), min
// and max (of one or more arguments) are exact on rationals, and so are
// sqrt and cbrt where the root is rational (else an error, as for "^"); a function's
// name cannot be a variable. An expression may start with an assignment, "x = 2 * 3", which sets the
// variable x of Options.Env to the value of the rest and evaluates to it;
// a name is then the value of its variable. "ans" is the previous result
// (Options.Ans) and cannot be assigned.
//
// So "^" binds tighter than a sign and is right-associative: -2^2 is -4 and
// 2^3^2 is 512, while 2^-1 is 0.5. "/" is exact division, "%" the remainder
// of truncated division (its sign is the dividend's: -7 % 2 is -1; it works
// on fractions too: 7.5 % 2 is 1.5). A fractional exponent works when the
// result is rational (8^(1/3) is 2, 4^1.5 is 8); an irrational result and
// an even root of a negative number are errors (ErrDomain); 0^0 is 1.
// Numbers are decimal, or integers in hexadecimal, octal or binary (0x1f,
// 0o17, 0b1010, with octal and binary digits as hex's); "_" may separate
// digits (1_000_000, 0x_ff_ff). The symbols × and · (U+00D7, U+00B7,
// U+22C5) multiply, ÷ and ∕ (U+00F7, U+2215) divide and − (U+2212) is a
// minus, as in pasted text; error columns count them as one character each.
// Spaces, tabs
// and other white space may appear between tokens, and "#" starts a comment
// that runs to the end of the input.
//
// # Limits
//
// Every limit is checked before the work it guards is done, so that any
// input is refused or evaluated quickly: see [MaxLength], [MaxDepth],
// [MaxDigits], [MaxBits], [MaxLiteralBits] and [MaxWork], and a [Budget]
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
	// pass MaxWork. This keeps any evaluation within about 40 ms, checked
	// before the work is done; values that fit in 64 bits cost nothing.
	MaxWork = 40_000_000
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
	p := parser{src: src, ans: opts.Ans.norm(), hasAns: opts.HasAns, env: opts.Env}
	p.budget = opts.Budget
	v := p.parse()
	if p.err != nil {
		return Value{}, p.err
	}
	if p.evalErr != nil {
		return Value{}, p.evalErr
	}
	return v, nil
}
