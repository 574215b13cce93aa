package expr

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

type token uint8

const (
	tokEOF token = iota
	tokNum
	tokAns
	tokName // a name other than "ans": p.ident
	tokAssign
	tokComma
	tokPlus
	tokMinus
	tokStar
	tokSlash
	tokPercent
	tokCaret
	tokLParen
	tokRParen
)

// parser is a recursive-descent parser that evaluates as it goes, without
// building a tree. A syntax error stops it at once (the lexer then returns
// only tokEOF). An evaluation error stops the arithmetic but not the
// parsing, so that a syntax error further on still wins, as it would if
// the whole expression were parsed first.
type parser struct {
	calc
	src    string
	pos    int   // offset of the next unread byte
	tok    token // current token
	start  int   // offset of the current token
	val    Value // the current token's value, when it is a number
	depth  int
	ans    Value
	hasAns bool
	ident  string // the current token's name, when it is tokName
	env    *Env

	err       *Error // the syntax error, if any
	evalErr   *Error // the first evaluation error, if any
	undecided bool   // evalErr is msgUndecided: more bits may decide it
	inexact   bool   // a rounded value (of ans or a variable) was used
}

// costlyMsg returns the message for reaching the work limit.
func (p *parser) costlyMsg() string {
	if p.overBudget {
		return msgBudget
	}
	return msgTooCostly
}

// parse parses and evaluates the expression and returns its value and,
// for an assignment, the name to set to it.
func (p *parser) parse() (v Value, target string) {
	p.next()
	if p.tok == tokEOF && p.err == nil {
		p.fail(0, msgEmpty)
	}
	target, at, assign := p.assignment()
	if assign {
		p.next() // "="
		p.next()
	}
	v = p.sum()
	if p.tok != tokEOF {
		p.unexpected()
	}
	if !assign || !p.ok() {
		return v, ""
	}
	switch {
	case target == ansName:
		p.fail(at, msgAssignAns)
	case isFunction(target):
		p.fail(at, "cannot assign to the function "+quote(target))
	case isConstant(target):
		p.fail(at, "cannot assign to the constant "+quote(target))
	case p.env == nil:
		p.fail(at, msgNoEnv)
	}
	return v, target
}

// assignment reports whether the input is an assignment, "name = sum":
// the current token, the first, is a name and the next byte other than
// white space is a single "=". It returns the name and its offset.
func (p *parser) assignment() (name string, at int, ok bool) {
	if p.tok != tokName && p.tok != tokAns {
		return "", 0, false
	}
	i := skipSpace(p.src, p.pos)
	if i == len(p.src) || p.src[i] != '=' || i+1 < len(p.src) && p.src[i+1] == '=' {
		return "", 0, false
	}
	return p.src[p.start:p.pos], p.start, true
}

// fail records a syntax error and makes the lexer stop.
func (p *parser) fail(offset int, msg string) {
	if p.err == nil {
		p.err = newError(p.src, offset, msg)
	}
	p.tok = tokEOF
	p.pos = len(p.src)
}

// evalFail records an evaluation error, if it is the first.
func (p *parser) evalFail(offset int, msg string, kind error) {
	if p.evalErr == nil {
		p.evalErr = newError(p.src, offset, msg, kind)
	}
}

// ok reports whether evaluation is still going on.
func (p *parser) ok() bool {
	return p.err == nil && p.evalErr == nil
}

func (p *parser) unexpected() {
	if p.err != nil {
		return
	}
	switch {
	case p.tok == tokEOF:
		p.fail(p.start, msgEnd)
		return
	case p.tok == tokName && !p.defined(p.ident) && !isFunction(p.ident) && !isConstant(p.ident):
		p.fail(p.start, msgUnknownName+quote(p.ident))
		return
	}
	p.fail(p.start, "unexpected "+quote(p.src[p.start:p.pos]))
}

// enter goes one level deeper, or fails at MaxDepth.
func (p *parser) enter() bool {
	p.depth++
	if p.depth > MaxDepth {
		p.fail(p.start, msgTooDeep)
		return false
	}
	return true
}

