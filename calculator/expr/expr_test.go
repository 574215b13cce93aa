package expr_test

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/calculator/expr"
)

func eval(t *testing.T, src string) expr.Value {
	t.Helper()
	v, err := expr.Eval(src, expr.Options{})
	if err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	return v
}

func TestEval(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		// Numbers.
		{"0", "0"},
		{"42", "42"},
		{"007", "7"},
		{"1.5", "1.5"},
		{".5", "0.5"},
		{"5.", "5"},
		{"2e3", "2000"},
		{"2E3", "2000"},
		{"2e+3", "2000"},
		{"2.5e-3", "0.0025"},
		{"1.e2", "100"},
		{"1_000_000", "1000000"},
		{"0.1_5", "0.15"},
		{"0e999999999", "0"},
		{"0.000e-999999999", "0"},
		{"1.50000000000000000000000000000", "1.5"},
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		{"0.000000000000000000000000000001", "1e-30"},
		{"1e18", "1000000000000000000"},
		{"1e19", "10000000000000000000"},
		{"9223372036854775807", "9223372036854775807"},
		{"9223372036854775808", "9223372036854775808"},

		// Hexadecimal, octal and binary integers, "_" as in Go.
		{"0x1f", "31"},
		{"0X1F", "31"},
		{"0x_ff_ff", "65535"},
		{"0o17", "15"},
		{"0O7_7", "63"},
		{"0b1010", "10"},
		{"0B1_0", "2"},
		{"0x0", "0"},
		{"0x1e5", "485"},
		{"0x8000000000000000", "9223372036854775808"},
		{"0xffffffffffffffffffffffffffffffff", "340282366920938463463374607431768211455"},
		{"0o7777777777777777777777", "73786976294838206463"},
		{"-0x10", "-16"},
		{"0x10 / 0b100", "4"},

		// Operator symbols pasted from documents.
		{"2×3", "6"},
		{"2 · 3", "6"},
		{"2⋅3", "6"},
		{"7÷2", "3.5"},
		{"7∕2", "3.5"},
		{"3 − 5", "-2"},
		{"−2^2", "-4"},
		{"0x1f × 2", "62"},

		// White space and comments.
		{" \t1\n+\r2\v ", "3"},
		{"1\u00a0+\u20032", "3"},
		{"1 + 2 # and a comment: 1/0 )", "3"},

		// Precedence and associativity.
		{"1 + 2 * 3", "7"},
		{"(1 + 2) * 3", "9"},
		{"10 - 4 - 3", "3"},
		{"100 / 10 / 5", "2"},
		{"2 * 3 ^ 2", "18"},
		{"2^3^2", "512"},
		{"(2^3)^2", "64"},
		{"2^-1", "0.5"},
		{"2^-2^2", "0.0625"},
		{"1 + 7 % 3 * 2", "3"},
		{"7 % 3 * 2", "2"},
		{"((((1))))", "1"},

		// Signs.
		{"-2^2", "-4"},
		{"(-2)^2", "4"},
		{"-2^-2", "-0.25"},
		{"--3", "3"},
		{"+-+3", "-3"},
		{"- - - 3", "-3"},
		{"2 - -3", "5"},
		{"2 * -3", "-6"},
		{"-3 + 4", "1"},
		{"-(1 + 2)", "-3"},
		{strings.Repeat("-", 10001) + "1", "-1"},

		// Remainder: the sign of the dividend, also for fractions.
		{"7 % 3", "1"},
		{"-7 % 3", "-1"},
		{"7 % -3", "1"},
		{"-7 % -3", "-1"},
		{"6 % 3", "0"},
		{"7.5 % 2", "1.5"},
		{"-7.5 % 2", "-1.5"},
		{"1/3 % 1/4", "0.083333333333333333333"}, // (1/3 % 1)/4
		{"(1/3) % (1/4)", "0.083333333333333333333"},
		{"2^70 % 7", "2"},
		{"2^70 % (2^65 + 1/2)", "36893488147419103216.5"},

		// Powers.
		{"2^0", "1"},
		{"0^0", "1"},
		{"0^5", "0"},
		{"1^(10^1000)", "1"},
		{"(-1)^(10^100)", "1"},
		{"(-1)^(10^100 + 1)", "-1"},
		{"(-1)^-3", "-1"},
		{"(2/3)^3", "0.2962962962962962963"},
		{"(2/3)^-2", "2.25"},
		{"(-2/3)^-3", "-3.375"},
		{"10^-3", "0.001"},
		{"2^62", "4611686018427387904"},
		{"2^63", "9223372036854775808"},
		{"(-2)^63", "-9223372036854775808"},
		{"3^40", "12157665459056928801"},

		// Exactness, and the fall-back to big integers and back.
		{"0.1 + 0.2", "0.3"},
		{"0.1 + 0.2 - 0.3", "0"},
		{"1/3 * 3", "1"},
		{"1/3 + 1/3 + 1/3", "1"},
		{"7 / 2", "3.5"},
		{"10 / 3", "3.3333333333333333333"},
		{"2^100", "1267650600228229401496703205376"},
		{"9223372036854775807 + 1", "9223372036854775808"},
		{"-9223372036854775807 - 1", "-9223372036854775808"},
		{"-9223372036854775807 - 2", "-9223372036854775809"},
		{"4611686018427387904 * 2", "9223372036854775808"},
		{"3037000500 * 3037000500", "9223372037000250000"},
		{"(2^100 + 1) - 2^100", "1"},
		{"2^100 / 2^98", "4"},
		{"(2^64 + 1/3) - 2^64", "0.33333333333333333333"},
		{"(1/2^40) * (1/2^40) * 2^80", "1"},
		{"1/9223372036854775807 + 1/9223372036854775806", "2.1684043449710088684e-19"},
		{"9223372036854775807/2 + 9223372036854775807/2", "9223372036854775807"},
		{"(2^63 - 1) % (2^62 + 1/3)", "4611686018427387902.7"},

		// Results without a finite decimal expansion.
		{"1/3", "0.33333333333333333333"},
		{"2/3", "0.66666666666666666667"},
		{"-1/3", "-0.33333333333333333333"},
		{"100/3", "33.333333333333333333"},
		{"10^19/3", "3333333333333333333.3"},
		{"10^20/3", "33333333333333333333"},
		{"10^21/3", "3.3333333333333333333e20"},
		{"10^30/3", "3.3333333333333333333e29"},
		{"1/30000", "3.3333333333333333333e-5"},
		{"1/3000", "0.00033333333333333333333"},
		{"1 - 1/(3*10^30)", "1"},
		{"2^100/3", "4.2255020007607646717e29"},

		// Finite decimals, in full.
		{"2^-10", "0.0009765625"},
		{"1/2^63", "1.08420217248550443400745280086994171142578125e-19"},
		{"123456789/1000", "123456.789"},
		{"0.0001", "0.0001"},
		{"0.00001", "1e-5"},
		{"-0.000012", "-1.2e-5"},
		{"10^30 + 0.5", "1000000000000000000000000000000.5"},
		{"(2^70 + 1) / 2^70", "1.0000000000000000000008470329472543003390683225006796419620513916015625"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if got := eval(t, tt.src).String(); got != tt.want {
				t.Errorf("Eval(%q) = %s, want %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct {
		src    string
		msg    string
		column int
	}{
		{"1 / 0", "division by zero", 5},
		{"1 % 0", "division by zero", 5},
		{"1 / (2 - 2)", "division by zero", 5},
		{"1 / 0.0", "division by zero", 5},
		{"0 ^ -1", "division by zero", 1},
		{"(1 - 1) ^ -2", "division by zero", 1},
		{"2^100 / (2^100 - 2^100)", "division by zero", 9},
		{"(1 + 2))", `unexpected ")"`, 8},
		{"2 * 3 )", `unexpected ")"`, 7},
		{"", "empty expression", 1},
		{"   ", "empty expression", 1},
		{"# nothing", "empty expression", 1},
		{"1 +", "unexpected end of input", 4},
		{"1 + # comment", "unexpected end of input", 5},
		{"-", "unexpected end of input", 2},
		{"(1 + 2", `unclosed "("`, 1},
		{"((1)", `unclosed "("`, 1},
		{"(1 2)", `unexpected "2"`, 4},
		{"1 2", `unexpected "2"`, 3},
		{"()", `unexpected ")"`, 2},
		{"2 ** 3", `unexpected "*"`, 4},
		{"*2", `unexpected "*"`, 1},
		{"2 ^", "unexpected end of input", 4},
		{"2 x", `unknown name "x"`, 3},
		{"foo + 1", `unknown name "foo"`, 1},
		{"_1", `unknown name "_1"`, 1},
		{"Ans", `unknown name "Ans"`, 1},
		{"2x", `malformed number "2x"`, 1},
		{"1.2.3", `malformed number "1.2.3"`, 1},
		{"1e", `malformed number "1e"`, 1},
		{"1e+", `malformed number "1e+"`, 1},
		{"1e5e3", `malformed number "1e5e3"`, 1},
		{"1e1_0", `malformed number "1e1_0"`, 1},
		{"1__0", `malformed number "1__0"`, 1},
		{"1_", `malformed number "1_"`, 1},
		{"1_.5", `malformed number "1_.5"`, 1},
		{"1._5", `malformed number "1._5"`, 1},
		{"0x", `malformed number "0x"`, 1},
		{"0x_", `malformed number "0x_"`, 1},
		{"0x1__0", `malformed number "0x1__0"`, 1},
		{"0x1_", `malformed number "0x1_"`, 1},
		{"0xg", `malformed number "0xg"`, 1},
		{"0x1.5", `malformed number "0x1.5"`, 1},
		{"0b102", `malformed number "0b102"`, 1},
		{"0o8", `malformed number "0o8"`, 1},
		{"1 + 0x1p3", `malformed number "0x1p3"`, 5},
		{"0x" + strings.Repeat("f", 25001), "number out of range (more than 100000 bits)", 1},
		{"2 + " + strings.Repeat("9", 30) + "x", `malformed number "999999999999999999999999"...`, 5},
		{".", `unexpected "."`, 1},
		{"1 + .", `unexpected "."`, 5},
		{"2 × × 3", `unexpected "×"`, 5},
		{"1 ÷ 0", "division by zero", 5},
		{"1×2÷(3−3)", "division by zero", 5},
		{"−", "unexpected end of input", 2},
		{"2 ×", "unexpected end of input", 4},
		{"\xff", `unexpected "\xff"`, 1},
		{"1 + \x00", `unexpected "\x00"`, 5},
		{"\u00a0\u00a01 / 0", "division by zero", 7},
		{"é", `unexpected "é"`, 1},
		{"ans", `"ans" has no value yet`, 1},
		{"4^(10^100 + 1/2)", "result too large (more than 100000 bits)", 2},
		{"(-4)^0.5", "even root of a negative number", 6},
		{"(-2)^sqrt(2)", "negative number to a power that is not rational", 6},
		{"2^(10^6 + 0.5)", "result too large (more than 100000 bits)", 2},
		{"exp(10^6)", "result too large (more than 100000 bits)", 1},
		{"1 + exp(-10^6)", "result too close to 0 (its rounded value would need more than 100000 bits)", 5},
		{"0.1^30100.1", "result too close to 0 (its rounded value would need more than 100000 bits)", 1},
		{"ln(0)", "logarithm of a number that is not positive", 1},
		{"ln(-e)", "logarithm of a number that is not positive", 1},
		{"log(8, 1)", "logarithm in a base that is not positive or is 1", 1},
		{"log10(-1)", "logarithm of a number that is not positive", 1},
		{"asin(2)", "asin and acos take numbers from -1 to 1", 1},
		{"acos(-1.5)", "asin and acos take numbers from -1 to 1", 1},
		{"atan2(0, 0)", "atan2(0, 0) is undefined", 1},
		{"pi = 3", `cannot assign to the constant "pi"`, 1},
		{"e(1)", `unknown function "e"`, 1},
		{"2e", `malformed number "2e"`, 1},
		{"2 e", `unexpected "e"`, 3},
		{"1 / (sqrt(2)^2 - 2)", "too close to call: a value that is not exact is too near 0, an integer or the edge of a domain", 3},
		{"floor(sqrt(2)^2)", "too close to call: a value that is not exact is too near 0, an integer or the edge of a domain", 1},
		{"sin(pi)", "too close to 0 to round: the result may be exactly 0", 1},
		{"sqrt(2) - sqrt(2)", "too close to 0 to round: the result may be exactly 0", 1},

		// The first syntax error wins over any evaluation error; among
		// evaluation errors, the first from the left.
		{"1/0 + )", `unexpected ")"`, 7},
		{"1/0 + 2x", `malformed number "2x"`, 7},
		{"1/0 + 2/0", "division by zero", 3},
		{"ans + 1/0", `"ans" has no value yet`, 1},
		{"1/0 + 1e1000000000", "number out of range (more than 100000 bits)", 7},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			checkError(t, tt.src, tt.msg, tt.column)
		})
	}
}

