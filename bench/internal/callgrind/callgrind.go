// Package callgrind reads the profiles of valgrind's callgrind tool and
// attributes their instruction counts to functions by address.
//
// callgrind keeps a shadow call stack to name the function that runs, and
// Go's goroutine switches (a jump from one stack to another, never a
// return) confuse it: under load, its own per-function totals put most of a
// server's instructions into whichever function was on the stack when a
// switch happened. A profile made with --dump-instr=yes also records the
// address of every instruction counted, and the address says which function
// it belongs to whatever the stack looked like. [SelfCosts] reads those
// addresses; [Symbols.Attribute] maps them to the binary's functions.
//
// It must not trust callgrind's inferred call stacks or inclusive costs,
// and must not run valgrind: it reads the files it is given.
package callgrind

import (
	"bufio"
	"cmp"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// SelfCosts reads a callgrind profile written with --dump-instr=yes and
// returns the instructions executed (the first event, Ir by default) at
// each address. The costs of call lines, which are inclusive costs of the
// callee, are skipped: every instruction is counted once, where it is.
func SelfCosts(r io.Reader) (map[uint64]int64, error) {
	costs := map[uint64]int64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var (
		addr      uint64
		positions = 1 // "positions: line" by default; instr is checked below
		hasInstr  bool
		afterCall bool
		line      int
	)
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" {
			continue
		}
		switch c := text[0]; {
		case c == '+' || c == '-' || c == '*' || c >= '0' && c <= '9':
			if !hasInstr {
				return nil, fmt.Errorf("callgrind: line %d: a cost line, but the profile has no instruction addresses (record it with --dump-instr=yes)", line)
			}
			fields := strings.Fields(text)
			if len(fields) < positions {
				return nil, fmt.Errorf("callgrind: line %d: %d positions, want %d", line, len(fields), positions)
			}
			a, err := position(fields[0], addr)
			if err != nil {
				return nil, fmt.Errorf("callgrind: line %d: %w", line, err)
			}
			addr = a
			if afterCall {
				afterCall = false // the callee's inclusive cost
				continue
			}
			if len(fields) > positions {
				n, err := strconv.ParseInt(fields[positions], 10, 64)
				if err != nil {
					return nil, fmt.Errorf("callgrind: line %d: cost %q: %w", line, fields[positions], err)
				}
				costs[addr] += n
			}
		case strings.HasPrefix(text, "calls="):
			afterCall = true
		case strings.HasPrefix(text, "positions:"):
			kinds := strings.Fields(strings.TrimPrefix(text, "positions:"))
			positions = len(kinds)
			hasInstr = len(kinds) > 0 && kinds[0] == "instr"
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("callgrind: %w", err)
	}
	if !hasInstr {
		return nil, errors.New("callgrind: the profile has no instruction addresses (record it with --dump-instr=yes)")
	}
	return costs, nil
}

// position decodes an instruction position: absolute (hex with 0x, or
// decimal), relative to the previous one (+n, -n), or the same (*).
func position(s string, prev uint64) (uint64, error) {
	switch {
	case s == "*":
		return prev, nil
	case s[0] == '+' || s[0] == '-':
		d, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("position %q: %w", s, err)
		}
		return prev + uint64(d), nil
	default:
		a, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("position %q: %w", s, err)
		}
		return a, nil
	}
}

// Symbols are a binary's functions, sorted by address.
type Symbols struct {
	starts []uint64
	names  []string
}

// NewSymbols returns the functions named at the given start addresses.
func NewSymbols(starts map[string]uint64) Symbols {
	names := make([]string, 0, len(starts))
	for name := range starts {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(starts[a], starts[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	s := Symbols{names: names, starts: make([]uint64, len(names))}
	for i, name := range names {
		s.starts[i] = starts[name]
	}
	return s
}

// ReadELF returns the function symbols of the ELF binary at path. The
// binary must not be stripped.
func ReadELF(path string) (Symbols, error) {
	f, err := elf.Open(path)
	if err != nil {
		return Symbols{}, fmt.Errorf("callgrind: %w", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return Symbols{}, fmt.Errorf("callgrind: symbols of %s: %w", path, err)
	}
	starts := map[string]uint64{}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
			starts[s.Name] = s.Value
		}
	}
	if len(starts) == 0 {
		return Symbols{}, fmt.Errorf("callgrind: %s has no function symbols", path)
	}
	return NewSymbols(starts), nil
}

// Function returns the function holding address a: the one that starts at
// or last before it. Addresses before the first function are "?".
func (s Symbols) Function(a uint64) string {
	i, found := slices.BinarySearch(s.starts, a)
	if !found {
		i--
	}
	if i < 0 {
		return "?"
	}
	return s.names[i]
}

// Cost is the instructions counted in one function.
type Cost struct {
	Function     string
	Instructions int64
}

// Attribute sums costs by function, largest first (ties by name).
func (s Symbols) Attribute(costs map[uint64]int64) []Cost {
	by := map[string]int64{}
	for a, n := range costs {
		by[s.Function(a)] += n
	}
	out := make([]Cost, 0, len(by))
	for f, n := range by {
		out = append(out, Cost{f, n})
	}
	slices.SortFunc(out, func(a, b Cost) int {
		if a.Instructions != b.Instructions {
			return cmp.Compare(b.Instructions, a.Instructions)
		}
		return strings.Compare(a.Function, b.Function)
	})
	return out
}

// Change is one function's instructions per request in two profiles.
type Change struct {
	Function string
	// Ours and Base are instructions per request; Delta is Ours - Base.
	Ours, Base, Delta int64
}

// Compare sets the costs of one program (ours, over oursRequests requests)
// against those of another (base, over baseRequests), function by
// function, per request. The result runs from the largest increase to the
// largest decrease (ties by name); a function only one side ran counts 0
// on the other. Requests below 1 count as 1.
func Compare(ours []Cost, oursRequests int64, base []Cost, baseRequests int64) []Change {
	by := map[string]*Change{}
	get := func(f string) *Change {
		c := by[f]
		if c == nil {
			c = &Change{Function: f}
			by[f] = c
		}
		return c
	}
	for _, c := range ours {
		get(c.Function).Ours = c.Instructions / max(oursRequests, 1)
	}
	for _, c := range base {
		get(c.Function).Base = c.Instructions / max(baseRequests, 1)
	}
	out := make([]Change, 0, len(by))
	for _, c := range by {
		c.Delta = c.Ours - c.Base
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Change) int {
		if a.Delta != b.Delta {
			return cmp.Compare(b.Delta, a.Delta)
		}
		return strings.Compare(a.Function, b.Function)
	})
	return out
}