// sum = product { ("+" | "-") product }
func (p *parser) sum() Value {
	v := p.product()
	for p.tok == tokPlus || p.tok == tokMinus {
		op, at := p.tok, p.start
		p.next()
		w := p.product()
		if !p.ok() {
			continue
		}
		var f fault
		if op == tokPlus {
			v, f = p.add(v, w)
		} else {
			v, f = p.sub(v, w)
		}
		p.check(f, at, 0)
	}
	return v
}

// product = unary { ("*" | "/" | "%") unary }
func (p *parser) product() Value {
	v := p.unary()
	for p.tok == tokStar || p.tok == tokSlash || p.tok == tokPercent {
		op, at := p.tok, p.start
		p.next()
		right := p.start
		w := p.unary()
		if !p.ok() {
			continue
		}
		var f fault
		switch op {
		case tokStar:
			v, f = p.mul(v, w)
		case tokSlash:
			v, f = p.quo(v, w)
		default:
			v, f = p.rem(v, w)
		}
		p.check(f, at, right)
	}
	return v
}

// unary = { "+" | "-" } power
func (p *parser) unary() Value {
	negate := false
	for p.tok == tokPlus || p.tok == tokMinus {
		negate = negate != (p.tok == tokMinus)
		p.next()
	}
	v := p.power()
	if negate && p.ok() {
		v = neg(v)
	}
	return v
}

// power = primary [ "^" unary ]
func (p *parser) power() Value {
	base := p.start
	v := p.primary()
	if p.tok != tokCaret {
		return v
	}
	at := p.start
	if !p.enter() {
		return Value{}
	}
	p.next()
	exp := p.start
	e := p.unary()
	p.depth--
	if !p.ok() {
		return Value{}
	}
	v, f := p.pow(v, e)
	switch f {
	case faultDivZero:
		p.evalFail(base, msgDivZero, ErrDivisionByZero)
	case faultEvenRoot, faultNegPower:
		p.check(f, exp, 0)
	default:
		p.check(f, at, 0)
	}
	return v
}

// primary = number | "ans" | name | name "(" sum { "," sum } ")" | "(" sum ")"
func (p *parser) primary() Value {
	switch p.tok {
	case tokNum:
		v := p.val
		p.next()
		return v
	case tokAns:
		if !p.hasAns {
			p.evalFail(p.start, msgNoAns, ErrUndefined)
		}
		p.next()
		p.inexact = p.inexact || p.ans.Rounded()
		return p.ans
	case tokName:
		name, at := p.ident, p.start
		if i := skipSpace(p.src, p.pos); i < len(p.src) && p.src[i] == '(' {
			p.next()
			return p.call(name, at)
		}
		if isFunction(name) {
			p.fail(at, quote(name)+" is a function: "+name+"(...)")
			return Value{}
		}
		if k, ok := constants[name]; ok {
			p.next()
			if !p.ok() {
				return Value{}
			}
			v, f := k(&p.calc)
			p.check(f, at, at)
			return v
		}
		if !p.defined(name) {
			p.fail(at, msgUnknownName+quote(name))
			return Value{}
		}
		v, _ := p.env.Get(p.ident)
		p.next()
		p.inexact = p.inexact || v.Rounded()
		return v
	case tokLParen:
		open := p.start
		if !p.enter() {
			return Value{}
		}
		p.next()
		v := p.sum()
		p.depth--
		switch {
		case p.tok == tokRParen:
			p.next()
			return v
		case p.tok == tokEOF && p.err == nil:
			p.fail(open, msgUnclose)
		default:
			p.unexpected()
		}
		return Value{}
	}
	p.unexpected()
	return Value{}
}

