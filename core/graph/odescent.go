package graph

import (
	"sync/atomic"

	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
)

// ODescentParams configures an ODescent build (VSAG's graph_type "odescent"): NN-descent over
// a random initial graph with sampled local joins, in-degree repair, then alpha pruning and
// reverse edges.
type ODescentParams struct {
	// Turns is the number of refinement rounds (graph_iter_turn). A round that finds no
	// neighbour lists with entries still to be joined ends the refinement early.
	Turns int
	// SampleRate is the chance (0..1] that one entry of a neighbour list takes part in a round's
	// local join (neighbor_sample_rate).
	SampleRate float64
	// MinInDegree is the in-degree the repair steps give every node, capped at the layer's
	// degree and at the node count less one (min_in_degree).
	MinInDegree int
	// BlockSize is the most nodes one goroutine takes at a time (build_block_size); blocks are
	// made smaller when that is needed to give every thread work.
	BlockSize int
	// Alpha relaxes pruning: candidate c of node n is dropped when an accepted s has
	// Alpha*d(s,c) < d(n,c), unless c would be left with too few in-edges.
	Alpha float32
	// Threads is the number of goroutines (at least 1).
	Threads int
	// Seed seeds the random initial graph and the sampling.
	Seed uint64
	// OnTurn, when non-nil, is called on the building goroutine after each refinement round of
	// each layer with the round and Turns, and with Turns+1 once the layer is pruned.
	OnTurn func(turn, turns int)
}

// odNew flags a pool entry (in the high bit of its id) that has not yet taken part in a local
// join.
const odNew = 1 << 31

// BuildODescent links nodes, which hold no edges yet, with ODescent (NN-descent over a random
// initial graph, in-degree repair, alpha pruning, reverse edges; see odescentLayer): the bottom
// layer over all of them at MaxDegree, then each route layer over its members at RouteDegree,
// refining pools of MaxDegree entries; levels[i] is the number of route layers nodes[i] joined
// (AddNode's level). The first node of the highest level becomes the entry point unless the
// graph has one of a higher level. Lists refined from nearest neighbours lack the long edges
// that an insertion-built graph gets from its early nodes, so three steps follow, each cheap:
// every route layer is made reachable from the entry point and every route node findable by
// the greedy descent searches use (odescentConnect, odescentNavigate); each route node's bottom
// list takes in its first route layer's list (odescentLongEdges), which gives the bottom layer
// long edges at one node in max_degree; and every bottom node is made reachable. Distances are
// the builder's pruning distances (Quant and Slab). A panic in any goroutine is returned as an
// error.
func (b *Builder) BuildODescent(nodes []uint32, levels []int, p *ODescentParams) error {
	if len(nodes) == 0 {
		return nil
	}
	return parallel.Run(1, func(int) error { return b.buildODescent(nodes, levels, p) })
}

func (b *Builder) buildODescent(nodes []uint32, levels []int, p *ODescentParams) error {
	g := b.G
	threads := max(p.Threads, 1)
	workers := make([]*Worker, threads)
	for i := range workers {
		workers[i] = b.NewWorker()
	}
	lists, err := b.odescentLayer(nodes, g.MaxDegree(), g.MaxDegree(), p, workers)
	if err != nil {
		return err
	}
	b.odescentPublish(0, nodes, lists)
	top := 0
	for _, l := range levels {
		top = max(top, l)
	}
	layer := func(l int) []uint32 {
		if l == 0 {
			return nodes
		}
		var members []uint32
		for i, lv := range levels {
			if lv >= l {
				members = append(members, nodes[i])
			}
		}
		return members
	}
	for l := 1; l <= top; l++ {
		members := layer(l)
		lists, err := b.odescentLayer(members, g.RouteDegree(), g.MaxDegree(), p, workers)
		if err != nil {
			return err
		}
		b.odescentPublish(l, members, lists)
	}
	ep := nodes[0]
	for i, lv := range levels {
		if lv == top {
			ep = nodes[i]
			break
		}
	}
	g.epMu.Lock()
	if _, cur, ok := g.Entry(); !ok || top >= cur {
		g.setEntry(ep, top)
	}
	g.epMu.Unlock()
	for l := top; l >= 1; l-- {
		members := layer(l)
		b.odescentConnect(workers[0], l, members, ep, top)
		b.odescentNavigate(workers[0], l, members, ep, top)
	}
	if top > 0 {
		if err := b.odescentLongEdges(layer(1), workers); err != nil {
			return err
		}
	}
	b.odescentConnect(workers[0], 0, nodes, ep, top)
	return nil
}