func checkError(t *testing.T, src, msg string, column int) {
	t.Helper()
	v, err := expr.Eval(src, expr.Options{})
	if err == nil {
		t.Fatalf("Eval(%q) = %v, want error %q", src, v, msg)
	}
	var e *expr.Error
	if !errors.As(err, &e) {
		t.Fatalf("Eval(%q): error %v is a %T, want *expr.Error", src, err, err)
	}
	if e.Msg != msg || e.Column != column {
		t.Errorf("Eval(%q): error %q at column %d, want %q at column %d", src, e.Msg, e.Column, msg, column)
	}
	if want := msg + " at column " + itoa(column); e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	if e.Offset < 0 || e.Offset > len(src) {
		t.Errorf("Offset %d outside [0, %d]", e.Offset, len(src))
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// TestLimits checks that each limit is enforced, with its error, and that
// what is just within it is accepted.
func TestLimits(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("(", n) + "1" + strings.Repeat(")", n) }
	powers := func(n int) string { return strings.Repeat("1^", n) + "1" }
	sum := "1" + strings.Repeat("+1", (expr.MaxLength-1)/2)
	if len(sum) != expr.MaxLength-1 {
		t.Fatalf("len(sum) = %d", len(sum))
	}
	digits := strings.Repeat("7", expr.MaxDigits)

	ok := []struct{ name, src, want string }{
		{"longest expression", sum + " ", itoa(expr.MaxLength / 2)},
		{"deepest nesting", nest(expr.MaxDepth), "1"},
		{"longest power tower", powers(expr.MaxDepth), "1"},
		{"most digits", digits + " - " + digits, "0"},
		{"most digits with underscores", "1_" + strings.Repeat("0", expr.MaxDigits-1) + " / 10^" + itoa(expr.MaxDigits-1), "1"},
		{"smallest literal", "1e-40103 * 10^30000 * 10^10103", "1"},
		{"literal with the largest denominator", "1." + strings.Repeat("1", 30000) + "e-10103 * 0", "0"},
		{"largest printed integer", "(" + strings.Repeat("9", expr.MaxDigits-1) + "*3 + 2) - 3*10^30102 + 1", "0"},
		{"largest power of 2", "2^99999 / 2^99998", "2"},
		{"largest power of 10", "1e30102 / 10^30101", "10"},
		{"smallest power of 10", "1e-30102 * 10^30102", "1"},
		{"largest fraction", "(3^63000 / 2^99999) * (2^99999 / 3^63000)", "1"},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			if got := eval(t, tt.src).String(); got != tt.want {
				t.Errorf("Eval = %.80s, want %.80s", got, tt.want)
			}
		})
	}

	tooLong := "expression too long (more than 65536 bytes)"
	tooDeep := "nesting too deep (more than 1000 levels)"
	tooMany := "too many digits in number (more than 30103)"
	outOfRange := "number out of range (more than 100000 bits)"
	tooBig := "result too large (more than 100000 bits)"
	bad := []struct {
		name, src, msg string
		column         int
	}{
		{"expression too long", sum + "  ", tooLong, expr.MaxLength + 1},
		{"too long inside a character", strings.Repeat(" ", expr.MaxLength-1) + "−1", tooLong, expr.MaxLength},
		{"leading zeros do not count as digits", "0." + strings.Repeat("0", expr.MaxDigits) + digits + "1", tooMany, 1},
		{"nesting too deep", nest(expr.MaxDepth + 1), tooDeep, expr.MaxDepth + 1},
		{"power tower too high", powers(expr.MaxDepth + 1), tooDeep, 2*expr.MaxDepth + 2},
		{"too many digits", "1 + " + digits + "1", tooMany, 5},
		{"literal too large", "1e1000000000", outOfRange, 1},
		{"literal too small", "1e-1000000000", outOfRange, 1},
		{"literal exponent overflowing", "1e99999999999999999999999999", outOfRange, 1},
		{"literal just too large", "1e30103", outOfRange, 1},
		{"literal just too small", "1e-40104", outOfRange, 1},
		{"literal numerator too large", strings.Repeat("9", expr.MaxDigits), outOfRange, 1},
		{"literal denominator just too large", "1." + strings.Repeat("1", 30000) + "e-10104", outOfRange, 1},
		{"power too large", "2 ^ 1000000000", tooBig, 3},
		{"power of power", "9^9^9", tooBig, 2},
		{"power just too large", "2^100000", tooBig, 2},
		{"power of a fraction", "(1/2)^100000", tooBig, 6},
		{"negative power", "3^-70000", tooBig, 2},
		{"huge exponent", "2^(10^30)", tooBig, 2},
		// 2^1, 2^2, 2^4, 2^16 and 2^65536 are fine; 2^(2^65536) is not.
		{"power tower", strings.Repeat("2^", expr.MaxDepth) + "1", tooBig, 2*expr.MaxDepth - 10},
		{"repeated squaring", "((2^60000)^2)^2", tooBig, 11},
		{"product", "2^60000 * 2^60000", tooBig, 9},
		{"product of fractions", "(1/3^40000) * (1/3^40000)", tooBig, 13},
		{"sum", "2^99999 + 2^99999", tooBig, 9},
		{"quotient", "2^60000 / (1/2^60000)", tooBig, 9},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, tt.src, tt.msg, tt.column)
		})
	}
}

