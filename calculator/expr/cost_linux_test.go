package expr

import (
	"math/big"
	"math/rand/v2"
	"runtime"
	"sort"
	"syscall"
	"testing"
)

// BenchmarkCostModel measures the CPU time of each big-integer primitive
// at sizes from 1 to 1563 words (100,000 bits) and reports the largest
// ratio of that time to the primitive's estimated cost, in CPU
// nanoseconds per unit of work: the cost model is an upper bound of the
// time while it stays at most about 1, and MaxWork units then take at
// most about MaxWork nanoseconds. The table of every ratio is logged with
// -v.
//
//	go test ./expr -run '^$' -bench CostModel -benchtime 1x -v
func BenchmarkCostModel(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := rand.New(rand.NewPCG(1, 2))
	sizes := []int{1, 10, 100, 400, 1563}
	worst := 0.0
	for range b.N {
		for _, m := range sizes {
			for _, n := range sizes {
				if n > m {
					continue
				}
				x, y := randomWords(r, m), randomWords(r, n)
				wx, wy := words(x), words(y)
				for _, op := range []struct {
					name   string
					f      func()
					charge int64
				}{
					{"mul", func() { new(big.Int).Mul(x, y) }, mulCost(wx, wy)},
					{"quo", func() { new(big.Int).Quo(x, y) }, quoCost(wx, wy)},
					{"rem", func() { new(big.Int).Rem(x, y) }, quoCost(wx, wy)},
					{"gcd", func() { new(big.Int).GCD(nil, nil, x, y) }, gcdCost(wx, wy)},
					{"add", func() { new(big.Int).Add(x, y) }, addCost(wx, wy)},
				} {
					ratio := threadNanos(op.f) / float64(op.charge)
					worst = max(worst, ratio)
					b.Logf("%s %4d x %4d words: %.2f ns/unit", op.name, m, n, ratio)
				}
			}
		}
	}
	b.ReportMetric(worst, "worst-ns/unit")
}

// randomWords returns a random integer of exactly words 64-bit words.
func randomWords(r *rand.Rand, words int) *big.Int {
	x := new(big.Int)
	for range words {
		x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(r.Uint64()))
	}
	return x.SetBit(x, words*64-1, 1)
}

// threadNanos returns the CPU time of one call of f, in nanoseconds: the
// median of 5 batches of calls long enough to measure.
func threadNanos(f func()) float64 {
	var per []float64
	for range 5 {
		for n := 1; ; n *= 2 {
			start := threadCPU()
			for range n {
				f()
			}
			if el := threadCPU() - start; el > 2e6 {
				per = append(per, float64(el)/float64(n))
				break
			}
		}
	}
	sort.Float64s(per)
	return per[2]
}

// threadCPU returns the CPU time the calling thread has used.
func threadCPU() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1, &ru) // RUSAGE_THREAD; it fails only for a bad who or pointer
	return ru.Utime.Nano() + ru.Stime.Nano()
}
