package expr

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// interesting returns values around the edges of the machine-word form,
// in both forms, plus random ones.
func interesting() []Value {
	ints := []int64{0, 1, 3, 10, 3037000500, 1 << 62, math.MaxInt64 - 1, math.MaxInt64, 1e18}
	dens := []int64{1, 2, 6, 1 << 62, math.MaxInt64}
	var vs []Value
	for _, n := range ints {
		for _, d := range dens {
			vs = append(vs, ratValue(big.NewRat(n, d)), ratValue(big.NewRat(-n, d)))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		n := r.Int64() >> r.IntN(63)
		d := r.Int64()>>r.IntN(63) + 1
		vs = append(vs, ratValue(big.NewRat(n, d)))
	}
	for _, s := range []string{"2^64", "-2^64 - 1", "2^70 / 3", "-3 / 2^70", "(2^63 + 1) / (2^63 - 1)"} {
		v, err := Eval(s, Options{})
		if err != nil {
			panic(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// ratValue makes a Value from r the slow way, in canonical form.
func ratValue(r *big.Rat) Value {
	return fromBig(new(big.Int).Set(r.Num()), new(big.Int).Set(r.Denom()))
}

// checkCanonical fails unless v is in machine-word form exactly when it
// fits, with its invariants.
func checkCanonical(t *testing.T, what string, v Value) {
	t.Helper()
	if v.r == nil {
		if v.den < 1 || v.num == math.MinInt64 || gcd64(abs64(v.num), uint64(v.den)) != 1 {
			t.Errorf("%s = %d/%d: not canonical", what, v.num, v.den)
		}
		return
	}
	n, d := v.r.n, v.r.d
	if d.Sign() <= 0 || new(big.Int).GCD(nil, nil, n, d).Cmp(bigOne) != 0 {
		t.Errorf("%s = %v/%v: not in lowest terms", what, n, d)
	}
	if n.IsInt64() && d.IsInt64() && n.Int64() != math.MinInt64 {
		t.Errorf("%s = %v/%v: big although it fits", what, n, d)
	}
}

// TestArithmetic checks every operation, fast path and slow, against
// math/big.Rat on values around the edges of the fast path.
func TestArithmetic(t *testing.T) {
	vs := interesting()
	ops := []struct {
		name string
		do   func(c *calc, a, b Value) (Value, fault)
		want func(a, b *big.Rat) *big.Rat // nil when b is not allowed
	}{
		{"+", (*calc).add, func(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }},
		{"-", (*calc).sub, func(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }},
		{"*", (*calc).mul, func(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }},
		{"/", (*calc).quo, func(a, b *big.Rat) *big.Rat {
			if b.Sign() == 0 {
				return nil
			}
			return new(big.Rat).Quo(a, b)
		}},
		{"%", (*calc).rem, func(a, b *big.Rat) *big.Rat {
			if b.Sign() == 0 {
				return nil
			}
			// a - b·trunc(a/b)
			q := new(big.Rat).Quo(a, b)
			tq := new(big.Int).Quo(q.Num(), q.Denom())
			return new(big.Rat).Sub(a, new(big.Rat).Mul(b, new(big.Rat).SetInt(tq)))
		}},
	}
	for _, op := range ops {
		for _, a := range vs {
			for _, b := range vs {
				var c calc
				got, f := op.do(&c, a, b)
				want := op.want(a.Rat(), b.Rat())
				what := a.Fraction() + " " + op.name + " " + b.Fraction()
				switch {
				case want == nil:
					if f != faultDivZero {
						t.Errorf("%s: fault %d, want division by zero", what, f)
					}
				case f != faultNone:
					t.Errorf("%s: fault %d", what, f)
				case got.Rat().Cmp(want) != 0:
					t.Errorf("%s = %s, want %s", what, got.Fraction(), want.RatString())
				default:
					checkCanonical(t, what, got)
				}
			}
		}
	}
}

func TestPow(t *testing.T) {
	for _, a := range interesting() {
		for k := int64(-4); k <= 4; k++ {
			var c calc
			what := "(" + a.Fraction() + ")^" + big.NewInt(k).String()
			got, f := c.pow(a, Value{num: k, den: 1})
			if a.Sign() == 0 && k < 0 {
				if f != faultDivZero {
					t.Errorf("%s: fault %d, want division by zero", what, f)
				}
				continue
			}
			want := big.NewRat(1, 1)
			for range abs64(k) {
				want.Mul(want, a.Rat())
			}
			if k < 0 {
				want.Inv(want)
			}
			if f != faultNone || got.Rat().Cmp(want) != 0 {
				t.Errorf("%s = %s (fault %d), want %s", what, got.Fraction(), f, want.RatString())
				continue
			}
			checkCanonical(t, what, got)
		}
	}
}

// TestWorkCharged checks that the slow path stops at MaxWork before doing
// an operation, and that the fast path costs nothing.
func TestWorkCharged(t *testing.T) {
	big1, _ := Eval("3^60000 / 7^30000", Options{})
	big2, _ := Eval("5^40000 / 7^30000", Options{})
	small1, small2 := Value{num: 1, den: 3}, Value{num: 5, den: 7}
	ops := map[string]func(c *calc, a, b Value) (Value, fault){
		"add": (*calc).add, "sub": (*calc).sub, "mul": (*calc).mul, "quo": (*calc).quo, "rem": (*calc).rem,
	}
	for name, op := range ops {
		c := calc{work: MaxWork - 10}
		if _, f := op(&c, big1, big2); f != faultTooCostly {
			t.Errorf("%s near the limit: fault %d, want faultTooCostly", name, f)
		}
		c = calc{}
		if _, f := op(&c, small1, small2); f != faultNone || c.work != 0 {
			t.Errorf("%s on small values: fault %d, work %d; want none, 0", name, f, c.work)
		}
		c = calc{}
		if _, f := op(&c, big1, big2); c.work == 0 {
			t.Errorf("%s on big values: fault %d, no work charged", name, f)
		}
	}
	c := calc{work: MaxWork - 10}
	if _, f := c.pow(Value{num: 3, den: 1}, Value{num: 60000, den: 1}); f != faultTooCostly {
		t.Errorf("pow near the limit: fault %d, want faultTooCostly", f)
	}
}

func TestDigitsValue(t *testing.T) {
	for _, s := range []string{"0", "7", "123456789012345678", "1234567890123456789",
		"000123", "1_000.000_5e7", strings.Repeat("9", 100), strings.Repeat("1234567", 33)} {
		want := strings.NewReplacer("_", "", ".", "").Replace(s)
		want, _, _ = strings.Cut(want, "e")
		w, _ := new(big.Int).SetString(want, 10)
		if got := digitsValue(s); got.Cmp(w) != 0 {
			t.Errorf("digitsValue(%q) = %v, want %v", s, got, w)
		}
	}
}

func TestGCD64(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		a, b := r.Uint64()>>r.IntN(64), r.Uint64()>>r.IntN(64)
		want := new(big.Int).GCD(nil, nil, new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
		if got := gcd64(a, b); got != want.Uint64() {
			t.Fatalf("gcd64(%d, %d) = %d, want %v", a, b, got, want)
		}
	}
}