// TestWorkLimit checks that MaxWork stops an expression made of many
// costly operations on large fractions, each within MaxBits.
func TestWorkLimit(t *testing.T) {
	term := "(5^43000 + 1)/7^35000"
	src := term + strings.Repeat(" - "+term, 20)
	_, err := expr.Eval(src, expr.Options{})
	var e *expr.Error
	if !errors.As(err, &e) || e.Msg != "too much computation (work limit reached)" {
		t.Fatalf("Eval: %v, want the work limit", err)
	}
	// It stopped at an operator after the first term.
	if e.Offset < len(term) || !strings.ContainsRune("-/", rune(src[e.Offset])) {
		t.Errorf("error at offset %d (%.20q), want at a \"-\" or \"/\"", e.Offset, src[e.Offset:])
	}
}

func TestAns(t *testing.T) {
	ans := eval(t, "10 / 4")
	for _, tt := range []struct{ src, want string }{
		{"ans", "2.5"},
		{"ans * 2", "5"},
		{"-ans^2", "-6.25"},
		{"ans % 1", "0.5"},
	} {
		v, err := expr.Eval(tt.src, expr.Options{Ans: ans, HasAns: true})
		if err != nil || v.String() != tt.want {
			t.Errorf("Eval(%q) with ans = 2.5: %v, %v; want %s", tt.src, v, err, tt.want)
		}
	}
	// The zero Value is 0, also as ans.
	v, err := expr.Eval("ans + 1", expr.Options{HasAns: true})
	if err != nil || v.String() != "1" {
		t.Errorf(`Eval("ans + 1") with ans = Value{}: %v, %v; want 1`, v, err)
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		src  string
		prec int
		want string
	}{
		{"1/3", 1, "0.3"},
		{"2/3", 1, "0.7"},
		{"2/3", 3, "0.667"},
		{"200/3", 2, "67"},
		{"2000/3", 2, "6.7e2"},
		{"2000/3", 4, "666.7"},
		{"1/3", 0, "0.3"},  // raised to 1
		{"1/3", -5, "0.3"}, // likewise
		{"1/7", 40, "0.1428571428571428571428571428571428571429"},
		{"-1/7", 5, "-0.14286"},
		{"1/7", 100000, "0." + strings.Repeat("142857", expr.MaxPrecision/6) + "1429"},
		{"7/2", 1, "3.5"}, // exact: not rounded
		{"2^70", 1, "1180591620717411303424"},
		{"1 - 1/3000000", 5, "1"}, // rounds up to 1.0000, shown as 1
		{"99999/100001", 3, "1"},
		{"-99999/100001", 3, "-1"},
		{"1/300001", 2, "3.3e-6"},
		{"10^25/7", 30, "1428571428571428571428571.42857"},
	}
	for _, tt := range tests {
		if got := eval(t, tt.src).Decimal(tt.prec); got != tt.want {
			t.Errorf("Eval(%q).Decimal(%d) = %s, want %s", tt.src, tt.prec, got, tt.want)
		}
	}
}

