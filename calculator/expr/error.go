package expr

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-multistage/multistage/calculator/internal/width"
)

// The kinds of [*Error], for errors.Is: every Error is of exactly one.
var (
	// ErrSyntax: the input is not an expression (an unexpected character
	// or end, a malformed number, an unclosed parenthesis, nothing at all).
	ErrSyntax = errors.New("syntax error")
	// ErrUndefined: a name with no value (an unknown name, or ans before
	// any result).
	ErrUndefined = errors.New("undefined name")
	// ErrDivisionByZero: a division or remainder by zero, or 0 to a
	// negative power.
	ErrDivisionByZero = errors.New("division by zero")
	// ErrDomain: an operation outside the values it is defined for here: an
	// even root of a negative number, an irrational result, a function
	// given the wrong number of arguments.
	ErrDomain = errors.New("outside the domain")
	// ErrLimit: one of the limits (MaxLength, MaxDepth, MaxDigits, MaxBits,
	// MaxLiteralBits, MaxWork) refused the input.
	ErrLimit = errors.New("limit reached")
	// ErrBudget: the Options' Budget was used up.
	ErrBudget = errors.New("budget used up")
)

// Error is the error returned by Eval: what went wrong and where. It can
// show itself in its expression with a caret under the spot (see Snippet).
// errors.Is tells its kind: ErrSyntax, ErrUndefined, ErrDivisionByZero,
// ErrDomain, ErrLimit or ErrBudget.
type Error struct {
	// Msg says what went wrong, for example "division by zero".
	Msg string
	// Offset is the byte offset in the expression of the spot where it
	// went wrong; it is len(expression) at the end of the input.
	Offset int
	// Column is the 1-based column of that spot, counted in characters
	// (runes), as shown to the user.
	Column int
	// Source is the expression.
	Source string

	kind error // one of the kinds above
}

// Error returns the message and the column, for example
// "division by zero at column 5".
func (e *Error) Error() string {
	return e.Msg + " at column " + strconv.Itoa(e.Column)
}

// Unwrap returns the error's kind, so that errors.Is(err, ErrBudget) and
// the like work.
func (e *Error) Unwrap() error { return e.kind }

// newError returns the error msg of the kind given, or, with no kind, of
// the kind syntaxKind finds for msg.
func newError(src string, offset int, msg string, kind ...error) *Error {
	k := syntaxKind(msg)
	if len(kind) > 0 {
		k = kind[0]
	}
	return &Error{Msg: msg, Offset: offset, Column: utf8.RuneCountInString(src[:offset]) + 1, Source: src, kind: k}
}

// syntaxKind returns the kind of an error found while parsing, before
// any evaluation: a limit on the input, an unknown name, or else a
// syntax error.
func syntaxKind(msg string) error {
	switch msg {
	case msgTooLong, msgTooDeep, msgTooMany, msgRange, msgTooCostly:
		return ErrLimit
	case msgBudget:
		return ErrBudget
	}
	if strings.HasPrefix(msg, msgUnknownName) || strings.HasPrefix(msg, msgUnknownFunc) {
		return ErrUndefined
	}
	return ErrSyntax
}

// ScreenColumn returns the 0-based screen column of the error's spot when
// Source is shown from the start of a terminal line: wide characters (CJK,
// fullwidth) count 2 columns, combining marks 0, as in Snippet.
func (e *Error) ScreenColumn() int {
	return widthOf(e.Source[:e.Offset])
}

// snippetPrefix starts each line of a snippet.
const snippetPrefix = " | "

