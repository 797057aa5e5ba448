package graph

import (
	"sync/atomic"

	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/simd"
)

// Builder links new nodes into a graph with NSW insertion and heuristic pruning. One Builder
// is shared by every inserting goroutine; each goroutine brings its own Worker.
type Builder struct {
	// G is the graph being built.
	G *Graph
	// Quant is the quantizer of the codes the graph is built on.
	Quant quant.Quantizer
	// Slab holds the codes of every node (row id at id*CodeSize). It must not change while
	// insertions run.
	Slab []byte
	// Alpha relaxes the bottom layer's pruning: candidate c is dropped when an accepted s has
	// alpha*d(s,c) < d(n,c). The route layers prune with min(Alpha, 1) (alphaAt).
	Alpha float32
	// EfConstruction is the beam width of insertion searches.
	EfConstruction int
	// noClosed prunes every full list whole, closed or not (tests compare the two).
	noClosed bool
	// Search and SearchSlab, when set, are the codes that insertion searches traverse (the
	// cheap primary codes of a two-stage quantizer); Quant and Slab then serve only to rank
	// the candidates found and to prune, so edges are chosen by the precise distances.
	Search     quant.Quantizer
	SearchSlab []byte
	// Skip, when set, reports the node slots Repair leaves alone: free slots of removed nodes,
	// which have no edges and must not gain any.
	Skip func(id uint32) bool
}

// split reports whether searches run on codes other than the pruning codes.
func (b *Builder) split() bool { return b.Search != nil }

// searchSpace returns the space insertion searches traverse, with the query set to v.
func (b *Builder) searchSpace(w *Worker, v []float32) Space {
	if b.split() {
		if w.scq != b.Search {
			// a pooled worker may come from a builder that searched other codes
			w.sc, w.scq = b.Search.NewComputer(), b.Search
		}
		w.sc.SetQuery(v)
		return Space{Comp: w.sc, Slab: b.SearchSlab}
	}
	w.qc.SetQuery(v)
	return Space{Comp: w.qc, Slab: b.Slab}
}

