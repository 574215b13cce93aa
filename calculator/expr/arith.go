package expr

import (
	"math/big"
	"math/bits"
)

// fault says why an arithmetic operation failed.
type fault uint8

const (
	faultNone        fault = iota
	faultDivZero           // divisor (or base of a negative power) is zero
	faultTooBig            // a numerator or denominator would exceed MaxBits
	faultTooCostly         // the evaluation would exceed MaxWork
	faultIrrational        // the exact result is irrational (a root that is not exact)
	faultEvenRoot          // an even root of a negative number
	faultNegPower          // a negative number to an irrational power
	faultTooSmall          // a result too close to 0 to be shown
	faultLogDomain         // the logarithm of a number ≤ 0
	faultLogBase           // a logarithm in a base ≤ 0 or 1
	faultUnitDomain        // asin or acos of a number outside [-1, 1]
	faultAtan2Origin       // atan2(0, 0)
	faultUndecided         // an inexact value too close to a point where the result jumps
)

// calc does the arithmetic of one evaluation. It tries the machine-word
// fast path first and falls back to big integers, whose work it estimates
// and charges against MaxWork before doing it.
type calc struct {
	work       int64   // estimated big-number work so far
	over       bool    // a limit was reached
	budget     *Budget // the shared budget, or nil
	overBudget bool    // the limit reached was the budget's

	bits       uint        // the working precision of irrational values (see approx.go)
	approxWork int64       // estimated work on them so far, against MaxApproxWork
	consts     *constCache // π and ln 2 as computed so far
}

// charge adds units of work, or sets c.over and reports false when that
// would exceed MaxWork, or what is left of the budget. The units are
// taken from the budget at once, before the work they pay for is done.
func (c *calc) charge(units int64) bool { return c.chargeTo(&c.work, MaxWork, units) }

// chargeApprox is charge for the work on irrational values, which has
// its own limit, MaxApproxWork, and draws from the same budget.
func (c *calc) chargeApprox(units int64) bool {
	return c.chargeTo(&c.approxWork, MaxApproxWork, units)
}

// chargeTo adds units to the count *work, whose limit is limit.
func (c *calc) chargeTo(work *int64, limit, units int64) bool {
	switch {
	case c.over:
		return false
	case units > limit-*work:
		c.over = true
		return false
	case c.budget != nil && !c.budget.take(units):
		c.over, c.overBudget = true, true
		return false
	}
	*work += units
	return true
}

// The big-integer primitives of the slow path. Each charges its estimated
// cost before it runs, in units of about a nanosecond (measured with
// Go 1.26 on amd64): the schoolbook bound m·n for a product or quotient of
// m- and n-word integers, and 12·m·n for a greatest common divisor. Once
// MaxWork is reached they do nothing and return 1, and the operation that
// used them then reports faultTooCostly (see done). Their results are new
// integers.

// words returns the size of x in words, plus one.
func words(x *big.Int) int64 { return int64(len(x.Bits())) + 1 }

// The estimated costs of the primitives, for operands of m ≥ n words
// (each plus one, see words). They are upper bounds of the CPU time in
// nanoseconds that math/big takes, measured with Go 1.26 on a loaded
// 2-core amd64 machine (thread CPU time, sizes from 1 to 1563 words):
// schoolbook bounds for products and quotients, with a linear term for
// the one-word divisions and the memory they allocate; Lehmer's
// algorithm for the greatest common divisor.
func mulCost(m, n int64) int64 { return opCost + 8*m + 2*m*n }
func quoCost(m, n int64) int64 { return opCost + 40*m + 4*n*(m-n+1) }
func gcdCost(m, n int64) int64 { return 2*opCost + 40*m + 8*m*n + 300*n }
func addCost(m, _ int64) int64 { return opCost + 16*m }

// expCost is the estimated cost of a power of about w words: a few
// squarings of numbers of that size, with Karatsuba's algorithm.
func expCost(w int64) int64 { return opCost + 16*w + w*w/4 }

// opCost is the fixed cost of any big-integer operation: allocating its
// result and setting up.
const opCost = 300

// ordered returns the sizes of x and y in words, larger first.
func ordered(x, y *big.Int) (m, n int64) {
	m, n = words(x), words(y)
	if m < n {
		m, n = n, m
	}
	return m, n
}

func (c *calc) gcd(x, y *big.Int) *big.Int {
	if x.CmpAbs(y) == 0 {
		return new(big.Int).Abs(x) // cheap, and frequent with common denominators
	}
	// When x or y is a power of 2 (the denominators of many decimals),
	// the divisor is the smaller power of 2 in both: no need for Lehmer.
	if tx, ty := x.TrailingZeroBits(), y.TrailingZeroBits(); int(tx) == x.BitLen()-1 || int(ty) == y.BitLen()-1 {
		if !c.charge(addCost(ordered(x, y))) {
			return big.NewInt(1)
		}
		return new(big.Int).Lsh(bigOne, min(tx, ty))
	}
	if !c.charge(gcdCost(ordered(x, y))) {
		return big.NewInt(1)
	}
	return new(big.Int).GCD(nil, nil, x, y)
}