// Snippet returns Source and a caret under the error's spot, two lines
// that start with " | " and end in "\n", for example
//
//	| 1 / 0
//	|     ^
//
// The caret lines up on a terminal also under wide and combining
// characters; white space and control characters are shown as one space
// each, and invisible format characters (bidi overrides such as U+202E,
// zero-width ones) as U+FFFD, as a byte that is not UTF-8 is, so that none
// can reorder or hide what the terminal shows. A Source wider than cols
// columns (80 when cols < 20) is cut around the spot, with "..." where it
// was cut.
func (e *Error) Snippet(cols int) string {
	if cols < 20 {
		cols = 80
	}
	room := cols - len(snippetPrefix) - 1 // the last column stays free
	src := e.Source
	caret := e.ScreenColumn()
	from, to := 0, len(src) // the bytes shown
	left, right := "", ""
	if total := caret + widthOf(src[e.Offset:]); total >= room {
		// Show about a third of the room before the spot, and cut on
		// character boundaries, leaving room for the markers.
		skip := 0 // columns cut on the left
		if caret > room/3 {
			left = "..."
			for from < e.Offset && caret-skip > room/3-len(left) {
				r, n := utf8.DecodeRuneInString(src[from:])
				skip += cellWidth(r)
				from += n
			}
		}
		used := len(left) + caret - skip
		to = e.Offset
		for to < len(src) {
			r, n := utf8.DecodeRuneInString(src[to:])
			if used+cellWidth(r) > room-3 {
				right = "..."
				break
			}
			used += cellWidth(r)
			to += n
		}
		caret = len(left) + caret - skip
	}
	var b strings.Builder
	b.WriteString(snippetPrefix + left)
	for _, r := range src[from:to] {
		switch {
		case r < ' ' || r == 0x7f || 0x80 <= r && r < 0xa0 || unicode.IsSpace(r) && cellWidth(r) == 1:
			r = ' '
		case unicode.Is(unicode.Cf, r):
			r = utf8.RuneError // shown as a byte that is not UTF-8 is
		}
		b.WriteRune(r)
	}
	b.WriteString(right + "\n" + snippetPrefix + strings.Repeat(" ", caret) + "^\n")
	return b.String()
}

// cellWidth returns the columns r takes in a snippet.
func cellWidth(r rune) int {
	switch {
	case r < ' ' || r == 0x7f || 0x80 <= r && r < 0xa0:
		return 1 // shown as a space
	case unicode.Is(unicode.Cf, r):
		return 1 // shown as U+FFFD: a bidi override must not turn the line
	}
	return width.Rune(r)
}

// widthOf returns the columns s takes in a snippet.
func widthOf(s string) int {
	n := 0
	for _, r := range s {
		n += cellWidth(r)
	}
	return n
}

// Messages for the limits, built once from the constants they name.
var (
	msgTooLong   = "expression too long (more than " + strconv.Itoa(MaxLength) + " bytes)"
	msgTooDeep   = "nesting too deep (more than " + strconv.Itoa(MaxDepth) + " levels)"
	msgTooMany   = "too many digits in number (more than " + strconv.Itoa(MaxDigits) + ")"
	msgRange     = "number out of range (more than " + strconv.Itoa(MaxBits) + " bits)"
	msgTooBig    = "result too large (more than " + strconv.Itoa(MaxBits) + " bits)"
	msgTooCostly = "too much computation (work limit reached)"
	msgBudget    = "CPU budget used up"
	msgTooSmall  = "result too close to 0 (its rounded value would need more than " + strconv.Itoa(MaxBits) + " bits)"
)

const (
	msgDivZero   = "division by zero"
	msgEvenRoot  = "even root of a negative number"
	msgUndecided = "too close to call: a value that is not exact is too near 0, an integer or the edge of a domain"
	msgNearZero  = "too close to 0 to round: the result may be exactly 0"
	msgNearTie   = "too close to halfway between two results to round (it may be exactly halfway)"
	msgNoAns     = `"ans" has no value yet`
	msgEmpty     = "empty expression"
	msgUnclose   = `unclosed "("`
	msgEnd       = "unexpected end of input"

	msgUnknownName = "unknown name "
	msgUnknownFunc = "unknown function "
	msgAssignAns   = `cannot assign to "ans"`
	msgNoEnv       = "assignment without variables (Options.Env is nil)"

	ansName = "ans"
)

// quote returns s quoted for an error message, shortened when long.
func quote(s string) string {
	const most = 24
	if utf8.RuneCountInString(s) > most {
		n := 0
		for i := range s {
			if n == most {
				return strconv.Quote(s[:i]) + "..."
			}
			n++
		}
	}
	return strconv.Quote(s)
}
