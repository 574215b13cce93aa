// Package decimals compares the calculator's correctly rounded functions
// (calculator/expr: interval arithmetic on math/big with Ziv's retries)
// with github.com/cockroachdb/apd/v3, the well-kept arbitrary-precision
// decimal library the calculator could have used instead (issue 24,
// point 7): correctness against the reference cases of Python's decimal
// module, speed at 20 and 1000 digits (decimals_test.go) and the bytes
// apd adds to a binary (probe/).
package decimals

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/go-multistage/multistage/calculator/expr"
)

// An Op is one function of one argument, or a power.
type Op struct {
	Name string // as in expressions: sqrt, exp, ln, log10, or "^" for a power
	X, Y string // arguments; Y only for "^"
}

// Expression returns op in the calculator's syntax.
func (op Op) Expression() string {
	if op.Name == "^" {
		return op.X + "^" + op.Y
	}
	return op.Name + "(" + op.X + ")"
}

// Speed is what the benchmarks time, at each of Digits.
var Speed = []Op{{"sqrt", "2", ""}, {"exp", "1", ""}, {"ln", "10", ""}, {"^", "2", "0.5"}}

// Digits are the precisions of the benchmarks.
var Digits = []int{20, 1000}

// Ours returns op at prec digits from the calculator's engine.
func Ours(op Op, prec int) (string, error) {
	v, err := expr.Eval(op.Expression(), expr.Options{Precision: prec})
	if err != nil {
		return "", err
	}
	return v.Decimal(prec), nil
}

// Apd returns op at prec digits from apd, rounding half to even.
func Apd(op Op, prec int) (*apd.Decimal, error) {
	c := apd.BaseContext.WithPrecision(uint32(prec))
	c.Rounding = apd.RoundHalfEven
	x, _, err := apd.NewFromString(op.X)
	if err != nil {
		return nil, err
	}
	d := new(apd.Decimal)
	switch op.Name {
	case "sqrt":
		_, err = c.Sqrt(d, x)
	case "exp":
		_, err = c.Exp(d, x)
	case "ln":
		_, err = c.Ln(d, x)
	case "log10":
		_, err = c.Log10(d, x)
	case "^":
		y, _, perr := apd.NewFromString(op.Y)
		if perr != nil {
			return nil, perr
		}
		_, err = c.Pow(d, x, y)
	default:
		err = fmt.Errorf("apd has no %s", op.Name)
	}
	return d, err
}

// A Case is a reference result: Want is Op correctly rounded to Digits.
type Case struct {
	Op     Op
	Digits int
	Want   string
}

// ReadCases returns the cases of the reference file (the calculator's
// testdata/reference/reference.txt) that Python's decimal module computed
// for a function apd has: sqrt, exp, ln, log10 and powers.
func ReadCases(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 4 || fields[3] != "decimal" {
			continue
		}
		prec, err := strconv.Atoi(fields[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", path, sc.Text(), err)
		}
		if op, ok := parseOp(fields[1]); ok {
			cases = append(cases, Case{op, prec, fields[2]})
		}
	}
	return cases, sc.Err()
}

// parseOp reads "f(x)" for a function apd has, or "x^y" with plain
// decimals (parenthesised or not).
func parseOp(src string) (Op, bool) {
	for _, name := range []string{"sqrt", "exp", "ln", "log10"} {
		if x, ok := strings.CutPrefix(src, name+"("); ok && strings.HasSuffix(x, ")") && isDecimal(x[:len(x)-1]) {
			return Op{name, x[:len(x)-1], ""}, true
		}
	}
	x, y, ok := strings.Cut(src, "^")
	x, y = strings.Trim(x, "()"), strings.Trim(y, "()")
	return Op{"^", x, y}, ok && isDecimal(x) && isDecimal(y)
}

func isDecimal(s string) bool {
	_, _, err := apd.NewFromString(s)
	return err == nil && s != ""
}

// Result counts, for one implementation, the cases at one precision range
// and how many it got wrong, with the first wrong one.
type Result struct {
	Cases, Wrong int
	Example      string
}

