package graph

import "github.com/govsag/vsag/core/hugepage"

// BFSOrder returns the nodes of the bottom layer in breadth-first order from the entry point,
// each list read in its stored order (an ordered head first, so nearer neighbours come
// first), followed by the nodes no walk from the entry reaches, in id order: order[i] is the
// node that would become i. Nodes that are neighbours in the graph end up close together, so
// a search that hops between neighbours reads rows that lie near each other in memory.
// Caller holds the exclusive lock.
func (g *Graph) BFSOrder() []uint32 {
	order := make([]uint32, 0, g.n)
	seen := make([]uint64, (g.n+63)/64)
	mark := func(id uint32) bool {
		if seen[id/64]&(1<<(id%64)) != 0 {
			return false
		}
		seen[id/64] |= 1 << (id % 64)
		return true
	}
	visit := func(start uint32) {
		if !mark(start) {
			return
		}
		head := len(order)
		order = append(order, start)
		for ; head < len(order); head++ {
			l := g.list(0, order[head])
			for _, nb := range l[1 : 1+listLen(l)] {
				if int(nb) < g.n && mark(nb) {
					order = append(order, nb)
				}
			}
		}
	}
	if e, _, ok := g.Entry(); ok {
		visit(e)
	}
	for id := range uint32(g.n) {
		visit(id)
	}
	return order
}

// Renumber gives node perm[i] the id i in every layer, perm a permutation of 0..Len()-1 and
// inv its inverse: lists move with their nodes and name their neighbours by the new ids, and
// the entry point follows. A list's word 0 (length and marks) moves unchanged. Caller holds
// the exclusive lock.
func (g *Graph) Renumber(perm, inv []uint32) {
	if len(perm) != g.n {
		panic("graph: Renumber needs a permutation of every node")
	}
	adj := make([]uint32, len(g.adj))
	hugepage.Slice(adj)
	for i, old := range perm {
		src := g.adj[int(old)*g.stride : (int(old)+1)*g.stride]
		dst := adj[i*g.stride : (i+1)*g.stride]
		dst[0] = src[0]
		n := listLen(src)
		for j := 1; j <= n; j++ {
			dst[j] = inv[src[j]]
		}
	}
	g.adj = adj
	st := g.routeDeg + 1
	for _, r := range g.layers {
		slot := make(map[uint32]uint32, len(r.slot))
		for s, old := range r.nodes {
			r.nodes[s] = inv[old]
			slot[inv[old]] = uint32(s)
			l := r.adj[s*st : (s+1)*st]
			n := listLen(l)
			for j := 1; j <= n; j++ {
				l[j] = inv[l[j]]
			}
		}
		r.slot = slot
	}
	if e, level, ok := g.Entry(); ok {
		g.setEntry(inv[e], level)
	}
}
