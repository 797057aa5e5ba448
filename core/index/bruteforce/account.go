package bruteforce

import "github.com/govsag/vsag/core/alloc"

// UseAccount makes the index charge its code slab to a, allocate it with a's allocator and
// refuse adds beyond a's budget (alloc.User).
func (x *Index) UseAccount(a *alloc.Account) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.codes.SetAccount(a)
}
