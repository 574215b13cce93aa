package expr

import (
	"math"
	"math/big"
	"math/bits"
)

// pow10 holds the powers of ten that fit in an int64.
var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// maxExp caps the exponent of a literal while it is read: anything near
// it is far out of range anyway.
const maxExp = 1_000_000_000

// number reads the number literal starting at p.start into p.val.
func (p *parser) number() {
	src := p.src
	i := p.start
	if src[i] == '0' && i+1 < len(src) {
		if shift := prefixShift(src[i+1]); shift > 0 {
			p.integer(shift)
			return
		}
	}
	var (
		m       uint64 // the digits as an integer, while they fit
		fits    = true
		digits  int // digits read
		sig     int // digits read from the first non-zero one on
		frac    int // digits read after the point
		dot     bool
		bad     bool
		lastDig bool // the previous character was a digit
	)
scan:
	for ; i < len(src); i++ {
		c := src[i]
		switch {
		case isDigit(c):
			d := uint64(c - '0')
			digits++
			if dot {
				frac++
			}
			if sig > 0 || d != 0 {
				sig++
			}
			if fits && m > (math.MaxInt64-d)/10 {
				fits = false
			}
			if fits {
				m = m*10 + d
			}
			lastDig = true
		case c == '_':
			// Only between two digits.
			if !lastDig || i+1 == len(src) || !isDigit(src[i+1]) {
				bad = true
				break scan
			}
			lastDig = false
		case c == '.' && !dot:
			dot = true
			lastDig = false
		default:
			break scan
		}
	}
	exp := 0
	if !bad && digits > 0 && i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		negExp := j < len(src) && src[j] == '-'
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j == len(src) || !isDigit(src[j]) {
			bad = true
		}
		for ; j < len(src) && isDigit(src[j]); j++ {
			if exp < maxExp {
				exp = exp*10 + int(src[j]-'0')
			}
		}
		if negExp {
			exp = -exp
		}
		i = j
	}
	// A number must not run straight into a letter, digit, "_" or ".".
	if i < len(src) && (isLetter(src[i]) || isDigit(src[i]) || src[i] == '.') {
		bad = true
	}
	if bad || digits == 0 {
		end := i
		for end < len(src) && (isLetter(src[end]) || isDigit(src[end]) || src[end] == '.') {
			end++
		}
		if end == p.start+1 {
			p.fail(p.start, "unexpected "+quote(src[p.start:end]))
		} else {
			p.fail(p.start, "malformed number "+quote(src[p.start:end]))
		}
		return
	}
	p.pos = i
	p.tok = tokNum
	// Leading zeros do not count: every number Decimal prints reads back.
	if sig > MaxDigits {
		p.fail(p.start, msgTooMany)
		return
	}
	if !p.ok() {
		// The value would not be used: skip the work, but not the checks.
		p.val = Value{}
		if tooLarge(sig, exp-frac) {
			p.fail(p.start, msgRange)
		}
		return
	}
	var f fault
	p.val, f = p.literal(m, fits, sig, exp-frac, src[p.start:i])
	switch f {
	case faultNone:
	case faultTooCostly:
		p.fail(p.start, p.costlyMsg())
	default:
		p.fail(p.start, msgRange)
	}
}

// literal returns the value of a number literal whose text is text, with
// sig significant digits, equal to m·10^k when fits is true.
func (p *parser) literal(m uint64, fits bool, sig, k int, text string) (Value, fault) {
	if fits {
		switch {
		case m == 0:
			return zero, faultNone
		case k == 0:
			return Value{num: int64(m), den: 1}, faultNone
		case 0 < k && k < len(pow10):
			if n, ok := mul64(int64(m), pow10[k]); ok {
				return Value{num: n, den: 1}, faultNone
			}
		case -len(pow10) < k && k < 0:
			d := pow10[-k]
			g := int64(gcd64(m, uint64(d)))
			return Value{num: int64(m) / g, den: d / g}, faultNone
		}
	}
	if sig == 0 {
		return zero, faultNone
	}
	if tooLarge(sig, k) {
		return Value{}, faultTooBig
	}
	// Reading d digits costs about 2·(d/19)² units (see calc).
	if w := int64(sig/19 + 2); !p.charge(opCost + 2*w*w) {
		return Value{}, faultTooCostly
	}
	n := digitsValue(text)
	if k >= 0 {
		n = p.mulInt(n, p.expInt(big.NewInt(10), uint64(k), int64(k)*10/(3*64)+1))
		if n.BitLen() > MaxBits {
			return Value{}, faultTooBig
		}
		return p.done(n, bigOne)
	}
	n, d := p.reduce10(n, -k)
	if p.over {
		return Value{}, faultTooCostly
	}
	if n.BitLen() > MaxBits || d.BitLen() > MaxLiteralBits {
		return Value{}, faultTooBig
	}
	return fromBig(n, d), faultNone
}

// tooLarge reports whether a number with sig > 0 significant digits times
// 10^k surely has a numerator of more than MaxBits bits, or a denominator
// of more than MaxLiteralBits bits.
func tooLarge(sig, k int) bool {
	// The number is at least 10^(sig-1+k); when k < 0, its denominator
	// is at least 10^(-k) over the sig-digit numerator: more than
	// 10^(-k-sig). And 10^x has more than x·3.3219 bits.
	x, limit := sig-1+k, int64(MaxBits)
	if k < 0 {
		x, limit = -k-sig, MaxLiteralBits
	}
	return sig > 0 && x > 0 && int64(x)*33219/10000 >= limit
}

