package sindi

import (
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/topk"
)

// The dynamic pruning of use_dynamic_pruning: a knn search that returns the exact top k of the
// stored postings while reading only the parts of the posting lists that can still change it.
//
// Every posting list is sorted by value, so its first value bounds every posting of it. Per
// window, the query's terms go by that bound (query weight times the first value), largest
// first. A document no term has reached yet scores at most the bounds of the terms still to
// come plus the bounds of the parts of the lists read so far that were left out; a list is
// therefore read only as far as a new document could still beat the threshold (the k-th best
// partial score so far, a lower bound of the k-th best score; a binary search on the values),
// and not at all when its bound cannot. The documents reached are the candidates. Each is
// bounded by its partial score plus the left-out part of every list that has not reached it
// and may hold it: long lists keep a bitmap of their documents (memberBits), so a candidate
// absent from one is not charged for it. While candidates can still beat the threshold, the
// left-out part of the list with the largest bound is read for them (a bitmap of the
// candidates filters its postings), or, with use_reorder on fp32 postings and when that is
// cheaper, the candidates still in doubt are scored with their whole documents. With
// quantized values the bounds carry the rounding of the stored values (margin).
//
// The bounds need non-negative query weights and stored values; a search with a term that
// has not falls back to the plain scan.

// dterm is one query term in one window of the pruned search.
type dterm struct {
	l    *plist
	bits []uint64 // l.bits
	w    float32  // query weight
	ub   float32  // w times the list's largest value
	cut  float32  // w times the largest value of the part left out (0: the whole list was read)
	n    int      // the postings read
	lim  int      // the prefix term_prune_ratio and term_retain_threshold allow
}

// accm is the partial score of a local document and its mask bits (together: one cache line
// per posting read).
type accm struct {
	v float32
	m uint32
}

// cand is a candidate of the pruned search: its bound and local document number.
type cand struct {
	ub   float32
	doc  uint16
	open uint32 // the lists (of the first maskTerms) whose left-out part may hold it
}

// dotCost is the cost of scoring a document with its whole document (a few cache misses)
// in postings read.
const dotCost = 64

// Bits of accm.m, per local document of the current window.
const (
	maskTerms  = 30      // terms 0..29 (in bound order) have a bit of their own
	bitReached = 1 << 30 // reached by a term past the first maskTerms
	bitHeap    = 1 << 31 // its partial score is in the heap
)

// margin returns the largest error of one stored value of list l against the value it
// encodes: 0 for fp32, half a step for sq8, the rounding of fp16 at the list's largest value.
func (x *Index) margin(l *plist) float32 {
	switch x.cfg.Value {
	case valueSQ8:
		return x.sqScale*0.5 + 1e-7
	case valueFP16:
		return float32(math.Abs(float64(f16Table[l.f16[0]])))*(1.0/1024) + 1e-7
	}
	return 0
}

// prefixAbove returns the number of leading postings of l whose value is at least v.
func (x *Index) prefixAbove(l *plist, v float32, n int) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if x.value(l, m) >= v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// accumulate adds w times the first n postings of l into acc and marks them in mask with bit;
// documents reached for the first time go to touched.
func (x *Index) accumulate(am []accm, touched []uint16, l *plist, n int, w float32, bit uint32) []uint16 {
	docs := l.docs[:n]
	switch x.cfg.Value {
	case valueSQ8:
		a, b := w*x.sqMin, w*x.sqScale
		codes := l.q8[:n]
		for i, d := range docs {
			p := &am[d]
			if p.m == 0 {
				touched = append(touched, d)
			}
			p.m |= bit
			p.v += a + b*float32(codes[i])
		}
	case valueFP16:
		h := l.f16[:n]
		for i, d := range docs {
			p := &am[d]
			if p.m == 0 {
				touched = append(touched, d)
			}
			p.m |= bit
			p.v += w * f16Table[h[i]]
		}
	default:
		vals := l.f32[:n]
		for i, d := range docs {
			p := &am[d]
			if p.m == 0 {
				touched = append(touched, d)
			}
			p.m |= bit
			p.v += w * vals[i]
		}
	}
	return touched
}

