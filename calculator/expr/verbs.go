package expr

import (
	// Only for the type fmt.State in Format's signature: this file calls no
	// function of fmt (TestVerbsCallNoFmt checks), so the calculator still
	// does not link it.
	"fmt" //nolint:depguard // the type fmt.State only; links nothing (see above)
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format implements fmt.Formatter, so that every verb prints v as a
// number, never the fields inside it:
//
//	%v, %s      as String does, or as Decimal(p) with a precision p (%.5v)
//	%+v         the same (a Value has no fields to name)
//	%#v         as GoString does: expr.MustParseValue("35/3")
//	%q          what %s prints, quoted
//	%g, %G      as %v; %G writes the exponent with "E"
//	%d          the exact fraction, as Fraction does: 35/3
//	%b, %o, %x  the exact fraction in base 2, 8 or 16: 23/3 for %x,
//	%X          and 23/3 for %X, with capital letters
//	%f, %F      fixed point, rounded half away from zero to p decimals
//	            (6 by default, at most MaxPrecision): 11.67 for %.2f
//
// For the verbs of numbers, those after %q, the flag "+" puts a sign also
// before a positive number or zero, and the flag " " a space. A width
// pads with spaces, on the left, or on the right with the flag "-"; the
// verbs of numbers pad with zeros after the sign with the flag "0". Any
// other verb prints %!z(expr.Value=11.666666666666666667), as fmt does
// for a verb that does not fit. Format calls no function of package fmt.
func (v Value) Format(f fmt.State, verb rune) {
	s, number := v.verbText(f, verb)
	if number && v.Sign() >= 0 {
		switch {
		case f.Flag('+'):
			s = "+" + s
		case f.Flag(' '):
			s = " " + s
		}
	}
	_, _ = f.Write([]byte(padded(f, s, number)))
}

// GoString implements fmt.GoStringer: it returns Go code that gives v,
// such as expr.MustParseValue("35/3").
func (v Value) GoString() string {
	return "expr.MustParseValue(" + strconv.Quote(v.Fraction()) + ")"
}

// verbText returns v as verb and f's precision say, and whether verb is
// one of those of numbers.
func (v Value) verbText(f fmt.State, verb rune) (s string, number bool) {
	prec, hasPrec := f.Precision()
	switch verb {
	case 'v', 's', 'q', 'g', 'G':
		if verb == 'v' && f.Flag('#') {
			return v.GoString(), false
		}
		if s = v.String(); hasPrec {
			s = v.Decimal(prec)
		}
		switch verb {
		case 'q':
			return strconv.Quote(s), false
		case 'G':
			return strings.ToUpper(s), true
		}
		return s, verb == 'g'
	case 'd', 'b', 'o', 'x':
		bases := [...]int{2, 8, 10, 16}
		return v.fractionIn(bases[strings.IndexRune("bodx", verb)]), true
	case 'X':
		return strings.ToUpper(v.fractionIn(16)), true
	case 'f', 'F':
		if !hasPrec {
			prec = 6
		}
		return v.Rat().FloatString(min(prec, MaxPrecision)), true
	}
	return "%!" + string(verb) + "(expr.Value=" + v.String() + ")", false
}

// fractionIn returns v as Fraction does, in the given base.
func (v Value) fractionIn(base int) string {
	n, d := v.parts()
	if isOne(d) {
		return n.Text(base)
	}
	return n.Text(base) + "/" + d.Text(base)
}

// padded returns s padded to f's width, if any.
func padded(f fmt.State, s string, number bool) string {
	w, ok := f.Width()
	n := w - utf8.RuneCountInString(s)
	if !ok || n <= 0 {
		return s
	}
	switch {
	case f.Flag('-'):
		return s + strings.Repeat(" ", n)
	case number && f.Flag('0'):
		i := 0
		if s != "" && strings.ContainsRune("+- ", rune(s[0])) {
			i = 1
		}
		return s[:i] + strings.Repeat("0", n) + s[i:]
	}
	return strings.Repeat(" ", n) + s
}
