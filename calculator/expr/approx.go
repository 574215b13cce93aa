package expr

import (
	"math"
	"math/big"
)

// Irrational values are carried through an evaluation as intervals: a
// Value whose iv is not nil lies between iv.lo and iv.hi, binary floats
// of the evaluation's working precision (calc.bits), and every operation
// on such Values returns an interval that holds the exact result for
// every point of its operands' intervals, rounding its lower bound down
// and its upper bound up. Eval rounds the final interval to the digits
// asked for; when its two ends round differently it evaluates again with
// more bits (see Eval).

// interval is the closed interval [lo, hi], lo ≤ hi.
type interval struct{ lo, hi *big.Float }

// down and up return a float of the working precision that rounds
// toward -∞ or +∞.
func (c *calc) down() *big.Float {
	return new(big.Float).SetPrec(c.bits).SetMode(big.ToNegativeInf)
}

func (c *calc) up() *big.Float {
	return new(big.Float).SetPrec(c.bits).SetMode(big.ToPositiveInf)
}

// words of the working precision, plus one, for the cost of an operation.
func (c *calc) floatWords() int64 { return int64(c.bits/64) + 2 }

// ivOf returns v as an interval. An exact v becomes the smallest interval
// of working-precision floats around it, with as many more bits as its
// integer part has, so that the functions that reduce their argument
// (sin, cos) see all of it.
func (c *calc) ivOf(v Value) *interval {
	if v.ival() != nil {
		return v.ival()
	}
	n, d := v.parts()
	prec := c.bits + uint(max(n.BitLen()-d.BitLen(), 0))
	c.chargeApprox(quoCost(ordered(n, d)) + quoCost(int64(prec/64)+2, 1))
	r := new(big.Rat).SetFrac(n, d)
	lo := new(big.Float).SetPrec(prec).SetMode(big.ToNegativeInf).SetRat(r)
	hi := new(big.Float).SetPrec(prec).SetMode(big.ToPositiveInf).SetRat(r)
	return &interval{lo, hi}
}

// approx returns the Value of iv, or the fault of a limit it passes: the
// work limit, or MaxBits for a magnitude that no result may have.
func (c *calc) approx(iv *interval) (Value, fault) {
	switch {
	case c.over:
		return Value{}, faultTooCostly
	case iv.lo.MantExp(nil) > MaxBits+1 || iv.hi.MantExp(nil) > MaxBits+1:
		return Value{}, faultTooBig
	}
	return ivValue(iv), faultNone
}

// bound returns y - 2^e rounded down (lower) or y + 2^e rounded up.
func (c *calc) bound(y *big.Float, e int, lower bool) *big.Float {
	d := new(big.Float).SetMantExp(big.NewFloat(1), e)
	if e == math.MinInt32 {
		d.SetInt64(0)
	}
	if lower {
		return c.down().Sub(y, d)
	}
	return c.up().Add(y, d)
}

// kernel is one of the series of series.go: f(x) at prec bits within 2^e.
type kernel func(c *calc, x *big.Float, prec uint) (y *big.Float, e int)

// monotone returns the Value of the increasing (or, if not, decreasing)
// function k on the interval iv.
func (c *calc) monotone(k kernel, iv *interval, increasing bool) (Value, fault) {
	lo, hi := iv.lo, iv.hi
	if !increasing {
		lo, hi = hi, lo
	}
	ylo, elo := k(c, lo, c.bits)
	yhi, ehi := k(c, hi, c.bits)
	return c.approx(&interval{c.bound(ylo, elo, true), c.bound(yhi, ehi, false)})
}

// constant returns the interval of a constant computed at the working
// precision within 2^e.
func (c *calc) constant(y *big.Float, e int) (Value, fault) {
	return c.approx(&interval{c.bound(y, e, true), c.bound(y, e, false)})
}

