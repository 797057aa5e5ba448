package bruteforce

import (
	"strconv"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/store"
)

// UseAccount makes the index charge its code slab and its label table to a, allocate the slab
// with a's allocator and refuse adds beyond a's budget (alloc.User).
func (x *Index) UseAccount(a *alloc.Account) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.codes.SetAccount(a)
	if x.side == nil {
		x.side = alloc.NewTracker(a)
	} else {
		x.side.Move(a)
	}
	x.chargeLabels()
}

// checkLabels returns NO_ENOUGH_MEMORY when n more rows do not fit in the account: the code
// slab's growth to hold them and the label table's to its bound for the new count. Nothing is
// checked before an account is handed. The caller holds the exclusive lock.
func (x *Index) checkLabels(n int) error {
	if x.side == nil || n == 0 {
		return nil
	}
	total := x.labels.Total() + n
	need := max(int64(total)*int64(x.codes.Stride())-x.codes.MemoryUsage(), 0)
	need += max(store.EstimateLabelsMemory(total)+int64(total/4+1024)*8-x.labels.MemoryUsage(), 0)
	return x.codes.Account().Check(need, "brute_force: the codes and labels of "+strconv.Itoa(n)+" rows")
}

// chargeLabels charges the label table to the account. The caller holds the exclusive lock.
func (x *Index) chargeLabels() {
	if x.side != nil {
		x.side.Set(x.labels.MemoryUsage())
	}
}
