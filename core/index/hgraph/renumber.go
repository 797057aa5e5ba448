package hgraph

import "github.com/govsag/vsag/core/store"

// Renumbering for locality.
//
// A build appends its rows in the order they come and links them in that order, so the
// neighbours of a node lie anywhere in the code stores, and a search that hops between
// neighbours reads rows scattered over the whole index: on an index far larger than the
// caches almost every row is a fresh page and a fresh DRAM row. Once a build is linked, the
// nodes are renumbered in breadth-first order of the bottom graph from the entry point
// (graph.BFSOrder), and every store follows: neighbours then mostly sit a few rows apart.
// The graph, the codes and the labels are the same, only named differently, so searches
// measure the same distances and return the same labels.

// renumberMinRows and renumberMinBytes bound the builds that are renumbered: below them the
// rows a search reads stay in the caches whatever their order. Tests lower them.
var (
	renumberMinRows  = 16384
	renumberMinBytes = int64(32 << 20)
)

// renumberAfterBuild renumbers the nodes of a freshly built index for locality (see above)
// when every store is in memory, no label is removed, and no iterator session nor other insert
// holds inner ids.
// It reports whether it did. Caller holds the exclusive lock.
func (x *Index) renumberAfterBuild() bool {
	n := x.g.Len()
	if n < renumberMinRows || int64(n)*x.codeBytesPerRow() < renumberMinBytes {
		return false
	}
	if x.sessions.Load() != 0 || x.inserting.Load() > 1 || x.labels.NumRemoved() != 0 || x.slots.len() != 0 || x.labels.Total() != n {
		return false
	}
	codes := []*store.Codes{x.baseCodes, x.preciseCodes, x.raw}
	for _, c := range codes {
		if c != nil && (c.OnDisk() || c.Len() != n) {
			return false
		}
	}
	if x.primCodes != nil && x.primCodes.n != n {
		return false
	}
	perm := x.g.BFSOrder()
	inv := make([]uint32, n)
	moved := false
	for i, old := range perm {
		inv[old] = uint32(i)
		moved = moved || int(old) != i
	}
	if !moved || !x.labels.Renumber(perm, inv) {
		return false
	}
	for _, c := range codes {
		if c != nil {
			c.Renumber(perm)
		}
	}
	if x.primCodes != nil {
		store.PermuteRows(x.primCodes.slab, x.primCodes.stride, perm)
	}
	x.g.Renumber(perm, inv)
	x.rowEdits++ // the residual norms and any store copies grown before are by the old ids
	return true
}