// prunedSearch is the knn search of use_dynamic_pruning (see above). It leaves in s.heap the
// max(ef, k) best live, admitted documents by their scores on the stored postings, as negated
// scores; false when a window held terms the bounds cannot cover (a negative query weight or
// stored value), which the caller then searches with the plain scan.
func (x *Index) prunedSearch(q api.SparseVector, k, ef int, sp *SearchParams, opts *api.SearchOptions, s *scratch) bool {
	var filter api.Filter
	var deadline time.Time
	var stats *api.SearchStats
	if opts != nil {
		filter, deadline, stats = opts.Filter, opts.Deadline, opts.Stats
	}
	for _, t := range s.terms {
		if !(t.w > 0) {
			return false
		}
	}
	adm := x.newAdmission(filter, sp)
	h := &s.heap
	h.Reset(max(ef, k))
	if x.fwd != nil {
		defer x.denseQuery(q, s)()
		defer x.queryBits(q, s)()
	}
	W := x.cfg.WindowSize
	if len(s.am) < W {
		s.am = make([]accm, W)
		s.surv = make([]uint64, (W+63)/64)
	}
	am, surv := s.am[:W], s.surv[:(W+63)/64]
	postings := int64(0)
	stop := false
	threshold := func() float32 {
		if !h.Full() {
			return float32(math.Inf(-1))
		}
		return -h.Top().Dist
	}
	for wi, w := range x.windows {
		if stop {
			break
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			if stats != nil {
				stats.TimedOut = true
			}
			break
		}
		base := wi * W
		dt := s.dterms[:0]
		rest, errSum := float32(0), float32(0)
		for _, t := range s.terms {
			if int(t.slot) >= len(w.at) || w.at[t.slot] == 0 {
				continue
			}
			l := &w.lists[w.at[t.slot]-1]
			if x.value(l, len(l.docs)-1) < 0 {
				return false
			}
			ub := t.w * x.value(l, 0)
			dt = append(dt, dterm{l: l, bits: l.bits, w: t.w, ub: ub, lim: x.scanLen(len(l.docs), sp)})
			rest += ub
			errSum += t.w * x.margin(l)
		}
		// largest bound first (insertion sort: queries hold a few terms)
		for i := 1; i < len(dt); i++ {
			for j := i; j > 0 && dt[j].ub > dt[j-1].ub; j-- {
				dt[j], dt[j-1] = dt[j-1], dt[j]
			}
		}
		s.dterms = dt
		// slack covers the stored values' rounding and the float error of the sums
		slack := errSum + 1e-6*(1+rest)
		touched := s.touched[:0]
		cutSum := float32(0)
		for j := range dt {
			t := &dt[j]
			rest -= t.ub
			n := t.lim
			// a document no term has reached yet scores at most w*v + cutSum + rest
			need := threshold() - slack - cutSum - rest
			if need > 0 {
				if need > t.ub {
					n = 0
				} else {
					n = x.prefixAbove(t.l, need/t.w, n)
				}
			}
			bit := uint32(bitReached)
			if j < maskTerms {
				bit = 1 << j
			}
			if n > 0 {
				touched = x.accumulate(am, touched, t.l, n, t.w, bit)
				postings += int64(n)
			}
			t.cut, t.n = 0, n
			if n < len(t.l.docs) {
				t.cut = t.w * x.value(t.l, n)
			}
			cutSum += t.cut
			if j+1 < len(dt) && filter == nil && n > 0 {
				// the partial scores are lower bounds: the k-th best lifts the threshold
				x.raise(s, t.l.docs[:n], am, base)
			}
		}
		// candidates: every document reached whose bound can beat the threshold; the
		// left-out parts of the lists, largest bound first, complete their scores until
		// none is left out
		cands := s.cands[:0]
		theta := threshold()
		// unreached[m] is what the left-out parts of the lists of the first 8 that the mask m
		// has not reached (and of all later lists) can add: the test before the bitmaps'
		var unreached [256]float32
		tail := float32(0)
		for j := 8; j < len(dt); j++ {
			tail += dt[j].cut
		}
		lo := min(len(dt), 8)
		for m := range 1 << lo {
			u := tail
			for j := range lo {
				if m&(1<<j) == 0 {
					u += dt[j].cut
				}
			}
			unreached[m] = u
		}
		for _, d := range touched {
			if am[d].v+slack+unreached[am[d].m&(1<<lo-1)] < theta {
				continue
			}
			open := openLists(d, am, dt)
			if ub := am[d].v + slack + openBound(open, dt); ub >= theta {
				cands = append(cands, cand{ub: ub, doc: d, open: open})
			}
		}
		dots := x.fwd != nil && x.exactPostings()
		for {
			best := -1
			for j := range dt {
				if dt[j].cut > 0 && dt[j].n < dt[j].lim && (best < 0 || dt[j].cut > dt[best].cut) {
					best = j
				}
			}
			if best < 0 || len(cands) == 0 {
				break
			}
			if dots {
				// reading the rest of the list costs less than scoring the candidates it
				// leaves uncertain with their whole documents?
				t := &dt[best]
				u := 0
				for _, c := range cands {
					if best >= maskTerms || c.open&(1<<best) != 0 {
						u++
					}
				}
				if t.lim-t.n > dotCost*u {
					break
				}
			}
			for _, c := range cands {
				surv[c.doc>>6] |= 1 << (c.doc & 63)
			}
			t := &dt[best]
			bit := uint32(bitReached)
			if best < maskTerms {
				bit = 1 << best
			}
			postings += int64(t.lim - t.n)
			x.complete(am, surv, t.l, t.n, t.lim, t.w, bit)
			t.cut, t.n = 0, t.lim
			for _, c := range cands {
				surv[c.doc>>6] = 0
			}
			if filter == nil {
				for _, c := range cands {
					x.offerBound(s, c.doc, am, base)
				}
			}
			theta = threshold()
			kept := cands[:0]
			for _, c := range cands {
				if ub := am[c.doc].v + slack + openBound(c.open, dt); ub >= theta {
					c.ub = ub
					kept = append(kept, c)
				}
			}
			cands = kept
		}
		if dots && !stop {
			var n int64
			cands, n = x.resolve(s, cands, base, am, dt, filter)
			postings += n
		}
		// the window's entries of the heap were lower bounds: put the final scores in
		items := h.Items()
		keep := items[:0]
		for _, it := range items {
			if int(it.ID) < base {
				keep = append(keep, it)
			} else {
				am[int(it.ID)-base].m &^= bitHeap
			}
		}
		h.Reset(max(ef, k))
		for _, it := range keep {
			h.Push(it.Dist, it.ID)
		}
		for _, c := range cands {
			v := am[c.doc].v
			if h.Full() && -v >= h.Top().Dist {
				continue
			}
			if adm.offer(h, -v, uint32(base+int(c.doc))) {
				stop = true
				break
			}
		}
		s.cands = cands
		for _, d := range touched {
			am[d].v, am[d].m = 0, 0
		}
		s.touched = touched
		if stats != nil {
			stats.Hops++
		}
	}
	if stats != nil {
		stats.DistanceComputations += postings
	}
	return true
}

