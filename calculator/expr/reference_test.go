package expr

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestReference checks irrational results against references no one here
// wrote: Python's decimal module (sqrt, exp, ln, log10 and the logarithms
// and powers built from them) and bc -l (the trigonometric functions and
// pi), each correctly rounded, half to even, at precisions from 1 to 1000
// digits, on fixed and random arguments. testdata/reference/gen.py writes
// the cases.
func TestReference(t *testing.T) {
	f, err := os.Open("testdata/reference/reference.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	cases := 0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) != 4 {
			t.Fatalf("line %d: %d fields, want 4", line, len(fields))
		}
		prec, err := strconv.Atoi(fields[0])
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		src, want := fields[1], MustParseValue(fields[2])
		cases++
		got, err := Eval(src, Options{Precision: prec})
		switch {
		case err != nil:
			t.Errorf("line %d: -p %d %s: %v, want %s (%s)", line, prec, src, err, fields[2], fields[3])
		case !got.Equal(want) || !got.Rounded():
			t.Errorf("line %d: -p %d %s = %s (rounded %v), want %s (%s)", line, prec, src, got.Decimal(prec), got.Rounded(), fields[2], fields[3])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases", cases)
	if cases < 500 {
		t.Fatalf("only %d cases", cases)
	}
}
