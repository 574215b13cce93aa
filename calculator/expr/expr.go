// Package expr evaluates arithmetic expressions exactly, with rational
// numbers, and formats the results.
//
// # Grammar
//
//	expression = sum
//	sum        = product { ("+" | "-") product }
//	product    = unary { ("*" | "/" | "%") unary }
//	unary      = { "+" | "-" } power
//	power      = primary [ "^" unary ]
//	primary    = number | "ans" | "(" sum ")"
//	number     = mantissa [ ("e" | "E") [ "+" | "-" ] digit { digit } ]
//	mantissa   = digits [ "." [ digits ] ] | "." digits
//	digits     = digit { [ "_" ] digit }
//
// So "^" binds tighter than a sign and is right-associative: -2^2 is -4 and
// 2^3^2 is 512, while 2^-1 is 0.5. "/" is exact division, "%" the remainder
// of truncated division (its sign is the dividend's: -7 % 2 is -1; it works
// on fractions too: 7.5 % 2 is 1.5). Exponents must be integers; 0^0 is 1.
// Numbers are decimal; "_" may separate digits (1_000_000). Spaces, tabs
// and other white space may appear between tokens, and "#" starts a comment
// that runs to the end of the input.
//
// # Limits
//
// Every limit is checked before the work it guards is done, so that any
// input is refused or evaluated quickly: see [MaxLength], [MaxDepth],
// [MaxDigits], [MaxBits] and [MaxWork]. A refusal is an [*Error] like any
// other.
package expr

// Limits on what Eval accepts. Each is reported as an *Error naming it.
const (
	// MaxLength is the largest accepted expression, in bytes.
	MaxLength = 64 << 10

	// MaxDepth is the deepest accepted nesting of parentheses and
	// exponents: "((1))" has depth 2, and so has "2^2^2".
	MaxDepth = 1000

	// MaxDigits is the most digits a number literal may have.
	MaxDigits = 10_000

	// MaxBits is the largest numerator or denominator, in bits (about
	// 30,100 decimal digits), of any number: literals, intermediate
	// results and the result. Operations whose result would be larger are
	// refused before they are computed, using the sizes of their operands
	// (so 2^1000000000, 9^9^9 and 1e1000000000 are refused at once).
	MaxBits = 100_000

	// MaxWork bounds the big-number work of one evaluation. Before each
	// operation on big integers, its cost is estimated from the sizes of
	// its operands (in units of about a nanosecond: m·n for multiplying or
	// dividing m- and n-word integers, 12·m·n for their greatest common
	// divisor) and refused if the total would pass MaxWork. This keeps any
	// evaluation to a fraction of a second; values that fit in 64 bits
	// cost nothing.
	MaxWork = 250_000_000
)

// Options configure Eval. The zero Options is ready to use.
type Options struct {
	// Ans is the value of the name "ans" when HasAns is true. When HasAns
	// is false, using "ans" is an error.
	Ans    Value
	HasAns bool
}

// Eval parses and evaluates the expression src. The error, if any, is an
// *Error: the first syntax error if there is one, otherwise the first
// error met while evaluating from left to right.
func Eval(src string, opts Options) (Value, error) {
	if len(src) > MaxLength {
		return Value{}, newError(src, MaxLength, msgTooLong)
	}
	p := parser{src: src, ans: opts.Ans.norm(), hasAns: opts.HasAns}
	v := p.parse()
	if p.err != nil {
		return Value{}, p.err
	}
	if p.evalErr != nil {
		return Value{}, p.evalErr
	}
	return v, nil
}