// reduce10 returns n/10^k in lowest terms, n > 0. Its denominator is
// 2^a·5^b, so instead of a costly greatest common divisor it takes the
// factors 2 from n by a shift, and the factors 5 by dividing by 5^(2^i)
// from the largest i down, as binary digits of their number.
func (c *calc) reduce10(n *big.Int, k int) (num, den *big.Int) {
	twos := min(int(n.TrailingZeroBits()), k)
	if twos > 0 && c.charge(addCost(words(n), 0)) {
		n = new(big.Int).Rsh(n, uint(twos))
	}
	// powers[i] is 5^(2^i), for 2^i ≤ k.
	powers := []*big.Int{big.NewInt(5)}
	for 2<<(len(powers)-1) <= k {
		last := powers[len(powers)-1]
		powers = append(powers, c.mulInt(last, last))
	}
	fives := 0
	q, r := new(big.Int), new(big.Int)
	for i := len(powers) - 1; i >= 0; i-- {
		if fives+1<<i > k || !c.charge(quoCost(words(n), words(powers[i]))) {
			continue
		}
		if q.QuoRem(n, powers[i], r); r.Sign() == 0 {
			n, q = q, n
			fives += 1 << i
		}
	}
	w := int64(k-fives)*7/(3*64) + 1 // 5^x has about 2.33·x bits
	den = c.expInt(big.NewInt(5), uint64(k-fives), w)
	if c.charge(addCost(words(den), 0)) {
		den.Lsh(den, uint(k-twos))
	}
	return new(big.Int).Set(n), den
}

// digitsValue returns the integer made of the digits of text, ignoring
// "_" and "." and stopping at an exponent. (big.Int.SetString would do,
// but it links package fmt, which the calculator's binary cannot afford.)
func digitsValue(text string) *big.Int {
	n, chunk, scale := new(big.Int), new(big.Int), new(big.Int)
	var x uint64 // the digits not yet in n, and their number
	k := 0
	flush := func() {
		scale.SetUint64(uint64(pow10[k]))
		n.Add(n.Mul(n, scale), chunk.SetUint64(x))
		x, k = 0, 0
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !isDigit(c) {
			if c == '_' || c == '.' {
				continue
			}
			break // the exponent
		}
		x = x*10 + uint64(c-'0')
		if k++; k == len(pow10)-1 {
			flush()
		}
	}
	if k > 0 {
		flush()
	}
	return n
}

// prefixShift returns the bits per digit of the integer literal prefix
// "0"+c (0x, 0o, 0b, in either case), or 0 if c starts none.
func prefixShift(c byte) uint {
	switch c | 0x20 {
	case 'x':
		return 4
	case 'o':
		return 3
	case 'b':
		return 1
	}
	return 0
}

// digitIn returns the value of c as a digit of base 1<<shift, or -1.
func digitIn(c byte, shift uint) int {
	d := -1
	switch {
	case isDigit(c):
		d = int(c - '0')
	case 'a' <= c|0x20 && c|0x20 <= 'f':
		d = int(c|0x20-'a') + 10
	}
	if d >= 1<<shift {
		return -1
	}
	return d
}

// integer reads the hexadecimal, octal or binary literal starting at
// p.start ("0x1f", "0o17", "0b1010"), with "_" between digits or after the
// prefix, as in Go, into p.val.
func (p *parser) integer(shift uint) {
	src := p.src
	i := p.start + 2
	var ds []byte // the digits' values, most significant first
	bad := false
	for ; i < len(src); i++ {
		c := src[i]
		if c == '_' {
			prev := src[i-1]
			if i+1 == len(src) || digitIn(src[i+1], shift) < 0 || prev == '_' {
				bad = true
				break
			}
			continue
		}
		d := digitIn(c, shift)
		if d < 0 {
			break
		}
		ds = append(ds, byte(d))
	}
	end := i
	for end < len(src) && (isLetter(src[end]) || isDigit(src[end]) || src[end] == '.') {
		end++
	}
	if bad || len(ds) == 0 || end > i {
		p.fail(p.start, "malformed number "+quote(src[p.start:end]))
		return
	}
	p.pos, p.tok = i, tokNum
	for len(ds) > 1 && ds[0] == 0 {
		ds = ds[1:]
	}
	if bits := len(ds) * int(shift); bits > MaxBits+int(shift) {
		p.fail(p.start, msgRange)
		return
	}
	n := bitsValue(ds, shift)
	if n.BitLen() > MaxBits {
		p.fail(p.start, msgRange)
		return
	}
	if !p.ok() {
		p.val = Value{}
		return
	}
	p.val = fromBig(n, bigOne)
}

// bitsValue returns the integer whose digits in base 1<<shift are ds, most
// significant first, built word by word from the least significant end.
func bitsValue(ds []byte, shift uint) *big.Int {
	words := make([]big.Word, (len(ds)*int(shift)+bits.UintSize-1)/bits.UintSize)
	at := uint(0) // bit position of the next digit
	for i := len(ds) - 1; i >= 0; i-- {
		d := big.Word(ds[i])
		words[at/bits.UintSize] |= d << (at % bits.UintSize)
		if spill := at%bits.UintSize + shift; spill > bits.UintSize { // an octal digit across two words
			words[at/bits.UintSize+1] |= d >> (bits.UintSize - at%bits.UintSize)
		}
		at += shift
	}
	return new(big.Int).SetBits(words)
}