// check records the evaluation error for fault f of the operator at
// offset at, whose divisor, if any, starts at offset divisor.
func (p *parser) check(f fault, at, divisor int) {
	switch f {
	case faultNone:
	case faultDivZero:
		p.evalFail(divisor, msgDivZero, ErrDivisionByZero)
	case faultTooCostly:
		msg := p.costlyMsg()
		p.evalFail(at, msg, syntaxKind(msg))
	case faultUndecided:
		p.undecided = p.undecided || p.evalErr == nil
		p.evalFail(at, msgUndecided, ErrLimit)
	default:
		msg, kind := faultMsg(f)
		p.evalFail(at, msg, kind)
	}
}

// defined reports whether name is a variable of the environment.
func (p *parser) defined(name string) bool {
	if p.env == nil {
		return false
	}
	_, ok := p.env.Get(name)
	return ok
}

// skipSpace returns the offset of the first byte at or after i that does
// not start white space.
func skipSpace(src string, i int) int {
	for i < len(src) {
		c := src[i]
		if c == ' ' || '\t' <= c && c <= '\r' {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			if r, n := utf8.DecodeRuneInString(src[i:]); unicode.IsSpace(r) {
				i += n
				continue
			}
		}
		break
	}
	return i
}

// next reads the next token into p.tok, p.start and, for numbers, p.val.
func (p *parser) next() {
	src := p.src
	p.pos = skipSpace(src, p.pos)
	p.start = p.pos
	if p.pos == len(src) {
		p.tok = tokEOF
		return
	}
	c := src[p.pos]
	p.pos++
	if t := symbols[c]; t != tokEOF {
		p.tok = t
		return
	}
	if c >= utf8.RuneSelf {
		r, n := utf8.DecodeRuneInString(src[p.start:])
		if t := pasted(r); t != tokEOF {
			p.tok = t
			p.pos = p.start + n
			return
		}
	}
	switch {
	case c == '#':
		// A comment runs to the end of the input.
		p.tok = tokEOF
		p.pos = len(src)
	case isDigit(c) || c == '.':
		p.number()
	case isLetter(c):
		p.name()
	default:
		_, n := utf8.DecodeRuneInString(src[p.start:])
		p.fail(p.start, "unexpected "+quote(src[p.start:p.start+n]))
	}
}

// symbols is the token of each one-byte operator and parenthesis, and
// tokEOF for every other byte.
var symbols = [256]token{
	'+': tokPlus, '-': tokMinus, '*': tokStar, '/': tokSlash, '%': tokPercent,
	'^': tokCaret, '(': tokLParen, ')': tokRParen, '=': tokAssign, ',': tokComma,
}

// pasted returns the token of an operator symbol that documents and
// keyboards use in place of the ASCII one (×, ·, ÷, −), and tokEOF for
// every other rune.
func pasted(r rune) token {
	switch r {
	case '×', '·', '⋅':
		return tokStar
	case '÷', '∕':
		return tokSlash
	case '−':
		return tokMinus
	}
	return tokEOF
}

// name reads a name: "ans", or any other, a variable or unknown.
func (p *parser) name() {
	for p.pos < len(p.src) && (isLetter(p.src[p.pos]) || isDigit(p.src[p.pos])) {
		p.pos++
	}
	if s := p.src[p.start:p.pos]; s != ansName {
		p.tok, p.ident = tokName, s
		return
	}
	p.tok = tokAns
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }

// faultMsg returns the message and kind of a fault other than those
// check handles itself.
func faultMsg(f fault) (string, error) {
	switch f {
	case faultTooBig:
		return msgTooBig, ErrLimit
	case faultTooSmall:
		return msgTooSmall, ErrLimit
	case faultEvenRoot:
		return msgEvenRoot, ErrDomain
	case faultNegPower:
		return "negative number to a power that is not rational", ErrDomain
	case faultLogDomain:
		return "logarithm of a number that is not positive", ErrDomain
	case faultLogBase:
		return "logarithm in a base that is not positive or is 1", ErrDomain
	case faultUnitDomain:
		return "asin and acos take numbers from -1 to 1", ErrDomain
	case faultAtan2Origin:
		return "atan2(0, 0) is undefined", ErrDomain
	}
	return "internal error: unknown fault " + strconv.Itoa(int(f)), ErrDomain
}