func (c *calc) ivAdd(a, b Value) (Value, fault) {
	x, y := c.ivOf(a), c.ivOf(b)
	c.chargeApprox(2 * addCost(c.floatWords(), c.floatWords()))
	return c.approx(&interval{c.down().Add(x.lo, y.lo), c.up().Add(x.hi, y.hi)})
}

func (c *calc) ivMul(a, b Value) (Value, fault) {
	if a.ival() == nil && a.Sign() == 0 || b.ival() == nil && b.Sign() == 0 {
		return zero, faultNone
	}
	x, y := c.ivOf(a), c.ivOf(b)
	c.chargeApprox(8 * floatMulCost(c.floatWords()))
	lo, hi := c.down().Mul(x.lo, y.lo), c.up().Mul(x.lo, y.lo)
	for _, p := range [][2]*big.Float{{x.lo, y.hi}, {x.hi, y.lo}, {x.hi, y.hi}} {
		if l := c.down().Mul(p[0], p[1]); l.Cmp(lo) < 0 {
			lo = l
		}
		if h := c.up().Mul(p[0], p[1]); h.Cmp(hi) > 0 {
			hi = h
		}
	}
	return c.approx(&interval{lo, hi})
}

// ivInv returns 1/v, or faultUndecided when v's interval holds 0.
func (c *calc) ivInv(v Value) (Value, fault) {
	x := c.ivOf(v)
	if x.lo.Sign() <= 0 && x.hi.Sign() >= 0 {
		return Value{}, faultUndecided
	}
	c.chargeApprox(6 * floatMulCost(c.floatWords()))
	one := big.NewFloat(1)
	return c.approx(&interval{c.down().Quo(one, x.hi), c.up().Quo(one, x.lo)})
}

func (c *calc) ivQuo(a, b Value) (Value, fault) {
	if b.ival() == nil && b.Sign() == 0 {
		return Value{}, faultDivZero
	}
	r, f := c.ivInv(b)
	if f != faultNone {
		return Value{}, f
	}
	return c.ivMul(a, r)
}

// ivPowInt returns v^k for an integer k.
func (c *calc) ivPowInt(v Value, k int64) (Value, fault) {
	if k < 0 {
		r, f := c.ivPowInt(v, -k)
		if f != faultNone {
			return Value{}, f
		}
		return c.ivInv(r)
	}
	x := c.ivOf(v)
	// Refuse a magnitude beyond every limit before the floats overflow.
	if e := max(abs64(int64(x.lo.MantExp(nil))), abs64(int64(x.hi.MantExp(nil)))); e*uint64(k) > 1<<28 {
		return Value{}, faultTooBig
	}
	alo, ahi := new(big.Float).Abs(x.lo), new(big.Float).Abs(x.hi)
	if alo.Cmp(ahi) > 0 {
		alo, ahi = ahi, alo
	}
	small, large := c.powFloat(alo, k, c.down()), c.powFloat(ahi, k, c.up())
	switch {
	case x.lo.Sign() >= 0: // [lo^k, hi^k]
		return c.approx(&interval{small, large})
	case x.hi.Sign() <= 0 && k%2 == 0: // [|hi|^k, |lo|^k]
		return c.approx(&interval{small, large})
	case x.hi.Sign() <= 0: // [-|lo|^k, -|hi|^k]
		return c.approx(&interval{large.Neg(large), small.Neg(small)})
	case k%2 == 0: // around 0: [0, max^k]
		return c.approx(&interval{new(big.Float), large})
	}
	hi := c.powFloat(new(big.Float).Abs(x.hi), k, c.up())
	lo := c.powFloat(new(big.Float).Abs(x.lo), k, c.up())
	return c.approx(&interval{lo.Neg(lo), hi})
}

// powFloat returns x^k for x ≥ 0, rounded as z rounds: every step rounds
// a positive number the same way, so the result is a bound.
func (c *calc) powFloat(x *big.Float, k int64, z *big.Float) *big.Float {
	r := new(big.Float).Copy(z).SetInt64(1)
	b := new(big.Float).Copy(z).Set(x)
	for ; k > 0 && !c.over; k >>= 1 {
		c.chargeApprox(2 * floatMulCost(c.floatWords()))
		if k&1 == 1 {
			r.Mul(r, b)
		}
		b.Mul(b, b)
	}
	return r
}

