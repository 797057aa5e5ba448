package sindi

import (
	"math"
	"sort"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/topk"
)

// qterm is one query term kept for scanning: its slot and weight.
type qterm struct {
	slot uint32
	w    float32
}

// scratch holds one search's buffers, reused through the engine's pool.
type scratch struct {
	acc   []float32
	terms []qterm
	heap  topk.MaxHeap
	items []topk.Item
	pos   []int     // query term -> length of the scanned prefix in the current window
	qd    []float32 // rerank: query weight by term slot, zero elsewhere
	// use_dynamic_pruning (dynamic.go)
	qbits   []uint64 // bit per term slot of the query
	am      []accm   // per local document: the partial score and the terms that reached it
	surv    []uint64 // bit per local document: the candidates a left-out list part completes
	touched []uint16 // the local documents reached in the current window
	dterms  []dterm
	cands   []cand
	// use_max_score (maxscore.go)
	ms     []msTerm
	inh    []uint64 // bit per local document: its partial score is in the heap
	cbits  []uint64 // bit per local document: a candidate
	mcands []uint16
	nbits  [][]uint64 // member bitmaps built for non-essential lists
	nrank  [][]uint16 // their rank directories
}

// denseQuery writes q's weights into s.qd by slot (terms without a slot score nothing) and
// returns the function that zeroes them again.
func (x *Index) denseQuery(q api.SparseVector, s *scratch) func() {
	if len(s.qd) < len(x.slotTerm) {
		s.qd = make([]float32, len(x.slotTerm)+len(x.slotTerm)/4)
	}
	for i, t := range q.IDs {
		if sl, ok := x.slots[t]; ok {
			s.qd[sl] = q.Values[i]
		}
	}
	return func() {
		for _, t := range q.IDs {
			if sl, ok := x.slots[t]; ok {
				s.qd[sl] = 0
			}
		}
	}
}

func (x *Index) scratch() *scratch {
	s, _ := x.pool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	if len(s.acc) < x.cfg.WindowSize {
		s.acc = make([]float32, x.cfg.WindowSize)
	}
	return s
}

// searchParams parses the search block (cached by its JSON) and checks n_candidate against k.
// It returns the options the search runs with: opts, or a copy whose deadline the block's
// timeout_ms brought forward (set once here, so a search that falls back to the plain scan
// keeps the same deadline).
func (x *Index) searchParams(opts *api.SearchOptions, k int) (*SearchParams, *api.SearchOptions, error) {
	var raw []byte
	if opts != nil {
		raw = opts.Block
	}
	sp, err := x.cache.Get(raw)
	if err != nil {
		return nil, nil, err
	}
	if k > 0 && sp.NCandidate > int64(amplification)*int64(k) {
		return nil, nil, api.Errorf(api.InvalidArgument, "sindi: n_candidate (%d) should be less than %d * k (%d)", sp.NCandidate, amplification, k)
	}
	if sp.TimeoutMs > 0 {
		o := api.SearchOptions{}
		if opts != nil {
			o = *opts
		}
		o.Deadline = sp.Deadline(o.Deadline)
		opts = &o
	}
	return sp, opts, nil
}

// prepare fills s.terms with the query's known terms, heaviest first, pruned by
// query_prune_ratio (VSAG: keep floor((1-ratio)*len) terms, at least one).
func (x *Index) prepare(q api.SparseVector, sp *SearchParams, s *scratch) error {
	if len(q.IDs) == 0 {
		return api.Errorf(api.InvalidArgument, "sindi: the query is empty (it needs at least one term)")
	}
	s.terms = s.terms[:0]
	for i, t := range q.IDs {
		if slot, ok := x.slots[t]; ok && q.Values[i] != 0 {
			s.terms = append(s.terms, qterm{slot: slot, w: q.Values[i]})
		}
	}
	keep := len(q.IDs)
	if sp.QueryPruneRatio > 0 {
		keep = max(int((1-sp.QueryPruneRatio)*float64(len(q.IDs))), 1)
		sort.Slice(s.terms, func(i, j int) bool { return s.terms[i].w > s.terms[j].w })
	}
	s.terms = s.terms[:min(keep, len(s.terms))]
	return nil
}

// scanLen returns the prefix of a posting list of length n a search scans.
func (x *Index) scanLen(n int, sp *SearchParams) int {
	m := n
	if sp.TermPruneRatio > 0 {
		m = int(float64(n) * (1 - sp.TermPruneRatio))
	}
	if sp.TermRetainThreshold > 0 {
		m = min(m, int(sp.TermRetainThreshold/int64(max(len(x.windows), 1))))
	}
	return min(max(m, 1), n)
}

