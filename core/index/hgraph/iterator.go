package hgraph

import (
	"sort"
	"sync"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/topk"
)

// NewIterator implements api.IteratorSearcher.
//
// A session continues one graph search: the first page is the search KnnSearch runs (window
// max(ef_search, k), search_buffer_capacity candidates, reranked when the index reranks);
// each later page advances the same search from where it stopped (the visited nodes, the
// frontier and every eligible node found and not returned are kept), so it never restarts and
// never returns a label twice.
//
// What a session guarantees: pages are disjoint and each ascends by distance; a label removed
// before its page is cut is never returned; labels added after the session started are not
// returned (their nodes still route); every label the filter keeps among those live at the
// start is returned once before the session reports its end (the walk reaches every node
// connected to the entry point). Across pages the order is that of the approximate search:
// a page is cut once the window's max(ef_search, k) best are settled, so a later page starts
// at or above the previous page's last distance except for the nodes the walk reaches late
// (the same misses that lower a knn search's recall; with ef_search at least the number of
// nodes every page is exact). Reranked distances come from the precise codes, measured once
// per candidate.
//
// When KnnSearch would scan exactly (a filter keeping at most brute_force_threshold of the
// labels, or a window covering every node) the session scans exactly too: its first page
// measures every kept row once, and the pages are then exactly ordered. timeout_ms and
// hops_limit bound each page's walk, not the whole session.
func (x *Index) NewIterator(query []float32, opts *api.SearchOptions) (api.Iterator, error) {
	sp, err := x.parsed.Get(opts.Block)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	n0 := x.labels.Total()
	x.sessions.Add(1) // under the lock, so that a renumbering build sees it (renumber.go)
	x.mu.RUnlock()
	return &iterator{x: x, sp: sp, query: append([]float32(nil), query...), filter: opts.Filter, n0: n0}, nil
}

// iterator is an hgraph search session.
type iterator struct {
	x      *Index
	sp     *SearchParams
	query  []float32
	filter api.Filter
	n0     int  // inner ids below n0 existed when the session started
	closed bool // Close has run

	started bool
	exact   bool
	cur     *graph.Cursor
	final   map[uint32]float32 // reranked distances of window nodes
	order   topk.MinHeap       // exact path: every kept row not returned
	scanned bool               // exact path: order holds the scan
	done    bool
}

// eligibleFn returns the test a node passes to be returned: it existed when the session
// started, it is not removed, the filter keeps it. It is applied when a node is reached and
// again when its page is cut (a removal or a change of the filter in between counts). Caller
// holds mu shared.
func (it *iterator) eligibleFn() func(uint32) bool {
	labels := it.x.labels
	removed := labels.RemovedWords()
	f := it.filter
	n0 := uint32(it.n0)
	return func(id uint32) bool {
		if id >= n0 || removed[id>>6]&(1<<(id&63)) != 0 {
			return false
		}
		return f == nil || f.CheckValid(labels.Label(id))
	}
}

// Next implements api.Iterator.
func (it *iterator) Next(k int, page *api.PageOptions) ([]api.Neighbor, error) {
	if it.done {
		return []api.Neighbor{}, nil
	}
	x := it.x
	x.mu.RLock()
	defer x.mu.RUnlock()
	c, ps := x.getCtx()
	defer ps.putCtx(c)
	c.s.ResetStats()
	if !it.started {
		ef := max(*it.sp.EfSearch, k)
		it.exact = x.exhaustive(max(it.sp.SearchBufferCapacity, ef), it.sp, it.filter)
		if !it.exact {
			it.cur = cursors.Get().(*graph.Cursor)
			if x.reranks(it.sp) {
				it.final = map[uint32]float32{}
			}
		}
		it.started = true
	}
	var items []topk.Item
	if it.exact {
		items = it.nextExact(c, k)
	} else {
		items = it.nextGraph(c, k, page)
	}
	if page != nil && page.Stats != nil {
		page.Stats.DistanceComputations += c.s.DistCmp
		page.Stats.Hops += c.s.Hops
		page.Stats.TimedOut = page.Stats.TimedOut || c.s.TimedOut
	}
	return x.labels.Neighbors(items), nil
}

// nextExact measures every kept row once (first page) and then returns them in order.
func (it *iterator) nextExact(c *searchCtx, k int) []topk.Item {
	x := it.x
	if !it.scanned {
		it.scanned = true
		codes, comp := x.baseCodes, c.base
		if x.preciseCodes != nil {
			codes, comp = x.preciseCodes, c.precise
		}
		comp.SetQuery(it.query)
		keep := it.eligibleFn()
		slab := codes.Slab()
		var all []topk.Item
		var dist [scanBlock]float32
		ids := make([]uint32, 0, scanBlock)
		for b := 0; b < it.n0; b += scanBlock {
			e := min(b+scanBlock, it.n0)
			ids = ids[:0]
			for r := uint32(b); r < uint32(e); r++ {
				if keep(r) {
					ids = append(ids, r)
				}
			}
			if len(ids) > 0 {
				d := dist[:len(ids)]
				comp.DistanceBatch(slab, ids, d)
				c.s.DistCmp += int64(len(ids))
				for i, r := range ids {
					all = append(all, topk.Item{Dist: d[i], ID: r})
				}
			}
			c.s.Hops += int64(e - b)
		}
		it.order.Init(all)
	}
	eligible := it.eligibleFn()
	out := make([]topk.Item, 0, min(k, it.order.Len()))
	for len(out) < k && it.order.Len() > 0 {
		if r := it.order.Pop(); eligible(r.ID) {
			out = append(out, r)
		}
	}
	return out
}