// binary charges the cost of the binary operation op, whose cost function
// is cost, on x and y, then returns op's result as a new integer.
func (c *calc) binary(cost func(m, n int64) int64, op func(z, x, y *big.Int) *big.Int, x, y *big.Int) *big.Int {
	if !c.charge(cost(ordered(x, y))) {
		return big.NewInt(1)
	}
	return op(new(big.Int), x, y)
}

func (c *calc) mulInt(x, y *big.Int) *big.Int { return c.binary(mulCost, (*big.Int).Mul, x, y) }
func (c *calc) addInt(x, y *big.Int) *big.Int { return c.binary(addCost, (*big.Int).Add, x, y) }

// quoInt returns x/y truncated; y must not be 0.
func (c *calc) quoInt(x, y *big.Int) *big.Int { return c.binary(quoCost, (*big.Int).Quo, x, y) }

// remInt returns x - y·trunc(x/y); y must not be 0.
func (c *calc) remInt(x, y *big.Int) *big.Int { return c.binary(quoCost, (*big.Int).Rem, x, y) }

// expInt returns x**k, which is expected to have about w words: it costs
// about as much as a few multiplications of numbers of that size.
func (c *calc) expInt(x *big.Int, k uint64, w int64) *big.Int {
	if !c.charge(expCost(w)) {
		return big.NewInt(1)
	}
	return new(big.Int).Exp(x, new(big.Int).SetUint64(k), nil)
}

// done returns the result n/d of an operation on the slow path.
func (c *calc) done(n, d *big.Int) (Value, fault) {
	if c.over {
		return Value{}, faultTooCostly
	}
	return result(n, d)
}

// result returns n/d (in lowest terms, d > 0) as a Value, or faultTooBig.
func result(n, d *big.Int) (Value, fault) {
	if n.BitLen() > MaxBits || d.BitLen() > MaxBits {
		return Value{}, faultTooBig
	}
	return fromBig(n, d), faultNone
}

func neg(v Value) Value {
	if v.ival() != nil {
		return ivValue(&interval{new(big.Float).Neg(v.ival().hi), new(big.Float).Neg(v.ival().lo)})
	}
	if v.r == nil {
		v.num = -v.num
		return v
	}
	return Value{r: &ratio{n: new(big.Int).Neg(v.r.n), d: v.r.d}}
}

// inv returns 1/v; v must not be 0. The result is only good as an
// operand: it may be in big form although it fits the small one.
func inv(v Value) Value {
	if v.r == nil {
		if v.num < 0 {
			return Value{num: -v.den, den: -v.num}
		}
		return Value{num: v.den, den: v.num}
	}
	n, d := v.r.d, v.r.n
	if d.Sign() < 0 {
		n, d = new(big.Int).Neg(n), new(big.Int).Neg(d)
	}
	return Value{r: &ratio{n: n, d: d}}
}

func (c *calc) add(a, b Value) (Value, fault) {
	if a.ival() != nil || b.ival() != nil {
		return c.ivAdd(a, b)
	}
	if a.r == nil && b.r == nil {
		if v, ok := addSmall(a, b); ok {
			return v, faultNone
		}
	}
	an, ad := a.parts()
	bn, bd := b.parts()
	if isOne(ad) && isOne(bd) {
		return c.done(c.addInt(an, bn), bigOne)
	}
	// As in addSmall.
	g := c.gcd(ad, bd)
	adg, bdg := c.quoInt(ad, g), c.quoInt(bd, g)
	t := c.addInt(c.mulInt(an, bdg), c.mulInt(bn, adg))
	if t.Sign() == 0 && !c.over {
		return zero, faultNone
	}
	g = c.gcd(t, g)
	return c.done(c.quoInt(t, g), c.mulInt(adg, c.quoInt(bd, g)))
}

func (c *calc) sub(a, b Value) (Value, fault) {
	return c.add(a, neg(b))
}

func (c *calc) mul(a, b Value) (Value, fault) {
	if a.ival() != nil || b.ival() != nil {
		return c.ivMul(a, b)
	}
	if a.r == nil && b.r == nil {
		if v, ok := mulSmall(a, b); ok {
			return v, faultNone
		}
	}
	an, ad := a.parts()
	bn, bd := b.parts()
	if an.Sign() == 0 || bn.Sign() == 0 {
		return zero, faultNone
	}
	// Cancel across first, as in mulSmall, then refuse a product that
	// would be too large before computing it.
	an, bd = c.cancel(an, bd)
	bn, ad = c.cancel(bn, ad)
	if c.over {
		return Value{}, faultTooCostly
	}
	if an.BitLen()+bn.BitLen()-1 > MaxBits || ad.BitLen()+bd.BitLen()-1 > MaxBits {
		return Value{}, faultTooBig
	}
	return c.done(c.mulInt(an, bn), c.mulInt(ad, bd))
}