// scatter adds w times the scanned prefix of l into acc.
func (x *Index) scatter(acc []float32, l *plist, m int, w float32) {
	docs := l.docs[:m]
	switch x.cfg.Value {
	case valueSQ8:
		a, b := w*x.sqMin, w*x.sqScale
		codes := l.q8[:m]
		for i, d := range docs {
			acc[d] += a + b*float32(codes[i])
		}
	case valueFP16:
		h := l.f16[:m]
		for i, d := range docs {
			acc[d] += w * f16Table[h[i]]
		}
	default:
		vals := l.f32[:m]
		for i, d := range docs {
			acc[d] += w * vals[i]
		}
	}
}

// admission decides whether a scored document may enter a search's results: it must be live
// and pass the filter, which is called at most filter_callback_limit times per search.
type admission struct {
	state  []uint8
	labels []int64
	filter api.Filter
	limit  int64
	calls  int64
}

// newAdmission returns the admission of one search.
func (x *Index) newAdmission(filter api.Filter, sp *SearchParams) admission {
	return admission{state: x.state, labels: x.labels, filter: filter, limit: sp.FilterCallbackLimit}
}

// admit reports whether inner id in may enter, and stop when the filter's call limit is spent
// (the search ends there).
func (a *admission) admit(in uint32) (ok, stop bool) {
	if a.state[in] != live {
		return false, false
	}
	if a.filter == nil {
		return true, false
	}
	if a.limit > 0 && a.calls >= a.limit {
		return false, true
	}
	a.calls++
	return a.filter.CheckValid(a.labels[in]), false
}

// offer pushes inner id in into h at dist when it is admitted, and reports stop when the
// filter's call limit is spent (the search ends there).
func (a *admission) offer(h *topk.MaxHeap, dist float32, in uint32) (stop bool) {
	ok, stop := a.admit(in)
	if ok {
		h.Push(dist, in)
	}
	return stop
}

// scan scores every window for the prepared query and hands the documents with a non-zero
// score on (collector).
func (x *Index) scan(s *scratch, sp *SearchParams, opts *api.SearchOptions, h *topk.MaxHeap, keep func(in uint32, dist float32)) {
	var filter api.Filter
	var deadline time.Time
	var stats *api.SearchStats
	if opts != nil {
		filter, deadline, stats = opts.Filter, opts.Deadline, opts.Stats
	}
	c := collector{h: h, keep: keep, adm: x.newAdmission(filter, sp), bound: float32(math.Inf(1))}
	if h != nil {
		c.bound = h.Bound()
	}
	if cap(s.pos) < len(s.terms) {
		s.pos = make([]int, len(s.terms))
	}
	pos := s.pos[:len(s.terms)]
	W := x.cfg.WindowSize
	for wi, w := range x.windows {
		if !deadline.IsZero() && time.Now().After(deadline) {
			if stats != nil {
				stats.TimedOut = true
			}
			return
		}
		base := wi * W
		ndocs := min(W, len(x.labels)-base)
		acc := s.acc[:W]
		total := 0
		for ti, t := range s.terms {
			pos[ti] = 0
			if int(t.slot) >= len(w.at) || w.at[t.slot] == 0 {
				continue
			}
			l := &w.lists[w.at[t.slot]-1]
			m := x.scanLen(len(l.docs), sp)
			x.scatter(acc, l, m, t.w)
			pos[ti] = m
			total += m
		}
		if stats != nil {
			stats.DistanceComputations += int64(total)
			stats.Hops++
		}
		c.acc, c.base = acc[:ndocs], base
		if total > sweepFactor*ndocs {
			c.sweep()
		} else {
			for ti, t := range s.terms {
				if pos[ti] == 0 {
					continue
				}
				l := &w.lists[w.at[t.slot]-1]
				for _, d := range l.docs[:pos[ti]] {
					// inline: most postings meet a document already taken or out of reach
					v := acc[d]
					if v == 0 {
						continue
					}
					acc[d] = 0
					if -v < c.bound && !c.stop {
						c.hand(int(d), v)
					}
				}
			}
		}
		if c.stop {
			return
		}
	}
}

// sweepFactor decides how a window's scores are collected: by walking the query terms'
// postings a second time (each document found zeroed and offered once), or, when those
// postings outnumber the window's documents more than sweepFactor times, by sweeping the whole
// accumulator. A sweep reads every document of the window and mispredicts on the scattered
// non-zero scores: on the package-description corpus (windows of 50 000 documents, 6 700 query
// postings per window on average) the plain scan ran at 0.55-0.60x the exact brute force when
// it swept from half a window's documents on, and at 0.95-1.01x walking (with the heap's bound
// read once per document entered, not once per posting).
const sweepFactor = 2

