package graph

import (
	"sync/atomic"

	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/simd"
)

// VamanaParams configures Vamana linking (the graph of DiskANN and SVS): one layer, searched
// from a fixed entry point (the medoid), with candidates pruned by the alpha rule.
type VamanaParams struct {
	// Alpha is the relaxation of a node's own pruning. For l2 distances a candidate c is
	// dropped when an accepted s has Alpha*d(s,c) < d(n,c) (Alpha >= 1 keeps more); for inner
	// products the rule compares similarities, s(x,y) = 1 - d(x,y): c is dropped when
	// Alpha*s(s,c) > s(n,c), so Alpha < 1 keeps more (SVS's convention).
	Alpha float32
	// IP selects the similarity form of the rule (ip and cosine).
	IP bool
	// Window is the search window of the insertion search.
	Window int
	// PoolSize caps the candidate pool: the closest PoolSize of the expanded nodes and the
	// node's current neighbours.
	PoolSize int
	// PruneTo is the degree a full list is pruned back to when a back edge overflows it;
	// below MaxDegree it leaves room so that not every back edge prunes.
	PruneTo int
}

// vamanaScratch is a worker's Vamana state, kept apart from the NSW buffers.
type vamanaScratch struct {
	pool  []topk.Item
	sel   []topk.Item
	state []uint8
	ids   []uint32
	dists []float32
	link  []uint32
	out   []uint32
	mark  VisitedList
}

// VamanaLink links node id, whose vector is v, into the bottom layer with Vamana's rule: a
// search of window p.Window from the entry point records every node it expands (the full
// search history); those nodes and id's current neighbours form the candidate pool (the
// closest p.PoolSize by the builder's pruning distances), which is pruned to MaxDegree with
// p.Alpha to become id's list. Then id is added to each new neighbour's list; a list that
// overflows is pruned to p.PruneTo with backAlpha (Vamana's first pass uses 1, its second
// Alpha). Calling it again on a linked node re-links it (the second pass). The first node
// linked into an empty graph becomes the entry point.
func (b *Builder) VamanaLink(w *Worker, id uint32, v []float32, p *VamanaParams, backAlpha float32) {
	g := b.G
	ep, _, ok := g.Entry()
	if !ok {
		g.epMu.Lock()
		if _, _, ok = g.Entry(); !ok {
			g.setEntry(id, 0)
		}
		g.epMu.Unlock()
		if !ok {
			return
		}
		ep, _, _ = g.Entry()
	}
	vs := &w.vam
	sp := b.searchSpace(w, v)
	s := w.s
	s.TrackHistory = true
	s.SearchLayer(g, 0, sp, ep, s.Distance(sp, ep), max(p.Window, 1), nil)
	s.TrackHistory = false

	vs.mark.Reset(g.Len())
	pool := vs.pool[:0]
	for _, it := range s.History {
		if it.ID != id {
			vs.mark.Visit(it.ID)
			pool = append(pool, it)
		}
	}
	// id's current neighbours join the pool (they matter in the second pass)
	extra := g.Neighbors(0, id, vs.link[:0])
	vs.link = extra
	first := len(pool)
	for _, nb := range extra {
		if nb != id && !vs.mark.Visit(nb) {
			pool = append(pool, topk.Item{ID: nb})
		}
	}
	if b.split() {
		// history distances are search-space ones: rank everything by the pruning codes
		b.rescore(w, v, pool)
	} else if len(pool) > first {
		// the search space is the pruning space: w.qc holds the query v
		ids := make32(&vs.ids, len(pool)-first)
		for i := range ids {
			ids[i] = pool[first+i].ID
		}
		d := growF32(&vs.dists, len(ids))
		w.qc.DistanceBatch(b.Slab, ids, d)
		for i := range ids {
			pool[first+i].Dist = d[i]
		}
		sortItems(pool)
	} else {
		sortItems(pool)
	}
	vs.pool = pool
	if p.PoolSize > 0 && len(pool) > p.PoolSize {
		pool = pool[:p.PoolSize]
	}
	sel := b.vamanaPrune(w, pool, g.MaxDegree(), p.Alpha, p.IP)
	link := vs.link[:0]
	for _, it := range sel {
		link = append(link, it.ID)
	}
	vs.link = link
	g.Lock(id)
	g.SetNeighbors(0, id, link)
	g.Unlock(id)
	for _, nb := range link {
		b.vamanaBackEdge(w, nb, id, p, backAlpha)
	}
}

