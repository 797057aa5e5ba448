package pyramid

import (
	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/store"
)

// UseAccount makes the index charge its code stores to a, allocate their slabs with a's
// allocator and refuse adds beyond a's budget (alloc.User). The per-node sub-graphs are not
// charged.
func (x *Index) UseAccount(a *alloc.Account) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, c := range []*store.Codes{x.baseCodes, x.preciseCodes, x.raw} {
		if c != nil {
			c.SetAccount(a)
		}
	}
}