// odescentLongEdges adds to the bottom list of each route node its first route layer's list.
// A list with room keeps all its edges; a full one keeps the degree's worth chosen by the
// pruning heuristic (as nsw re-prunes a list that a reverse edge overflows), which keeps edges
// that point in new directions, as these long ones do.
func (b *Builder) odescentLongEdges(members []uint32, workers []*Worker) error {
	g := b.G
	deg := g.MaxDegree()
	return parallel.For(len(members), len(workers), func(wi, i int) error {
		w := workers[wi]
		u := members[i]
		vs := &w.vam
		ids := g.Neighbors(0, u, vs.ids[:0])
		have := len(ids)
		vs.mark.Reset(g.Len())
		vs.mark.Visit(u)
		for _, v := range ids {
			vs.mark.Visit(v)
		}
		ids = g.Neighbors(1, u, ids)
		all := ids[:have]
		for _, v := range ids[have:] {
			if !vs.mark.Visit(v) {
				all = append(all, v)
			}
		}
		vs.ids = ids
		if len(all) == have {
			return nil
		}
		if len(all) > deg {
			d := growF32(&vs.dists, len(all))
			b.pivotBatch(w, u, all, d)
			items := vs.pool[:0]
			for j, v := range all {
				items = append(items, topk.Item{Dist: d[j], ID: v})
			}
			sortItems(items)
			vs.pool = items
			sel := b.prune(w, items, deg, b.Alpha)
			all = all[:0]
			for _, it := range sel {
				all = append(all, it.ID)
			}
		}
		g.Lock(u)
		g.SetNeighbors(0, u, all)
		g.Unlock(u)
		return nil
	})
}

// odescentNavigate makes each member of route layer level found by the greedy descent that
// searches use: when the descent for u's vector from ep ends on level at another node, that
// node links to u. A pruned neighbour graph has no long edges, so without this the greedy
// descent over well separated clusters stays in the entry point's cluster.
func (b *Builder) odescentNavigate(w *Worker, level int, members []uint32, ep uint32, top int) int {
	g := b.G
	vec := make([]float32, b.Quant.Dim())
	added := 0
	for _, u := range members {
		if u == ep {
			continue
		}
		copy(vec, b.vecOf(w, u))
		sp := b.searchSpace(w, vec)
		cur, curD := ep, w.s.Distance(sp, ep)
		for l := top; l >= level; l-- {
			cur, curD = w.s.Greedy(g, l, sp, cur, curD)
		}
		if cur != u {
			// as an nsw insertion's reverse edge: a full list is re-pruned with the heuristic,
			// which keeps edges that point in new directions, as this one does
			b.addReverse(w, level, cur, u)
			added++
		}
	}
	return added
}

// odescentConnect makes every member of level reachable on that level from ep, the entry
// point: a pruned neighbour graph leaves well separated clusters apart. An unreachable node u
// is linked from the nearest reachable node a search for u finds, starting where the greedy
// descent through the (already connected) layers above leads, or from ep when that search
// meets no reachable node; then every node reachable from u counts as reachable. It returns
// the number of edges added.
func (b *Builder) odescentConnect(w *Worker, level int, members []uint32, ep uint32, top int) int {
	g := b.G
	reach := make([]bool, g.Len())
	var stack, nb []uint32
	mark := func(from uint32) {
		if reach[from] {
			return
		}
		reach[from] = true
		stack = append(stack[:0], from)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			nb = g.Neighbors(level, v, nb[:0])
			for _, x := range nb {
				if !reach[x] {
					reach[x] = true
					stack = append(stack, x)
				}
			}
		}
	}
	mark(ep)
	ef := max(b.EfConstruction, g.Degree(level), 16)
	vec := make([]float32, b.Quant.Dim())
	added := 0
	for _, u := range members {
		if reach[u] {
			continue
		}
		copy(vec, b.vecOf(w, u))
		sp := b.searchSpace(w, vec)
		cur, curD := ep, w.s.Distance(sp, ep)
		for l := top; l > level; l-- {
			cur, curD = w.s.Greedy(g, l, sp, cur, curD)
		}
		from, ok := b.nearestReached(w, level, sp, cur, curD, ef, reach, u)
		if !ok && cur != ep {
			from, ok = b.nearestReached(w, level, sp, ep, w.s.Distance(sp, ep), ef, reach, u)
		}
		if ok {
			b.odLink(w, level, from, u)
			added++
		}
		mark(u)
	}
	return added
}

