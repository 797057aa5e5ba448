package hgraph

import (
	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/store"
)

// UseAccount makes the index charge its code stores and graph adjacency to a, allocate the
// stores' slabs with a's allocator and refuse growth beyond a's budget (alloc.User).
func (x *Index) UseAccount(a *alloc.Account) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.acct = a
	for _, c := range []*store.Codes{x.baseCodes, x.preciseCodes, x.raw} {
		if c != nil {
			c.SetAccount(a)
		}
	}
	x.g.SetAccount(a)
}

// checkGrow checks growing the stores and the graph to n nodes of per bytes against the index's
// account (the growth beyond the capacity held) and the machine (the whole new size).
func (x *Index) checkGrow(n int, per int64, what string) error {
	delta := memguard.Mul(int64(max(n-x.capacity(), 0)), per)
	if delta > 0 {
		delta += 5 * (alloc.Align + 8) // each slab's alignment slack
	}
	return x.acct.CheckGrowth(memguard.Mul(int64(n), per), delta, what)
}
