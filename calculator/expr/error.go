package expr

import (
	"strconv"
	"unicode/utf8"
)

// Error is the error returned by Eval: what went wrong and where.
type Error struct {
	// Msg says what went wrong, for example "division by zero".
	Msg string
	// Offset is the byte offset in the expression of the spot where it
	// went wrong; it is len(expression) at the end of the input.
	Offset int
	// Column is the 1-based column of that spot, counted in characters
	// (runes), as shown to the user.
	Column int
}

// Error returns the message and the column, for example
// "division by zero at column 5".
func (e *Error) Error() string {
	return e.Msg + " at column " + strconv.Itoa(e.Column)
}

func newError(src string, offset int, msg string) *Error {
	return &Error{Msg: msg, Offset: offset, Column: utf8.RuneCountInString(src[:offset]) + 1}
}

// Messages for the limits, built once from the constants they name.
var (
	msgTooLong   = "expression too long (more than " + strconv.Itoa(MaxLength) + " bytes)"
	msgTooDeep   = "nesting too deep (more than " + strconv.Itoa(MaxDepth) + " levels)"
	msgTooMany   = "too many digits in number (more than " + strconv.Itoa(MaxDigits) + ")"
	msgRange     = "number out of range (more than " + strconv.Itoa(MaxBits) + " bits)"
	msgTooBig    = "result too large (more than " + strconv.Itoa(MaxBits) + " bits)"
	msgTooCostly = "too much computation (work limit reached)"
)

const (
	msgDivZero = "division by zero"
	msgFracExp = "exponent must be an integer"
	msgNoAns   = `"ans" has no value yet`
	msgEmpty   = "empty expression"
	msgUnclose = `unclosed "("`
	msgEnd     = "unexpected end of input"
)

// quote returns s quoted for an error message, shortened when long.
func quote(s string) string {
	const max = 24
	if utf8.RuneCountInString(s) > max {
		n := 0
		for i := range s {
			if n == max {
				return strconv.Quote(s[:i]) + "..."
			}
			n++
		}
	}
	return strconv.Quote(s)
}
