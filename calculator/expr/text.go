package expr

import "unicode/utf8"

// The text form of a Value is its exact fraction, as Fraction writes it:
// "35/3", "-1/2", "4". ParseValue reads it, and also decimals.

// MarshalText implements encoding.TextMarshaler: it returns v as
// Fraction does, exactly, so that UnmarshalText reads back the same v.
// In JSON a Value is thus a string, such as "35/3".
func (v Value) MarshalText() ([]byte, error) {
	return []byte(v.Fraction()), nil
}

// AppendText implements encoding.TextAppender: it appends to b what
// MarshalText returns.
func (v Value) AppendText(b []byte) ([]byte, error) {
	return append(b, v.Fraction()...), nil
}

// UnmarshalText implements encoding.TextUnmarshaler: it sets *v to the
// number text stands for, as ParseValue reads it.
func (v *Value) UnmarshalText(text []byte) error {
	w, err := ParseValue(string(text))
	if err != nil {
		return err
	}
	*v = w
	return nil
}

// ParseValue returns the number s stands for: an optional sign and a
// number literal as in expressions, optionally followed by "/" and a
// second one, with nothing else (no spaces). So it reads what Fraction
// and MarshalText write ("35/3", "-1/2", "4") exactly, and also decimals
// and exponents ("1.5", "-0.25", "1e-3", "1_000", "2.5/1e3"). A decimal
// that Decimal or String rounded ("0.33333333333333333333") reads as
// that decimal, not as the fraction it came from.
//
// The limits of Eval apply. The error, if any, unwraps to an [*Error]
// whose Column is in s, and says that it is about reading a Value.
func ParseValue(s string) (Value, error) {
	if i := badValueByte(s); i >= 0 {
		_, n := utf8.DecodeRuneInString(s[i:])
		return Value{}, &valueError{newError(s, i, "unexpected "+quote(s[i:i+n]))}
	}
	v, err := Eval(s, Options{})
	if err != nil {
		return Value{}, &valueError{err.(*Error)}
	}
	return v, nil
}

// MustParseValue is like ParseValue but panics if s cannot be read. It
// is meant for constants in programs and tests.
func MustParseValue(s string) Value {
	v, err := ParseValue(s)
	if err != nil {
		panic(err)
	}
	return v
}

// badValueByte returns the offset of the first byte of s that cannot be
// part of a Value's text, or -1. What it lets through can only be read by
// Eval as a signed literal, or the quotient of a signed literal and a
// literal; Eval finds any other mistake.
func badValueByte(s string) int {
	slash := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'e' || c == 'E':
			// An exponent marker, never the constant e.
			if i == 0 || !isDigit(s[i-1]) && s[i-1] != '.' {
				return i
			}
		case isDigit(c) || c == '.' || c == '_':
		case c == '+' || c == '-':
			// A sign first, or the sign of an exponent.
			if i > 0 && s[i-1] != 'e' && s[i-1] != 'E' {
				return i
			}
		case c == '/' && !slash:
			slash = true
		default:
			return i
		}
	}
	return -1
}

// valueError is an error of ParseValue: an *Error in the text.
type valueError struct{ err *Error }

func (e *valueError) Error() string {
	return "reading a Value from " + quote(e.err.Source) + ": " + e.err.Error()
}

// Unwrap returns the *Error, for errors.As.
func (e *valueError) Unwrap() error { return e.err }