// openLists returns the lists (of the first maskTerms) whose left-out part may hold local
// document d: not read to the end, not reaching d in the part read, and without a bitmap
// that says d is absent.
func openLists(d uint16, am []accm, dt []dterm) uint32 {
	m := am[d].m
	open := uint32(0)
	for j := range dt[:min(len(dt), maskTerms)] {
		t := &dt[j]
		if t.cut != 0 && m&(1<<j) == 0 && (t.bits == nil || t.bits[d>>6]&(1<<(d&63)) != 0) {
			open |= 1 << j
		}
	}
	return open
}

// openBound returns the most a document with the open lists open can still gain: their
// left-out parts and those of every list past the first maskTerms.
func openBound(open uint32, dt []dterm) float32 {
	ub := float32(0)
	for open != 0 {
		j := bits.TrailingZeros32(open)
		ub += dt[j].cut
		open &= open - 1
	}
	for j := maskTerms; j < len(dt); j++ {
		ub += dt[j].cut
	}
	return ub
}

// complete adds w times the postings [from, to) of l whose documents are in surv into acc.
func (x *Index) complete(am []accm, surv []uint64, l *plist, from, to int, w float32, bit uint32) {
	docs := l.docs[from:to]
	switch x.cfg.Value {
	case valueSQ8:
		a, b := w*x.sqMin, w*x.sqScale
		codes := l.q8[from:to]
		for i, d := range docs {
			if surv[d>>6]&(1<<(d&63)) != 0 {
				p := &am[d]
				p.v += a + b*float32(codes[i])
				p.m |= bit
			}
		}
	case valueFP16:
		h := l.f16[from:to]
		for i, d := range docs {
			if surv[d>>6]&(1<<(d&63)) != 0 {
				p := &am[d]
				p.v += w * f16Table[h[i]]
				p.m |= bit
			}
		}
	default:
		vals := l.f32[from:to]
		for i, d := range docs {
			if surv[d>>6]&(1<<(d&63)) != 0 {
				p := &am[d]
				p.v += w * vals[i]
				p.m |= bit
			}
		}
	}
}

// raise offers the partial scores of docs (lower bounds of their scores) to the heap.
func (x *Index) raise(s *scratch, docs []uint16, am []accm, base int) {
	for _, d := range docs {
		x.offerBound(s, d, am, base)
	}
}