// realPow returns a^e for a > 0 as e^(e·ln a), or for a < 0 and an exact
// e whose denominator is odd as ±|a|^e.
func (c *calc) realPow(a, e Value) (Value, fault) {
	x := c.ivOf(a)
	sign := 1
	switch {
	case x.lo.Sign() > 0:
	case x.hi.Sign() < 0 && e.ival() == nil:
		_, d := e.parts()
		if d.Bit(0) == 0 {
			return Value{}, faultEvenRoot
		}
		if n, _ := e.parts(); n.Bit(0) == 1 {
			sign = -1
		}
		a = neg(ivValue(x))
	case x.hi.Sign() < 0 || a.ival() == nil && a.Sign() < 0:
		return Value{}, faultNegPower
	case a.ival() == nil: // a is 0
		if e.ival().lo.Sign() > 0 {
			return zero, faultNone
		}
		return Value{}, faultUndecided
	default:
		return Value{}, faultUndecided
	}
	if e.ival() == nil && e.Equal(half) {
		return c.monotone((*calc).sqrt, c.ivOf(a), true)
	}
	l, f := c.lnValue(a)
	if f != faultNone {
		return Value{}, f
	}
	m, f := c.ivMul(l, e)
	if f != faultNone {
		return Value{}, f
	}
	v, f := c.expValue(m)
	if f == faultNone && sign < 0 {
		v = neg(v)
	}
	return v, f
}

// The magnitudes within which exp is computed: beyond them its result
// would be larger than 2^MaxBits, or smaller than the least value a
// rounded result can show.
const (
	expMax = MaxBits * math.Ln2
	expMin = -(MaxBits + 64) * math.Ln2
)

// expValue returns e^v.
func (c *calc) expValue(v Value) (Value, fault) {
	if v.ival() == nil && v.Sign() == 0 {
		return one, faultNone
	}
	x := c.ivOf(v)
	if hi, _ := x.hi.Float64(); hi > expMax {
		return Value{}, faultTooBig
	}
	if lo, _ := x.lo.Float64(); lo < expMin {
		return Value{}, faultTooSmall
	}
	return c.monotone((*calc).exp, x, true)
}

// lnValue returns the natural logarithm of v.
func (c *calc) lnValue(v Value) (Value, fault) {
	if v.ival() == nil {
		switch {
		case v.Sign() <= 0:
			return Value{}, faultLogDomain
		case v.Equal(one):
			return zero, faultNone
		}
	}
	x := c.ivOf(v)
	switch {
	case x.hi.Sign() <= 0:
		return Value{}, faultLogDomain
	case x.lo.Sign() <= 0:
		return Value{}, faultUndecided
	}
	return c.monotone((*calc).ln, x, true)
}

// logValue returns the logarithm of v in base b: exact when b^k is v for
// a k with a small denominator (log(8, 4) is 1.5), else ln v / ln b.
func (c *calc) logValue(v, b Value) (Value, fault) {
	if b.ival() == nil && (b.Sign() <= 0 || b.Equal(one)) {
		return Value{}, faultLogBase
	}
	if k, ok := c.exactLog(v, b); ok {
		return k, faultNone
	}
	lv, f := c.lnValue(v)
	if f != faultNone {
		return Value{}, f
	}
	lb, f := c.lnValue(b)
	if f != faultNone {
		return Value{}, f
	}
	return c.ivQuo(lv, lb)
}