// collector hands the scored documents of a scan on from a window's accumulator, zeroing the
// accumulator on the way: a document whose score may enter h (bound) and that is live and
// passes the filter goes into h, or to keep when h is nil. The bound check runs before the
// filter, so a document that would not enter costs no filter call.
type collector struct {
	acc   []float32 // the current window's scores by local document
	base  int       // the current window's first inner id
	h     *topk.MaxHeap
	keep  func(in uint32, dist float32)
	adm   admission
	bound float32 // h.Bound(), +Inf without h
	stop  bool    // the filter's call limit ended the search (filter_callback_limit)
}

// hand passes on local document d, whose score v may enter h.
func (c *collector) hand(d int, v float32) {
	in := uint32(c.base + d)
	ok, stop := c.adm.admit(in)
	switch {
	case stop:
		c.stop = true
	case !ok:
	case c.h != nil:
		c.h.Push(-v, in)
		c.bound = c.h.Bound()
	default:
		c.keep(in, -v)
	}
}

// sweep zeroes the whole window and hands on every document that may enter h, skipping
// blocks of eight empty scores with one test.
func (c *collector) sweep() {
	acc := c.acc
	d := 0
	for ; d+8 <= len(acc); d += 8 {
		b := acc[d : d+8 : d+8]
		if math.Float32bits(b[0])|math.Float32bits(b[1])|math.Float32bits(b[2])|math.Float32bits(b[3])|
			math.Float32bits(b[4])|math.Float32bits(b[5])|math.Float32bits(b[6])|math.Float32bits(b[7]) == 0 {
			continue
		}
		for j, v := range b {
			if v != 0 {
				b[j] = 0
				if -v < c.bound && !c.stop {
					c.hand(d+j, v)
				}
			}
		}
	}
	for ; d < len(acc); d++ {
		if v := acc[d]; v != 0 {
			acc[d] = 0
			if -v < c.bound && !c.stop {
				c.hand(d, v)
			}
		}
	}
}

// rerankAhead is how many candidates ahead of the one rescored the rerank requests the
// whole documents of.
const rerankAhead = 8

// KnnSearchSparse implements api.SparseEngine.
func (x *Index) KnnSearchSparse(q api.SparseVector, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	if k <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "sindi: knn search: k %d must be positive", k)
	}
	sp, opts, err := x.searchParams(opts, k)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := x.scratch()
	defer x.pool.Put(s)
	if err := x.prepare(q, sp, s); err != nil {
		return nil, err
	}
	ef := max(int(sp.NCandidate), k)
	if sp.UseMaxScore {
		if !x.cfg.DocOrderedPostings {
			return nil, api.Errorf(api.InvalidArgument, "sindi: use_max_score needs an index created with doc_ordered_postings")
		}
		s.heap.Reset(ef)
		if x.do == nil || !x.maxScoreSearch(s, sp, opts, ef, &s.heap) {
			s.heap.Reset(ef)
			x.scan(s, sp, opts, &s.heap, nil)
		} else if x.fwd == nil || x.exactPostings() {
			// the postings are the whole documents: their scores need no rescoring
			items := s.heap.Sorted()
			return x.neighbors(items[:min(k, len(items))], 1), nil
		}
	} else if !sp.UseDynamicPruning || !x.prunedSearch(q, k, ef, sp, opts, s) {
		s.heap.Reset(ef)
		x.scan(s, sp, opts, &s.heap, nil)
	} else if x.fwd == nil || x.exactPostings() {
		items := s.heap.Sorted()
		return x.neighbors(items[:min(k, len(items))], 1), nil
	}
	var items []topk.Item
	if x.fwd != nil {
		cands := s.heap.Items()
		s.items = s.items[:0]
		defer x.denseQuery(q, s)()
		for i := range min(rerankAhead, len(cands)) {
			x.fwd.prefetch(cands[i].ID)
		}
		for i, c := range cands {
			if i+rerankAhead < len(cands) {
				x.fwd.prefetch(cands[i+rerankAhead].ID)
			}
			s.items = append(s.items, topk.Item{Dist: 1 - x.fwd.dot(c.ID, s.qd, x.slotTerm), ID: c.ID})
		}
		topk.SortItems(s.items)
		items = s.items[:min(k, len(s.items))]
	} else {
		items = s.heap.Sorted()
		items = items[:min(k, len(items))]
		for i := range items {
			items[i].Dist++
		}
	}
	out := make([]api.Neighbor, len(items))
	for i, it := range items {
		out[i] = api.Neighbor{ID: x.labels[it.ID], Distance: it.Dist}
	}
	return out, nil
}

