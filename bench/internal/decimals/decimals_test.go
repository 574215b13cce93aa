package decimals

import (
	"fmt"
	"testing"
)

// BenchmarkFunctions times each operation of Speed at each of Digits,
// ours (/impl=ours: the whole Eval, parsing included) and apd's
// (/impl=apd: the function alone, with its arguments parsed once).
func BenchmarkFunctions(b *testing.B) {
	for _, op := range Speed {
		for _, digits := range Digits {
			name := fmt.Sprintf("case=%s-%d", op.Expression(), digits)
			b.Run(name+"/impl=ours", func(b *testing.B) {
				for b.Loop() {
					if _, err := Ours(op, digits); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/impl=apd", func(b *testing.B) {
				for b.Loop() {
					if _, err := Apd(op, digits); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestCheck runs the comparison on the reference cases: ours must get
// every one right; apd's misses are what the report counts.
func TestCheck(t *testing.T) {
	cases, err := ReadCases("../../../calculator/expr/testdata/reference/reference.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 300 {
		t.Fatalf("only %d cases", len(cases))
	}
	for k, r := range Check(cases) {
		t.Logf("%s %s: %d wrong of %d %s", k[0], k[1], r.Wrong, r.Cases, r.Example)
		if k[0] == "ours" && r.Wrong > 0 {
			t.Errorf("ours %s: %d wrong of %d, such as %s", k[1], r.Wrong, r.Cases, r.Example)
		}
	}
}

func TestParseOp(t *testing.T) {
	for _, tt := range []struct {
		src string
		op  Op
		ok  bool
	}{
		{"sqrt(2)", Op{"sqrt", "2", ""}, true},
		{"exp(-1.5e-3)", Op{"exp", "-1.5e-3", ""}, true},
		{"2^(-0.75)", Op{"^", "2", "-0.75"}, true},
		{"10^(1/3)", Op{}, false},
		{"log2(3)", Op{}, false},
		{"e", Op{}, false},
	} {
		op, ok := parseOp(tt.src)
		if ok != tt.ok || ok && op != tt.op {
			t.Errorf("parseOp(%q) = %+v, %v; want %+v, %v", tt.src, op, ok, tt.op, tt.ok)
		}
	}
}

// TestDisagreements compares ours and apd on random operations: ours
// must never be the wrong one.
func TestDisagreements(t *testing.T) {
	for name, tally := range Disagreements(Random(100, 1), 20) {
		t.Logf("%s: %+v", name, *tally)
		if tally.OursWrong > 0 || tally.Failed > 0 {
			t.Errorf("%s: ours wrong %d times, failed %d", name, tally.OursWrong, tally.Failed)
		}
	}
}