// exactLog returns k with b^k = v when v and b are exact and k is a
// fraction with a denominator of at most 64, found from a 64-bit
// estimate and checked exactly.
func (c *calc) exactLog(v, b Value) (Value, bool) {
	if v.ival() != nil || b.ival() != nil || v.Sign() <= 0 {
		return Value{}, false
	}
	est := log2Estimate(v) / log2Estimate(b)
	if math.IsNaN(est) || math.IsInf(est, 0) || math.Abs(est) > MaxBits {
		return Value{}, false
	}
	for q := int64(1); q <= 64; q++ {
		p := math.Round(est * float64(q))
		if math.Abs(p/float64(q)-est) > 1e-9*math.Max(1, math.Abs(est)) {
			continue
		}
		r := big.NewRat(int64(p), q)
		k := fromBig(r.Num(), r.Denom())
		w, f := c.pow(b, k)
		return k, f == faultNone && w.ival() == nil && w.Equal(v)
	}
	return Value{}, false
}

// log2Estimate returns log2 of v > 0, from the leading bits of its
// numerator and denominator.
func log2Estimate(v Value) float64 {
	n, d := v.parts()
	return bigLog2(n) - bigLog2(d)
}

func bigLog2(x *big.Int) float64 {
	shift := max(x.BitLen()-64, 0)
	top, _ := new(big.Float).SetInt(new(big.Int).Rsh(x, uint(shift))).Float64()
	return math.Log2(top) + float64(shift)
}

// sinCosValues returns sin v and cos v, from one run of the series. Each
// interval is that of the function at the lower bound, widened by the
// interval's width: both functions change by at most |Δx|.
func (c *calc) sinCosValues(v Value) (sin, cos Value, f fault) {
	if v.ival() == nil && v.Sign() == 0 {
		return zero, one, faultNone
	}
	x := c.ivOf(v)
	s, co, e := c.sinCos(x.lo, c.bits)
	width := new(big.Float).SetMode(big.ToPositiveInf).Sub(x.hi, x.lo)
	widened := func(y *big.Float) (Value, fault) {
		lo, hi := c.bound(y, e, true), c.bound(y, e, false)
		return c.approx(&interval{c.down().Sub(lo, width), c.up().Add(hi, width)})
	}
	if sin, f = widened(s); f != faultNone {
		return Value{}, Value{}, f
	}
	cos, f = widened(co)
	return sin, cos, f
}

func (c *calc) tanValue(v Value) (Value, fault) {
	if v.ival() == nil && v.Sign() == 0 {
		return zero, faultNone
	}
	s, co, f := c.sinCosValues(v)
	if f != faultNone {
		return Value{}, f
	}
	return c.ivQuo(s, co)
}

func (c *calc) atanValue(v Value) (Value, fault) {
	if v.ival() == nil && v.Sign() == 0 {
		return zero, faultNone
	}
	return c.monotone((*calc).atan, c.ivOf(v), true)
}

// asinValue returns asin v = atan(v / sqrt((1-v)(1+v))), or ±π/2 at ±1.
func (c *calc) asinValue(v Value) (Value, fault) {
	if v.ival() == nil && v.Sign() == 0 {
		return zero, faultNone
	}
	if f := c.unitDomain(v); f != faultNone {
		return Value{}, f
	}
	if v.ival() == nil && abs(v).Equal(one) {
		h, f := c.halfPi()
		if v.Sign() < 0 {
			h = neg(h)
		}
		return h, f
	}
	return c.monotone(func(c *calc, x *big.Float, prec uint) (*big.Float, int) {
		f := c.fl(prec + guardBits)
		one := big.NewFloat(1)
		r := f.sqrt(f.mul(f.sub(one, x), f.add(one, x)))
		return c.atan(f.quo(x, r), prec)
	}, c.ivOf(v), true)
}