// Check runs every case through ours and apd and returns their results
// by implementation ("ours", "apd") and function.
func Check(cases []Case) map[[2]string]*Result {
	res := map[[2]string]*Result{}
	add := func(impl string, c Case, got string, err error) {
		k := [2]string{impl, c.Op.Name}
		if res[k] == nil {
			res[k] = new(Result)
		}
		r := res[k]
		r.Cases++
		want := expr.MustParseValue(c.Want)
		if v, perr := expr.ParseValue(got); err != nil || perr != nil || !v.Equal(want) {
			r.Wrong++
			if r.Example == "" {
				r.Example = fmt.Sprintf("%s at %d digits: %s, want %s", c.Op.Expression(), c.Digits, shorten(got, err), c.Want)
			}
		}
	}
	for _, c := range cases {
		got, err := Ours(c.Op, c.Digits)
		add("ours", c, got, err)
		d, err := Apd(c.Op, c.Digits)
		s := ""
		if err == nil {
			s = d.Text('G')
		}
		add("apd", c, s, err)
	}
	return res
}

func shorten(s string, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Random returns n random operations of each function apd has: decimals
// of up to 12 significant digits, exponent arguments within ±50, others
// positive with exponents within ±30, powers of positive bases to
// non-integer exponents. The same seed gives the same operations.
func Random(n int, seed uint64) []Op {
	r := rand.New(rand.NewPCG(seed, 1))
	decimal := func(lo, hi int) string {
		m := r.Int64N(1_000_000_000_000) + 1
		return strconv.FormatInt(m, 10) + "e" + strconv.Itoa(lo+r.IntN(hi-lo+1)-11)
	}
	var ops []Op
	for range n {
		x := strconv.FormatFloat(r.Float64()*100-50, 'f', 10, 64)
		ops = append(ops, Op{"sqrt", decimal(-30, 30), ""}, Op{"exp", x, ""},
			Op{"ln", decimal(-30, 30), ""}, Op{"log10", decimal(-30, 30), ""},
			Op{"^", decimal(-3, 3), strconv.FormatFloat(r.Float64()*20-10, 'f', 6, 64)})
	}
	return ops
}

// Disagreements runs ops through ours and apd at digits and returns, by
// function, the operations where they differ, and for each which one a
// referee says is right: ours at digits+40, rounded to digits, half to
// even (a third computation, at another precision and so other guard
// bits, itself checked against the reference cases).
func Disagreements(ops []Op, digits int) map[string]*Tally {
	res := map[string]*Tally{}
	for _, op := range ops {
		t := res[op.Name]
		if t == nil {
			t = new(Tally)
			res[op.Name] = t
		}
		t.Cases++
		ours, err := Ours(op, digits)
		if err != nil {
			t.Failed++ // out of range for ours (exp(50) fits, so none expected)
			continue
		}
		d, err := Apd(op, digits)
		theirs := ""
		if err == nil {
			theirs = d.Text('G')
		}
		o, _ := expr.ParseValue(ours)
		a, aerr := expr.ParseValue(theirs)
		if aerr == nil && o.Equal(a) {
			continue
		}
		ref, err := referee(op, digits)
		switch {
		case err != nil:
			t.Failed++
		case ref.Equal(o):
			t.ApdWrong++
			if t.Example == "" {
				t.Example = fmt.Sprintf("%s at %d digits: apd %s, right %s", op.Expression(), digits, theirs, ours)
			}
		default:
			t.OursWrong++
		}
	}
	return res
}

// A Tally counts the disagreements of one function.
type Tally struct {
	Cases, ApdWrong, OursWrong, Failed int
	Example                            string
}

// referee returns op at digits+40 digits, rounded to digits half to even.
func referee(op Op, digits int) (expr.Value, error) {
	s, err := Ours(op, digits+40)
	if err != nil {
		return expr.Value{}, err
	}
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return expr.Value{}, err
	}
	c := apd.BaseContext.WithPrecision(uint32(digits))
	c.Rounding = apd.RoundHalfEven
	if _, err := c.Round(d, d); err != nil {
		return expr.Value{}, err
	}
	return expr.ParseValue(d.Text('G'))
}