// RangeSearchSparse implements api.SparseEngine: every document within radius of the
// approximate distance (with use_reorder, every scored document rescored exactly).
func (x *Index) RangeSearchSparse(q api.SparseVector, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	sp, opts, err := x.searchParams(opts, 0)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := x.scratch()
	defer x.pool.Put(s)
	if err := x.prepare(q, sp, s); err != nil {
		return nil, err
	}
	s.items = s.items[:0]
	if x.fwd != nil {
		defer x.denseQuery(q, s)()
	}
	x.scan(s, sp, opts, nil, func(in uint32, d float32) {
		if x.fwd != nil {
			d = 1 - x.fwd.dot(in, s.qd, x.slotTerm)
		} else {
			d++
		}
		if d <= radius {
			s.items = append(s.items, topk.Item{Dist: d, ID: in})
		}
	})
	topk.SortItems(s.items)
	items := s.items
	if limit >= 0 && len(items) > limit {
		items = items[:limit]
	}
	out := make([]api.Neighbor, len(items))
	for i, it := range items {
		out[i] = api.Neighbor{ID: x.labels[it.ID], Distance: it.Dist}
	}
	return out, nil
}

// CalcDistanceSparse implements api.SparseEngine: 1 - inner product with the most precise row
// held (the whole document with use_reorder, else the stored postings).
func (x *Index) CalcDistanceSparse(q api.SparseVector, ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var qd []float32
	if x.fwd != nil {
		s := x.scratch()
		defer x.pool.Put(s)
		defer x.denseQuery(q, s)()
		qd = s.qd
	}
	for i, l := range ids {
		in, ok := x.byLabel[l]
		if !ok {
			out[i] = -1
			continue
		}
		if x.fwd != nil {
			out[i] = 1 - x.fwd.dot(in, qd, x.slotTerm)
			continue
		}
		w, local := x.windowOf(in)
		s := float32(0)
		for j, t := range q.IDs {
			slot, ok := x.slots[t]
			if !ok || int(slot) >= len(w.at) || w.at[slot] == 0 {
				continue
			}
			pl := &w.lists[w.at[slot]-1]
			for p, d := range pl.docs {
				if d == local {
					s += q.Values[j] * x.value(pl, p)
					break
				}
			}
		}
		out[i] = 1 - s
	}
	return nil
}

// ExactKnnSparse returns the k live documents of the best inner product with q, scoring every
// posting of every query term (no pruning) and, with use_reorder, rescoring the whole
// documents: the exact answer on the stored rows, the reference the benchmarks and tests
// measure recall against.
func (x *Index) ExactKnnSparse(q api.SparseVector, k int, filter api.Filter) ([]api.Neighbor, error) {
	n := int(x.NumElements())
	sp := &SearchParams{NCandidate: int64(n)}
	opts := &api.SearchOptions{Filter: filter}
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := x.scratch()
	defer x.pool.Put(s)
	if err := x.prepare(q, sp, s); err != nil {
		return nil, err
	}
	s.items = s.items[:0]
	if x.fwd != nil {
		defer x.denseQuery(q, s)()
	}
	x.scan(s, sp, opts, nil, func(in uint32, d float32) {
		if x.fwd != nil {
			d = -x.fwd.dot(in, s.qd, x.slotTerm)
		}
		s.items = append(s.items, topk.Item{Dist: 1 + d, ID: in})
	})
	topk.SortItems(s.items)
	items := s.items[:min(k, len(s.items))]
	out := make([]api.Neighbor, len(items))
	for i, it := range items {
		out[i] = api.Neighbor{ID: x.labels[it.ID], Distance: it.Dist}
	}
	return out, nil
}

// SparseStats implements api.SparseEngine: window count, documents, terms and the shape of the
// posting lists.
func (x *Index) SparseStats() (map[string]any, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	lists, postings, longest := 0, 0, 0
	perWindow := make([]int, len(x.windows))
	for wi, w := range x.windows {
		lists += len(w.lists)
		for i := range w.lists {
			n := len(w.lists[i].docs)
			postings += n
			perWindow[wi] += n
			longest = max(longest, n)
		}
	}
	avg := 0.0
	if lists > 0 {
		avg = float64(postings) / float64(lists)
	}
	out := map[string]any{
		"window_count":            len(x.windows),
		"window_size":             x.cfg.WindowSize,
		"term_count":              len(x.slotTerm),
		"posting_list_count":      lists,
		"posting_count":           postings,
		"postings_per_window":     perWindow,
		"avg_posting_list_length": avg,
		"max_posting_list_length": longest,
		"value_format":            valueNames[x.cfg.Value],
		"use_reorder":             x.cfg.UseReorder,
		"doc_ordered_postings":    x.cfg.DocOrderedPostings,
		"replaced_count":          len(x.labels) - len(x.byLabel) - int(x.nRemoved),
	}
	if x.fwd != nil {
		out["rerank_type"] = map[bool]string{false: "fp32", true: "dmq8"}[x.cfg.RerankDMQ8]
		out["rerank_term_count"] = len(x.fwd.ids)
	}
	return out, nil
}
