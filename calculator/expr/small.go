package expr

import (
	"math"
	"math/bits"
)

// The fast path: arithmetic on Values in their machine-word form. Each
// function reports false when the result does not fit that form, and the
// caller then redoes the operation with big integers.

// add64 returns x+y, and false when it overflows or is math.MinInt64.
func add64(x, y int64) (int64, bool) {
	s := x + y
	return s, (x^s)&(y^s) >= 0 && s != math.MinInt64
}

// mul64 returns x*y, and false when |x*y| > math.MaxInt64.
func mul64(x, y int64) (int64, bool) {
	hi, lo := bits.Mul64(abs64(x), abs64(y))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if (x < 0) != (y < 0) {
		return -int64(lo), true
	}
	return int64(lo), true
}

// pow64 returns x**k, and false when it overflows as in mul64.
func pow64(x int64, k uint64) (int64, bool) {
	r := int64(1)
	for {
		var ok bool
		if k&1 != 0 {
			if r, ok = mul64(r, x); !ok {
				return 0, false
			}
		}
		if k >>= 1; k == 0 {
			return r, true
		}
		if x, ok = mul64(x, x); !ok {
			return 0, false
		}
	}
}

func abs64(x int64) uint64 {
	if x < 0 {
		return uint64(-x) // also right for math.MinInt64
	}
	return uint64(x)
}

// gcd64 returns the greatest common divisor of a and b (binary algorithm).
func gcd64(a, b uint64) uint64 {
	if a == 0 {
		return b
	}
	if b == 0 {
		return a
	}
	shift := bits.TrailingZeros64(a | b)
	a >>= bits.TrailingZeros64(a)
	for b != 0 {
		b >>= bits.TrailingZeros64(b)
		if a > b {
			a, b = b, a
		}
		b -= a
	}
	return a << shift
}

var zero = Value{num: 0, den: 1}

func addSmall(a, b Value) (Value, bool) {
	if a.den == 1 && b.den == 1 {
		s, ok := add64(a.num, b.num)
		return Value{num: s, den: 1}, ok
	}
	// Knuth, TAOCP 4.5.1: with g = gcd(ad, bd), the sum is
	// t/(ad/g·bd) where t = an·(bd/g) + bn·(ad/g), and only gcd(t, g)
	// can divide both.
	g := int64(gcd64(uint64(a.den), uint64(b.den)))
	ad, bd := a.den/g, b.den/g
	x, ok1 := mul64(a.num, bd)
	y, ok2 := mul64(b.num, ad)
	t, ok3 := add64(x, y)
	if !ok1 || !ok2 || !ok3 {
		return Value{}, false
	}
	if t == 0 {
		return zero, true
	}
	g = int64(gcd64(abs64(t), uint64(g)))
	d, ok := mul64(ad, b.den/g)
	return Value{num: t / g, den: d}, ok
}

func mulSmall(a, b Value) (Value, bool) {
	if a.num == 0 || b.num == 0 {
		return zero, true
	}
	if a.den == 1 && b.den == 1 {
		n, ok := mul64(a.num, b.num)
		return Value{num: n, den: 1}, ok
	}
	// Cancel across first, so that the products stay small.
	g1 := int64(gcd64(abs64(a.num), uint64(b.den)))
	g2 := int64(gcd64(abs64(b.num), uint64(a.den)))
	n, ok1 := mul64(a.num/g1, b.num/g2)
	d, ok2 := mul64(a.den/g2, b.den/g1)
	return Value{num: n, den: d}, ok1 && ok2
}

// remSmall returns a - b·trunc(a/b); b must not be 0.
func remSmall(a, b Value) (Value, bool) {
	if a.den == 1 && b.den == 1 {
		return Value{num: a.num % b.num, den: 1}, true
	}
	// Over the common denominator ad·bd, a and b are x and y, and the
	// remainder is (x rem y)/(ad·bd).
	x, ok1 := mul64(a.num, b.den)
	y, ok2 := mul64(b.num, a.den)
	d, ok3 := mul64(a.den, b.den)
	if !ok1 || !ok2 || !ok3 {
		return Value{}, false
	}
	r := x % y
	g := int64(gcd64(abs64(r), uint64(d)))
	return Value{num: r / g, den: d / g}, true
}
