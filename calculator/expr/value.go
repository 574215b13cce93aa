package expr

import (
	"math"
	"math/big"
)

// Value is a rational number: exact, or the correctly rounded decimal
// that Eval gives for an irrational result (see [Value.Rounded]). The
// zero Value is 0. Values are immutable: copy and share them freely,
// also between goroutines.
//
// Values cannot be compared with == (it would compare their
// representations, not their values): use [Value.Equal] or [Value.Cmp].
// For the same reason a Value cannot be a map key; its [Value.Fraction]
// can, and [ParseValue] reads it back.
type Value struct {
	// A func type makes Value not comparable, at no cost in size (a
	// field of size zero is free when it is not the last one).
	_ [0]func()
	// When r is nil the value is num/den, with den ≥ 1, num and den
	// coprime and num ≠ math.MinInt64 (so it can be negated), except in
	// the zero Value, whose den is 0 and means 1 (see norm).
	num, den int64
	// r holds exactly the values that do not fit num and den.
	r *ratio
}

// Rounded reports whether v is not an exact result: the decimal Eval
// rounded an irrational result to, such as that of sqrt(2), or a result
// computed from such a value (through ans or a variable). Its digits are
// then right to Options.Precision significant digits, not beyond.
func (v Value) Rounded() bool { return v.r != nil && v.r.inexact }

// rounded returns v marked as a rounded result.
func (v Value) rounded() Value {
	n, d := v.parts()
	return Value{r: &ratio{n: n, d: d, inexact: true}}
}

// ivValue returns the Value of an interval.
func ivValue(iv *interval) Value { return Value{r: &ratio{iv: iv}} }

// ival returns v's interval, or nil when v is not one.
func (v Value) ival() *interval {
	if v.r == nil {
		return nil
	}
	return v.r.iv
}

// ratio is a fraction n/d in lowest terms with d > 0. Its integers are
// never modified once it is built, so Values may share them. It also
// holds what only rounded Values have, which are rare: the mark of a
// rounded result, inexact, or, within an evaluation only, the interval
// of an irrational value (see approx.go), when n and d are unused.
type ratio struct {
	n, d    *big.Int
	iv      *interval
	inexact bool
}

var bigOne = big.NewInt(1)

// norm returns v with the zero Value's denominator made explicit.
func (v Value) norm() Value {
	if v.r == nil && v.den == 0 {
		v.den = 1
	}
	return v
}

// fromBig returns the Value n/d, where n/d is in lowest terms and d > 0,
// in its machine-word form when it fits. It takes ownership of n and d.
func fromBig(n, d *big.Int) Value {
	if n.IsInt64() && d.IsInt64() {
		if x := n.Int64(); x != math.MinInt64 {
			return Value{num: x, den: d.Int64()}
		}
	}
	return Value{r: &ratio{n: n, d: d}}
}

// parts returns v's numerator and denominator, which must not be modified.
func (v Value) parts() (n, d *big.Int) {
	if v.r != nil {
		return v.r.n, v.r.d
	}
	v = v.norm()
	return big.NewInt(v.num), big.NewInt(v.den)
}

// Sign returns -1, 0 or +1 for a negative, zero or positive v.
func (v Value) Sign() int {
	if v.r != nil {
		return v.r.n.Sign()
	}
	switch {
	case v.num < 0:
		return -1
	case v.num > 0:
		return 1
	}
	return 0
}

// IsInt reports whether v is an integer.
func (v Value) IsInt() bool {
	if v.r != nil {
		return isOne(v.r.d)
	}
	return v.den <= 1
}

// Cmp compares v and w and returns -1, 0 or +1 for v < w, v == w, v > w.
func (v Value) Cmp(w Value) int {
	v, w = v.norm(), w.norm()
	if v.r == nil && w.r == nil && v.den == 1 && w.den == 1 {
		switch {
		case v.num < w.num:
			return -1
		case v.num > w.num:
			return 1
		}
		return 0
	}
	vn, vd := v.parts()
	wn, wd := w.parts()
	return new(big.Int).Mul(vn, wd).Cmp(new(big.Int).Mul(wn, vd))
}

// Equal reports whether v and w are the same number, as Cmp(w) == 0
// does, but more quickly.
func (v Value) Equal(w Value) bool {
	v, w = v.norm(), w.norm()
	switch {
	case v.r == nil && w.r == nil:
		return v.num == w.num && v.den == w.den
	case v.r != nil && w.r != nil:
		return v.r.n.Cmp(w.r.n) == 0 && v.r.d.Cmp(w.r.d) == 0
	}
	// Only one fits machine words, so they differ; Cmp makes sure.
	return v.Cmp(w) == 0
}

// Rat returns v as a new big.Rat.
func (v Value) Rat() *big.Rat {
	n, d := v.parts()
	return new(big.Rat).SetFrac(n, d)
}

// String returns v in decimal as Decimal(DefaultPrecision) does.
func (v Value) String() string {
	return v.Decimal(DefaultPrecision)
}

func isOne(x *big.Int) bool {
	return x.IsInt64() && x.Int64() == 1
}