// cancel divides x and y by their greatest common divisor.
func (c *calc) cancel(x, y *big.Int) (*big.Int, *big.Int) {
	if isOne(y) {
		return x, y
	}
	g := c.gcd(x, y)
	if isOne(g) {
		return x, y
	}
	return c.quoInt(x, g), c.quoInt(y, g)
}

func (c *calc) quo(a, b Value) (Value, fault) {
	if a.ival() != nil || b.ival() != nil {
		return c.ivQuo(a, b)
	}
	if b.Sign() == 0 {
		return Value{}, faultDivZero
	}
	return c.mul(a, inv(b))
}

// rem returns a - b·trunc(a/b), the remainder of truncated division.
func (c *calc) rem(a, b Value) (Value, fault) {
	if a.ival() != nil || b.ival() != nil {
		return c.ivRem(a, b)
	}
	if b.Sign() == 0 {
		return Value{}, faultDivZero
	}
	if a.r == nil && b.r == nil {
		if v, ok := remSmall(a, b); ok {
			return v, faultNone
		}
	}
	an, ad := a.parts()
	bn, bd := b.parts()
	if isOne(ad) && isOne(bd) {
		return c.done(c.remInt(an, bn), bigOne)
	}
	// As in remSmall.
	r := c.remInt(c.mulInt(an, bd), c.mulInt(bn, ad))
	if r.Sign() == 0 && !c.over {
		return zero, faultNone
	}
	d := c.mulInt(ad, bd)
	g := c.gcd(r, d)
	return c.done(c.quoInt(r, g), c.quoInt(d, g))
}

// pow returns a**e: for an integer e, or for a fractional one when the
// result is rational (see ratPow).
func (c *calc) pow(a, e Value) (Value, fault) {
	switch {
	case e.ival() != nil:
		return c.realPow(a, e)
	case a.ival() != nil && e.IsInt():
		if e.r != nil || abs64(e.num) > MaxBits {
			return Value{}, faultTooBig
		}
		return c.ivPowInt(a, e.num)
	case a.ival() != nil:
		return c.realPow(a, e)
	}
	if !e.IsInt() {
		return c.ratPow(a, e)
	}
	switch {
	case a.Sign() == 0:
		switch e.Sign() {
		case -1:
			return Value{}, faultDivZero
		case 0:
			return Value{num: 1, den: 1}, faultNone
		}
		return zero, faultNone
	case a.r == nil && a.den == 1 && (a.num == 1 || a.num == -1):
		if a.num == -1 && odd(e) {
			return a, faultNone
		}
		return Value{num: 1, den: 1}, faultNone
	}
	// Now |a| is neither 0 nor 1, so a**e has at least |e| bits: a huge
	// exponent is refused here, before any work.
	if e.r != nil || abs64(e.num) > MaxBits {
		return Value{}, faultTooBig
	}
	k := abs64(e.num)
	if k == 0 {
		return Value{num: 1, den: 1}, faultNone
	}
	var nb, db int64
	if a.r == nil {
		nb, db = int64(bits.Len64(abs64(a.num))), int64(bits.Len64(uint64(a.den)))
	} else {
		nb, db = int64(a.r.n.BitLen()), int64(a.r.d.BitLen())
	}
	// x**k has at least (bits(x)-1)·k + 1 bits, and at most bits(x)·k.
	if (nb-1)*int64(k)+1 > MaxBits || (db-1)*int64(k)+1 > MaxBits {
		return Value{}, faultTooBig
	}
	if a.r == nil {
		sn, ok1 := pow64(a.num, k)
		sd, ok2 := pow64(a.den, k)
		if ok1 && ok2 {
			if e.num < 0 {
				return inv(Value{num: sn, den: sd}), faultNone
			}
			return Value{num: sn, den: sd}, faultNone
		}
	}
	// Powers of coprime integers are coprime: no reduction needed.
	an, ad := a.parts()
	n := c.expInt(an, k, (nb-1)*int64(k)/64+1)
	d := c.expInt(ad, k, (db-1)*int64(k)/64+1)
	if c.over {
		return Value{}, faultTooCostly
	}
	if e.num < 0 {
		n, d = d, n
		if d.Sign() < 0 {
			n.Neg(n)
			d.Neg(d)
		}
	}
	return result(n, d)
}

func odd(v Value) bool {
	if v.r != nil {
		return v.r.n.Bit(0) == 1
	}
	return v.num&1 != 0
}
