package callgrind

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/bench/internal/testprog"
)

// profile is a callgrind profile in the compressed form callgrind writes
// with --dump-instr=yes: relative and repeated positions, and a call whose
// inclusive cost must not be counted.
const profile = `# callgrind format
version: 1
positions: instr line
events: Ir
summary: 117

ob=(1) /bin/server
fl=(1) main.go
fn=(1) main.handler
0x1000 10 3
+4 * 5
+2 11 7
cfn=(2) main.helper
calls=1 0x2000 20
* * 100
+5 12 2
fn=(2) main.helper
0x2000 20 50
-16 * 50
`

func TestSelfCosts(t *testing.T) {
	got, err := SelfCosts(strings.NewReader(profile))
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]int64{0x1000: 3, 0x1004: 5, 0x1006: 7, 0x100b: 2, 0x2000: 50, 0x1ff0: 50}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SelfCosts = %#v, want %#v", got, want)
	}
}

func TestSelfCostsErrors(t *testing.T) {
	for name, text := range map[string]string{
		"no addresses":   "positions: line\nevents: Ir\nfn=(1) f\n10 3\n",
		"no positions":   "events: Ir\nfn=(1) f\n",
		"bad position":   "positions: instr\nfn=(1) f\n0xzz 3\n",
		"bad cost":       "positions: instr\nfn=(1) f\n0x10 many\n",
		"too few fields": "positions: instr line\nfn=(1) f\n0x10\n",
		"bad relative":   "positions: instr\nfn=(1) f\n0x10 1\n+x 2\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := SelfCosts(strings.NewReader(text)); err == nil {
				t.Errorf("SelfCosts(%q) succeeded", text)
			}
		})
	}
}

func TestAttribute(t *testing.T) {
	syms := NewSymbols(map[string]uint64{"main.handler": 0x1000, "main.helper": 0x2000, "runtime.gap": 0x1ff0})
	costs, err := SelfCosts(strings.NewReader(profile))
	if err != nil {
		t.Fatal(err)
	}
	costs[0x10] = 1 // before every function
	got := syms.Attribute(costs)
	want := []Cost{{"main.helper", 50}, {"runtime.gap", 50}, {"main.handler", 17}, {"?", 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Attribute = %v, want %v", got, want)
	}
	for a, f := range map[uint64]string{0x1000: "main.handler", 0x1fef: "main.handler", 0x1ff0: "runtime.gap", 0x9999: "main.helper"} {
		if got := syms.Function(a); got != f {
			t.Errorf("Function(%#x) = %q, want %q", a, got, f)
		}
	}
}

// TestReadELF builds a small Go program and finds its functions.
func TestReadELF(t *testing.T) {
	bin := testprog.Build(t, "package main\n\nfunc main() { println(\"hi\") }\n")
	syms, err := ReadELF(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(syms.names, " "), "main.main") {
		t.Errorf("no main.main among %d functions", len(syms.names))
	}
	if _, err := ReadELF("callgrind.go"); err == nil {
		t.Error("ReadELF of a source file succeeded")
	}
}

func TestCompare(t *testing.T) {
	ours := []Cost{{"net/http.Header.Clone", 3000}, {"main.handler", 2000}, {"runtime.mallocgc", 1000}}
	base := []Cost{{"main.handler", 1000}, {"runtime.mallocgc", 1000}, {"net/http.DetectContentType", 400}}
	got := Compare(ours, 10, base, 4)
	want := []Change{
		{"net/http.Header.Clone", 300, 0, 300},
		{"main.handler", 200, 250, -50},
		{"runtime.mallocgc", 100, 250, -150},
		{"net/http.DetectContentType", 0, 100, -100},
	}
	slices.SortFunc(want, func(a, b Change) int { return cmp.Compare(b.Delta, a.Delta) })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Compare = %v,\nwant      %v", got, want)
	}
	if got := Compare(ours[:1], 0, nil, 0); !reflect.DeepEqual(got, []Change{{"net/http.Header.Clone", 3000, 0, 3000}}) {
		t.Errorf("Compare with 0 requests = %v, want the totals", got)
	}
}
