package expr

import "sync/atomic"

// Budget is an amount of big-number work, in the units of MaxWork (about
// a nanosecond of CPU time each), that evaluations draw from when it is
// their Options.Budget. It is safe for concurrent use: evaluations take
// work from it atomically, before doing it, so that in all they never do
// more than it held. The zero Budget holds no work (evaluations that need
// none still succeed). A Budget must not be copied once used.
type Budget struct {
	left atomic.Int64
}

// NewBudget returns a Budget holding units of work, or none when units
// is not positive.
func NewBudget(units int64) *Budget {
	b := new(Budget)
	b.left.Store(max(units, 0))
	return b
}

// Left returns the work left in b. While evaluations are using b it may
// be lower by the time it is read.
func (b *Budget) Left() int64 {
	return b.left.Load()
}

// take removes units from b and reports true if b holds that many;
// otherwise it leaves b as it is and reports false.
func (b *Budget) take(units int64) bool {
	for {
		left := b.left.Load()
		if units > left {
			return false
		}
		if b.left.CompareAndSwap(left, left-units) {
			return true
		}
	}
}
