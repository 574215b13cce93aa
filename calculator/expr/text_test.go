package expr_test

import (
	"encoding"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/calculator/expr"
)

var (
	_ encoding.TextMarshaler   = expr.Value{}
	_ encoding.TextAppender    = expr.Value{}
	_ encoding.TextUnmarshaler = (*expr.Value)(nil)
)

func TestMarshalText(t *testing.T) {
	tests := []struct{ src, want string }{
		{"(1.5 + 2.25) * 4 - 10 / 3", "35/3"},
		{"-1/2", "-1/2"},
		{"8/2", "4"},
		{"0", "0"},
		{"-2^64", "-18446744073709551616"},
		{"1/2^64", "1/18446744073709551616"},
		{"-2^63", "-9223372036854775808"},
	}
	for _, tt := range tests {
		v := eval(t, tt.src)
		text, err := v.MarshalText()
		if err != nil || string(text) != tt.want {
			t.Errorf("Eval(%q).MarshalText() = %q, %v; want %q", tt.src, text, err, tt.want)
		}
		if b, _ := v.AppendText([]byte("x=")); string(b) != "x="+tt.want {
			t.Errorf("Eval(%q).AppendText(x=) = %q, want %q", tt.src, b, "x="+tt.want)
		}
		var w expr.Value
		if err := w.UnmarshalText(text); err != nil || !w.Equal(v) {
			t.Errorf("UnmarshalText(%q) = %s, %v; want %s", text, w.Fraction(), err, tt.want)
		}
	}
	if text, _ := (expr.Value{}).MarshalText(); string(text) != "0" {
		t.Errorf("the zero Value marshals as %q, want 0", text)
	}
}

func TestParseValue(t *testing.T) {
	tests := []struct{ text, want string }{
		{"35/3", "35/3"},
		{"-1/2", "-1/2"},
		{"+4", "4"},
		{"4/2", "2"}, // need not be in lowest terms
		{"-0", "0"},
		{"1.5", "3/2"},
		{"-0.25", "-1/4"},
		{".5", "1/2"},
		{"1e-3", "1/1000"},
		{"2.5E+2", "250"},
		{"1_000", "1000"},
		{"2.5/1e3", "1/400"},
		{"18446744073709551616/6", "9223372036854775808/3"},
	}
	for _, tt := range tests {
		v, err := expr.ParseValue(tt.text)
		if err != nil || v.Fraction() != tt.want {
			t.Errorf("ParseValue(%q) = %s, %v; want %s", tt.text, v.Fraction(), err, tt.want)
		}
	}
}

func TestParseValueErrors(t *testing.T) {
	tests := []struct{ text, msg string }{
		{"", `reading a Value from "": empty expression at column 1`},
		{" 1", `reading a Value from " 1": unexpected " " at column 1`},
		{"1 ", `reading a Value from "1 ": unexpected " " at column 2`},
		{"1+2", `reading a Value from "1+2": unexpected "+" at column 2`},
		{"1/-2", `reading a Value from "1/-2": unexpected "-" at column 3`},
		{"--1", `reading a Value from "--1": unexpected "-" at column 2`},
		{"1/2/3", `reading a Value from "1/2/3": unexpected "/" at column 4`},
		{"1/0", `reading a Value from "1/0": division by zero at column 3`},
		{"ans", `reading a Value from "ans": unexpected "a" at column 1`},
		{"(1)", `reading a Value from "(1)": unexpected "(" at column 1`},
		{"1#", `reading a Value from "1#": unexpected "#" at column 2`},
		{"×2", `reading a Value from "×2": unexpected "×" at column 1`},
		{"1/", `reading a Value from "1/": unexpected end of input at column 3`},
		{"/2", `reading a Value from "/2": unexpected "/" at column 1`},
		{"e5", `reading a Value from "e5": unexpected "e" at column 1`},
		{"1e", `reading a Value from "1e": malformed number "1e" at column 1`},
		{"1__0", `reading a Value from "1__0": malformed number "1__0" at column 1`},
		{"1e-", `reading a Value from "1e-": malformed number "1e-" at column 1`},
	}
	for _, tt := range tests {
		_, err := expr.ParseValue(tt.text)
		var e *expr.Error
		if err == nil || err.Error() != tt.msg || !errors.As(err, &e) || e.Source != tt.text {
			t.Errorf("ParseValue(%q): %v; want %s, unwrapping to an *expr.Error", tt.text, err, tt.msg)
		}
	}
	var v expr.Value
	if err := v.UnmarshalText([]byte("1/0")); err == nil || !v.Equal(expr.Value{}) {
		t.Errorf(`UnmarshalText("1/0"): %v, value %s; want an error, value unchanged`, err, v)
	}
}

func TestMustParseValue(t *testing.T) {
	if v := expr.MustParseValue("-35/3"); v.Fraction() != "-35/3" {
		t.Errorf(`MustParseValue("-35/3") = %s`, v.Fraction())
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error(`MustParseValue("1/0") did not panic`)
		}
	}()
	expr.MustParseValue("1/0")
}

// TestValueJSON checks that a Value is a JSON string that reads back.
func TestValueJSON(t *testing.T) {
	type point struct {
		X, Y expr.Value
	}
	in := point{X: eval(t, "35/3"), Y: eval(t, "-2^70")}
	b, err := json.Marshal(in)
	if want := `{"X":"35/3","Y":"-1180591620717411303424"}`; err != nil || string(b) != want {
		t.Fatalf("json.Marshal: %s, %v; want %s", b, err, want)
	}
	var out point
	if err := json.Unmarshal(b, &out); err != nil || !out.X.Equal(in.X) || !out.Y.Equal(in.Y) {
		t.Errorf("json.Unmarshal(%s) = %v, %v; want %v", b, out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"X":"1/0"}`), &out); err == nil || !strings.Contains(err.Error(), "division by zero at column 3") {
		t.Errorf(`json.Unmarshal of "1/0": %v; want the division by zero, with its column`, err)
	}
}

// TestParseValueLargest checks that the largest values Eval can give read
// back within the limits.
func TestParseValueLargest(t *testing.T) {
	const m = "(2^99999 - 1) * 2 + 1" // 2^100000 - 1, MaxBits bits
	for _, src := range []string{m, "-(" + m + ") / (2^99999 + 1)", "1/(" + m + ")"} {
		v := eval(t, src)
		text, _ := v.MarshalText()
		w, err := expr.ParseValue(string(text))
		if err != nil || !w.Equal(v) {
			t.Errorf("the text of Eval(%q) does not read back: %v", src, err)
		}
	}
}
