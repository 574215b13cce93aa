package expr_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/go-multistage/multistage/calculator/expr"
)

// bigAns returns Options whose ans is 2^64, so that "ans + 1" costs one
// big addition: a single charge, of a cost that does not change.
func bigAns(t *testing.T) expr.Options {
	t.Helper()
	return expr.Options{Ans: eval(t, "2^64"), HasAns: true}
}

// cost returns the work Eval(src, opts) takes from a budget.
func cost(t *testing.T, src string, opts expr.Options) int64 {
	t.Helper()
	opts.Budget = expr.NewBudget(expr.MaxWork)
	if _, err := expr.Eval(src, opts); err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	c := expr.MaxWork - opts.Budget.Left()
	if c <= 0 {
		t.Fatalf("Eval(%q) took no work from the budget", src)
	}
	return c
}

// TestBudgetShared checks that a budget shared by goroutines lets exactly
// as many evaluations succeed as it pays for, and that the others fail
// with the budget's error, under the race detector too.
func TestBudgetShared(t *testing.T) {
	const src, goroutines, k = "ans + 1", 32, 5
	opts := bigAns(t)
	c := cost(t, src, opts)
	for round := range 20 {
		opts.Budget = expr.NewBudget(k * c)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			ok, fail int
		)
		for range goroutines {
			wg.Go(func() {
				_, err := expr.Eval(src, opts)
				mu.Lock()
				defer mu.Unlock()
				var e *expr.Error
				switch {
				case err == nil:
					ok++
				case errors.As(err, &e) && e.Msg == "CPU budget used up":
					fail++
				default:
					t.Errorf("Eval(%q): %v", src, err)
				}
			})
		}
		wg.Wait()
		if ok != k || fail != goroutines-k || opts.Budget.Left() != 0 {
			t.Fatalf("round %d: %d succeeded, %d failed, %d left; want %d, %d, 0",
				round, ok, fail, opts.Budget.Left(), k, goroutines-k)
		}
	}
}

// TestBudgetNeverOverspent checks that evaluations of several charges
// each, sharing a budget, never take more than it holds, and that what
// they took is what the successful ones cost, plus what the failed ones
// did before the budget ran out.
func TestBudgetNeverOverspent(t *testing.T) {
	const src, goroutines = "(5^4300 + 1)/7^3500", 32
	c := cost(t, src, expr.Options{})
	for round := range 5 {
		b := expr.NewBudget(3*c + c/2)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range goroutines {
			wg.Go(func() {
				if _, err := expr.Eval(src, expr.Options{Budget: b}); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if left := b.Left(); left < 0 || int64(ok)*c > 3*c+c/2-left || ok > 3 {
			t.Fatalf("round %d: %d succeeded and %d is left of %d, each costing %d", round, ok, left, 3*c+c/2, c)
		}
	}
}

// TestBudgetSequential checks the accounting of one evaluation after the
// other: each takes what it costs, and the one that finds too little left
// fails and takes nothing.
func TestBudgetSequential(t *testing.T) {
	opts := bigAns(t)
	c := cost(t, "ans + 1", opts)
	opts.Budget = expr.NewBudget(2*c + c/2)
	for i, want := range []int64{c + c/2, c / 2, c / 2} {
		_, err := expr.Eval("ans + 1", opts)
		if (err == nil) != (i < 2) || opts.Budget.Left() != want {
			t.Errorf("evaluation %d: %v, %d left; want %d", i+1, err, opts.Budget.Left(), want)
		}
	}
	if v, err := expr.Eval("2 + 3", opts); err != nil || v.Cmp(eval(t, "5")) != 0 {
		t.Errorf(`Eval("2 + 3") with little budget left: %v, %v; want 5 (small values cost nothing)`, v, err)
	}
}

func TestNewBudget(t *testing.T) {
	for _, tt := range []struct{ units, left int64 }{{0, 0}, {-5, 0}, {7, 7}} {
		if got := expr.NewBudget(tt.units).Left(); got != tt.left {
			t.Errorf("NewBudget(%d).Left() = %d, want %d", tt.units, got, tt.left)
		}
	}
	if got := new(expr.Budget).Left(); got != 0 {
		t.Errorf("new(Budget).Left() = %d, want 0", got)
	}
}
