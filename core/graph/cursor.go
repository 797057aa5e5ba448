package graph

import (
	"sort"
	"time"

	"github.com/govsag/vsag/core/topk"
)

// CursorParams controls one Advance of a Cursor.
type CursorParams struct {
	// Ef is the search window: Advance expands nodes until no unexpanded node is closer than
	// the Ef-th best eligible node not yet taken (>= 1).
	Ef int
	// Capacity (>= Ef) is the number of eligible nodes the window holds: the candidates a
	// caller may take or rerank. Nodes beyond it wait in the cursor until the window has room.
	Capacity int
	// HopsLimit, when positive, bounds the nodes expanded by this Advance.
	HopsLimit int
	// Deadline, when non-zero, stops this Advance with the window as it is.
	Deadline time.Time
	// Eligible, when non-nil, is asked once per node when the cursor first reaches it; false
	// keeps the node out of the window (it is still expanded, so it routes).
	Eligible func(id uint32) bool
}

// Cursor is a best-first search on the bottom layer that can be continued: it keeps its
// visited set and its frontier between calls, so a caller takes the nearest nodes found, then
// advances again to settle the next ones without restarting. It is the state of an iterator
// search session.
//
// Every node the cursor reaches is kept: unexpanded ones in the frontier (whatever their
// distance, so a later Advance can go further out), eligible ones in the window (the best
// Capacity not taken, ascending) or, beyond it, in a spill heap that refills the window as
// nodes are taken. Memory therefore grows with the part of the graph a session explores.
//
// A Cursor is not safe for concurrent use. Its caller holds the index's read lock during each
// call; between calls the graph may grow (new nodes are reached like any other).
type Cursor struct {
	vis      []uint64     // bit per node: reached
	cand     topk.MinHeap // reached and not expanded
	window   []topk.Item  // eligible, not taken, ascending; at most capacity
	spill    topk.MinHeap // eligible, not taken, beyond the window (each >= every window item)
	capacity int
	started  bool
	route    *Searcher // descends the route layers on the first Advance
	ids      []uint32
	dists    []float32
	// Hops counts expanded nodes, DistCmp computed distances, since the last ResetStats.
	Hops, DistCmp int64
	// TimedOut is set when a deadline or hop limit cut the last Advance short.
	TimedOut bool
}

// NewCursor returns a cursor that has not started.
func NewCursor() *Cursor { return &Cursor{} }

// Reset returns the cursor to the state of NewCursor, keeping its memory for reuse.
func (c *Cursor) Reset() {
	clear(c.vis)
	c.cand.Reset()
	c.spill.Reset()
	c.window = c.window[:0]
	c.capacity, c.started = 0, false
	c.ResetStats()
}

// ResetStats zeroes the counters.
func (c *Cursor) ResetStats() { c.Hops, c.DistCmp, c.TimedOut = 0, 0, false }

// reach marks id reached and reports whether it was reached before.
func (c *Cursor) reach(id uint32) bool {
	w := int(id >> 6)
	if w >= len(c.vis) {
		grown := make([]uint64, max(w+1, 2*len(c.vis)))
		copy(grown, c.vis)
		c.vis = grown
	}
	m := uint64(1) << (id & 63)
	if c.vis[w]&m != 0 {
		return true
	}
	c.vis[w] |= m
	return false
}

// offer puts an eligible node into the window, or the spill heap when it is beyond it.
func (c *Cursor) offer(it topk.Item) {
	w := c.window
	if len(w) >= c.capacity {
		last := w[len(w)-1]
		if it.Dist >= last.Dist {
			c.spill.Push(it.Dist, it.ID)
			return
		}
		c.spill.Push(last.Dist, last.ID)
		w = w[:len(w)-1]
	}
	i := sort.Search(len(w), func(i int) bool { return w[i].Dist > it.Dist })
	w = append(w, topk.Item{})
	copy(w[i+1:], w[i:])
	w[i] = it
	c.window = w
}

// setCapacity resizes the window, moving nodes between it and the spill heap.
func (c *Cursor) setCapacity(n int) {
	c.capacity = max(n, 1)
	for len(c.window) > c.capacity {
		last := c.window[len(c.window)-1]
		c.window = c.window[:len(c.window)-1]
		c.spill.Push(last.Dist, last.ID)
	}
	c.refill()
}

// refill moves the nearest spilled nodes into the window while it has room.
func (c *Cursor) refill() {
	for len(c.window) < c.capacity && c.spill.Len() > 0 {
		c.window = append(c.window, c.spill.Pop())
	}
}

