package ivf

import "github.com/govsag/vsag/core/alloc"

// UseAccount makes the index charge its bucket lists and precise codes to a, allocate the
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
}

// bucketBytes returns the bytes a bucket's lists hold.
func bucketBytes(bk *bucket) int64 {
	return int64(cap(bk.rows))*4 + int64(cap(bk.codes)+cap(bk.packed)+cap(bk.precise))
}
