package pyramid

import (
	"sort"
	"sync"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
)

// searchCtx is the per-goroutine state of a search, pooled.
type searchCtx struct {
	s       *graph.Searcher
	base    quant.Computer
	mapped  *mappedComp // reads through a sub-graph's members; wraps base (one SetQuery for both)
	precise quant.Computer
	splitc  quant.SplitComputer // the precise distances of the split layout (base + rest records)
	heap    *topk.MaxHeap
	ids     []uint32
	dists   []float32
	items   []topk.Item // candidates found so far, by inner id
	multi   bool        // items may hold an inner id twice (several subtrees searched)

	// per-query filter state, read by the keep functions
	labels  *store.Labels
	removed []uint64 // nil when nothing is removed
	filter  api.Filter
	extra   func(inner uint32) bool // membership of an intersection; nil: none
	members []uint32                // of the sub-graph being searched
	keepMap func(local uint32) bool
	keepID  func(inner uint32) bool
	// dupNode is the sub-graph being searched when it holds duplicates (support_duplicate),
	// keepGrp its keep function: a head stays while it or one of its duplicates may be returned.
	dupNode *node
	keepGrp func(local uint32) bool
}

func (x *Index) getCtx() (*searchCtx, *sync.Pool) {
	pool := x.pools.Load()
	c, _ := pool.Get().(*searchCtx)
	if c == nil {
		c = &searchCtx{s: graph.NewSearcher(x.p.MaxDegree), base: x.base.NewComputer(), heap: topk.NewMaxHeap(16)}
		c.mapped = &mappedComp{Computer: c.base, stride: x.base.CodeSize()}
		switch {
		case x.split != nil:
			c.splitc = x.split.NewSplitComputer()
		case x.precise != nil:
			c.precise = x.precise.NewComputer()
		}
		c.keepMap = func(local uint32) bool { return c.live(c.members[local]) }
		c.keepID = func(inner uint32) bool { return c.passes(inner) }
		c.keepGrp = c.keepGroup
	}
	return c, pool
}

// put returns c to the pool it came from, dropping what it refers to of the last query.
func (c *searchCtx) put(pool *sync.Pool) {
	c.filter, c.extra, c.labels, c.removed, c.members, c.dupNode = nil, nil, nil, nil, nil, nil
	c.mapped.codes = nil
	pool.Put(c)
}

// passes reports whether the filter and the intersection keep inner id id (removal aside).
func (c *searchCtx) passes(id uint32) bool {
	if c.extra != nil && !c.extra(id) {
		return false
	}
	return c.filter == nil || c.filter.CheckValid(c.labels.Label(id))
}

// live reports whether inner id id may be returned.
func (c *searchCtx) live(id uint32) bool {
	if c.removed != nil && c.removed[id>>6]&(1<<(id&63)) != 0 {
		return false
	}
	return c.passes(id)
}

// query is one search: its settings and what it found.
type query struct {
	v        []float32
	k        int
	ef       int // beam of the root graph (max(ef_search, k), or the range's)
	sub      int // subindex_ef_search
	hops     int // hops limit of the root graph (0: none)
	deadline time.Time
	rangeQ   bool
	radius   float32 // traversal radius of a range search
}

// target is the part of one hierarchy a query searches: the subtrees of its path's
// alternatives.
type target struct {
	h     *hierarchy
	nodes []*node
}

// contains reports whether inner id id lies in one of t's subtrees.
func (t *target) contains(id uint32) bool {
	for _, n := range t.nodes {
		if t.h.within(id, n) {
			return true
		}
	}
	return false
}

// size returns the vectors in t's subtrees (removed ones too).
func (t *target) size() int {
	s := 0
	for _, n := range t.nodes {
		s += n.count
	}
	return s
}

