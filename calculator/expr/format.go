package expr

import (
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

const (
	// DefaultPrecision is the number of significant digits String rounds
	// to when a value has no finite decimal expansion.
	DefaultPrecision = 20

	// MaxPrecision is the largest precision Decimal uses; larger ones are
	// lowered to it.
	MaxPrecision = 10_000
)

// Decimal returns v in decimal. Integers are shown in full, and so are
// values with a finite decimal expansion of at most MaxDigits digits
// (7/2 is "3.5"). Other values are rounded to nearest, half away from
// zero, to prec significant digits (at least 1, at most MaxPrecision),
// trailing zeros dropped. Non-integers use exponent form when their
// decimal exponent is below -4 (0.0001 but 1e-5), and so do rounded ones
// when it is at least prec: 1/3 is "0.33333333333333333333" and 10^30/3
// "3.3333333333333333333e29" at precision 20.
func (v Value) Decimal(prec int) string {
	s, _ := v.DecimalRounded(prec)
	return s
}

// DecimalRounded is like Decimal and also reports whether the result is
// rounded: whether v has no finite decimal expansion of at most MaxDigits
// digits, or is itself a rounded result (see Value.Rounded; such a value
// is always shown rounded to prec digits, as its further digits mean
// nothing). It does not depend on prec. A
// program that shows results to people can mark the rounded ones, as
// the calculator does on a terminal ("≈ 0.33333333333333333333").
func (v Value) DecimalRounded(prec int) (s string, rounded bool) {
	prec = min(max(prec, 1), MaxPrecision)
	v = v.norm()
	if v.Rounded() {
		n, d := v.parts()
		if n.Sign() == 0 {
			return "0", true
		}
		return roundedDecimal(n, d, prec), true
	}
	if v.r == nil {
		if v.den == 1 {
			return strconv.FormatInt(v.num, 10), false
		}
		if s, ok := smallDecimal(v.num, v.den); ok {
			return s, false
		}
	}
	n, d := v.parts()
	if isOne(d) {
		return n.String(), false
	}
	// A fraction in lowest terms has a finite decimal expansion exactly
	// when its denominator is 2^a·5^b; it has max(a, b) decimals.
	a := d.TrailingZeroBits()
	rest := new(big.Int).Rsh(d, a)
	b := strip5(rest)
	if !isOne(rest) {
		return roundedDecimal(n, d, prec), true
	}
	k := max(a, b)
	// The digits are those of |n|·2^(k-a)·5^(k-b): about
	// 0.30103·(bits(n) + k - a) + 0.69897·(k - b) of them.
	if (n.BitLen()+int(k-a))*30103+int(k-b)*69897 > (MaxDigits+1)*100000 {
		return roundedDecimal(n, d, prec), true
	}
	x := new(big.Int).Abs(n)
	x.Lsh(x, k-a)
	x.Mul(x, new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(k-b)), nil))
	digits := x.String()
	if len(digits) > MaxDigits {
		return roundedDecimal(n, d, prec), true
	}
	return exact(n.Sign() < 0, digits, int(k)), false
}

// Fraction returns v as an exact fraction "n/d" in lowest terms, with
// the sign on n, or as "n" when v is an integer.
func (v Value) Fraction() string {
	v = v.norm()
	if v.r == nil {
		if v.den == 1 {
			return strconv.FormatInt(v.num, 10)
		}
		return strconv.FormatInt(v.num, 10) + "/" + strconv.FormatInt(v.den, 10)
	}
	if isOne(v.r.d) {
		return v.r.n.String()
	}
	return v.r.n.String() + "/" + v.r.d.String()
}

// smallDecimal formats num/den, den > 1, when it has a finite decimal
// expansion short enough for machine words.
func smallDecimal(num, den int64) (string, bool) {
	a := bits.TrailingZeros64(uint64(den))
	r, b := den>>a, 0
	for r%5 == 0 {
		r /= 5
		b++
	}
	k := max(a, b)
	if r != 1 || k >= len(pow10) {
		return "", false
	}
	x, ok := mul64(int64(abs64(num)), pow10[k]/den)
	if !ok {
		return "", false
	}
	return exact(num < 0, strconv.FormatInt(x, 10), k), true
}

// strip5 divides x by 5 as often as it can and returns how often. It
// divides by 5^(2^i) from the largest i that can fit down, so that the
// count is found bit by bit in a few divisions, not one for each 5.
func strip5(x *big.Int) uint {
	powers := []*big.Int{big.NewInt(5)} // powers[i] = 5^(2^i)
	for last := powers[0]; 2*last.BitLen()-1 <= x.BitLen(); {
		last = new(big.Int).Mul(last, last)
		powers = append(powers, last)
	}
	var n uint
	q, r := new(big.Int), new(big.Int)
	for i := len(powers) - 1; i >= 0; i-- {
		if q.QuoRem(x, powers[i], r); r.Sign() == 0 {
			x.Set(q)
			n += 1 << i
		}
	}
	return n
}

// exact formats the number whose digits are digits, k of them decimals,
// negated when negative; digits has no leading zeros, and no trailing zero
// when k > 0.
func exact(negative bool, digits string, k int) string {
	s := sign(negative)
	switch e := len(digits) - k - 1; {
	case e < -4:
		return s + scientific(digits, e)
	case e < 0:
		return s + "0." + strings.Repeat("0", -e-1) + digits
	}
	return s + digits[:len(digits)-k] + "." + digits[len(digits)-k:]
}

// scientific formats d.igits·10^e.
func scientific(digits string, e int) string {
	s := digits[:1]
	if len(digits) > 1 {
		s += "." + digits[1:]
	}
	return s + "e" + strconv.Itoa(e)
}

func sign(negative bool) string {
	if negative {
		return "-"
	}
	return ""
}

// rounded formats n/d rounded to prec significant digits.
func roundedDecimal(n, d *big.Int, prec int) string {
	x := new(big.Int).Abs(n)
	// Find e with 10^e ≤ x/d < 10^(e+1), starting from an estimate from
	// the sizes: x/d ≥ 2^(bits(x)-bits(d)-1).
	e := floorDiv((x.BitLen()-d.BitLen()-1)*30103, 100000)
	lo := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec-1)), nil)
	hi := new(big.Int).Mul(lo, big.NewInt(10))
	q, r, div := new(big.Int), new(big.Int), new(big.Int)
	for {
		// q = x·10^s / d, where s = prec-1-e, so q has prec digits.
		s := prec - 1 - e
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs64(int64(s)))), nil)
		if s >= 0 {
			q.Mul(x, p)
			div.Set(d)
		} else {
			q.Set(x)
			div.Mul(d, p)
		}
		q.QuoRem(q, div, r)
		switch {
		case q.Cmp(hi) >= 0:
			e++
			continue
		case q.Cmp(lo) < 0:
			e--
			continue
		}
		break
	}
	// Round to nearest, a tie away from zero (ties only happen for values
	// with a finite decimal expansion longer than MaxDigits).
	if r.Lsh(r, 1).Cmp(div) >= 0 {
		if q.Add(q, bigOne).Cmp(hi) == 0 {
			q.Set(lo)
			e++
		}
	}
	digits := strings.TrimRight(q.String(), "0")
	s := sign(n.Sign() < 0)
	if e < -4 || e >= prec {
		return s + scientific(digits, e)
	}
	if e < 0 {
		return s + "0." + strings.Repeat("0", -e-1) + digits
	}
	if len(digits) <= e+1 {
		return s + digits + strings.Repeat("0", e+1-len(digits))
	}
	return s + digits[:e+1] + "." + digits[e+1:]
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
