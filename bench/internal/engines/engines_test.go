package engines

import (
	"math/big"
	"testing"
)

// TestTable checks that every engine accepts every case and that ours is
// exact on all of them: the benchmark compares engines doing the same work.
func TestTable(t *testing.T) {
	for _, c := range Table {
		for _, e := range All {
			t.Run(c.Name+"/"+e.Name, func(t *testing.T) {
				exact, shown, err := Check(e, c)
				if err != nil {
					t.Fatal(err)
				}
				if e.Name == Ours.Name && !exact {
					t.Errorf("ours: %q = %s, want exactly %s", c.Src, shown, c.Exact)
				}
			})
		}
	}
}

// TestFloatEnginesAreInexact pins the difference the report shows: the
// float engines cannot give 0.1 + 0.2 exactly.
func TestFloatEnginesAreInexact(t *testing.T) {
	c := Table[2]
	if c.Name != "decimal" {
		t.Fatalf("Table[2] is %s, want decimal", c.Name)
	}
	for _, e := range []Engine{ExprLang, Govaluate} {
		exact, shown, err := Check(e, c)
		if err != nil {
			t.Fatal(err)
		}
		if exact {
			t.Errorf("%s: %q = %s exactly; the report claims it is not", e.Name, c.Src, shown)
		}
	}
}

func TestRat(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
		ok   bool
	}{
		{"int", 7, "7", true},
		{"int64", int64(-2), "-2", true},
		{"float", 0.5, "1/2", true},
		{"inf", 1.0 / zero(), "", false},
		{"string", "1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rat(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("Rat(%v) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if tt.ok {
				want, _ := new(big.Rat).SetString(tt.want)
				if got.Cmp(want) != 0 {
					t.Errorf("Rat(%v) = %v, want %v", tt.in, got, want)
				}
			}
		})
	}
}

func zero() float64 { return 0 }

// BenchmarkEval times parse+evaluate of every case with every engine. Its
// names carry case= and impl= keys, so `benchstat -col /impl` puts the
// engines side by side.
func BenchmarkEval(b *testing.B) {
	for _, c := range Table {
		for _, e := range All {
			b.Run("case="+c.Name+"/impl="+e.Name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := e.Eval(c.Src); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
