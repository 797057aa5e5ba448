package graph

import (
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/simd"
)

// Space is what a search measures against: a computer whose query is set and the code slab
// whose rows are the graph's nodes.
type Space struct {
	Comp quant.Computer
	Slab []byte
	// Stride, when not 0, is the bytes of a node's row in Slab (node i at i*Stride): a search
	// then requests the rows of up to prefetchRowBytes of the nodes it is about to measure.
	Stride int
}

// prefetchRowBytes is the longest row expand requests, in one call, once it has read a
// neighbour list and before it measures the nodes found. The batch kernels request rows eight
// ahead of the one they measure, so a hop's first rows keep them waiting on memory; requested
// first, they arrive in time. Same index and process, eight alternating rounds, against a limit
// of 128 bytes: Fashion-MNIST pooled to 196 dimensions, sq8_uniform (196-byte rows) +9% to +15%
// at ef_search 10-48; LeanVec 160's packed primary rows (168 bytes) +3% to +5%; LeanVec 256
// under cosine (264 bytes) +2% to +5%; sq4_uniform on Fashion-MNIST (392 bytes) +3% to +7%;
// sq8_uniform (784 bytes) +1% to +3%. Whole float32 rows of 784 dimensions (3136 bytes) lost
// 16-21%: a hop's rows then outnumber what the cache takes in flight. (Earlier, one request per
// row as the list was read, an assembly call each, was 3-7% slower than none.)
const prefetchRowBytes = 1024

// Params controls one search.
type Params struct {
	// Ef is the size of the result beam (>= 1).
	Ef int
	// HopsLimit, when positive, bounds the number of nodes expanded on the bottom layer.
	HopsLimit int
	// Deadline, when non-zero, stops the search with what it found so far.
	Deadline time.Time
	// Removed is a bit per node: removed nodes are traversed but never returned.
	Removed []uint64
	// Keep, when non-nil, is asked before a node enters the results; false leaves it out
	// (the node is still traversed).
	Keep func(id uint32) bool
	// Range, when set, also collects every returned-eligible node within Radius into
	// Searcher.InRange, and keeps expanding candidates that lie within Radius.
	Range  bool
	Radius float32
	// Capacity, when larger than Ef, splits the search buffer: Ef (the search window) still
	// decides which nodes are expanded and when the search stops, but the best Capacity
	// eligible nodes seen are returned (the candidates a caller reranks).
	Capacity int
	// FewRejected says that Removed and Keep leave out few of the nodes a search meets (the
	// caller's estimate): the search may then keep them in one sorted buffer with the results
	// (Searcher's beam), which costs a move per node kept rather than a heap operation.
	FewRejected bool
	// Visit, when non-nil, is asked about every neighbour of the bottom layer not visited yet,
	// before its distance is computed; false leaves the neighbour out of the search (hnsw's
	// skip_ratio skips a share of the neighbours its filter rejects this way).
	Visit func(id uint32) bool
}

// Searcher is the per-goroutine state of a search: visited list, heaps and scratch. It is
// reused across searches (pool it) so that a search does not allocate in steady state.
type Searcher struct {
	// headReads caps the entries of an ordered bottom list a hop reads beyond its head (0: all);
	// see headMark.
	headReads int
	vis       VisitedList
	cand      topk.MinHeap
	top       *topk.MaxHeap
	buf       *topk.MaxHeap // results when the buffer is split (Params.Capacity)
	split     bool
	// beam replaces cand and top in a plain search; onBeam says the last search ran on it
	beam   beam
	add    []beamItem // the nodes of a hop that enter the beam (beam.merge)
	onBeam bool
	ids    []uint32
	dists  []float32
	out    []topk.Item
	// InRange holds the nodes found within the radius by a range search (unsorted).
	InRange []topk.Item
	// TrackHistory makes SearchLayer record every node it expands, with its distance, in
	// History (Vamana's candidate pool: the full search history).
	TrackHistory bool
	// History holds the expanded nodes of the last SearchLayer when TrackHistory is set.
	History []topk.Item
	// Hops counts expanded nodes, DistCmp computed distances, since the last ResetStats.
	Hops, DistCmp int64
	// TimedOut is set when a deadline or hop limit cut the last search short.
	TimedOut bool
}

