package expr

import (
	"math"
	"math/big"
)

// ratPow returns a**e for a fraction e = p/q in lowest terms (q > 1):
// exactly when it is rational (see exactPow), else as an interval.
func (c *calc) ratPow(a, e Value) (Value, fault) {
	v, f := c.exactPow(a, e)
	if f == faultIrrational {
		return c.realPow(a, e)
	}
	return v, f
}

// exactPow returns a**e for a fraction e = p/q in lowest terms (q > 1)
// when the result is rational: when a's numerator and denominator are perfect
// q-th powers, a**e is (a**(1/q))**p. Otherwise it reports faultIrrational,
// or faultEvenRoot for an even root of a negative number.
func (c *calc) exactPow(a, e Value) (Value, fault) {
	en, ed := e.parts()
	switch {
	case a.Sign() == 0:
		if en.Sign() < 0 {
			return Value{}, faultDivZero
		}
		return zero, faultNone
	case a.Equal(one):
		return one, faultNone
	}
	an, ad := a.parts()
	negative := an.Sign() < 0
	if negative && ed.Bit(0) == 0 {
		return Value{}, faultEvenRoot
	}
	// An integer m > 1 that is a q-th power has at least q bits, so a huge
	// q is decided without work; so is -1, whose odd roots are -1.
	abs := new(big.Int).Abs(an)
	if !ed.IsUint64() || ed.Uint64() > MaxBits+1 {
		if isOne(abs) && isOne(ad) {
			return c.pow(a, fromBig(en, bigOne)) // (-1)^p
		}
		return Value{}, faultIrrational
	}
	q := ed.Uint64()
	rn, ok := c.iroot(abs, q)
	if !ok {
		return Value{}, c.rootFault()
	}
	rd, ok := c.iroot(ad, q)
	if !ok {
		return Value{}, c.rootFault()
	}
	if negative {
		rn.Neg(rn)
	}
	return c.pow(fromBig(rn, rd), fromBig(en, bigOne))
}

// rootFault is the fault of a root found not exact, or not computed
// because the work limit was reached.
func (c *calc) rootFault() fault {
	if c.over {
		return faultTooCostly
	}
	return faultIrrational
}

// iroot returns the k-th root of n > 0 (k ≥ 2) and whether it is exact,
// by Newton's method from above on integers; the work is charged.
func (c *calc) iroot(n *big.Int, k uint64) (*big.Int, bool) {
	bl := uint64(n.BitLen())
	if isOne(n) {
		return big.NewInt(1), true
	}
	if bl < k { // 1 < n < 2^k: the root is between 1 and 2
		return nil, false
	}
	w := words(n)
	if k == 2 {
		if !c.charge(4 * mulCost(w, w)) {
			return nil, false
		}
		r := new(big.Int).Sqrt(n)
		return r, c.mulInt(r, r).Cmp(n) == 0
	}
	km1 := new(big.Int).SetUint64(k - 1)
	kk := new(big.Int).SetUint64(k)
	// step is one Newton step, y = ((k-1)·x + n / x^(k-1)) / k. From any
	// x > 0 it gives at least the root (x^k - n is convex), and from there
	// the steps decrease to it, quadratically near it.
	step := func(x *big.Int) *big.Int {
		p := c.expInt(x, k-1, w)
		return c.quoInt(c.addInt(c.mulInt(km1, x), c.quoInt(n, p)), kk)
	}
	x := step(rootGuess(n, k))
	for !c.over {
		y := step(x)
		if y.Sign() <= 0 || y.Cmp(x) >= 0 {
			break
		}
		x = y
	}
	if c.over {
		return nil, false
	}
	return x, c.expInt(x, k, w).Cmp(n) == 0 && !c.over
}

// rootGuess returns an approximation of the k-th root of n > 1 from the
// leading 64 bits of n, good to about 50 bits, and at least 1.
func rootGuess(n *big.Int, k uint64) *big.Int {
	bl := n.BitLen()
	shift := max(bl-64, 0)
	top := new(big.Int).Rsh(n, uint(shift)).Uint64()
	l := (float64(shift) + math.Log2(float64(top))) / float64(k) // log2 of the root
	ip := math.Floor(l)
	m := uint64(math.Exp2(l-ip) * (1 << 52)) // the root is m·2^(ip-52)
	g := new(big.Int).SetUint64(m)
	if e := int(ip) - 52; e >= 0 {
		g.Lsh(g, uint(e))
	} else {
		g.Rsh(g, uint(-e))
	}
	if g.Sign() == 0 {
		g.SetInt64(1)
	}
	return g
}