// pageDeadline combines the page's deadline with the block's timeout_ms.
func (it *iterator) pageDeadline(page *api.PageOptions) time.Time {
	var d time.Time
	if page != nil {
		d = page.Deadline
	}
	return it.sp.Deadline(d)
}

// nextGraph advances the walk and cuts the next page from its window. Caller holds mu shared.
func (it *iterator) nextGraph(c *searchCtx, k int, page *api.PageOptions) []topk.Item {
	x := it.x
	cur := it.cur
	cur.ResetStats()
	c.trav.SetQuery(it.query)
	eligible := it.eligibleFn()
	rerank := x.reranks(it.sp)
	ef := max(*it.sp.EfSearch, k)
	p := &graph.CursorParams{
		Ef: ef, Capacity: max(it.sp.SearchBufferCapacity, ef), HopsLimit: it.sp.HopsLimit,
		Deadline: it.pageDeadline(page), Eligible: eligible,
	}
	space := x.travSpace(c)
	var out []topk.Item
	for len(out) < k {
		cur.Advance(x.g, space, p)
		w := cur.Window()
		if len(w) == 0 {
			break
		}
		if !rerank {
			// the window ascends: take its first eligible nodes, dropping those that stopped
			// being eligible (removed, or filtered out by a filter that changed) on the way
			pos := 0
			for ; pos < len(w) && len(out) < k; pos++ {
				if eligible(w[pos].ID) {
					out = append(out, w[pos])
				}
			}
			i := 0
			cur.Retain(func(topk.Item) bool { i++; return i > pos })
		} else {
			// every eligible candidate of the window with its final distance; take the best
			cands := make([]topk.Item, 0, len(w))
			drop := make(map[uint32]struct{})
			for _, e := range w {
				if eligible(e.ID) {
					cands = append(cands, e)
				} else {
					drop[e.ID] = struct{}{}
				}
			}
			it.rerank(c, cands)
			for i := range cands {
				cands[i].Dist = it.final[cands[i].ID]
			}
			topk.SortItems(cands)
			take := cands[:min(k-len(out), len(cands))]
			out = append(out, take...)
			for _, e := range take {
				drop[e.ID] = struct{}{}
			}
			cur.Retain(func(e topk.Item) bool {
				if _, ok := drop[e.ID]; ok {
					delete(it.final, e.ID)
					return false
				}
				return true
			})
		}
		if cur.TimedOut {
			break // the page's budget is spent: return what it holds
		}
	}
	c.s.DistCmp += cur.DistCmp
	c.s.Hops += cur.Hops
	c.s.TimedOut = c.s.TimedOut || cur.TimedOut
	sortItems(out)
	return out
}

// rerank measures the final distance of the candidates that have none yet: with the precise
// codes, or the full codes of a two-stage base. Caller holds mu shared.
func (it *iterator) rerank(c *searchCtx, cands []topk.Item) {
	x := it.x
	comp, codes := c.base, x.baseCodes
	if x.precise != nil {
		comp, codes = c.precise, x.preciseCodes
	}
	ids := c.ids[:0]
	for _, e := range cands {
		if _, ok := it.final[e.ID]; !ok {
			ids = append(ids, e.ID)
		}
	}
	c.ids = ids
	if len(ids) == 0 {
		return
	}
	comp.SetQuery(it.query)
	if cap(c.dists) < len(ids) {
		c.dists = make([]float32, len(ids))
	}
	d := c.dists[:len(ids)]
	comp.DistanceBatch(codes.Slab(), ids, d)
	c.s.DistCmp += int64(len(ids))
	for i, id := range ids {
		it.final[id] = d[i]
	}
}

// Drain implements api.Iterator: the best k of the nodes found and not returned (reranked
// when the index reranks), without walking further.
func (it *iterator) Drain(k int) ([]api.Neighbor, error) {
	if it.done || !it.started {
		it.Close()
		return []api.Neighbor{}, nil
	}
	x := it.x
	x.mu.RLock()
	defer x.mu.RUnlock()
	defer it.Close()
	if it.exact {
		c, ps := x.getCtx()
		defer ps.putCtx(c)
		return x.labels.Neighbors(it.nextExact(c, k)), nil
	}
	eligible := it.eligibleFn()
	var cands []topk.Item
	for _, e := range it.cur.Pending() {
		if eligible(e.ID) {
			cands = append(cands, e)
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].Dist < cands[j].Dist })
	if x.reranks(it.sp) {
		// rerank the best candidates by estimate, as many as a page's buffer would hold
		n := min(len(cands), max(k, it.sp.SearchBufferCapacity, *it.sp.EfSearch))
		cands = cands[:n]
		c, ps := x.getCtx()
		defer ps.putCtx(c)
		it.rerank(c, cands)
		for i := range cands {
			cands[i].Dist = it.final[cands[i].ID]
		}
		topk.SortItems(cands)
	}
	return x.labels.Neighbors(cands[:min(k, len(cands))]), nil
}

// Close implements api.Iterator.
func (it *iterator) Close() {
	if !it.closed {
		it.closed = true
		it.x.sessions.Add(-1)
	}
	it.done = true
	if it.cur != nil {
		it.cur.Reset()
		cursors.Put(it.cur)
	}
	it.cur, it.final, it.order = nil, nil, topk.MinHeap{}
}

// cursors holds graph cursors of closed sessions for reuse (their heaps and visited bits).
var cursors = sync.Pool{New: func() any { return graph.NewCursor() }}