// NewSearcher returns a searcher for graphs of bottom degree up to maxDegree.
func NewSearcher(maxDegree int) *Searcher {
	return &Searcher{
		top:   topk.NewMaxHeap(64),
		buf:   topk.NewMaxHeap(64),
		ids:   make([]uint32, 0, maxDegree+1),
		dists: make([]float32, maxDegree+1),
	}
}

// ResetStats zeroes the counters.
func (s *Searcher) ResetStats() { s.Hops, s.DistCmp, s.TimedOut = 0, 0, false }

func (s *Searcher) scratch(n int) {
	if cap(s.ids) < n {
		s.ids = make([]uint32, 0, n)
	}
	if len(s.dists) < n {
		s.dists = make([]float32, n)
	}
}

// Distance returns the distance of the space's query to node id.
func (s *Searcher) Distance(sp Space, id uint32) float32 {
	s.ids = append(s.ids[:0], id)
	sp.Comp.DistanceBatch(sp.Slab, s.ids, s.dists[:1])
	s.DistCmp++
	return s.dists[0]
}

// Greedy walks layer level from ep (at distance epD) to a local minimum and returns it.
func (s *Searcher) Greedy(g *Graph, level int, sp Space, ep uint32, epD float32) (uint32, float32) {
	s.scratch(g.Degree(level))
	for {
		ids := g.Neighbors(level, ep, s.ids[:0])
		if len(ids) == 0 {
			return ep, epD
		}
		d := s.dists[:len(ids)]
		sp.Comp.DistanceBatch(sp.Slab, ids, d)
		s.DistCmp += int64(len(ids))
		best, bestD := ep, epD
		for i, id := range ids {
			if d[i] < bestD {
				best, bestD = id, d[i]
			}
		}
		s.ids = ids
		if best == ep {
			return ep, epD
		}
		ep, epD = best, bestD
	}
}

func (s *Searcher) eligible(id uint32, p *Params) bool {
	if p == nil {
		return true
	}
	if p.Removed != nil && p.Removed[id>>6]&(1<<(id&63)) != 0 {
		return false
	}
	return p.Keep == nil || p.Keep(id)
}

// SearchLayer runs a best-first beam search on layer level from ep and leaves the ef best
// eligible nodes (p.Capacity of them when the buffer is split) in the searcher (read them with
// Results). p may be nil for a construction search (no filtering, no limits) with beam ef. A
// search without range or split buffer, with ef up to maxBeam and few nodes it may not return
// (see plain), runs on one sorted array instead of the candidate and result heaps, with the
// same results short of exact distance ties at the edge of the beam.
func (s *Searcher) SearchLayer(g *Graph, level int, sp Space, ep uint32, epD float32, ef int, p *Params) {
	s.scratch(g.Degree(level))
	s.InRange = s.InRange[:0]
	s.History = s.History[:0]
	s.split = false
	s.headReads = 0
	if s.onBeam = useBeam && s.plain(ef, p); s.onBeam {
		s.searchBeam(g, level, sp, ep, epD, ef, p)
		return
	}
	s.vis.Reset(g.Len())
	s.top.Reset(max(ef, 1))
	s.cand.Reset()
	var hopsLimit int
	var deadline time.Time
	var rangeMode bool
	var radius float32
	var visit func(uint32) bool
	if p != nil {
		hopsLimit, deadline, rangeMode, radius, visit = p.HopsLimit, p.Deadline, p.Range, p.Radius, p.Visit
		if p.Capacity > ef {
			s.split = true
			s.buf.Reset(p.Capacity)
		}
	}
	split, track := s.split, s.TrackHistory
	checkTime := !deadline.IsZero()
	s.vis.Visit(ep)
	if s.eligible(ep, p) {
		s.top.Push(epD, ep)
		if split {
			s.buf.Push(epD, ep)
		}
		if rangeMode && epD <= radius {
			s.InRange = append(s.InRange, topk.Item{Dist: epD, ID: ep})
		}
	}
	s.cand.Push(epD, ep)
	bound := s.top.Bound()
	bufBound := s.buf.Bound()
	hops := 0
	for s.cand.Len() > 0 {
		c := s.cand.Top()
		if c.Dist > bound && (!rangeMode || c.Dist > radius) {
			break
		}
		if hopsLimit > 0 && hops >= hopsLimit {
			s.TimedOut = true
			break
		}
		s.cand.Pop()
		hops++
		if level == 0 && s.cand.Len() > 0 {
			// the next candidate is likely the next hop: its list arrives while this one is measured
			g.prefetchList(s.cand.Top().ID)
		}
		if track {
			s.History = append(s.History, c)
		}
		if checkTime && hops&31 == 0 && time.Now().After(deadline) {
			s.TimedOut = true
			break
		}
		ids, d := s.expand(g, level, sp, c.ID, visit)
		for i, id := range ids {
			di := d[i]
			inWindow := di < bound || (rangeMode && di <= radius)
			if !inWindow && !(split && di < bufBound) {
				continue
			}
			ok := s.eligible(id, p)
			if inWindow {
				s.cand.Push(di, id)
				if ok {
					s.top.Push(di, id)
					bound = s.top.Bound()
					if rangeMode && di <= radius {
						s.InRange = append(s.InRange, topk.Item{Dist: di, ID: id})
					}
				}
			}
			// the split buffer keeps what the window passes over, but never expands it
			if split && ok && di < bufBound {
				s.buf.Push(di, id)
				bufBound = s.buf.Bound()
			}
		}
	}
	s.Hops += int64(hops)
}

