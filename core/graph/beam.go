package graph

import (
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core/topk"
)

// maxBeam is the largest ef a search runs on the sorted beam; a larger one keeps the heaps,
// whose insertion cost grows with log ef rather than ef.
const maxBeam = 256

// beamItem is a node of the beam with whether it was expanded.
type beamItem struct {
	Dist     float32
	ID       uint32
	expanded bool
}

// beam is the search buffer of a plain best-first search: the ef closest nodes seen, in
// ascending distance, each marked once expanded. It replaces the pair of heaps (candidates and
// results) when every node seen may be returned: the candidates worth expanding are exactly
// the unexpanded nodes among the ef closest, so one sorted array holds both, and the results
// come out already sorted.
type beam struct {
	items []beamItem
	ef    int
	next  int // no node before next is unexpanded
}

func (b *beam) reset(ef int) {
	if cap(b.items) < ef {
		b.items = make([]beamItem, 0, ef)
	}
	b.items, b.ef, b.next = b.items[:0], ef, 0
}

// bound returns the distance a node must beat to enter: the largest kept once ef are kept.
func (b *beam) bound() float32 {
	if len(b.items) < b.ef {
		return maxDist
	}
	return b.items[len(b.items)-1].Dist
}

// insert adds a node closer than bound(), dropping the farthest when the beam is full. A node
// at the same distance as kept ones goes after them.
func (b *beam) insert(d float32, id uint32) {
	n := len(b.items)
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b.items[m].Dist <= d {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if n < b.ef {
		b.items = b.items[:n+1]
	} else {
		n--
	}
	copy(b.items[lo+1:n+1], b.items[lo:n])
	b.items[lo] = beamItem{Dist: d, ID: id}
	if lo < b.next {
		b.next = lo
	}
}

// pop marks the closest unexpanded node expanded and returns it; ok is false when every node
// kept was expanded.
func (b *beam) pop() (it beamItem, ok bool) {
	for b.next < len(b.items) && b.items[b.next].expanded {
		b.next++
	}
	if b.next == len(b.items) {
		return beamItem{}, false
	}
	b.items[b.next].expanded = true
	return b.items[b.next], true
}

// peek returns the closest unexpanded node after the one pop returned last, if any.
func (b *beam) peek() (uint32, bool) {
	for i := b.next + 1; i < len(b.items); i++ {
		if !b.items[i].expanded {
			return b.items[i].ID, true
		}
	}
	return 0, false
}

const maxDist = float32(3.4028234663852886e38)

// plain reports whether a search with p may run on the beam: every node it sees may be
// returned and no node beyond the ef closest is kept or expanded.
func (s *Searcher) plain(ef int, p *Params) bool {
	if ef > maxBeam || s.TrackHistory {
		return false
	}
	return p == nil || (p.Removed == nil && p.Keep == nil && !p.Range && p.Capacity <= ef && p.Visit == nil)
}

// searchBeam is SearchLayer for a plain search (see plain): the same walk with the same
// results, on the sorted beam instead of the heaps.
func (s *Searcher) searchBeam(g *Graph, level int, sp Space, ep uint32, epD float32, ef int, p *Params) {
	b := &s.beam
	b.reset(max(ef, 1))
	s.vis.Reset(g.Len())
	s.vis.Visit(ep)
	b.insert(epD, ep)
	var hopsLimit int
	var deadline time.Time
	if p != nil {
		hopsLimit, deadline = p.HopsLimit, p.Deadline
	}
	checkTime := !deadline.IsZero()
	bound := b.bound()
	hops := 0
	for {
		if hopsLimit > 0 && hops >= hopsLimit {
			if _, more := b.peekFirst(); more {
				s.TimedOut = true
			}
			break
		}
		c, ok := b.pop()
		if !ok {
			break
		}
		hops++
		if level == 0 {
			// the next candidate is likely the next hop: its list arrives while this one is measured
			if nx, ok := b.peek(); ok {
				g.prefetchList(nx)
			}
		}
		if checkTime && hops&31 == 0 && time.Now().After(deadline) {
			s.TimedOut = true
			break
		}
		l := g.list(level, c.ID)
		if l == nil {
			continue
		}
		n := min(int(atomic.LoadUint32(&l[0])), len(l)-1)
		ids := s.ids[:0]
		for i := 1; i <= n; i++ {
			id := atomic.LoadUint32(&l[i])
			if !s.vis.Visit(id) {
				ids = append(ids, id)
			}
		}
		s.ids = ids
		if len(ids) == 0 {
			continue
		}
		d := s.dists[:len(ids)]
		sp.Comp.DistanceBatch(sp.Slab, ids, d)
		s.DistCmp += int64(len(ids))
		for i, id := range ids {
			if d[i] < bound {
				b.insert(d[i], id)
				bound = b.bound()
			}
		}
	}
	s.Hops += int64(hops)
}

// peekFirst returns the closest unexpanded node, if any.
func (b *beam) peekFirst() (uint32, bool) {
	for i := b.next; i < len(b.items); i++ {
		if !b.items[i].expanded {
			return b.items[i].ID, true
		}
	}
	return 0, false
}

// beamResults copies the beam, already ascending, into the searcher's result slice.
func (s *Searcher) beamResults() []topk.Item {
	n := len(s.beam.items)
	if cap(s.out) < n {
		s.out = make([]topk.Item, n)
	}
	out := s.out[:n]
	for i, it := range s.beam.items {
		out[i] = topk.Item{Dist: it.Dist, ID: it.ID}
	}
	s.out = out
	s.beam.items = s.beam.items[:0]
	return out
}

// useBeam runs plain searches on the beam; benchmarks turn it off to compare.
var useBeam = true