// rescore replaces the distances of items (search-space distances of the query v) by the
// pruning-space ones and sorts them; without a split space it does nothing.
func (b *Builder) rescore(w *Worker, v []float32, items []topk.Item) {
	if !b.split() || len(items) == 0 {
		return
	}
	w.qc.SetQuery(v)
	ids := make32(&w.ids, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	if cap(w.dists) < len(ids) {
		w.dists = make([]float32, len(ids))
	}
	d := w.dists[:len(ids)]
	w.qc.DistanceBatch(b.Slab, ids, d)
	for i := range items {
		items[i].Dist = d[i]
	}
	sortItems(items)
}

// Worker is one goroutine's insertion state.
type Worker struct {
	s      *Searcher
	qc, pc quant.Computer
	sc     quant.Computer // search-space computer when the builder splits spaces
	scq    quant.Quantizer
	exact  bool
	ip     bool
	dim    int
	stride int
	vec    []float32
	cands  []topk.Item
	sel    []topk.Item
	selIDs []uint32
	link   []uint32
	levels [][]uint32 // chosen neighbours per level, published bottom-up
	ids    []uint32
	dists  []float32
	back   []uint32 // LinkBack's copy of a list
	vam    vamanaScratch
}

// NewWorker returns insertion state for one goroutine.
func (b *Builder) NewWorker() *Worker {
	deg := b.G.MaxDegree()
	var sc quant.Computer
	if b.split() {
		sc = b.Search.NewComputer()
	}
	return &Worker{
		sc:     sc,
		scq:    b.Search,
		s:      NewSearcher(deg),
		qc:     b.Quant.NewComputer(),
		pc:     b.Quant.NewComputer(),
		exact:  b.Quant.Name() == "fp32",
		ip:     b.Quant.Metric().UsesInnerProduct(),
		dim:    b.Quant.Dim(),
		stride: b.Quant.CodeSize(),
		vec:    make([]float32, b.Quant.Dim()),
		ids:    make([]uint32, 0, deg+1),
		dists:  make([]float32, max(deg+1, b.EfConstruction)),
	}
}

// vecOf returns the vector of node id as the build codes hold it (a view for fp32 codes).
func (b *Builder) vecOf(w *Worker, id uint32) []float32 {
	code := b.Slab[int(id)*w.stride : int(id+1)*w.stride]
	if w.exact {
		return quant.AsFloat32(code)
	}
	b.Quant.Decode(w.vec, code)
	return w.vec
}

// pivotBatch writes the distance from node p to each of ids into out. fp32 codes go straight
// to the kernels with p's row as the query, sparing the computer's copy of the query.
func (b *Builder) pivotBatch(w *Worker, p uint32, ids []uint32, out []float32) {
	b.pivotMeasure(w, b.pivotSet(w, p), ids, out)
}

// pivotSet makes node p the pivot of the pivotMeasure calls that follow: it returns p's row
// for fp32 codes and otherwise sets p's code (quant.CodeQuerier) or decoded vector as the
// query of w.pc.
func (b *Builder) pivotSet(w *Worker, p uint32) []float32 {
	if w.exact {
		return b.vecOf(w, p)
	}
	if cq, ok := w.pc.(quant.CodeQuerier); ok && cq.SetQueryCode(b.Slab[int(p)*w.stride:int(p+1)*w.stride]) {
		return nil
	}
	w.pc.SetQuery(b.vecOf(w, p))
	return nil
}

// pivotMeasure writes the distance from the pivot (v, from pivotSet) to each of ids into out.
func (b *Builder) pivotMeasure(w *Worker, v []float32, ids []uint32, out []float32) {
	if w.exact {
		rows := quant.AsFloat32(b.Slab)
		if w.ip {
			simd.InnerProductBatch(v, rows, w.dim, ids, out)
			for i := range out[:len(ids)] {
				out[i] = 1 - out[i]
			}
			return
		}
		simd.L2SqrBatch(v, rows, w.dim, ids, out)
		return
	}
	w.pc.DistanceBatch(b.Slab, ids, out)
}

// Insert links node id, whose route level is level and whose vector is v, into the graph.
// The node must have been added with AddNode(level). Re-inserting a linked node replaces its
// own lists and keeps the edges that point to it.
func (b *Builder) Insert(w *Worker, id uint32, level int, v []float32) {
	g := b.G
	ep, top, ok := g.Entry()
	if !ok {
		g.epMu.Lock()
		ep, top, ok = g.Entry()
		if !ok {
			g.setEntry(id, level)
			g.epMu.Unlock()
			return
		}
		g.epMu.Unlock()
	}
	if ep == id && top >= level {
		// the entry point itself (re-insertion): search from one of its bottom neighbours
		nb := g.Neighbors(0, id, w.ids[:0])
		if len(nb) == 0 {
			return
		}
		ep, top = nb[0], 0
	}
	sp := b.searchSpace(w, v)
	s := w.s
	epD := s.Distance(sp, ep)
	for l := top; l > level; l-- {
		ep, epD = s.Greedy(g, l, sp, ep, epD)
	}
	// Neighbours are chosen top-down but published bottom-up: a concurrent search that reaches
	// this node through a route layer must find its bottom-layer list already in place, or its
	// bottom search would start from a node with no edges.
	hi := min(level, top)
	for len(w.levels) <= hi {
		w.levels = append(w.levels, nil)
	}
	for l := hi; l >= 0; l-- {
		w.levels[l] = w.levels[l][:0]
		s.SearchLayer(g, l, sp, ep, epD, b.EfConstruction, nil)
		res := s.Results()
		w.cands = w.cands[:0]
		for _, it := range res {
			if it.ID != id {
				w.cands = append(w.cands, it)
			}
		}
		if len(w.cands) == 0 {
			continue
		}
		ep, epD = w.cands[0].ID, w.cands[0].Dist
		b.rescore(w, v, w.cands)
		sel := b.prune(w, w.cands, g.Degree(l), b.alphaAt(l))
		for _, it := range sel {
			w.levels[l] = append(w.levels[l], it.ID)
		}
	}
	for l := 0; l <= hi; l++ {
		if len(w.levels[l]) == 0 {
			continue
		}
		// addReverse reuses every other buffer, so the chosen ids get their own
		w.link = append(w.link[:0], w.levels[l]...)
		g.Lock(id)
		g.SetNeighbors(l, id, w.link)
		g.Unlock(id)
		for _, nb := range w.link {
			b.addReverse(w, l, nb, id)
		}
	}
	if level > top {
		g.epMu.Lock()
		if _, cur, _ := g.Entry(); level > cur {
			g.setEntry(id, level)
		}
		g.epMu.Unlock()
	}
}

// alphaAt returns the pruning relaxation of level: Alpha on the bottom layer, and on the route
// layers no relaxation above 1. A route layer only leads a search down to its start, so it
// needs the long edges the strict rule keeps: with alpha above 1 and the degree capped, the
// near neighbours that alpha lets through crowd them out. On 128-dim Gaussian clusters
// (clustered-128, sq8_uniform + fp32 reorder, max_degree 32, alpha 1.1 everywhere) 19 of 1 000
// queries ended in the wrong cluster with no true neighbour found, even at ef_search 300
// (recall 0.9777); with strict route layers, 1 query did (recall 0.9954), at the same cost
// per search.
// On Fashion-MNIST the two builds search alike.
func (b *Builder) alphaAt(level int) float32 {
	if level > 0 {
		return min(b.Alpha, 1)
	}
	return b.Alpha
}

// prune selects up to m items of cands (ascending distance to the pivot) with the
// heuristic: c is accepted unless an already accepted s has alpha*d(s,c) < d(pivot,c); when
// all of cands fit, it keeps them all. The result lives in w.sel. It uses w.pc.
func (b *Builder) prune(w *Worker, cands []topk.Item, m int, alpha float32) []topk.Item {
	if len(cands) <= m {
		w.sel = append(w.sel[:0], cands...)
		return w.sel
	}
	return b.choose(w, cands, m, alpha)
}

// choose is prune's heuristic applied whether or not all of cands fit in m.
func (b *Builder) choose(w *Worker, cands []topk.Item, m int, alpha float32) []topk.Item {
	w.sel = w.sel[:0]
	ids := w.ids[:0]
	for _, c := range cands {
		if len(w.sel) >= m {
			break
		}
		good := true
		if len(ids) > 0 {
			good = !b.droppedBy(w, b.pivotSet(w, c.ID), ids, c.Dist, alpha)
		}
		if good {
			w.sel = append(w.sel, c)
			ids = append(ids, c.ID)
		}
	}
	w.ids = ids
	return w.sel
}

// droppedBy reports whether one of accepted (nearest first) drops the candidate at distance dist
// from the list's node, given the candidate as pivot pv (pivotSet): alpha*d(a, candidate) < dist.
// The nearest reject most candidates, so they are measured in steps of 1, 2, 4 and then a
// kernel group, stopping at the first rejection (on Fashion-MNIST this measures 63% fewer pairs
// than all of them at once). It uses w.dists.
func (b *Builder) droppedBy(w *Worker, pv []float32, accepted []uint32, dist, alpha float32) bool {
	step := 1
	for lo := 0; lo < len(accepted); lo, step = lo+step, min(2*step, pruneChunk) {
		part := accepted[lo:min(lo+step, len(accepted))]
		d := w.dists[:len(part)]
		b.pivotMeasure(w, pv, part, d)
		for _, dsc := range d {
			if alpha*dsc < dist {
				return true
			}
		}
	}
	return false
}

// addReverse adds the edge s -> x on level, re-pruning s's list when it is full.
func (b *Builder) addReverse(w *Worker, level int, s, x uint32) {
	g := b.G
	g.Lock(s)
	defer g.Unlock(s)
	l := g.list(level, s)
	if l == nil {
		return
	}
	closed := atomic.LoadUint32(&l[0])&closedMark != 0
	n := listLen(l)
	for i := 1; i <= n; i++ {
		if l[i] == x {
			return
		}
	}
	if n < len(l)-1 {
		atomic.StoreUint32(&l[n+1], x)
		atomic.StoreUint32(&l[0], uint32(n+1))
		return
	}
	// full: rank the old neighbours and x by distance to s and prune back to the degree
	ids := make32(&w.ids, n+1)
	copy(ids, l[1:n+1])
	ids[n] = x
	items := b.rank(w, s, ids)
	var sel []topk.Item
	if closed && !b.noClosed {
		sel = b.pruneAdd(w, items, x, n, b.alphaAt(level))
	} else {
		sel = b.prune(w, items, n, b.alphaAt(level))
	}
	out := make32(&w.selIDs, len(sel))
	for i, it := range sel {
		out[i] = it.ID
	}
	g.setNeighbors(level, s, out, closedMark)
}

// pruneAdd is prune(items, m, alpha) for items that are a closed list (closedMark) and one
// more node x, ascending: the entries nearer than x are kept as they were; x is kept unless one
// of them drops it, and then drops the farther entries it would drop. Since no entry of the
// closed list drops another, that is what pruning the whole list gives, measuring x against
// each entry once. The result lives in w.sel.
func (b *Builder) pruneAdd(w *Worker, items []topk.Item, x uint32, m int, alpha float32) []topk.Item {
	p := 0
	for p < len(items) && items[p].ID != x {
		p++
	}
	if p == len(items) {
		return b.prune(w, items, m, alpha) // not the case addReverse makes
	}
	w.sel = w.sel[:0]
	if p >= m {
		// x comes after m entries that stay: the cap leaves it out
		w.sel = append(w.sel, items[:m]...)
		return w.sel
	}
	ids := make32(&w.ids, 0)
	for _, it := range items {
		if it.ID != x {
			ids = append(ids, it.ID)
		}
	}
	w.ids = ids
	// x against the nearer entries, as prune measures a candidate
	pv := b.pivotSet(w, x)
	if b.droppedBy(w, pv, ids[:p], items[p].Dist, alpha) {
		for _, it := range items {
			if it.ID != x && len(w.sel) < m {
				w.sel = append(w.sel, it)
			}
		}
		return w.sel
	}
	d := w.dists[:len(ids)]
	b.pivotMeasure(w, pv, ids[p:], d[p:])
	w.sel = append(w.sel, items[:p+1]...)
	for j, it := range items[p+1:] {
		if len(w.sel) >= m {
			break
		}
		if alpha*d[p+j] >= it.Dist {
			w.sel = append(w.sel, it)
		}
	}
	return w.sel
}

// rank measures ids against node s and returns them as items by ascending distance (held in
// w.cands; it uses w.dists).
func (b *Builder) rank(w *Worker, s uint32, ids []uint32) []topk.Item {
	d := w.dists[:len(ids)]
	b.pivotBatch(w, s, ids, d)
	items := w.cands[:0]
	for i, id := range ids {
		items = append(items, topk.Item{Dist: d[i], ID: id})
	}
	insertionSort(items)
	w.cands = items
	return items
}

func make32(buf *[]uint32, n int) []uint32 {
	if cap(*buf) < n {
		*buf = make([]uint32, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// sortItems sorts by ascending distance, ties by id: insertion sort for short lists.
func sortItems(items []topk.Item) {
	if len(items) > 64 {
		topk.SortItems(items)
		return
	}
	insertionSort(items)
}

func insertionSort(items []topk.Item) {
	for i := 1; i < len(items); i++ {
		x := items[i]
		j := i
		for j > 0 && (items[j-1].Dist > x.Dist || items[j-1].Dist == x.Dist && items[j-1].ID > x.ID) {
			items[j] = items[j-1]
			j--
		}
		items[j] = x
	}
}

// Repair makes every bottom node reachable from the entry point. Pruning can drop the last
// edge into a node; for each such node Repair searches for it from the entry point and links
// it from the closest reachable node found (replacing that node's farthest neighbour when its
// list is full), then checks again. It returns the number of edges added.
func (b *Builder) Repair(w *Worker) int {
	g := b.G
	ep, top, ok := g.Entry()
	if !ok || g.Len() < 2 {
		return 0
	}
	added := 0
	reach := make([]bool, g.Len())
	var stack []uint32
	mark := func(from uint32) {
		if reach[from] {
			return
		}
		reach[from] = true
		stack = append(stack[:0], from)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			w.ids = g.Neighbors(0, v, w.ids[:0])
			for _, u := range w.ids {
				if !reach[u] {
					reach[u] = true
					stack = append(stack, u)
				}
			}
		}
	}
	vec := make([]float32, b.Quant.Dim())
	for round := 0; round < 4; round++ {
		clear(reach)
		mark(ep)
		missing := false
		for u := range reach {
			if reach[u] || b.Skip != nil && b.Skip(uint32(u)) {
				continue
			}
			missing = true
			copy(vec, b.vecOf(w, uint32(u)))
			sp := b.searchSpace(w, vec)
			cur, curD := ep, w.s.Distance(sp, ep)
			for l := top; l >= 1; l-- {
				cur, curD = w.s.Greedy(g, l, sp, cur, curD)
			}
			w.s.SearchLayer(g, 0, sp, cur, curD, b.EfConstruction, nil)
			for _, it := range w.s.Results() {
				if it.ID != uint32(u) && reach[it.ID] {
					b.forceLink(w, it.ID, uint32(u))
					added++
					break
				}
			}
			mark(uint32(u))
		}
		if !missing {
			break
		}
	}
	return added
}

// forceLink adds s -> u, replacing s's farthest neighbour when the list is full.
func (b *Builder) forceLink(w *Worker, s, u uint32) {
	g := b.G
	g.Lock(s)
	defer g.Unlock(s)
	l := g.list(0, s)
	n := listLen(l)
	for i := 1; i <= n; i++ {
		if l[i] == u {
			return
		}
	}
	if n < len(l)-1 {
		atomic.StoreUint32(&l[n+1], u)
		atomic.StoreUint32(&l[0], uint32(n+1))
		return
	}
	ids := make32(&w.ids, n)
	copy(ids, l[1:n+1])
	d := w.dists[:n]
	b.pivotBatch(w, s, ids, d)
	far := 0
	for i := range d {
		if d[i] > d[far] {
			far = i
		}
	}
	atomic.StoreUint32(&l[far+1], u)
	atomic.StoreUint32(&l[0], uint32(n)) // neither ordered nor closed any more (no marks)
}

// LinkBack makes sure some bottom-layer neighbour of u links back to u, the cheap local form
// of Repair for nodes just inserted: pruning the lists of u's neighbours may have dropped the
// reverse edges insertion gave them. When none of u's neighbours links to u, the first (the
// nearest) links to it, replacing its farthest neighbour when its list is full. It reports
// whether an edge was added. Nodes reached through other nodes only are left to Repair.
func (b *Builder) LinkBack(w *Worker, u uint32) bool {
	g := b.G
	out := g.Neighbors(0, u, w.back[:0])
	w.back = out
	if len(out) == 0 {
		return false
	}
	for _, s := range out {
		l := g.list(0, s)
		n := listLen(l)
		for i := 1; i <= n; i++ {
			if atomic.LoadUint32(&l[i]) == u {
				return false
			}
		}
	}
	b.forceLink(w, out[0], u)
	return true
}