// offerBound puts local document d's partial score into the heap when it is live, beats the
// heap's worst and is not in it yet (an entry of the current window is a lower bound that
// the end of the window replaces by the final score).
func (x *Index) offerBound(s *scratch, d uint16, am []accm, base int) {
	h := &s.heap
	v := am[d].v
	if am[d].m&bitHeap != 0 || (h.Full() && -v >= h.Top().Dist) {
		return
	}
	in := uint32(base + int(d))
	if x.state[in] != live {
		return
	}
	if h.Full() {
		if out := int(h.Top().ID) - base; out >= 0 {
			am[out].m &^= bitHeap
		}
	}
	h.Push(-v, in)
	am[d].m |= bitHeap
}

// neighbors returns items as labelled neighbours, their distances shifted by add.
func (x *Index) neighbors(items []topk.Item, add float32) []api.Neighbor {
	out := make([]api.Neighbor, len(items))
	for i, it := range items {
		out[i] = api.Neighbor{ID: x.labels[it.ID], Distance: it.Dist + add}
	}
	return out
}

// queryBits sets the bits of q's term slots in s.qbits (the membership test of dotBits) and
// returns the function that clears them again.
func (x *Index) queryBits(q api.SparseVector, s *scratch) func() {
	if n := (len(x.slotTerm) + 63) / 64; len(s.qbits) < n {
		s.qbits = make([]uint64, n+n/4)
	}
	for _, t := range q.IDs {
		if sl, ok := x.slots[t]; ok {
			s.qbits[sl>>6] |= 1 << (sl & 63)
		}
	}
	return func() {
		for _, t := range q.IDs {
			if sl, ok := x.slots[t]; ok {
				s.qbits[sl>>6] = 0
			}
		}
	}
}

// dotBits is forward.dot for the query of s.qd and s.qbits: a document's terms are tested
// against the small bitset of the query's slots, which stays in the nearest cache, and only
// the query's own terms read the large dense array.
func (x *Index) dotBits(in uint32, s *scratch) float32 {
	f := x.fwd
	lo, hi := f.off[in], f.off[in+1]
	slots := f.ids[lo:hi]
	bits, qd := s.qbits, s.qd
	sum := float32(0)
	if f.dmq {
		for i, sl := range slots {
			if bits[sl>>6]&(1<<(sl&63)) != 0 {
				sum += qd[sl] * f.value(lo+int64(i), x.slotTerm[sl])
			}
		}
		return sum
	}
	vals := f.vals[lo:hi]
	for i, sl := range slots {
		if bits[sl>>6]&(1<<(sl&63)) != 0 {
			sum += qd[sl] * vals[i]
		}
	}
	return sum
}

// exactPostings reports whether the posting lists hold every document whole at full
// precision (fp32 values, doc_prune_ratio 0): their scores are then the exact ones and a
// dynamically pruned search needs no rescoring.
func (x *Index) exactPostings() bool {
	return x.cfg.Value == valueFP32 && x.cfg.DocPruneRatio == 0
}

// memberBits sets l.bits, the bitmap of l's documents, when l is long enough that the bitmap
// (a bit per document of the window) takes at most a third of the list's own documents and
// values; shorter lists go without.
func (x *Index) memberBits(l *plist) {
	words := (x.cfg.WindowSize + 63) / 64
	if 3*words*8 > len(l.docs)*(2+[...]int{4, 1, 2}[x.cfg.Value]) {
		l.bits = nil
		return
	}
	if len(l.bits) != words {
		l.bits = make([]uint64, words)
	} else {
		clear(l.bits)
	}
	for _, d := range l.docs {
		l.bits[d>>6] |= 1 << (d & 63)
	}
}

// resolve finishes the candidates of a window with the whole documents (fp32 postings, no doc
// pruning: the partial scores are exact on the terms that reached them): best bound first,
// while the bound can beat the threshold, a candidate some left-out list part may still hold
// is scored with its whole document; the others' partial scores are final. It returns the
// candidates finished, their scores in acc, and the number of documents scored whole.
func (x *Index) resolve(s *scratch, cands []cand, base int, am []accm, dt []dterm, filter api.Filter) ([]cand, int64) {
	slices.SortFunc(cands, func(a, b cand) int {
		switch {
		case a.ub > b.ub:
			return -1
		case a.ub < b.ub:
			return 1
		}
		return int(a.doc) - int(b.doc)
	})
	h := &s.heap
	out := cands[:0]
	dots := int64(0)
	for _, c := range cands {
		if h.Full() && c.ub < -h.Top().Dist {
			break
		}
		d := c.doc
		in := uint32(base + int(d))
		if x.state[in] != live {
			continue
		}
		if openBound(c.open, dt) > 0 {
			am[d].v = x.dotBits(in, s)
			dots++
		}
		out = append(out, c)
		if filter == nil {
			x.offerBound(s, d, am, base)
		}
	}
	return out, dots
}