// acosValue returns acos v = 2·atan(sqrt((1-v)/(1+v))), or π at -1.
func (c *calc) acosValue(v Value) (Value, fault) {
	if v.ival() == nil && v.Equal(one) {
		return zero, faultNone
	}
	if f := c.unitDomain(v); f != faultNone {
		return Value{}, f
	}
	if v.ival() == nil && v.Equal(neg(one)) {
		y, e := c.pi(c.bits)
		return c.constant(y, e)
	}
	return c.monotone(func(c *calc, x *big.Float, prec uint) (*big.Float, int) {
		f := c.fl(prec + guardBits)
		one := big.NewFloat(1)
		y, e := c.atan(f.sqrt(f.quo(f.sub(one, x), f.add(one, x))), prec)
		return y.SetMantExp(y, 1), e + 1
	}, c.ivOf(v), false)
}

// unitDomain returns the fault of an argument of asin or acos outside
// [-1, 1], or faultUndecided when its interval reaches out of it.
func (c *calc) unitDomain(v Value) fault {
	if v.ival() == nil {
		if abs(v).Cmp(one) > 0 {
			return faultUnitDomain
		}
		return faultNone
	}
	one, minus := big.NewFloat(1), big.NewFloat(-1)
	switch {
	case v.ival().lo.Cmp(one) > 0 || v.ival().hi.Cmp(minus) < 0:
		return faultUnitDomain
	case v.ival().hi.Cmp(one) > 0 || v.ival().lo.Cmp(minus) < 0:
		return faultUndecided
	}
	return faultNone
}

func (c *calc) halfPi() (Value, fault) {
	y, e := c.pi(c.bits)
	return c.constant(new(big.Float).SetMantExp(y, -1), e-1)
}

// atan2Value returns the angle of the point (x, y), in (-π, π], as C's
// atan2 does; atan2(0, 0) is an error.
func (c *calc) atan2Value(y, x Value) (Value, fault) {
	sy, sx := c.sign(y), c.sign(x)
	switch {
	case sy == 2 || sx == 2:
		return Value{}, faultUndecided
	case sx == 0 && sy == 0:
		return Value{}, faultAtan2Origin
	case sx == 0:
		h, f := c.halfPi()
		if sy < 0 {
			h = neg(h)
		}
		return h, f
	case sy == 0 && sx > 0:
		return zero, faultNone
	}
	q, f := c.quo(y, x)
	if f != faultNone {
		return Value{}, f
	}
	a, f := c.atanValue(q)
	if f != faultNone || sx > 0 {
		return a, f
	}
	p, e := c.pi(c.bits)
	pi, f := c.constant(p, e)
	if f != faultNone {
		return Value{}, f
	}
	if sy < 0 {
		return c.sub(a, pi)
	}
	return c.add(a, pi)
}

// sign returns the sign of v, or 2 when its interval holds 0.
func (c *calc) sign(v Value) int {
	if v.ival() == nil {
		return v.Sign()
	}
	switch {
	case v.ival().lo.Sign() > 0:
		return 1
	case v.ival().hi.Sign() < 0:
		return -1
	}
	return 2
}

// intFunc is one of trunc, floor, ceil and round: exact on Values, and
// on fractions n/d (d > 0) for the bounds of intervals.
type intFunc struct {
	exact func(*calc, Value) (Value, fault)
	frac  func(n, d *big.Int) *big.Int
}

var (
	truncFunc = intFunc{(*calc).trunc, truncFrac}
	floorFunc = intFunc{(*calc).floor, func(n, d *big.Int) *big.Int { return new(big.Int).Div(n, d) }}
	ceilFunc  = intFunc{(*calc).ceil, func(n, d *big.Int) *big.Int {
		q := new(big.Int).Neg(n)
		q.Div(q, d)
		return q.Neg(q)
	}}
	roundFunc = intFunc{(*calc).round, func(n, d *big.Int) *big.Int {
		t := new(big.Int).Lsh(n, 1) // trunc((2n ± d) / 2d)
		if n.Sign() < 0 {
			t.Sub(t, d)
		} else {
			t.Add(t, d)
		}
		return t.Quo(t, new(big.Int).Lsh(d, 1))
	}}
)

func truncFrac(n, d *big.Int) *big.Int { return new(big.Int).Quo(n, d) }

