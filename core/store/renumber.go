package store

// PermuteRows moves the rows of slab (len(perm) rows of stride bytes) so that row i holds
// what row perm[i] held, perm a permutation of 0..len(perm)-1. It works in place, one cycle
// of the permutation at a time with one row of scratch.
func PermuteRows(slab []byte, stride int, perm []uint32) {
	n := len(perm)
	if stride == 0 || n == 0 {
		return
	}
	slab = slab[:n*stride]
	done := make([]uint64, (n+63)/64)
	tmp := make([]byte, stride)
	row := func(i int) []byte { return slab[i*stride : (i+1)*stride] }
	for start := range n {
		if done[start/64]&(1<<(start%64)) != 0 {
			continue
		}
		if int(perm[start]) == start {
			done[start/64] |= 1 << (start % 64)
			continue
		}
		copy(tmp, row(start))
		cur := start
		for {
			done[cur/64] |= 1 << (cur % 64)
			src := int(perm[cur])
			if src == start {
				copy(row(cur), tmp)
				break
			}
			copy(row(cur), row(src))
			cur = src
		}
	}
}

// Renumber moves row perm[i] to row i for every i, perm a permutation of 0..Len()-1. The
// rows must be in memory (OnDisk false): a store on disk is a programming error and panics.
// Caller holds the exclusive lock.
func (c *Codes) Renumber(perm []uint32) {
	if c.disk != nil || len(perm) != c.n {
		panic("store: Renumber needs an in-memory store and a permutation of its rows")
	}
	PermuteRows(c.slab, c.stride, perm)
}

// Renumber gives inner id perm[i] the id i, perm a permutation of 0..Total()-1 and inv its
// inverse. It reports false, with nothing changed, when a label is removed (the removed
// marks are not renumbered). Caller holds the exclusive lock.
func (l *Labels) Renumber(perm, inv []uint32) bool {
	if l.nRemove > 0 || len(perm) != len(l.labels) || len(inv) != len(perm) {
		return false
	}
	labels := make([]int64, len(l.labels))
	for i, old := range perm {
		labels[i] = l.labels[old]
	}
	copy(l.labels, labels)
	for i, v := range l.vals {
		if v != emptySlot {
			l.vals[i] = inv[v]
		}
	}
	return true
}
