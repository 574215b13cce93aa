package expr

import (
	"math"
	"math/big"
)

// The series of the irrational functions. Each kernel computes its
// function of an exact binary floating-point number x at a precision of
// prec bits and returns y with |f(x) - y| ≤ 2^e for the e it returns:
// it works internally with guard bits beyond prec, enough to cover the
// rounding errors of its steps (bounded in the comments), and reports an
// error of one unit in the prec-th bit of y, or an absolute 2^-prec for
// the functions whose result may be close to 0 after a reduction. The
// interval arithmetic of approx.go turns that into bounds. Every
// operation on big floats is charged to the work limit before it runs;
// once the limit is reached the results are meaningless and the
// evaluation reports faultTooCostly.

// guardBits are the bits a kernel adds to its precision for the rounding
// errors of its own steps: its few thousand roundings each cost at most
// one unit of the last place, far less than 2^40 of them.
const guardBits = 64

// fl is floating-point arithmetic at a precision, charged to a calc.
type fl struct {
	c    *calc
	prec uint
	w    int64 // words of the mantissas, plus one
}

func (c *calc) fl(prec uint) fl {
	return fl{c: c, prec: prec, w: int64(prec/64) + 2}
}

func (f fl) new() *big.Float { return new(big.Float).SetPrec(f.prec) }

func (f fl) mul(x, y *big.Float) *big.Float {
	f.c.chargeApprox(floatMulCost(f.w))
	return f.new().Mul(x, y)
}

func (f fl) quo(x, y *big.Float) *big.Float {
	f.c.chargeApprox(2*floatMulCost(f.w) + opCost)
	return f.new().Quo(x, y)
}

func (f fl) add(x, y *big.Float) *big.Float {
	f.c.chargeApprox(addCost(f.w, f.w))
	return f.new().Add(x, y)
}

func (f fl) sub(x, y *big.Float) *big.Float {
	f.c.chargeApprox(addCost(f.w, f.w))
	return f.new().Sub(x, y)
}

// quoSmall returns x/n for a small integer n: a division by one word.
func (f fl) quoSmall(x *big.Float, n int64) *big.Float {
	f.c.chargeApprox(quoCost(f.w, 1))
	return f.new().Quo(x, new(big.Float).SetInt64(n))
}

func (f fl) sqrt(x *big.Float) *big.Float {
	f.c.chargeApprox(sqrtCost(f.w))
	return f.new().Sqrt(x)
}

// floatMulCost is the estimated cost of a product of two w-word
// mantissas: the schoolbook bound of mulCost for small ones, and for
// larger ones Karatsuba's three half-size products, as math/big does,
// halved: measured with Go 1.27 on amd64 (see BenchmarkCostModel), the
// estimate is then 1.5 to 4 times the CPU time from 1,000 to 340,000
// bits.
func floatMulCost(w int64) int64 {
	if w <= 48 {
		return mulCost(w, w)
	}
	return karatsubaCost(w) / 2
}

func karatsubaCost(w int64) int64 {
	if w <= 48 {
		return mulCost(w, w)
	}
	return 3*karatsubaCost((w+1)/2) + 40*w
}

// sqrtCost is the estimated cost of a square root of w words: Newton's
// method, a few products and a fixed cost for its setup.
func sqrtCost(w int64) int64 { return 4*floatMulCost(w) + 20*opCost }

// fixedPi returns π·2^bits rounded down, within 2^25 units for up to 2^20 bits (Machin's
// formula, π = 16·atan(1/5) - 4·atan(1/239), each series summed in
// fixed point with one truncation per term).
func (c *calc) fixedPi(bits uint) *big.Int {
	a := c.fixedArc(5, bits, false)
	b := c.fixedArc(239, bits, false)
	return a.Lsh(a, 4).Sub(a, b.Lsh(b, 2))
}

// fixedLn2 returns ln(2)·2^bits within 2^25 units, from
// ln 2 = 18·atanh(1/26) - 2·atanh(1/4801) + 8·atanh(1/8749).
func (c *calc) fixedLn2(bits uint) *big.Int {
	a := c.fixedArc(26, bits, true)
	a.Mul(a, big.NewInt(18))
	b := c.fixedArc(4801, bits, true)
	a.Sub(a, b.Lsh(b, 1))
	b = c.fixedArc(8749, bits, true)
	return a.Add(a, b.Lsh(b, 3))
}

// fixedArc returns atan(1/n)·2^bits, or atanh(1/n)·2^bits when hyper,
// summing 1/n - 1/(3n^3) + 1/(5n^5) - ... (all terms positive for atanh)
// with one truncation per term: an error below the number of terms.
func (c *calc) fixedArc(n int64, bits uint, hyper bool) *big.Int {
	w := int64(bits/64) + 2
	t := new(big.Int).Lsh(bigOne, bits)
	t.Quo(t, big.NewInt(n))
	sum := new(big.Int).Set(t)
	n2 := big.NewInt(n * n)
	term := new(big.Int)
	for k := int64(1); t.Sign() != 0 && !c.over; k++ {
		c.chargeApprox(2 * quoCost(w, 1))
		t.Quo(t, n2)
		term.Quo(t, big.NewInt(2*k+1))
		if hyper || k%2 == 0 {
			sum.Add(sum, term)
		} else {
			sum.Sub(sum, term)
		}
	}
	return sum
}