// integer returns op of v, for an interval v too when op gives the same
// integer on all of it, or else faultUndecided.
func (c *calc) integer(v Value, op intFunc) (Value, fault) {
	iv := v.ival()
	if iv == nil {
		return op.exact(c, v)
	}
	lo, _ := iv.lo.Rat(nil)
	hi, _ := iv.hi.Rat(nil)
	c.chargeApprox(2 * quoCost(ordered(lo.Num(), lo.Denom())))
	a, b := op.frac(lo.Num(), lo.Denom()), op.frac(hi.Num(), hi.Denom())
	if a.Cmp(b) != 0 {
		return Value{}, faultUndecided
	}
	return result(a, bigOne)
}

// rounded returns the value of iv correctly rounded to prec significant
// digits (half to even), and ok false when its bounds round to different
// numbers, so that more bits are needed; zero reports that iv then holds
// 0. When iv is a single point, its value is exact, and so is v.
func (c *calc) rounded(iv *interval, prec int) (v Value, exact, ok, zero bool, f fault) {
	if iv.lo.Cmp(iv.hi) == 0 {
		r, _ := iv.lo.Rat(nil)
		v, f = result(r.Num(), r.Denom())
		return v, true, true, false, f
	}
	lo, hi := c.roundFloat(iv.lo, prec), c.roundFloat(iv.hi, prec)
	if c.over {
		return Value{}, false, false, false, faultTooCostly
	}
	if lo != hi {
		return Value{}, false, false, iv.lo.Sign() <= 0 && iv.hi.Sign() >= 0, faultNone
	}
	v, err := ParseValue(lo)
	if n, d := v.parts(); err != nil || n.BitLen() > MaxBits || d.BitLen() > MaxBits {
		if iv.lo.MantExp(nil) > 0 {
			return Value{}, false, true, false, faultTooBig
		}
		return Value{}, false, true, false, faultTooSmall
	}
	return v, false, true, false, faultNone
}

// roundFloat returns x rounded to prec significant digits as Decimal
// writes it. It rounds halves away from zero, not to even, which is as
// good for comparing the rounded bounds of an interval: both round to the
// same number only when every point between them does, and then that is
// the correctly rounded value of each point that is not a tie, and an
// exact tie strictly inside the interval keeps its bounds apart.
func (c *calc) roundFloat(x *big.Float, prec int) string {
	r, _ := x.Rat(nil)
	n, d := r.Num(), r.Denom()
	w := words(n) + words(d) + int64(prec)/19
	if !c.chargeApprox(2*(quoCost(2*w, w)+expCost(w))) || n.Sign() == 0 {
		return "0"
	}
	return roundedDecimal(n, d, prec)
}

// ivExtreme returns the least (sign -1) or the greatest (sign 1) of vs,
// of which one at least is an interval: the bounds are the least or
// greatest bounds.
func (c *calc) ivExtreme(vs []Value, sign int) (Value, fault) {
	x := c.ivOf(vs[0])
	lo, hi := x.lo, x.hi
	for _, v := range vs[1:] {
		x = c.ivOf(v)
		if x.lo.Cmp(lo) == sign {
			lo = x.lo
		}
		if x.hi.Cmp(hi) == sign {
			hi = x.hi
		}
	}
	return c.approx(&interval{lo, hi})
}

// ivRem returns a - b·trunc(a/b), when trunc(a/b) is decided.
func (c *calc) ivRem(a, b Value) (Value, fault) {
	q, f := c.quo(a, b)
	if f != faultNone {
		return Value{}, f
	}
	t := q // 0, when it is exact
	if q.ival() != nil {
		t, f = c.integer(q, intFunc{frac: truncFrac}) // not truncFunc: trunc uses rem
	}
	if f != faultNone {
		return Value{}, f
	}
	m, f := c.mul(b, t)
	if f != faultNone {
		return Value{}, f
	}
	return c.sub(a, m)
}