// expand collects the neighbours of node id on level not visited yet (and let in by visit,
// when set), marks them visited and measures them; it returns them and their distances in the
// searcher's scratch, empty when there are none.
func (s *Searcher) expand(g *Graph, level int, sp Space, id uint32, visit func(uint32) bool) ([]uint32, []float32) {
	l := g.list(level, id)
	if l == nil {
		return nil, nil
	}
	w0 := atomic.LoadUint32(&l[0])
	n := min(int(wordLen(w0)), len(l)-1)
	if w0&headMark != 0 && level == 0 && s.headReads > 0 {
		n = min(n, max(headLen(w0), s.headReads))
	}
	ids := s.ids[:0]
	stride := sp.Stride
	if stride > prefetchRowBytes {
		stride = 0
	}
	if visit == nil {
		ids = s.vis.AppendUnvisited(ids, l[1:n+1])
	} else {
		for i := 1; i <= n; i++ {
			nb := atomic.LoadUint32(&l[i])
			if !s.vis.Visit(nb) && visit(nb) {
				ids = append(ids, nb)
			}
		}
	}
	s.ids = ids
	if len(ids) == 0 {
		return nil, nil
	}
	if stride > 0 {
		simd.PrefetchRows(sp.Slab, ids, stride)
	}
	d := s.dists[:len(ids)]
	sp.Comp.DistanceBatch(sp.Slab, ids, d)
	s.DistCmp += int64(len(ids))
	return ids, d
}

// Results empties the result heap into ascending order; the slice is the searcher's own and
// is valid until its next use.
func (s *Searcher) Results() []topk.Item {
	if s.onBeam {
		return s.beamResults()
	}
	h := s.top
	if s.split {
		h = s.buf
	}
	n := h.Len()
	if cap(s.out) < n {
		s.out = make([]topk.Item, n)
	}
	out := s.out[:n]
	for i := n - 1; i >= 0; i-- {
		out[i] = h.Pop()
	}
	s.out = out
	return out
}

// Search descends the route layers greedily from the entry point and runs the beam search on
// the bottom layer; it returns the best p.Ef eligible nodes in ascending distance (the
// searcher's own slice). An empty graph gives no results.
func (s *Searcher) Search(g *Graph, sp Space, p *Params) []topk.Item {
	ep, top, ok := g.Entry()
	if !ok {
		s.out = s.out[:0]
		return s.out
	}
	epD := s.Distance(sp, ep)
	for l := top; l >= 1; l-- {
		ep, epD = s.Greedy(g, l, sp, ep, epD)
	}
	s.SearchLayer(g, 0, sp, ep, epD, p.Ef, p)
	return s.Results()
}
