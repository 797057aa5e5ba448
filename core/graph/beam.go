package graph

import (
	"math"
	"time"

	"github.com/govsag/vsag/core/topk"
)

// maxBeam is the largest ef a search runs on the sorted beam; a larger one keeps the heaps,
// whose insertion cost grows with log ef rather than ef.
const maxBeam = 256

// beamItem is a node of the beam with whether it may be returned (ok) and whether it was
// expanded.
type beamItem struct {
	Dist     float32
	ID       uint32
	ok       bool
	expanded bool
}

// beam is the search buffer of a best-first search: in ascending distance, the ef closest
// nodes that may be returned and the nodes closer than the farthest of them that may not
// (removed or filtered out: traversed, never returned), each marked once expanded. It replaces
// the pair of heaps (candidates and results): the candidates worth expanding are exactly the
// unexpanded nodes it holds, so one sorted array holds both, and the results come out sorted.
type beam struct {
	items []beamItem
	ef    int
	nOK   int // items that may be returned
	next  int // no node before next is unexpanded
}

func (b *beam) reset(ef int) {
	if cap(b.items) < ef {
		b.items = make([]beamItem, 0, ef)
	}
	b.items, b.ef, b.nOK, b.next = b.items[:0], ef, 0, 0
}

// bound returns the distance a node must beat to enter: once ef nodes that may be returned
// are kept, the farthest of them, which is the last item.
func (b *beam) bound() float32 {
	if b.nOK < b.ef {
		return math.MaxFloat32
	}
	return b.items[len(b.items)-1].Dist
}

// insert adds a node closer than bound(). Once ef nodes that may be returned are kept, the
// beam ends at the ef-th of them: a node that may be returned drops what lies beyond the new
// ef-th, which can neither be returned nor expanded any more. A node at the same distance as
// kept ones goes after them.
func (b *beam) insert(d float32, id uint32, ok bool) {
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
	b.items = append(b.items, beamItem{})
	copy(b.items[lo+1:], b.items[lo:n])
	b.items[lo] = beamItem{Dist: d, ID: id, ok: ok}
	if lo < b.next {
		b.next = lo
	}
	if !ok {
		return
	}
	b.nOK++
	b.cut()
}

// mergeFromEf is the smallest ef whose searches add a hop's nodes with merge instead of one
// insert each. An insert moves the farther half of the beam on average, so its cost grows
// with ef; the merge moves the beam once per hop but sorts the hop's nodes first. Same index
// and process, ten alternating rounds, merge against inserts: clustered-128 with sq8 + fp32
// reorder 0.99-1.01x at ef_search 32, 1.03-1.04x at 64, 1.04-1.05x at 100, 1.04-1.07x at 160 (two
// runs), with fp32 0.98-1.04x at 64-160; Fashion-MNIST l2 with sq4_uniform 0.97-0.99x at
// ef_search 10-20, hence the threshold; unit Fashion-MNIST under cosine 1.01x at 16-48, 1.03x at
// 96. One-thread builds (ef_construction 200) took the same time. A variable so that tests can
// send every search through either path.
var mergeFromEf = 48

// merge adds the nodes of add, each closer than bound() when the hop began, as insert would
// add them one after another (searchBeam then drops a node once it no longer beats the bound;
// here the final cut drops it): add is sorted stably by distance, so nodes at equal distance
// keep their order and go after the kept ones, merged into the beam from its far end in one
// pass, and the beam is cut after its ef-th node that may be returned.
func (b *beam) merge(add []beamItem) {
	for i := 1; i < len(add); i++ {
		it := add[i]
		j := i
		for j > 0 && add[j-1].Dist > it.Dist {
			add[j] = add[j-1]
			j--
		}
		add[j] = it
	}
	n, m := len(b.items), len(add)
	b.items = append(b.items, add...)
	i, j := n-1, m-1
	w := n + m - 1
	for j >= 0 {
		if i >= 0 && b.items[i].Dist > add[j].Dist {
			b.items[w] = b.items[i]
			i--
		} else {
			b.items[w] = add[j]
			if add[j].ok {
				b.nOK++
			}
			j--
		}
		w--
	}
	if w+1 < b.next {
		b.next = w + 1
	}
	b.cut()
}