// nearestReached searches level from start for the query of sp and returns the nearest result
// other than u that is marked reached.
func (b *Builder) nearestReached(w *Worker, level int, sp Space, start uint32, startD float32, ef int, reach []bool, u uint32) (uint32, bool) {
	w.s.SearchLayer(b.G, level, sp, start, startD, ef, nil)
	for _, it := range w.s.Results() {
		if it.ID != u && reach[it.ID] {
			return it.ID, true
		}
	}
	return 0, false
}

// odLink adds the edge s -> u on level, in place of s's farthest neighbour when its list is
// full.
func (b *Builder) odLink(w *Worker, level int, s, u uint32) {
	g := b.G
	ids := g.Neighbors(level, s, w.link[:0])
	w.link = ids
	if len(ids) < g.Degree(level) {
		ids = append(ids, u)
	} else {
		d := growF32(&w.dists, len(ids))
		b.pivotBatch(w, s, ids, d)
		far := 0
		for i := range d {
			if d[i] > d[far] {
				far = i
			}
		}
		ids[far] = u
	}
	g.Lock(s)
	g.SetNeighbors(level, s, ids)
	g.Unlock(s)
}

// odescentPublish writes the lists (local indexes into nodes) of one layer into the graph.
func (b *Builder) odescentPublish(level int, nodes []uint32, l *odLists) {
	g := b.G
	buf := make([]uint32, 0, l.deg)
	for i, id := range nodes {
		buf = buf[:0]
		for _, it := range l.list(i) {
			buf = append(buf, nodes[it.ID])
		}
		g.Lock(id)
		g.SetNeighbors(level, id, buf)
		g.Unlock(id)
	}
}

// odLists are the final neighbour lists of one layer: up to deg per node, ascending by
// distance, holding local indexes.
type odLists struct {
	deg   int
	items []topk.Item
	n     []int32
}

func (l *odLists) list(i int) []topk.Item { return l.items[i*l.deg : i*l.deg+int(l.n[i])] }

// odLayer is the state of one layer's build. Node i of the layer (a local index) is graph node
// nodes[i]; every list holds local indexes.
//
// A round samples the pools, then joins the samples chunk by chunk: the join measures pairs and
// records the offers that beat the farthest pool entry as it stood before the chunk, bucketed by
// the block of the node offered to; then each block's offers are applied by one goroutine, in
// node order, so pools change without locks and are walked in memory order.
type odLayer struct {
	b     *Builder
	p     *ODescentParams
	nodes []uint32
	n     int
	k     int // pool size: min(poolDeg, n-1)
	deg   int
	minIn int
	blk   int // nodes per block
	chunk int // nodes joined between two applications of offers (a multiple of blk)
	// The pool of node i, its k nearest found so far, is pid[i*k:(i+1)*k] (ids, the odNew bit
	// marking an entry not yet joined) with the distances pd[i*k:(i+1)*k], ascending; worst[i]
	// is pd[i*k+k-1].
	pid   []uint32
	pd    []float32
	worst []float32
	// forward samples of the current round, up to k per node, and their reverses
	fwdNew, fwdOld []uint32
	nNew, nOld     []int32
	revNew, revOld csr
	workers        []*Worker
	scr            []odScratch
}

// odOffer proposes v at distance d for u's pool.
type odOffer struct {
	u, v uint32
	d    float32
}

// odScratch is one goroutine's buffers.
type odScratch struct {
	mark    VisitedList
	rng     uint64
	newL    []uint32
	oldL    []uint32
	cand    []uint32
	gids    []uint32
	dists   []float32
	items   []topk.Item
	offers  [][]odOffer // per block of the node offered to
	sorted  []odOffer
	cnt     []int32
	count   int64
	updates int64
}

