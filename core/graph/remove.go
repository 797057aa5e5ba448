package graph

import (
	"sync/atomic"

	"github.com/govsag/vsag/core/topk"
)

// Removing nodes for good (an index's force remove) happens in two steps. First, with the
// node set unchanged and searches running, every list that points at a node being removed is
// rewritten by RepairList: the removed neighbours are replaced by their own neighbours and the
// list is pruned with the graph's rule. Then, under the index's exclusive lock, Detach empties
// the removed nodes' lists, takes them out of the route layers and moves the entry point when
// it was one of them. The slots can later be taken again by Revive.

// RepairScratch is one goroutine's state for RepairList.
type RepairScratch struct {
	// Back collects the back edges (from, to) of the edges RepairList added.
	Back    [][2]uint32
	seen    VisitedList
	cands   []topk.Item
	refused []topk.Item
	ids     []uint32
	dists   []float32
	pivot   []float32
	list    []uint32
	exp     []uint32
	next    []uint32
	nb      []uint32
	out     []uint32
}

// repairDepth is how many removed nodes in a row RepairList looks through for replacements: a
// removed neighbour's neighbours, and theirs when those are removed too.
const repairDepth = 2

// repairPool bounds the candidates of one repaired list to the nearest
// max(ef_construction, repairPool x degree), as an insertion's search would.
const repairPool = 2

// RepairList rewrites the list of node id on level after the nodes of gone (a bitmap over node
// ids) are removed. id is affected when its list holds removed nodes (it lost neighbours) or
// when it is in the list of one of via, removed nodes (it lost an in-neighbour). The
// candidates are the neighbours of those removed nodes (looking through up to repairDepth
// removed nodes in a row) and, when id lost neighbours, the neighbours of its remaining ones:
// the neighbourhood an insertion's search would find, ranked by distance to id.
//
// id keeps its remaining neighbours. Candidates are added in order of distance when the
// builder's rule (Vamana's when vp is not nil) accepts them against every neighbour kept or
// added, up to the level's degree; then, when the list is shorter than before the removal, the
// nearest candidates the rule refused fill it back to its former length. Keeping the list's
// length and its edges that are not the rule's choice (the back edges insertions add) keeps
// the graph as dense as a built one; re-selecting whole lists with the rule thins it out round
// after round. For every edge id -> u added, the back edge (u, id) is appended to rs.Back, for
// the caller to add once every list is repaired (AddBackEdges), as an insertion adds back
// edges: without them the graph loses its two-way links a little more with every removal.
//
// It reports whether the list changed. Searches may run meanwhile; the caller makes sure no
// other goroutine writes id's list and that no node is added or detached while it runs.
func (b *Builder) RepairList(w *Worker, rs *RepairScratch, level int, id uint32, gone []uint64, via []uint32, vp *VamanaParams) bool {
	g := b.G
	isGone := func(u uint32) bool { return int(u>>6) < len(gone) && gone[u>>6]&(1<<(u&63)) != 0 }
	list := g.Neighbors(level, id, rs.list[:0])
	rs.list = list
	rs.seen.Reset(g.Len())
	rs.seen.Visit(id)
	keep := rs.ids[:0]
	exp := rs.exp[:0]
	for _, u := range list {
		if rs.seen.Visit(u) {
			continue
		}
		if isGone(u) {
			exp = append(exp, u)
		} else {
			keep = append(keep, u)
		}
	}
	lost := len(exp) > 0
	if !lost && len(via) == 0 {
		rs.ids, rs.exp = keep, exp
		return false
	}
	for _, r := range via {
		if !rs.seen.Visit(r) {
			exp = append(exp, r)
		}
	}
	nk := len(keep)
	ids := keep
	nb := rs.nb
	for depth := 0; depth < repairDepth && len(exp) > 0; depth++ {
		next := rs.next[:0]
		for _, r := range exp {
			nb = g.Neighbors(level, r, nb[:0])
			for _, u := range nb {
				if rs.seen.Visit(u) {
					continue
				}
				if isGone(u) {
					next = append(next, u)
				} else {
					ids = append(ids, u)
				}
			}
		}
		rs.next = exp
		exp = next
	}
	if lost {
		for _, s := range ids[:nk] {
			nb = g.Neighbors(level, s, nb[:0])
			for _, u := range nb {
				if !rs.seen.Visit(u) && !isGone(u) {
					ids = append(ids, u)
				}
			}
		}
	}
	rs.nb, rs.exp, rs.ids = nb, exp[:0], ids
	deg := g.Degree(level)
	cands := rs.cands[:0]
	if len(ids) > nk {
		d := growF32(&rs.dists, len(ids)-nk)
		b.pivotBatch(w, id, ids[nk:], d)
		for i, u := range ids[nk:] {
			cands = append(cands, topk.Item{Dist: d[i], ID: u})
		}
		sortItems(cands)
		if pool := max(b.EfConstruction, repairPool*deg); len(cands) > pool {
			cands = cands[:pool]
		}
	}
	rs.cands = cands
	alpha := b.alphaAt(level)
	drops := func(dsc, dpc float32) bool { return alpha*dsc < dpc }
	if vp != nil {
		drops = func(dsc, dpc float32) bool { return vamanaDrops(vp.IP, vp.Alpha, dsc, dpc) }
	}
	out := append(rs.out[:0], ids[:nk]...)
	refused := rs.refused[:0]
	for _, c := range cands {
		if len(out) >= deg {
			break
		}
		ok := true
		if len(out) > 0 {
			d := growF32(&rs.pivot, len(out))
			b.pivotBatch(w, c.ID, out, d)
			for _, dsc := range d {
				if drops(dsc, c.Dist) {
					ok = false
					break
				}
			}
		}
		if ok {
			out = append(out, c.ID)
		} else {
			refused = append(refused, c)
		}
	}
	for _, c := range refused {
		if len(out) >= min(len(list), deg) {
			break
		}
		out = append(out, c.ID)
	}
	rs.refused, rs.out = refused, out
	if !lost && len(out) == nk {
		return false
	}
	for _, u := range out[nk:] {
		rs.Back = append(rs.Back, [2]uint32{u, id})
	}
	g.Lock(id)
	g.SetNeighbors(level, id, out)
	g.Unlock(id)
	return true
}