// fixedToFloat returns the fixed-point x·2^-bits as a float.
func fixedToFloat(x *big.Int, bits uint) *big.Float {
	f := new(big.Float).SetInt(x)
	return f.SetMantExp(f, -int(bits))
}

// pi returns π at prec bits, within 2^-prec.
func (c *calc) pi(prec uint) (*big.Float, int) {
	return c.cache().get(&c.consts.pi, prec, c.fixedPi), -int(prec)
}

// cache returns the evaluation's constants, made on first use.
func (c *calc) cache() *constCache {
	if c.consts == nil {
		c.consts = new(constCache)
	}
	return c.consts
}

// ln2 returns ln 2 at prec bits, within 2^-prec.
func (c *calc) ln2(prec uint) (*big.Float, int) {
	return c.cache().get(&c.consts.ln2, prec, c.fixedLn2), -int(prec)
}

// constCache keeps the most precise π and ln 2 an evaluation computed,
// within 2^-(its precision), for its later uses and its retries: a
// value at more bits than asked for is as good.
type constCache struct {
	pi, ln2 *big.Float
}

// get returns the constant *k at prec bits or more, computing it with
// fixed (at bits with 40 guard bits) when *k has fewer.
func (cc *constCache) get(k **big.Float, prec uint, fixed func(bits uint) *big.Int) *big.Float {
	if *k == nil || (*k).Prec() < prec {
		bits := prec + 40
		*k = fixedToFloat(fixed(bits), bits).SetPrec(prec + 40)
	}
	return *k
}

// ulpErr is the error exponent of one unit in the prec-th bit of y.
func ulpErr(y *big.Float, prec uint) int {
	return y.MantExp(nil) - int(prec)
}

// exp returns e^x for |x| < 2^20 at prec bits, within one unit of its
// prec-th bit. It reduces x to r = x - k·ln 2 with |r| ≤ 0.35, sums the
// Taylor series of r/2^s, squares the sum s times and scales by 2^k.
// Each squaring doubles the relative error, so s more guard bits pay for
// them; ln 2 carries the bits of k as well, so that k·ln 2 is as exact
// as r needs.
func (c *calc) exp(x *big.Float, prec uint) (*big.Float, int) {
	if x.Sign() == 0 {
		return big.NewFloat(1), math.MinInt32
	}
	s := uint(math.Sqrt(float64(prec))) / 2
	ip := prec + guardBits + s
	f := c.fl(ip + 24)
	l, _ := c.ln2(ip + 24)
	kf, _ := f.quo(x, l).Float64()
	k := int64(math.Round(kf))
	r := f.sub(x, f.mul(new(big.Float).SetInt64(k), l))
	f = c.fl(ip)
	t := new(big.Float).SetMantExp(r, -int(s))
	sum, term := f.new().SetInt64(1), f.new().SetInt64(1)
	for n := int64(1); !c.over; n++ {
		term = f.quoSmall(f.mul(term, t), n)
		if term.Sign() == 0 || term.MantExp(nil) < -int(ip)-2 {
			break
		}
		sum = f.add(sum, term)
	}
	for range s {
		sum = f.mul(sum, sum)
	}
	y := new(big.Float).SetPrec(prec).SetMantExp(sum, int(k))
	return y, ulpErr(y, prec)
}

// ln returns the natural logarithm of x > 0 at prec bits, within
// 2^-prec·max(1, |ln x|): Halley's iteration y += 2(x - e^y)/(x + e^y),
// which triples the correct bits at each step, from a 64-bit guess and
// at precisions that grow to prec plus guard bits by factors of 3, each
// with guard bits of its own.
func (c *calc) ln(x *big.Float, prec uint) (*big.Float, int) {
	mant := new(big.Float)
	e := x.MantExp(mant)
	m, _ := mant.Float64()
	y := big.NewFloat(math.Log(m) + float64(e)*math.Ln2)
	ip := prec + guardBits
	steps := []uint{ip}
	for p := ip / 3; p > 40; p /= 3 {
		steps = append(steps, p+guardBits)
	}
	for i := len(steps) - 1; i >= 0 && !c.over; i-- {
		f := c.fl(steps[i])
		ey, _ := c.exp(y, steps[i])
		d := f.quo(f.sub(x, ey), f.add(x, ey))
		y = f.add(y, d.SetMantExp(d, 1))
	}
	out := new(big.Float).SetPrec(prec).Set(y)
	return out, max(out.MantExp(nil), 0) - int(prec)
}