// targets resolves the hierarchies a search covers and the subtrees of its paths. Caller
// holds mu shared.
func (x *Index) targets(sp *SearchParams, qp map[string]string, rangeQ bool) ([]target, int, error) {
	if sp.Hierarchies == nil && len(qp) == 0 && sp.op == opSingle && len(x.hiers) == 1 && x.hiers[0].root.build {
		return x.hiers[0].atRoot, opSingle, nil // the common query at the root, without allocating
	}
	names := sp.Hierarchies
	if names == nil {
		for name := range qp {
			if name != "" {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		if names == nil {
			if x.p.named && len(x.hiers) > 1 {
				return nil, 0, api.Errorf(api.InvalidArgument, "pyramid: the index has the hierarchies %v; name the ones to search (search parameter \"hierarchies\", or the query's paths by hierarchy name)", x.names())
			}
			names = []string{x.hiers[0].name}
		}
	}
	op := sp.op
	switch {
	case len(names) > 1 && op == opSingle:
		return nil, 0, api.Errorf(api.InvalidArgument, "pyramid: searching the hierarchies %v needs \"hierarchy_op\" (union or intersection)", names)
	case len(names) < 2 && op != opSingle:
		return nil, 0, api.Errorf(api.InvalidArgument, "pyramid: \"hierarchy_op\" needs at least two hierarchies, the search names %v", names)
	case len(names) > 1 && rangeQ:
		return nil, 0, api.Errorf(api.InvalidArgument, "pyramid: a range search takes one hierarchy, the search names %v", names)
	}
	out := make([]target, 0, len(names))
	for _, name := range names {
		h := x.hierarchy(name)
		if h == nil {
			if !x.p.named {
				return nil, 0, api.Errorf(api.InvalidArgument, "pyramid: the index has no named hierarchies, the search names %q", name)
			}
			return nil, 0, api.Errorf(api.InvalidArgument, "pyramid: unknown hierarchy name %q (the index has %v)", name, x.names())
		}
		p, ok := qp[name]
		if !ok && name != "" {
			p, ok = qp[""] // VSAG falls back to the query's plain path
		}
		t := target{h: h}
		if !ok {
			if !h.root.build {
				return nil, 0, api.Errorf(api.InvalidArgument, "pyramid: the query needs a path in hierarchy %q: its level 0 has no graph (no_build_levels)", name)
			}
			t.nodes = []*node{h.root}
		} else {
			for _, segs := range parseQueryPath(p) {
				if n := h.find(segs); n != nil {
					t.nodes = append(t.nodes, n)
				}
			}
		}
		out = append(out, t)
	}
	return out, op, nil
}

// KnnSearch implements api.Engine: the k nearest neighbours inside the query's subtrees
// (opts.Paths; the root without a path).
func (x *Index) KnnSearch(v []float32, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	sp, err := x.parsed.Get(opts.Block)
	if err != nil {
		return nil, err
	}
	if *sp.EfSearch > maxEf(k) {
		return nil, api.Errorf(api.InvalidArgument, "key \"ef_search\": %d must be in range [1, %d]", *sp.EfSearch, maxEf(k))
	}
	q := &query{v: v, k: k, ef: max(*sp.EfSearch, k), sub: *sp.SubindexEfSearch, deadline: sp.deadline(opts)}
	if sp.HopsLimit != nil && *sp.HopsLimit > int64(*sp.EfSearch) {
		q.hops = int(*sp.HopsLimit)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	ts, op, err := x.targets(sp, opts.Paths, false)
	if err != nil {
		return nil, err
	}
	if x.labels.Live() == 0 {
		return []api.Neighbor{}, nil
	}
	c, pool := x.getCtx()
	defer c.put(pool)
	x.begin(c, q, opts.Filter)
	if op == opIntersection {
		x.intersect(c, q, ts)
	} else {
		for _, t := range ts {
			for _, n := range t.nodes {
				x.searchSubtree(c, q, n)
			}
		}
		c.multi = c.multi || len(ts) > 1 || len(ts) == 1 && len(ts[0].nodes) > 1
	}
	items := x.finish(c, q.ef)
	items = x.rerank(c, v, items)
	if len(items) > k {
		items = items[:k]
	}
	x.fillStats(c, opts)
	return x.labels.Neighbors(items), nil
}

// RangeSearch implements api.RangeSearcher: every neighbour within radius inside the query's
// subtrees of one hierarchy.
func (x *Index) RangeSearch(v []float32, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	sp, err := x.parsed.Get(opts.Block)
	if err != nil {
		return nil, err
	}
	q := &query{v: v, ef: *sp.EfSearch, sub: *sp.SubindexEfSearch, deadline: sp.deadline(opts), rangeQ: true, radius: radius}
	if limit > 0 {
		q.ef = max(q.ef, limit)
	}
	if x.precise != nil {
		q.radius = radius * rangeEpsilon // the base codes only estimate the distances reranked
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	ts, _, err := x.targets(sp, opts.Paths, true)
	if err != nil {
		return nil, err
	}
	if x.labels.Live() == 0 {
		return []api.Neighbor{}, nil
	}
	c, pool := x.getCtx()
	defer c.put(pool)
	x.begin(c, q, opts.Filter)
	for _, n := range ts[0].nodes {
		x.searchSubtree(c, q, n)
	}
	c.multi = true
	items := x.finish(c, -1)
	items = x.rerank(c, v, items)
	n := sort.Search(len(items), func(i int) bool { return items[i].Dist > radius })
	items = items[:n]
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	x.fillStats(c, opts)
	return x.labels.Neighbors(items), nil
}

// rangeEpsilon widens the radius of the traversal of a range search that reranks, as VSAG's
// RADIUS_EPSILON.
const rangeEpsilon = 1.1

// begin prepares c for query q. Caller holds mu shared.
func (x *Index) begin(c *searchCtx, q *query, filter api.Filter) {
	c.s.ResetStats()
	c.base.SetQuery(q.v)
	c.mapped.codes = x.baseCodes.Slab()
	c.labels, c.filter, c.extra = x.labels, filter, nil
	c.removed = nil
	if x.labels.NumRemoved() > 0 {
		c.removed = x.labels.RemovedWords()
	}
	c.items = c.items[:0]
	c.multi = false
}

// searchSubtree searches the subtree of n: its own index, or, for a node without one, the
// vectors whose path ends there and the subtrees of its children.
func (x *Index) searchSubtree(c *searchCtx, q *query, n *node) {
	if n.build {
		x.searchNode(c, q, n)
		return
	}
	c.multi = true
	if len(n.own) > 0 {
		x.scan(c, q, n.own, q.ef)
	}
	// the order of the children does not matter: cutting the merge to the ef nearest never
	// drops one of the ef nearest of all
	for _, ch := range n.children {
		x.searchSubtree(c, q, ch)
		if !q.rangeQ && len(c.items) > 4*q.ef {
			c.items = x.finish(c, q.ef) // keep the merge small
		}
	}
}

// searchNode searches one node with an index: its graph once it is linked and larger than the
// beam, else its members exactly. Results go to c.items by inner id.
func (x *Index) searchNode(c *searchCtx, q *query, n *node) {
	ef := q.ef
	if n.level > 0 && !q.rangeQ {
		ef = subEf(q.ef, q.k, len(n.members), q.sub)
	}
	if !n.graphReady() || ef >= len(n.members) {
		x.scan(c, q, n.members, ef)
		return
	}
	p := graph.Params{Ef: ef, Deadline: q.deadline, Range: q.rangeQ, Radius: q.radius}
	if n.level == 0 {
		p.HopsLimit = q.hops
	}
	var sp graph.Space
	dups := n.hasDups()
	if dups {
		c.members, c.dupNode = n.members, n
	}
	if n.identity {
		sp = graph.Space{Comp: c.base, Slab: x.baseCodes.Slab()}
		p.Removed = c.removed
		if c.filter != nil || c.extra != nil {
			p.Keep = c.keepID
		}
	} else {
		c.members = n.members
		sp = graph.Space{Comp: c.mapped, Slab: n.memberBytes()}
		if c.removed != nil || c.filter != nil || c.extra != nil {
			p.Keep = c.keepMap
		}
	}
	if dups {
		p.Removed, p.Keep = nil, c.keepGrp
	}
	res := c.s.Search(n.g, sp, &p)
	if dups {
		if q.rangeQ {
			c.appendGroups(n, c.s.InRange)
			if x.precise == nil {
				return
			}
		}
		c.appendGroups(n, res)
		return
	}
	if q.rangeQ {
		for _, it := range c.s.InRange {
			c.items = append(c.items, topk.Item{Dist: it.Dist, ID: n.members[it.ID]})
		}
		if x.precise == nil {
			return
		}
	}
	for _, it := range res {
		c.items = append(c.items, topk.Item{Dist: it.Dist, ID: n.members[it.ID]})
	}
}

const scanBlock = 256

// scan measures the live rows of ids with the base codes: the ef nearest go to c.items (all
// within the radius for a range search).
func (x *Index) scan(c *searchCtx, q *query, ids []uint32, ef int) {
	slab := x.baseCodes.Slab()
	var dist [scanBlock]float32
	c.heap.Reset(max(ef, 1))
	for b := 0; b < len(ids); b += scanBlock {
		blk := ids[b:min(b+scanBlock, len(ids))]
		keep := c.ids[:0]
		for _, id := range blk {
			if c.live(id) {
				keep = append(keep, id)
			}
		}
		c.ids = keep
		if len(keep) > 0 {
			d := dist[:len(keep)]
			c.base.DistanceBatch(slab, keep, d)
			c.s.DistCmp += int64(len(keep))
			for i, id := range keep {
				if q.rangeQ {
					if d[i] <= q.radius {
						c.items = append(c.items, topk.Item{Dist: d[i], ID: id})
					}
				} else {
					c.heap.Push(d[i], id)
				}
			}
		}
		c.s.Hops += int64(len(blk))
		if !q.deadline.IsZero() && time.Now().After(q.deadline) {
			c.s.TimedOut = true
			break
		}
	}
	if !q.rangeQ {
		c.items = append(c.items, c.heap.Items()...)
	}
}

// finish sorts c.items by distance (dropping repeated inner ids when several searches
// contributed) and keeps the n nearest (all when n < 0).
func (x *Index) finish(c *searchCtx, n int) []topk.Item {
	items := c.items
	if c.multi && len(items) > 1 {
		sort.Slice(items, func(i, j int) bool {
			if items[i].ID != items[j].ID {
				return items[i].ID < items[j].ID
			}
			return items[i].Dist < items[j].Dist
		})
		out := items[:1]
		for _, it := range items[1:] {
			if it.ID != out[len(out)-1].ID {
				out = append(out, it)
			}
		}
		items = out
	}
	if !sorted(items) {
		sortItems(items)
	}
	if n >= 0 && len(items) > n {
		items = items[:n]
	}
	c.items = items
	return items
}

// sorted reports whether items ascend by distance (ties by id), as one graph search returns
// them.
func sorted(items []topk.Item) bool {
	for i := 1; i < len(items); i++ {
		a, b := items[i-1], items[i]
		if a.Dist > b.Dist || a.Dist == b.Dist && a.ID > b.ID {
			return false
		}
	}
	return true
}

// rerank recomputes the distances of items with the precise codes (use_reorder) and sorts
// them.
func (x *Index) rerank(c *searchCtx, v []float32, items []topk.Item) []topk.Item {
	if x.precise == nil || len(items) == 0 {
		return items
	}
	ids := c.ids[:0]
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	c.ids = ids
	if cap(c.dists) < len(ids) {
		c.dists = make([]float32, len(ids))
	}
	d := c.dists[:len(ids)]
	if x.split != nil {
		c.splitc.SetQuery(v)
		c.splitc.DistanceSplitBatch(x.baseCodes.Slab(), x.preciseCodes.Slab(), ids, d)
	} else {
		c.precise.SetQuery(v)
		c.precise.DistanceBatch(x.preciseCodes.Slab(), ids, d)
	}
	c.s.DistCmp += int64(len(ids))
	for i := range items {
		items[i].Dist = d[i]
	}
	sortItems(items)
	return items
}

// intersectExact is the size up to which an intersection is scanned exactly.
const intersectExact = 2048

// intersect searches the vectors that lie in the subtrees of every target: the target with
// the fewest vectors is searched (its graphs, or its members exactly when few of them are in
// the others too) keeping only those that lie in all the others' subtrees.
func (x *Index) intersect(c *searchCtx, q *query, ts []target) {
	best := 0
	for i := range ts {
		if ts[i].size() < ts[best].size() {
			best = i
		}
	}
	others := make([]target, 0, len(ts)-1)
	for i, t := range ts {
		if i != best {
			others = append(others, t)
		}
	}
	c.extra = func(id uint32) bool {
		for i := range others {
			if !others[i].contains(id) {
				return false
			}
		}
		return true
	}
	var cand []uint32
	for _, n := range ts[best].nodes {
		cand = gather(n, cand)
	}
	if len(ts[best].nodes) > 1 {
		sort.Slice(cand, func(i, j int) bool { return cand[i] < cand[j] })
		u := cand[:0]
		for i, id := range cand {
			if i == 0 || id != cand[i-1] {
				u = append(u, id)
			}
		}
		cand = u
	}
	in := cand[:0]
	for _, id := range cand {
		if c.live(id) {
			in = append(in, id)
		}
	}
	c.multi = len(ts[best].nodes) > 1
	if len(in) <= max(intersectExact, 4*q.ef) || float64(len(in)) < 0.3*float64(len(cand)) {
		x.scan(c, q, in, q.ef)
		return
	}
	for _, n := range ts[best].nodes {
		x.searchSubtree(c, q, n)
	}
}

// gather appends the inner ids of the subtree of n to dst.
func gather(n *node, dst []uint32) []uint32 {
	if n.build {
		return append(dst, n.members...)
	}
	dst = append(dst, n.own...)
	for _, ch := range n.children {
		dst = gather(ch, dst)
	}
	return dst
}

func (x *Index) fillStats(c *searchCtx, opts *api.SearchOptions) {
	if opts.Stats == nil {
		return
	}
	opts.Stats.DistanceComputations += c.s.DistCmp
	opts.Stats.Hops += c.s.Hops
	opts.Stats.TimedOut = opts.Stats.TimedOut || c.s.TimedOut
}