// next returns a pseudo-random 64-bit value (splitmix64).
func (s *odScratch) next() uint64 {
	s.rng += 0x9e3779b97f4a7c15
	z := s.rng
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// csr is a compressed list of lists: list i is ids[off[i]:off[i+1]].
type csr struct {
	off []int32
	cur []int32
	ids []uint32
}

func (c *csr) list(i int) []uint32 { return c.ids[c.off[i]:c.off[i+1]] }

// reverse fills c with the reverse of the forward lists fwd (k slots per node, cnt[i] used):
// list v holds every i whose forward list holds v.
func (c *csr) reverse(n, k int, fwd []uint32, cnt []int32) {
	if cap(c.off) < n+1 {
		c.off = make([]int32, n+1)
		c.cur = make([]int32, n)
	}
	c.off = c.off[:n+1]
	clear(c.off)
	for i := 0; i < n; i++ {
		for _, v := range fwd[i*k : i*k+int(cnt[i])] {
			c.off[v+1]++
		}
	}
	for i := 0; i < n; i++ {
		c.off[i+1] += c.off[i]
	}
	total := int(c.off[n])
	if cap(c.ids) < total {
		c.ids = make([]uint32, total+total/4)
	}
	c.ids = c.ids[:total]
	copy(c.cur, c.off[:n])
	for i := 0; i < n; i++ {
		for _, v := range fwd[i*k : i*k+int(cnt[i])] {
			c.ids[c.cur[v]] = uint32(i)
			c.cur[v]++
		}
	}
}

// ODescentMemory estimates the bytes BuildODescent allocates for the while of a build over n
// nodes of bottom degree maxDegree (pools, samples, candidate and final lists, recorded offers),
// none of which stays after it.
func ODescentMemory(n int64, maxDegree int, sampleRate float64) int64 {
	k := int64(maxDegree)
	per := 8*k + 4*2*k + 4*2*k + 8*k + 8*k + 64 // pool, samples, reverses, pruned, final lists
	s := float64(k) * min(sampleRate, 1)
	offers := int64(4*s*s*12) * min(n, odChunk)
	if per > 0 && n > (1<<62)/per {
		return -1
	}
	return n*per + offers
}

// odChunk bounds the nodes joined before their offers are applied, which bounds the memory the
// recorded offers take (a node's join records up to a few hundred).
const odChunk = 1 << 15

// odescentLayer builds the lists of one layer over nodes with degree deg, refining pools of
// poolDeg (at least deg) nearest neighbours.
func (b *Builder) odescentLayer(nodes []uint32, deg, poolDeg int, p *ODescentParams, workers []*Worker) (*odLists, error) {
	n := len(nodes)
	out := &odLists{deg: deg, items: make([]topk.Item, n*deg), n: make([]int32, n)}
	if n < 2 {
		return out, nil
	}
	k := min(poolDeg, n-1)
	threads := len(workers)
	// blocks of at most build_block_size, small enough that every goroutine gets many blocks
	// of each chunk, so that none waits long for the last block at the chunk's end
	blk := max(min(p.BlockSize, (min(n, odChunk)+16*threads-1)/(16*threads)), 16)
	o := &odLayer{
		b: b, p: p, nodes: nodes, n: n, k: k, deg: deg, minIn: min(max(p.MinInDegree, 0), k, deg), blk: blk,
		chunk:   max(odChunk/blk, 1) * blk,
		pid:     make([]uint32, n*k),
		pd:      make([]float32, n*k),
		worst:   make([]float32, n),
		fwdNew:  make([]uint32, n*k),
		fwdOld:  make([]uint32, n*k),
		nNew:    make([]int32, n),
		nOld:    make([]int32, n),
		workers: workers,
		scr:     make([]odScratch, threads),
	}
	// Room for the offers of a first round's chunk, where nearly every pair measured beats
	// the random pools: 2 offers for each of about 2*(k*rate)^2 pairs per node, spread over
	// the blocks and goroutines. Growing slices this large by appending would copy them
	// several times over.
	nb := (n + blk - 1) / blk
	per := float64(k) * min(p.SampleRate, 1)
	room := int(4*per*per*float64(min(n, o.chunk))/float64(nb*threads)) + 64
	for i := range o.scr {
		o.scr[i].offers = make([][]odOffer, nb)
		for j := range o.scr[i].offers {
			o.scr[i].offers[j] = make([]odOffer, 0, room)
		}
	}
	if err := o.blocks(0, 0, n, o.initBlock); err != nil {
		return nil, err
	}
	for t := 1; t <= p.Turns; t++ {
		if err := o.blocks(uint64(t), 0, n, o.sampleBlock); err != nil {
			return nil, err
		}
		pending := int64(0)
		for i := range o.scr {
			pending += o.scr[i].count
		}
		if pending == 0 {
			break // every entry has been joined: further rounds change nothing
		}
		two := min(threads, 2)
		if err := parallel.Run(two, func(w int) error {
			if w == 0 {
				o.revNew.reverse(n, k, o.fwdNew, o.nNew)
			}
			if w == 1 || two == 1 {
				o.revOld.reverse(n, k, o.fwdOld, o.nOld)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		for lo := 0; lo < n; lo += o.chunk {
			if err := o.blocks(uint64(t), lo, min(lo+o.chunk, n), o.joinBlock); err != nil {
				return nil, err
			}
			if err := o.blocks(uint64(t), 0, n, o.applyBlock); err != nil {
				return nil, err
			}
		}
		o.repairInDegree()
		if p.OnTurn != nil {
			p.OnTurn(t, p.Turns)
		}
	}
	if err := o.prune(out); err != nil {
		return nil, err
	}
	if p.OnTurn != nil {
		p.OnTurn(p.Turns+1, p.Turns)
	}
	o.enforceInDegree(out)
	return out, nil
}

// blocks runs fn over the blocks of nodes lo..hi-1 (lo a multiple of the block size) on the
// layer's goroutines; fn gets the block's number and node range. Each block's random stream
// depends on the phase and the block only.
func (o *odLayer) blocks(phase uint64, lo, hi int, fn func(s *odScratch, w *Worker, b, lo, hi int)) error {
	first := lo / o.blk
	nb := (hi - lo + o.blk - 1) / o.blk
	for i := range o.scr {
		o.scr[i].count, o.scr[i].updates = 0, 0
	}
	return parallel.For(nb, len(o.workers), func(w, i int) error {
		s := &o.scr[w]
		b := first + i
		s.rng = o.p.Seed ^ phase*0x2545f4914f6cdd1d ^ uint64(b)*0x9e3779b97f4a7c15 ^ uint64(o.n)<<40
		fn(s, o.workers[w], b, b*o.blk, min((b+1)*o.blk, hi))
		return nil
	})
}

// setPool sorts items and makes them node i's pool.
func (o *odLayer) setPool(i int, items []topk.Item) {
	sortItems(items)
	k := o.k
	for j, it := range items {
		o.pid[i*k+j], o.pd[i*k+j] = it.ID, it.Dist
	}
	o.worst[i] = items[k-1].Dist
}

// distances measures node u against the nodes ids (local indexes) into s.dists.
func (o *odLayer) distances(s *odScratch, w *Worker, u uint32, ids []uint32) []float32 {
	s.gids = s.gids[:0]
	for _, v := range ids {
		s.gids = append(s.gids, o.nodes[v])
	}
	d := growF32(&s.dists, len(ids))
	o.b.pivotBatch(w, o.nodes[u], s.gids, d)
	return d
}

// initBlock gives every node of the block k distinct random neighbours (all other nodes when
// there are no more than k), all flagged new.
func (o *odLayer) initBlock(s *odScratch, w *Worker, _, lo, hi int) {
	k, n := o.k, o.n
	for i := lo; i < hi; i++ {
		ids := s.newL[:0]
		if k == n-1 {
			for j := 0; j < n; j++ {
				if j != i {
					ids = append(ids, uint32(j))
				}
			}
		} else {
			s.mark.Reset(n)
			s.mark.Visit(uint32(i))
			for len(ids) < k {
				if r := uint32(s.next() % uint64(n)); !s.mark.Visit(r) {
					ids = append(ids, r)
				}
			}
		}
		s.newL = ids
		d := o.distances(s, w, uint32(i), ids)
		items := s.items[:0]
		for j, v := range ids {
			items = append(items, topk.Item{Dist: d[j], ID: v | odNew})
		}
		s.items = items
		o.setPool(i, items)
	}
}

// sampleBlock picks each pool entry of the block's nodes with probability SampleRate into the
// node's forward new or old sample, and marks the new ones joined. It counts in s.count the
// entries still flagged new before sampling.
func (o *odLayer) sampleBlock(s *odScratch, _ *Worker, _, lo, hi int) {
	k := o.k
	all := o.p.SampleRate >= 1
	thr := uint64(o.p.SampleRate * (1 << 32))
	for i := lo; i < hi; i++ {
		pool := o.pid[i*k : (i+1)*k]
		fn, fo := o.fwdNew[i*k:(i+1)*k], o.fwdOld[i*k:(i+1)*k]
		nn, no := 0, 0
		var r uint64
		for j := range pool {
			id := pool[j]
			if id&odNew != 0 {
				s.count++
			}
			if j&1 == 0 {
				r = s.next() // two 32-bit draws
			} else {
				r <<= 32
			}
			if !all && r>>32 >= thr {
				continue
			}
			if id&odNew != 0 {
				fn[nn] = id &^ odNew
				nn++
				pool[j] = id &^ odNew
			} else {
				fo[no] = id
				no++
			}
		}
		o.nNew[i], o.nOld[i] = int32(nn), int32(no)
	}
}

// joinBlock runs the local join of every node of the block: each pair of its new samples, and
// each new sample with each old one, is measured, and each side offered to the other's pool
// when it beats that pool's farthest entry (recorded, applied by applyBlock).
func (o *odLayer) joinBlock(s *odScratch, w *Worker, _, lo, hi int) {
	k := o.k
	for i := lo; i < hi; i++ {
		s.mark.Reset(o.n)
		nl := s.newL[:0]
		for _, v := range o.fwdNew[i*k : i*k+int(o.nNew[i])] {
			if !s.mark.Visit(v) {
				nl = append(nl, v)
			}
		}
		for _, v := range o.revNew.list(i) {
			if !s.mark.Visit(v) {
				nl = append(nl, v)
			}
		}
		s.newL = nl
		if len(nl) == 0 {
			continue
		}
		ol := s.oldL[:0]
		for _, v := range o.fwdOld[i*k : i*k+int(o.nOld[i])] {
			if !s.mark.Visit(v) {
				ol = append(ol, v)
			}
		}
		for _, v := range o.revOld.list(i) {
			if !s.mark.Visit(v) {
				ol = append(ol, v)
			}
		}
		s.oldL = ol
		for a, u := range nl {
			cand := append(append(s.cand[:0], nl[a+1:]...), ol...)
			s.cand = cand
			if len(cand) == 0 {
				continue
			}
			d := o.distances(s, w, u, cand)
			wu, bu := o.worst[u], int(u)/o.blk
			for j, v := range cand {
				dd := d[j]
				if dd < wu {
					s.offers[bu] = append(s.offers[bu], odOffer{u: u, v: v, d: dd})
				}
				if dd < o.worst[v] {
					bv := int(v) / o.blk
					s.offers[bv] = append(s.offers[bv], odOffer{u: v, v: u, d: dd})
				}
			}
		}
	}
}

// applyBlock applies every goroutine's recorded offers to the pools of block b's nodes, sorted
// by node so that each pool is visited once.
func (o *odLayer) applyBlock(s *odScratch, _ *Worker, b, lo, hi int) {
	total := 0
	for w := range o.scr {
		total += len(o.scr[w].offers[b])
	}
	if total == 0 {
		return
	}
	// counting sort by node
	cnt := s.cnt[:0]
	for range hi - lo + 1 {
		cnt = append(cnt, 0)
	}
	s.cnt = cnt
	for w := range o.scr {
		for _, of := range o.scr[w].offers[b] {
			cnt[int(of.u)-lo+1]++
		}
	}
	for i := 1; i < len(cnt); i++ {
		cnt[i] += cnt[i-1]
	}
	if cap(s.sorted) < total {
		s.sorted = make([]odOffer, total+total/4)
	}
	sorted := s.sorted[:total]
	for w := range o.scr {
		for _, of := range o.scr[w].offers[b] {
			j := int(of.u) - lo
			sorted[cnt[j]] = of
			cnt[j]++
		}
		o.scr[w].offers[b] = o.scr[w].offers[b][:0]
	}
	for _, of := range sorted {
		if o.offer(of.u, of.v, of.d) {
			s.updates++
		}
	}
}

// offer puts v at distance d into u's pool when it is closer than the farthest entry and not
// there yet; it reports whether the pool changed. Only the goroutine applying u's block calls
// it.
func (o *odLayer) offer(u, v uint32, d float32) bool {
	if d >= o.worst[u] {
		return false
	}
	k := o.k
	ids := o.pid[int(u)*k : int(u+1)*k]
	for _, id := range ids {
		if id&^odNew == v {
			return false
		}
	}
	ds := o.pd[int(u)*k : int(u+1)*k]
	j := k - 1
	for j > 0 && ds[j-1] > d {
		ds[j], ids[j] = ds[j-1], ids[j-1]
		j--
	}
	ds[j], ids[j] = d, v|odNew
	o.worst[u] = ds[k-1]
	return true
}

// inDegrees counts the in-edges of every node in the pools.
func (o *odLayer) inDegrees(cnt []int32) []int32 {
	if cnt == nil {
		cnt = make([]int32, o.n)
	}
	clear(cnt)
	for _, id := range o.pid {
		cnt[id&^odNew]++
	}
	return cnt
}

// repairInDegree gives nodes with fewer than minIn in-edges in the pools some more: for such a
// node i, each pool neighbour u (nearest first) that does not list i yet replaces its farthest
// not-yet-replaced entry with i, when that entry's node keeps more than minIn in-edges. The
// entries put in are flagged new, so the next round joins them.
func (o *odLayer) repairInDegree() {
	m := int32(o.minIn)
	if m <= 0 {
		return
	}
	k := o.k
	indeg := o.inDegrees(nil)
	var replacePos []int32
	var dirty []uint32
	for i := 0; i < o.n; i++ {
		if indeg[i] >= m {
			continue
		}
		if replacePos == nil {
			replacePos = make([]int32, o.n)
			for j := range replacePos {
				replacePos[j] = int32(k - 1)
			}
		}
		for loc := i * k; loc < (i+1)*k && indeg[i] < m; loc++ {
			u := o.pid[loc] &^ odNew
			up := o.pid[int(u)*k : int(u+1)*k]
			has := false
			for _, id := range up {
				if id&^odNew == uint32(i) {
					has = true
					break
				}
			}
			if has || replacePos[u] <= 0 {
				continue
			}
			r := int(u)*k + int(replacePos[u])
			if rid := o.pid[r] &^ odNew; indeg[rid] > m {
				indeg[rid]--
				o.pid[r], o.pd[r] = uint32(i)|odNew, o.pd[loc]
				indeg[i]++
				dirty = append(dirty, u)
			}
			replacePos[u]--
		}
	}
	var buf []topk.Item
	for _, u := range dirty {
		buf = buf[:0]
		for j := int(u) * k; j < int(u+1)*k; j++ {
			buf = append(buf, topk.Item{Dist: o.pd[j], ID: o.pid[j]})
		}
		o.setPool(int(u), buf)
	}
}

// pruneChunk is the number of accepted neighbours a candidate is measured against per batch.
const pruneChunk = 8

// prune turns the pools into the final lists: each pool is pruned with alpha (a candidate
// whose node has no more than minIn in-edges left is kept), then every kept edge is also added
// in reverse; a list left with more than deg entries keeps deg of them chosen by the alpha rule.
func (o *odLayer) prune(out *odLists) error {
	n, k := o.n, o.k
	m := int32(o.minIn)
	indeg := o.inDegrees(nil)
	kept := make([]topk.Item, n*k)
	nk := make([]int32, n)
	err := o.blocks(0, 0, n, func(s *odScratch, w *Worker, _, lo, hi int) {
		for i := lo; i < hi; i++ {
			acc := kept[i*k : i*k : (i+1)*k]
			for j := i * k; j < (i+1)*k; j++ {
				c := topk.Item{Dist: o.pd[j], ID: o.pid[j]}
				cid := c.ID &^ odNew
				if len(acc) > 0 && atomic.LoadInt32(&indeg[cid]) > m && o.dominated(s, w, cid, c.Dist, acc) && decAbove(&indeg[cid], m) {
					continue
				}
				acc = append(acc, topk.Item{Dist: c.Dist, ID: cid})
			}
			nk[i] = int32(len(acc))
		}
	})
	if err != nil {
		return err
	}
	// reverse edges: list v gains (d, i) for every kept edge i -> v
	var rev csr
	rev.off = make([]int32, n+1)
	for i := 0; i < n; i++ {
		for _, it := range kept[i*k : i*k+int(nk[i])] {
			rev.off[it.ID+1]++
		}
	}
	for i := 0; i < n; i++ {
		rev.off[i+1] += rev.off[i]
	}
	revItems := make([]topk.Item, rev.off[n])
	cur := append([]int32(nil), rev.off[:n]...)
	for i := 0; i < n; i++ {
		for _, it := range kept[i*k : i*k+int(nk[i])] {
			revItems[cur[it.ID]] = topk.Item{Dist: it.Dist, ID: uint32(i)}
			cur[it.ID]++
		}
	}
	return o.blocks(0, 0, n, func(s *odScratch, w *Worker, _, lo, hi int) {
		for i := lo; i < hi; i++ {
			all := append(append(s.items[:0], kept[i*k:i*k+int(nk[i])]...), revItems[rev.off[i]:rev.off[i+1]]...)
			sortItems(all)
			s.items = all
			s.mark.Reset(n)
			uniq := all[:0]
			for _, it := range all {
				if !s.mark.Visit(it.ID) {
					uniq = append(uniq, it)
				}
			}
			dst := out.items[i*out.deg : i*out.deg : (i+1)*out.deg]
			if len(uniq) <= out.deg {
				dst = append(dst, uniq...)
			} else {
				// too many: keep those the alpha rule selects, nearest first, as nsw re-prunes a
				// list that reverse edges overflow (VSAG keeps the nearest, which drops the long
				// reverse edges that lead out of a cluster)
				for _, c := range uniq {
					if len(dst) == out.deg {
						break
					}
					if len(dst) == 0 || !o.dominated(s, w, c.ID, c.Dist, dst) {
						dst = append(dst, c)
					}
				}
			}
			out.n[i] = int32(len(dst))
		}
	})
}

// dominated reports whether some accepted neighbour s has Alpha*d(s,c) < dist, dist being c's
// distance to the node pruned. Accepted neighbours are measured a chunk at a time, nearest
// first, stopping at the first that dominates.
func (o *odLayer) dominated(s *odScratch, w *Worker, c uint32, dist float32, acc []topk.Item) bool {
	alpha := o.p.Alpha
	for lo := 0; lo < len(acc); lo += pruneChunk {
		part := acc[lo:min(lo+pruneChunk, len(acc))]
		ids := s.cand[:0]
		for _, it := range part {
			ids = append(ids, it.ID)
		}
		s.cand = ids
		for _, x := range o.distances(s, w, c, ids) {
			if alpha*x < dist {
				return true
			}
		}
	}
	return false
}

// decAbove decrements *p when it is above m and reports whether it did.
func decAbove(p *int32, m int32) bool {
	for {
		c := atomic.LoadInt32(p)
		if c <= m {
			return false
		}
		if atomic.CompareAndSwapInt32(p, c, c-1) {
			return true
		}
	}
}

// enforceInDegree gives every node at least minIn in-edges in the final lists: a node short of
// them is added to the lists of its pool neighbours, nearest first, into a free slot or in
// place of the farthest entry whose node keeps more than minIn in-edges.
func (o *odLayer) enforceInDegree(out *odLists) {
	m := int32(o.minIn)
	if m <= 0 {
		return
	}
	k := o.k
	indeg := make([]int32, o.n)
	for i := 0; i < o.n; i++ {
		for _, it := range out.list(i) {
			indeg[it.ID]++
		}
	}
	for v := 0; v < o.n; v++ {
		for j := v * k; j < (v+1)*k; j++ {
			if indeg[v] >= m {
				break
			}
			c := topk.Item{Dist: o.pd[j], ID: o.pid[j]}
			u := int(c.ID &^ odNew)
			lu := out.list(u)
			has := false
			for _, it := range lu {
				if it.ID == uint32(v) {
					has = true
					break
				}
			}
			if has {
				continue
			}
			e := topk.Item{Dist: c.Dist, ID: uint32(v)}
			if len(lu) < out.deg {
				lu = append(lu, e)
				out.n[u]++
			} else {
				j := len(lu) - 1
				for j >= 0 && indeg[lu[j].ID] <= m {
					j--
				}
				if j < 0 {
					continue
				}
				indeg[lu[j].ID]--
				lu[j] = e
			}
			sortItems(lu)
			indeg[v]++
		}
	}
}