// vamanaBackEdge adds the edge s -> x; when s's list is full, the list and x are pruned to
// p.PruneTo with alpha.
func (b *Builder) vamanaBackEdge(w *Worker, s, x uint32, p *VamanaParams, alpha float32) {
	g := b.G
	g.Lock(s)
	defer g.Unlock(s)
	l := g.list(0, s)
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
	vs := &w.vam
	ids := make32(&vs.ids, n+1)
	copy(ids, l[1:n+1])
	ids[n] = x
	d := growF32(&vs.dists, n+1)
	b.pivotBatch(w, s, ids, d)
	items := vs.pool[:0]
	for i, id := range ids {
		items = append(items, topk.Item{Dist: d[i], ID: id})
	}
	sortItems(items)
	vs.pool = items
	if p.PoolSize > 0 && len(items) > p.PoolSize {
		items = items[:p.PoolSize]
	}
	sel := b.vamanaPrune(w, items, max(min(p.PruneTo, n), 1), alpha, p.IP)
	out := make32(&vs.out, len(sel))
	for i, it := range sel {
		out[i] = it.ID
	}
	g.SetNeighbors(0, s, out)
}

// vamanaDrops reports whether an accepted neighbour at distance dsc from candidate c drops c,
// which lies at dpc from the pivot, under relaxation a (see VamanaParams.Alpha).
func vamanaDrops(ip bool, a, dsc, dpc float32) bool {
	if ip {
		return a*(1-dsc) > 1-dpc
	}
	return a*dsc < dpc
}

// vamanaPrune selects up to m of cands (ascending distance to the pivot, the pivot itself
// absent) in two rounds, relaxation 1 and then alpha, each accepting in order the candidates
// not dropped by an accepted neighbour, until m are accepted. The rounds follow SVS: for l2
// (progressive) a candidate of the second round is checked against every accepted
// neighbour; for inner products (iterative) the second round starts afresh, each candidate
// checked only against the neighbours accepted in that round, which fills the list further.
// The result lives in the worker.
func (b *Builder) vamanaPrune(w *Worker, cands []topk.Item, m int, alpha float32, ip bool) []topk.Item {
	vs := &w.vam
	sel := vs.sel[:0]
	n := len(cands)
	if cap(vs.state) < n {
		vs.state = make([]uint8, n)
	}
	state := vs.state[:n]
	clear(state)
	const accepted = 4
	rounds := []float32{1, alpha}
	if alpha == 1 {
		rounds = rounds[:1]
	}
	all := uint8(1<<len(rounds) - 1)
	for r := range rounds {
		bit := uint8(1 << r)
		rest := all &^ (bit - 1) // the rounds a drop still matters for
		if ip {
			rest = bit
			for i := range state {
				state[i] &= accepted
			}
		}
		for i := 0; i < n && len(sel) < m; i++ {
			if state[i]&(bit|accepted) != 0 {
				continue
			}
			state[i] |= accepted
			sel = append(sel, cands[i])
			if len(sel) == m {
				break
			}
			ids := vs.ids[:0]
			for t := i + 1; t < n; t++ {
				if state[t]&accepted == 0 && state[t]&rest != rest {
					ids = append(ids, cands[t].ID)
				}
			}
			vs.ids = ids
			if len(ids) == 0 {
				continue
			}
			d := growF32(&vs.dists, len(ids))
			b.pivotBatch(w, cands[i].ID, ids, d)
			j := 0
			for t := i + 1; t < n; t++ {
				if state[t]&accepted != 0 || state[t]&rest == rest {
					continue
				}
				for rr := r; rr < len(rounds); rr++ {
					if rest&(1<<rr) != 0 && vamanaDrops(ip, rounds[rr], d[j], cands[t].Dist) {
						state[t] |= 1 << rr
					}
				}
				j++
			}
		}
		if len(sel) >= m {
			break
		}
	}
	vs.sel = sel
	return sel
}

func growF32(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// Medoid returns the index into rows of the row of vectors (rows of dim values) closest in
// l2 to the mean of those rows: Vamana's entry point.
func Medoid(vectors []float32, dim int, rows []int) int {
	if len(rows) == 0 {
		return 0
	}
	sum := make([]float64, dim)
	for _, r := range rows {
		for j, x := range vectors[r*dim : (r+1)*dim] {
			sum[j] += float64(x)
		}
	}
	mean := make([]float32, dim)
	for j := range mean {
		mean[j] = float32(sum[j] / float64(len(rows)))
	}
	best, bestD := 0, float32(0)
	for i, r := range rows {
		d := simd.L2Sqr(mean, vectors[r*dim:(r+1)*dim])
		if i == 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}
