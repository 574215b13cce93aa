package expr_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/calculator/expr"
)

var (
	_ fmt.Formatter  = expr.Value{}
	_ fmt.GoStringer = expr.Value{}
)

func TestFormat(t *testing.T) {
	v := eval(t, "35/3")
	tests := []struct {
		format string
		v      expr.Value
		want   string
	}{
		{"%v", v, "11.666666666666666667"},
		{"%s", v, "11.666666666666666667"},
		{"%.5v", v, "11.667"},
		{"%+v", v, "11.666666666666666667"},
		{"%#v", v, `expr.MustParseValue("35/3")`},
		{"%#v", expr.Value{}, `expr.MustParseValue("0")`},
		{"%#v", eval(t, "-2^70"), `expr.MustParseValue("-1180591620717411303424")`},
		{"%q", v, `"11.666666666666666667"`},
		{"%g", eval(t, "1/10^30"), "1e-30"},
		{"%G", eval(t, "1/10^30"), "1E-30"},
		{"%+g", v, "+11.666666666666666667"},
		{"%d", v, "35/3"},
		{"%d", eval(t, "-4"), "-4"},
		{"%+d", eval(t, "4"), "+4"},
		{"%+d", expr.Value{}, "+0"},
		{"% d", v, " 35/3"},
		{"%x", v, "23/3"},
		{"%X", eval(t, "-255/16"), "-FF/10"},
		{"%o", eval(t, "8"), "10"},
		{"%b", eval(t, "5/2"), "101/10"},
		{"%x", eval(t, "2^64"), "10000000000000000"},
		{"%f", v, "11.666667"},
		{"%.2f", v, "11.67"},
		{"%.0f", eval(t, "5/2"), "3"},
		{"%.0f", eval(t, "-5/2"), "-3"},
		{"%F", eval(t, "-1/8"), "-0.125000"},
		{"%8.2f|", v, "   11.67|"},
		{"%-8.2f|", v, "11.67   |"},
		{"%08.2f", eval(t, "-35/3"), "-0011.67"},
		{"%+08.2f", v, "+0011.67"},
		{"%6d|", eval(t, "1/2"), "   1/2|"},
		{"%06s", eval(t, "1/2"), "   0.5"}, // no zeros for a string verb
		{"%z", v, "%!z(expr.Value=11.666666666666666667)"},
		{"%t", eval(t, "1"), "%!t(expr.Value=1)"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, tt.v); got != tt.want {
			t.Errorf("Sprintf(%q, %s) = %q, want %q", tt.format, tt.v.Fraction(), got, tt.want)
		}
	}
}

// TestFormatInside checks that a Value prints as a number inside other
// values too, whatever the verb.
func TestFormatInside(t *testing.T) {
	type pair struct{ A, B expr.Value }
	p := pair{eval(t, "1/2"), eval(t, "2^64")}
	tests := []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", p, "{0.5 18446744073709551616}"},
		{"%+v", p, "{A:0.5 B:18446744073709551616}"},
		{"%d", p, "{1/2 18446744073709551616}"},
		{"%#v", p, `expr_test.pair{A:expr.MustParseValue("1/2"), B:expr.MustParseValue("18446744073709551616")}`},
		{"%v", []expr.Value{p.A, p.B}, "[0.5 18446744073709551616]"},
		{"%v", &p.A, "0.5"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, tt.arg); got != tt.want {
			t.Errorf("Sprintf(%q, ...) = %q, want %q", tt.format, got, tt.want)
		}
	}
}

// TestGoString checks that what %#v prints is Go code giving the value.
func TestGoString(t *testing.T) {
	for _, src := range []string{"0", "-35/3", "2^70", "-1/2^64"} {
		v := eval(t, src)
		const prefix, suffix = `expr.MustParseValue("`, `")`
		s := v.GoString()
		if len(s) < len(prefix)+len(suffix) || s[:len(prefix)] != prefix || s[len(s)-len(suffix):] != suffix {
			t.Fatalf("Eval(%q).GoString() = %s", src, s)
		}
		if w := expr.MustParseValue(s[len(prefix) : len(s)-len(suffix)]); !w.Equal(v) {
			t.Errorf("Eval(%q).GoString() = %s, which gives %s", src, s, w.Fraction())
		}
	}
}

// TestVerbsCallNoFmt checks that the package uses nothing of fmt but the
// type fmt.State, and only in verbs.go, so that a program that does not
// call fmt itself (the calculator) does not link it: one call to a
// function of fmt would add about 200 KB to the calculator's binary.
func TestVerbsCallNoFmt(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "fmt" && (sel.Sel.Name != "State" || name != "verbs.go") {
					t.Errorf("%s: uses fmt.%s; only verbs.go may use fmt, and only fmt.State", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}