func (c *Cursor) eligible(p *CursorParams, id uint32) bool {
	return p.Eligible == nil || p.Eligible(id)
}

// start descends the route layers from the entry point and seeds the frontier; it reports
// false for an empty graph.
func (c *Cursor) start(g *Graph, sp Space, p *CursorParams) bool {
	ep, top, ok := g.Entry()
	if !ok {
		return false
	}
	if need := (g.Len() + 63) / 64; len(c.vis) < need {
		c.vis = make([]uint64, need+need/8)
	}
	if c.route == nil {
		c.route = NewSearcher(g.MaxDegree())
	}
	r := c.route
	r.ResetStats()
	epD := r.Distance(sp, ep)
	for l := top; l >= 1; l-- {
		ep, epD = r.Greedy(g, l, sp, ep, epD)
	}
	c.DistCmp += r.DistCmp
	c.reach(ep)
	c.cand.Push(epD, ep)
	if c.eligible(p, ep) {
		c.offer(topk.Item{Dist: epD, ID: ep})
	}
	c.started = true
	return true
}

// Advance expands nodes until the window's first p.Ef nodes are settled (no unexpanded node is
// closer than the Ef-th of them), the graph is exhausted, or the deadline or hop limit of p
// cuts it short (TimedOut). sp's computer holds the query.
func (c *Cursor) Advance(g *Graph, sp Space, p *CursorParams) {
	ef := max(p.Ef, 1)
	c.setCapacity(max(p.Capacity, ef))
	if !c.started && !c.start(g, sp, p) {
		return
	}
	deg := g.MaxDegree()
	if cap(c.ids) < deg {
		c.ids = make([]uint32, 0, deg)
	}
	if len(c.dists) < deg {
		c.dists = make([]float32, deg)
	}
	checkTime := !p.Deadline.IsZero()
	hops := 0
	for c.cand.Len() > 0 {
		if len(c.window) >= ef && c.cand.Top().Dist > c.window[ef-1].Dist {
			break
		}
		if p.HopsLimit > 0 && hops >= p.HopsLimit {
			c.TimedOut = true
			break
		}
		if checkTime && hops&31 == 31 && time.Now().After(p.Deadline) {
			c.TimedOut = true
			break
		}
		cur := c.cand.Pop()
		hops++
		nb := g.Neighbors(0, cur.ID, c.ids[:0])
		ids := nb[:0]
		for _, id := range nb {
			if !c.reach(id) {
				ids = append(ids, id)
			}
		}
		c.ids = nb
		if len(ids) == 0 {
			continue
		}
		if len(c.dists) < len(ids) {
			c.dists = make([]float32, len(ids))
		}
		d := c.dists[:len(ids)]
		sp.Comp.DistanceBatch(sp.Slab, ids, d)
		c.DistCmp += int64(len(ids))
		for i, id := range ids {
			c.cand.Push(d[i], id)
			if c.eligible(p, id) {
				c.offer(topk.Item{Dist: d[i], ID: id})
			}
		}
	}
	c.Hops += int64(hops)
}

// Window returns the eligible nodes found and not taken, at most Capacity of them, ascending.
// The slice is the cursor's own: read it, then call Retain before the next Advance.
func (c *Cursor) Window() []topk.Item { return c.window }

// Retain keeps the window's nodes for which keep returns true (the others are taken or
// dropped and never offered again) and refills the window from the nodes beyond it.
func (c *Cursor) Retain(keep func(topk.Item) bool) {
	w := c.window[:0]
	for _, it := range c.window {
		if keep(it) {
			w = append(w, it)
		}
	}
	c.window = w
	c.refill()
}

// Pending returns every eligible node found and not taken (the window and the nodes beyond
// it), in no particular order, as a new slice.
func (c *Cursor) Pending() []topk.Item {
	out := make([]topk.Item, 0, len(c.window)+c.spill.Len())
	out = append(out, c.window...)
	for c.spill.Len() > 0 {
		out = append(out, c.spill.Pop())
	}
	return out
}

// Exhausted reports whether the cursor has started and has nothing left: no node to expand
// and no eligible node waiting.
func (c *Cursor) Exhausted() bool {
	return c.started && c.cand.Len() == 0 && len(c.window) == 0 && c.spill.Len() == 0
}

// MemoryUsage returns the bytes the cursor holds.
func (c *Cursor) MemoryUsage() int64 {
	return int64(cap(c.vis))*8 + int64(c.cand.Len()+c.spill.Len()+cap(c.window))*8
}