// AddBackEdges adds the edge from -> to on level for each (from, to) pair of back (RepairList's
// rs.Back), re-pruning a full list with the builder's rule as an insertion does. Lists are
// locked one at a time, so goroutines may add back edges in parallel, but not while RepairList
// runs.
func (b *Builder) AddBackEdges(w *Worker, level int, back [][2]uint32) {
	for _, e := range back {
		b.addReverse(w, level, e[0], e[1])
	}
}

// LayerNodes returns a copy of the members of route layer level (1-based); nil for the bottom
// layer or a level above the top. The caller holds the index's lock (shared is enough).
func (g *Graph) LayerNodes(level int) []uint32 {
	if level < 1 || level > len(g.layers) {
		return nil
	}
	return append([]uint32(nil), g.layers[level-1].nodes...)
}

// Detach takes nodes out of the graph for good: their lists on every level are emptied and
// they leave the route layers, route layers left empty at the top are dropped, and when the
// entry point is among them a new one is chosen (a member of the top route layer, else the
// first bottom node that gone does not report, else none). gone reports the nodes that cannot
// serve as entry point: those being detached and those detached before. Lists that point at
// the nodes must have been repaired first (RepairList). The caller holds the index's
// exclusive lock.
func (g *Graph) Detach(ids []uint32, gone func(uint32) bool) {
	st := g.routeDeg + 1
	for _, id := range ids {
		if int(id) >= g.n {
			continue
		}
		atomic.StoreUint32(&g.adj[int(id)*g.stride], 0)
		for _, r := range g.layers {
			r.remove(id, st)
		}
	}
	for len(g.layers) > 0 && len(g.layers[len(g.layers)-1].nodes) == 0 {
		g.layers[len(g.layers)-1] = nil
		g.layers = g.layers[:len(g.layers)-1]
	}
	ep, _, ok := g.Entry()
	if !ok || !gone(ep) {
		return
	}
	if top := len(g.layers); top > 0 {
		g.setEntry(g.layers[top-1].nodes[0], top)
		return
	}
	for u := 0; u < g.n; u++ {
		if !gone(uint32(u)) {
			g.setEntry(uint32(u), 0)
			return
		}
	}
	g.entry.Store(0)
}

// remove takes id out of the layer, moving the last member into its slot so the layer stays
// dense.
func (r *routeLayer) remove(id uint32, stride int) {
	s, ok := r.slot[id]
	if !ok {
		return
	}
	last := uint32(len(r.nodes) - 1)
	if s != last {
		mv := r.nodes[last]
		r.nodes[s] = mv
		r.slot[mv] = s
		copy(r.adj[int(s)*stride:int(s+1)*stride], r.adj[int(last)*stride:int(last+1)*stride])
	}
	delete(r.slot, id)
	r.nodes = r.nodes[:last]
	r.adj = r.adj[:int(last)*stride]
}

// Revive makes a detached node id a member of route layers 1..level again, with empty lists,
// ready to be linked like a node AddNode appended. The caller holds the index's exclusive lock.
func (g *Graph) Revive(id uint32, level int) {
	atomic.StoreUint32(&g.adj[int(id)*g.stride], 0)
	for l := 1; l <= level; l++ {
		if l > len(g.layers) {
			g.layers = append(g.layers, &routeLayer{slot: map[uint32]uint32{}})
		}
		if _, ok := g.layers[l-1].slot[id]; !ok {
			g.layers[l-1].add(id, g.routeDeg+1)
		}
	}
}

// IncomingCount returns how many lists on level hold id (a linear scan, for tests and checks).
func (g *Graph) IncomingCount(level int, id uint32) int {
	n := 0
	var buf []uint32
	check := func(u uint32) {
		buf = g.Neighbors(level, u, buf[:0])
		for _, v := range buf {
			if v == id {
				n++
				return
			}
		}
	}
	if level == 0 {
		for u := 0; u < g.n; u++ {
			check(uint32(u))
		}
		return n
	}
	for _, u := range g.LayerNodes(level) {
		check(u)
	}
	return n
}
