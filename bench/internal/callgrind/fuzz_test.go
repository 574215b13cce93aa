package callgrind

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// FuzzSelfCosts feeds SelfCosts arbitrary profiles. It must never panic,
// and what it reads must survive a round trip: the costs written back as
// a profile of absolute addresses read back the same.
func FuzzSelfCosts(f *testing.F) {
	f.Add(profile)
	for _, s := range []string{
		"positions: instr line\nevents: Ir\nfn=(1) f\n0x10 3 1\n+2 4\n-1 5\n* 6\ncalls=1 0x20\n0x20 99\n",
		"positions: line\nevents: Ir\nfn=(1) f\n10 3\n",
		"positions: instr\nfn=(1) f\n0xzz 3\n",
		"positions: instr\nfn=(1) f\n+x 2\n",
		"positions:\n1 2\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		costs, err := SelfCosts(strings.NewReader(text))
		if err != nil {
			return
		}
		var b strings.Builder
		b.WriteString("positions: instr\nevents: Ir\nfn=(1) f\n")
		for _, a := range slices.Sorted(maps.Keys(costs)) {
			fmt.Fprintf(&b, "%#x %d\n", a, costs[a])
		}
		again, err := SelfCosts(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("reading back %q: %v", b.String(), err)
		}
		if !maps.Equal(costs, again) {
			t.Fatalf("round trip: %v, then %v", costs, again)
		}
	})
}