func TestFraction(t *testing.T) {
	tests := []struct{ src, want string }{
		{"0", "0"},
		{"7/2", "7/2"},
		{"-7/2", "-7/2"},
		{"4/2", "2"},
		{"0.1 + 0.2", "3/10"},
		{"2^100/3", "1267650600228229401496703205376/3"},
		{"-3/2^70", "-3/1180591620717411303424"},
		{"2^70", "1180591620717411303424"},
	}
	for _, tt := range tests {
		if got := eval(t, tt.src).Fraction(); got != tt.want {
			t.Errorf("Eval(%q).Fraction() = %s, want %s", tt.src, got, tt.want)
		}
	}
}

func TestValueMethods(t *testing.T) {
	tests := []struct {
		v      expr.Value
		sign   int
		isInt  bool
		rat    string
		string string
	}{
		{expr.Value{}, 0, true, "0/1", "0"},
		{eval(t, "-7/2"), -1, false, "-7/2", "-3.5"},
		{eval(t, "3"), 1, true, "3/1", "3"},
		{eval(t, "2^70"), 1, true, "1180591620717411303424/1", "1180591620717411303424"},
		{eval(t, "-1/2^70"), -1, false, "-1/1180591620717411303424", "-8.470329472543003390683225006796419620513916015625e-22"},
	}
	for _, tt := range tests {
		if tt.v.Sign() != tt.sign || tt.v.IsInt() != tt.isInt || tt.v.Rat().String() != tt.rat || tt.v.String() != tt.string {
			t.Errorf("%s: Sign %d, IsInt %v, Rat %s, String %s; want %d, %v, %s, %s", tt.string,
				tt.v.Sign(), tt.v.IsInt(), tt.v.Rat(), tt.v.String(), tt.sign, tt.isInt, tt.rat, tt.string)
		}
	}
	ordered := []string{"-2^70", "-3", "-1/3", "0", "1/2^70", "1/3", "0.5", "1", "9223372036854775807", "2^63", "2^63 + 1/2"}
	for i, a := range ordered {
		for j, b := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := eval(t, a).Cmp(eval(t, b)); got != want {
				t.Errorf("Cmp(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
	if (expr.Value{}).Cmp(eval(t, "0")) != 0 || (expr.Value{}).Fraction() != "0" || (expr.Value{}).Decimal(5) != "0" {
		t.Error("the zero Value is not 0")
	}
}

// TestErrorKinds checks that errors.Is tells each kind of error.
func TestErrorKinds(t *testing.T) {
	spent := expr.NewBudget(1)
	if _, err := expr.Eval("3^60000", expr.Options{Budget: spent}); !errors.Is(err, expr.ErrBudget) {
		t.Fatalf("a budget of 1 allowed 3^60000: %v", err)
	}
	tests := []struct {
		src  string
		opts expr.Options
		kind error
	}{
		{"1 +", expr.Options{}, expr.ErrSyntax},
		{"2x", expr.Options{}, expr.ErrSyntax},
		{"(1", expr.Options{}, expr.ErrSyntax},
		{"", expr.Options{}, expr.ErrSyntax},
		{"foo", expr.Options{}, expr.ErrUndefined},
		{"ans", expr.Options{}, expr.ErrUndefined},
		{"1/0", expr.Options{}, expr.ErrDivisionByZero},
		{"0^-1", expr.Options{}, expr.ErrDivisionByZero},
		{"sqrt(-2)", expr.Options{}, expr.ErrDomain},
		{"ln(0)", expr.Options{}, expr.ErrDomain},
		{"sin(pi)", expr.Options{}, expr.ErrLimit},
		{"exp(10^6)", expr.Options{}, expr.ErrLimit},
		{"1e1000000", expr.Options{}, expr.ErrLimit},
		{"2^1000000", expr.Options{}, expr.ErrLimit},
		{strings.Repeat("(", expr.MaxDepth+1), expr.Options{}, expr.ErrLimit},
		{strings.Repeat("1", expr.MaxLength+1), expr.Options{}, expr.ErrLimit},
		{"2^100000 * 3^100000", expr.Options{}, expr.ErrLimit},
		{"3^60000", expr.Options{Budget: spent}, expr.ErrBudget},
	}
	kinds := []error{expr.ErrSyntax, expr.ErrUndefined, expr.ErrDivisionByZero, expr.ErrDomain, expr.ErrLimit, expr.ErrBudget}
	for _, tt := range tests {
		t.Run(tt.src[:min(len(tt.src), 20)], func(t *testing.T) {
			_, err := expr.Eval(tt.src, tt.opts)
			for _, k := range kinds {
				if got, want := errors.Is(err, k), errors.Is(tt.kind, k); got != want {
					t.Errorf("Eval(%q) = %v: errors.Is(err, %v) = %v", tt.src, err, k, got)
				}
			}
		})
	}
}

// TestPrintedNumbersReadBack checks that Decimal's output is a literal
// Eval accepts, also with more leading zeros than MaxDigits allows digits.
func TestPrintedNumbersReadBack(t *testing.T) {
	for _, src := range []string{"0.1 + 2^-30103", "2^-30103", "10^-5 + 2^-30000", "2^99999 - 1", "-1/2^30103"} {
		v := eval(t, src)
		text := v.String()
		back, err := expr.Eval(text, expr.Options{})
		if err != nil {
			t.Errorf("%s printed as %d bytes does not read back: %v", src, len(text), err)
			continue
		}
		if back.Cmp(v) != 0 {
			t.Errorf("%s printed and read back changed", src)
		}
	}
}

// TestDecimalRounded checks which results Decimal rounds: those with no
// finite decimal expansion of at most MaxDigits digits, at any precision.
func TestDecimalRounded(t *testing.T) {
	tests := []struct {
		src     string
		prec    int
		want    string // "": whatever Decimal gives
		rounded bool
	}{
		{"1/3", 20, "0.33333333333333333333", true},
		{"1000/3", 3, "333", true},
		{"10^20/3", 20, "33333333333333333333", true},
		{"1 + 2^-30103", 20, "1", true},
		{"-2/3", 1, "-0.7", true},
		{"7/2", 1, "3.5", false},
		{"10^30 + 0.5", 3, "1000000000000000000000000000000.5", false},
		{"2^-30103", 5, "", false},
		{"0.1 + 2^-30103", 5, "", false},
		{"2^99999", 3, "", false},
		{"0", 20, "0", false},
	}
	for _, tt := range tests {
		v := eval(t, tt.src)
		got, rounded := v.DecimalRounded(tt.prec)
		if got != v.Decimal(tt.prec) || tt.want != "" && got != tt.want || rounded != tt.rounded {
			t.Errorf("%s.DecimalRounded(%d) = %.40q, %v; want %q, %v", tt.src, tt.prec, got, rounded, tt.want, tt.rounded)
		}
	}
}