// cut ends the beam at its ef-th node that may be returned, once it holds that many: what lies
// beyond can neither be returned nor expanded any more.
func (b *beam) cut() {
	if b.nOK < b.ef {
		return
	}
	last := len(b.items) - 1
	for b.nOK > b.ef || !b.items[last].ok {
		if b.items[last].ok {
			b.nOK--
		}
		last--
	}
	b.items = b.items[:last+1]
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

// unexpanded returns the closest unexpanded node from position from on, if any: from next+1,
// the one after the node pop returned last (the likely next hop); from next, any.
func (b *beam) unexpanded(from int) (uint32, bool) {
	for i := from; i < len(b.items); i++ {
		if !b.items[i].expanded {
			return b.items[i].ID, true
		}
	}
	return 0, false
}

// plain reports whether a search with p may run on the beam: no range search, no split
// buffer, no history, ef up to maxBeam, and nodes it may not return (removed or filtered out)
// few, as the caller says with p.FewRejected.
func (s *Searcher) plain(ef int, p *Params) bool {
	if ef > maxBeam || s.TrackHistory {
		return false
	}
	if p == nil {
		return true
	}
	if p.Range || p.Capacity > ef {
		return false
	}
	return (p.Removed == nil && p.Keep == nil) || p.FewRejected
}

// searchBeam is SearchLayer for a plain search (see plain): the same walk with the same
// results, short of exact distance ties at the beam's edge, on the sorted beam instead of the
// heaps.
func (s *Searcher) searchBeam(g *Graph, level int, sp Space, ep uint32, epD float32, ef int, p *Params) {
	b := &s.beam
	b.reset(max(ef, 1))
	if level == 0 {
		s.headReads = readsFor(ef)
	}
	s.vis.Reset(g.Len())
	s.vis.Visit(ep)
	b.insert(epD, ep, s.eligible(ep, p))
	var hopsLimit int
	var deadline time.Time
	var visit func(uint32) bool
	if p != nil {
		hopsLimit, deadline, visit = p.HopsLimit, p.Deadline, p.Visit
	}
	checkTime := !deadline.IsZero()
	bound := b.bound()
	hops := 0
	for {
		if hopsLimit > 0 && hops >= hopsLimit {
			if _, more := b.unexpanded(b.next); more {
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
			if nx, ok := b.unexpanded(b.next + 1); ok {
				g.prefetchList(nx)
			}
		}
		if checkTime && hops&31 == 0 && time.Now().After(deadline) {
			s.TimedOut = true
			break
		}
		ids, d := s.expand(g, level, sp, c.ID, visit)
		if ef >= mergeFromEf {
			bound = s.mergeHop(ids, d, bound, p)
			continue
		}
		for i, id := range ids {
			if d[i] < bound {
				b.insert(d[i], id, s.eligible(id, p))
				bound = b.bound()
			}
		}
	}
	s.Hops += int64(hops)
}

// mergeHop adds the nodes of one hop (ids at distances d) that beat bound to the beam in one
// merge and returns the beam's new bound. Every node that beats the hop's first bound is
// checked for eligibility (p's removed set and Keep), also one that the bound after the hop's
// earlier nodes would have turned away before the check: a filter may be asked about a few
// more nodes than with one insert each; the results are the same.
func (s *Searcher) mergeHop(ids []uint32, d []float32, bound float32, p *Params) float32 {
	add := s.add[:0]
	for i, id := range ids {
		if d[i] < bound {
			add = append(add, beamItem{Dist: d[i], ID: id, ok: s.eligible(id, p)})
		}
	}
	s.add = add
	if len(add) == 0 {
		return bound
	}
	s.beam.merge(add)
	return s.beam.bound()
}

// beamResults copies the nodes of the beam that may be returned, already ascending, into the
// searcher's result slice.
func (s *Searcher) beamResults() []topk.Item {
	n := s.beam.nOK
	if cap(s.out) < n {
		s.out = make([]topk.Item, n)
	}
	out := s.out[:0]
	for _, it := range s.beam.items {
		if it.ok {
			out = append(out, topk.Item{Dist: it.Dist, ID: it.ID})
		}
	}
	s.out = out
	s.beam.items, s.beam.nOK = s.beam.items[:0], 0
	return out
}

// useBeam runs plain searches on the beam; tests turn it off to compare the two paths.
var useBeam = true
