package ivf

import (
	"strconv"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/store"
)

// UseAccount makes the index charge its bucket lists, precise codes, label table and row
// locations to a, allocate the
// precise codes' slab with a's allocator and refuse adds beyond a's budget (alloc.User).
func (x *Index) UseAccount(a *alloc.Account) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.acct = a
	if x.preciseCodes != nil {
		x.preciseCodes.SetAccount(a)
	}
	if x.bucketCharge == nil {
		x.bucketCharge = alloc.NewTracker(a)
	} else {
		x.bucketCharge.Move(a)
	}
	var held int64
	for i := range x.buckets {
		held += bucketBytes(&x.buckets[i])
	}
	x.bucketCharge.Set(held)
	if x.labelCharge == nil {
		x.labelCharge = alloc.NewTracker(a)
	} else {
		x.labelCharge.Move(a)
	}
	x.chargeLabels()
}

// bucketBytes returns the bytes a bucket's lists hold.
func bucketBytes(bk *bucket) int64 {
	return int64(cap(bk.rows))*4 + int64(cap(bk.codes)+cap(bk.packed)+cap(bk.precise))
}

// labelBytes returns what the label table and the row locations hold. The caller holds mu.
func (x *Index) labelBytes() int64 { return x.labels.MemoryUsage() + int64(cap(x.loc))*8 }

// labelGrowth bounds the growth of the label table and the row locations for n more rows: the
// table at its bound for the new count (the label array with an append's quarter to spare, the
// hash table at its load factor), and locCap for the locations. The caller holds mu.
func (x *Index) labelGrowth(n, locCap int) int64 {
	total := x.labels.Total() + n
	need := max(store.EstimateLabelsMemory(total)+int64(total/4+1024)*8-x.labels.MemoryUsage(), 0)
	return need + int64(max(locCap-cap(x.loc), 0))*8
}

// chargeLabels charges the label table and the row locations to the account (nothing before
// an account is handed). The caller holds mu.
func (x *Index) chargeLabels() {
	if x.labelCharge != nil {
		x.labelCharge.Set(x.labelBytes())
	}
}

// recharge charges what the bucket lists, the label table and the row locations hold now
// (after a merge appended to them). The caller holds wmu.
func (x *Index) recharge() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.bucketCharge != nil {
		var held int64
		for i := range x.buckets {
			held += bucketBytes(&x.buckets[i])
		}
		x.bucketCharge.Set(held)
	}
	x.chargeLabels()
}

// checkMerge checks what merging the live rows of srcs appends (their bucket entries with
// base, packed and precise codes, the label table and the row locations) against the account
// before anything is appended: NO_ENOUGH_MEMORY changes nothing. Rows a merge's id map drops
// are counted too (a bound). The caller holds wmu.
func (x *Index) checkMerge(srcs []*Index) error {
	cs := int64(x.base.CodeSize())
	per := 4 + cs // a bucket entry: its row and its base code
	if x.packed != nil {
		per += cs
	}
	if x.precise != nil && x.preciseCodes == nil {
		per += int64(x.precise.CodeSize())
	}
	var entries, rows int64
	for _, y := range srcs {
		y.mu.RLock()
		rows += int64(y.labels.Live())
		for b := range y.buckets {
			for _, r := range y.buckets[b].rows {
				if !y.labels.IsRemoved(r) {
					entries++
				}
			}
		}
		y.mu.RUnlock()
	}
	if rows == 0 {
		return nil
	}
	need := entries * per
	if x.preciseCodes != nil {
		need += rows * int64(x.precise.CodeSize())
	}
	x.mu.RLock()
	need += x.labelGrowth(int(rows), growCap(len(x.loc), cap(x.loc), int(rows)))
	x.mu.RUnlock()
	return x.acct.Check(need, "ivf: merging "+strconv.FormatInt(rows, 10)+" rows")
}