// sinCos returns sin x and cos x at prec bits, each within 2^-prec. It
// reduces x by multiples of π/2 (with π carrying the bits of x's integer
// part, so that the reduced r is as exact as the rest needs), sums the
// Taylor series of r/2^j and doubles the angle j times: sin 2t = 2·sin t
// ·cos t, cos 2t = 1 - 2·sin² t, which at most triple the error each
// time, paid for by 2j guard bits.
func (c *calc) sinCos(x *big.Float, prec uint) (sin, cos *big.Float, err int) {
	j := uint(math.Sqrt(float64(prec))) / 3
	ip := prec + guardBits + 2*j
	ex := uint(max(x.MantExp(nil), 0))
	f := c.fl(ip + ex + 8)
	pi, _ := c.pi(ip + ex + 8)
	halfPi := new(big.Float).SetMantExp(pi, -1)
	q := f.quo(x, halfPi)
	k, _ := f.add(q, big.NewFloat(0.5*float64(q.Sign()))).Int(nil)
	r := f.sub(x, f.mul(new(big.Float).SetInt(k), halfPi))
	f = c.fl(ip)
	t := new(big.Float).SetMantExp(r, -int(j))
	t2 := f.mul(t, t)
	s, co := f.new().Set(t), f.new().SetInt64(1)
	ts, tc := f.new().Set(t), f.new().SetInt64(1) // the last terms
	for n := int64(1); !c.over; n++ {
		tc = f.quoSmall(f.mul(tc, t2), (2*n-1)*2*n)
		ts = f.quoSmall(f.mul(ts, t2), 2*n*(2*n+1))
		if n%2 == 1 {
			co, s = f.sub(co, tc), f.sub(s, ts)
		} else {
			co, s = f.add(co, tc), f.add(s, ts)
		}
		if tc.Sign() == 0 || tc.MantExp(nil) < -int(ip)-2 {
			break
		}
	}
	two := big.NewFloat(2)
	for range j {
		s, co = f.mul(two, f.mul(s, co)), f.sub(big.NewFloat(1), f.mul(two, f.mul(s, s)))
	}
	switch new(big.Int).And(k, big.NewInt(3)).Int64() {
	case 1:
		s, co = co, s.Neg(s)
	case 2:
		s, co = s.Neg(s), co.Neg(co)
	case 3:
		s, co = co.Neg(co), s
	}
	return new(big.Float).SetPrec(prec).Set(s), new(big.Float).SetPrec(prec).Set(co), -int(prec)
}

// atan returns the arctangent of x at prec bits, within one unit of its
// prec-th bit: for |x| > 1 as ±π/2 - atan(1/x); otherwise it halves the
// angle j times, t = t/(1 + sqrt(1 + t²)), and sums the series t - t³/3
// + t⁵/5 - ... of the small t that is left; the result is 2^j times that
// sum.
func (c *calc) atan(x *big.Float, prec uint) (*big.Float, int) {
	if x.Sign() == 0 {
		return new(big.Float), math.MinInt32
	}
	ip := prec + guardBits
	f := c.fl(ip)
	one := big.NewFloat(1)
	if new(big.Float).Abs(x).Cmp(one) > 0 {
		pi, _ := c.pi(ip)
		halfPi := new(big.Float).SetMantExp(pi, -1)
		if x.Sign() < 0 {
			halfPi.Neg(halfPi)
		}
		a, _ := c.atan(f.quo(big.NewFloat(1), x), ip)
		y := new(big.Float).SetPrec(prec).Set(f.sub(halfPi, a))
		return y, ulpErr(y, prec)
	}
	j := uint(math.Sqrt(float64(prec))) / 2
	t := new(big.Float).Set(x)
	for range j {
		t = f.quo(t, f.add(one, f.sqrt(f.add(one, f.mul(t, t)))))
	}
	t2 := f.mul(t, t)
	sum, pow := f.new().Set(t), f.new().Set(t)
	for n := int64(1); !c.over; n++ {
		pow = f.mul(pow, t2)
		term := f.quoSmall(pow, 2*n+1)
		if term.Sign() == 0 || term.MantExp(nil) < sum.MantExp(nil)-int(ip)-2 {
			break
		}
		if n%2 == 1 {
			sum = f.sub(sum, term)
		} else {
			sum = f.add(sum, term)
		}
	}
	y := new(big.Float).SetPrec(prec).SetMantExp(sum, int(j))
	return y, ulpErr(y, prec)
}

// sqrt returns the square root of x > 0 at prec bits, within one unit of
// its prec-th bit: math/big's, at 8 more bits, is within one of its own.
func (c *calc) sqrt(x *big.Float, prec uint) (*big.Float, int) {
	y := c.fl(prec + 8).sqrt(x)
	return y, ulpErr(y, prec)
}
