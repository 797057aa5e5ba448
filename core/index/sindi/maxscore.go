package sindi

import (
	"math/bits"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/topk"
)

// The search of use_max_score (an extension of this library): MaxScore over the
// document-ordered postings of doc_ordered_postings (docorder.go), one window at a time. The query's terms go
// by their bound (query weight times the term's largest value), largest first. A term is read
// whole while a document no term has reached yet could still beat the threshold (the k-th best
// score so far, the n_candidate-th with n_candidate; partial scores are lower bounds of scores
// and raise it as they grow); the remaining terms are then the non-essential ones: only the
// documents reached whose partial score plus their bounds can still beat the threshold are
// candidates, and they are looked up in the non-essential lists (in document order, a galloping
// search), largest bound first, dropping the candidates that fall out. The answer is the top k
// of the stored postings; only the order in which a document's terms are summed differs from
// the plain scan's (scores agree to float rounding).

// msTerm is one query term of a max-score search.
type msTerm struct {
	t      *doTerm
	w      float32
	a, c   float32 // sq8: the contribution of a stored code v is a + c*v
	ub     float32 // the contribution of the term's largest value
	slot   uint32
	lo, hi int      // the term's postings in the current window
	bits   []uint64 // the member bitmap of the term's window list (nil: none kept)
}

// present reports whether local document d may hold term q in the current window.
func (q *msTerm) present(d uint16) bool {
	return q.bits == nil || q.bits[d>>6]&(1<<(d&63)) != 0
}

// bound returns what the terms qs can still add to local document d: the bounds of those
// that may hold it.
func bound(qs []msTerm, d uint16) float32 {
	u := float32(0)
	for j := range qs {
		if q := &qs[j]; q.lo < q.hi && q.present(d) {
			u += q.ub
		}
	}
	return u
}

// msSlack is the relative margin of the bounds against float rounding.
const msSlack = 1e-6

// maxScoreSearch is the knn search of use_max_score. It leaves in h the max(ef, k) best live,
// admitted documents by their scores on the stored postings, as negated scores; false when a
// query weight or a stored value is negative (the bounds do not hold), which the caller then
// searches with the plain scan.
func (x *Index) maxScoreSearch(s *scratch, sp *SearchParams, opts *api.SearchOptions, ef int, h *topk.MaxHeap) bool {
	b := x.do
	if b.neg {
		return false
	}
	var filter api.Filter
	var deadline time.Time
	var stats *api.SearchStats
	if opts != nil {
		filter, deadline, stats = opts.Filter, opts.Deadline, opts.Stats
	}
	sq8 := x.cfg.Value == valueSQ8
	qs := s.ms[:0]
	for _, t := range s.terms {
		if !(t.w > 0) {
			return false
		}
		if int(t.slot) >= len(b.terms) || len(b.terms[t.slot].docs) == 0 {
			continue
		}
		q := msTerm{t: &b.terms[t.slot], w: t.w, slot: t.slot}
		if sq8 {
			q.a, q.c = t.w*x.sqMin, t.w*x.sqScale
			q.ub = q.a + q.c*q.t.gmax
		} else {
			q.ub = t.w * q.t.gmax
		}
		qs = append(qs, q)
	}
	// largest bound first (insertion sort: queries hold a few terms)
	for i := 1; i < len(qs); i++ {
		for j := i; j > 0 && qs[j].ub > qs[j-1].ub; j-- {
			qs[j], qs[j-1] = qs[j-1], qs[j]
		}
	}
	s.ms = qs
	W := x.cfg.WindowSize
	words := (W + 63) / 64
	if len(s.acc) < W {
		s.acc = make([]float32, W)
	}
	if len(s.inh) < words {
		s.inh, s.cbits = make([]uint64, words), make([]uint64, words)
	}
	acc, inh, cbits := s.acc[:W], s.inh[:words], s.cbits[:words]
	state, labels := x.state, x.labels
	calls, limit := int64(0), sp.FilterCallbackLimit
	postings := int64(0)
	threshold := func() float32 {
		if !h.Full() {
			return -1
		}
		return -h.Top().Dist
	}
	// offer puts local document d's partial score (a lower bound of its score) into h when it
	// is live, beats h's worst and is not in h yet; h's entries of the current window are
	// replaced by final scores at the window's end.
	var base int
	offer := func(d uint16) {
		if inh[d>>6]&(1<<(d&63)) != 0 {
			return
		}
		v := acc[d]
		if h.Full() && -v >= h.Top().Dist {
			return
		}
		in := uint32(base + int(d))
		if state[in] != live {
			return
		}
		if h.Full() {
			if out := int(h.Top().ID) - base; out >= 0 {
				inh[out>>6] &^= 1 << (out & 63)
			}
		}
		h.Push(-v, in)
		inh[d>>6] |= 1 << (d & 63)
	}
	stop := false
	for wi := 0; wi*W < b.n && !stop; wi++ {
		if !deadline.IsZero() && time.Now().After(deadline) {
			if stats != nil {
				stats.TimedOut = true
			}
			break
		}
		base = wi * W
		end := uint32(min(base+W, b.n))
		rest := float32(0)
		win := x.windows[wi]
		for i := range qs {
			q := &qs[i]
			q.lo = lowerBound(q.t.docs, 0, len(q.t.docs), uint32(base))
			q.hi = lowerBound(q.t.docs, q.lo, len(q.t.docs), end)
			q.bits = nil
			if q.lo < q.hi {
				rest += q.ub
				q.bits = win.lists[win.at[q.slot]-1].bits
			}
		}
		touched := s.mtouched[:0]
		ne := len(qs)
		for j := range qs {
			q := &qs[j]
			if q.lo == q.hi {
				continue
			}
			if th := threshold(); rest+rest*msSlack < th {
				ne = j
				break
			}
			rest -= q.ub
			docs, vals := q.t.docs[q.lo:q.hi], q.t.val[q.lo:q.hi]
			postings += int64(len(docs))
			ub := uint32(base)
			if sq8 {
				a, c := q.a, q.c
				for i, d := range docs {
					l := d - ub
					if acc[l] == 0 {
						touched = append(touched, uint16(l))
					}
					acc[l] += a + c*vals[i]
				}
			} else {
				w := q.w
				for i, d := range docs {
					l := d - ub
					if acc[l] == 0 {
						touched = append(touched, uint16(l))
					}
					acc[l] += w * vals[i]
				}
			}
			if filter == nil {
				for _, d := range docs {
					offer(uint16(d - ub))
				}
			}
		}
		s.mtouched = touched
		// the candidates: the documents reached that the non-essential terms can still lift
		// over the threshold, in document order
		th := threshold()
		for _, d := range touched {
			if v := acc[d] + rest; v+v*msSlack >= th {
				// the member bitmaps of the non-essential terms' lists tighten the bound
				if v := acc[d] + bound(qs[ne:], d); v+v*msSlack >= th {
					cbits[d>>6] |= 1 << (d & 63)
				}
			}
		}
		cands := s.mcands[:0]
		for wd, word := range cbits {
			for word != 0 {
				cands = append(cands, uint16(wd*64+bits.TrailingZeros64(word)))
				word &= word - 1
			}
			cbits[wd] = 0
		}
		for j := ne; j < len(qs) && len(cands) > 0; j++ {
			q := &qs[j]
			if q.lo == q.hi {
				continue
			}
			rest -= q.ub
			docs, vals := q.t.docs, q.t.val
			p, hi := q.lo, q.hi
			for _, c := range cands {
				if !q.present(c) {
					continue
				}
				target := uint32(base) + uint32(c)
				p = lowerBoundGallop(docs, p, hi, target)
				if p == hi {
					break
				}
				if docs[p] == target {
					if sq8 {
						acc[c] += q.a + q.c*vals[p]
					} else {
						acc[c] += q.w * vals[p]
					}
					postings++
					if filter == nil {
						offer(c)
					}
				}
			}
			th := threshold()
			kept := cands[:0]
			for _, c := range cands {
				if v := acc[c] + bound(qs[j+1:], c); v+v*msSlack >= th {
					kept = append(kept, c)
				}
			}
			cands = kept
		}
		s.mcands = cands
		// the window's entries of h were lower bounds: put the final scores in
		items := h.Items()
		keep := items[:0]
		for _, it := range items {
			if int(it.ID) < base {
				keep = append(keep, it)
			} else {
				d := int(it.ID) - base
				inh[d>>6] &^= 1 << (d & 63)
			}
		}
		h.Reset(ef)
		for _, it := range keep {
			h.Push(it.Dist, it.ID)
		}
		for _, c := range cands {
			v := acc[c]
			if v == 0 || (h.Full() && -v >= h.Top().Dist) {
				continue
			}
			in := uint32(base + int(c))
			if state[in] != live {
				continue
			}
			if filter != nil {
				if limit > 0 && calls >= limit {
					stop = true
					break
				}
				calls++
				if !filter.CheckValid(labels[in]) {
					continue
				}
			}
			h.Push(-v, in)
		}
		for _, d := range touched {
			acc[d] = 0
		}
		if stats != nil {
			stats.Hops++
		}
	}
	if stats != nil {
		stats.DistanceComputations += postings
	}
	return true
}

// lowerBound returns the first index in [lo, hi) of the ascending docs whose value is at least
// target (hi if none).
func lowerBound(docs []uint32, lo, hi int, target uint32) int {
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if docs[m] < target {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// lowerBoundGallop is lowerBound from a cursor p that the answer is known not to precede:
// doubling steps from p, then a binary search in the last step.
func lowerBoundGallop(docs []uint32, p, hi int, target uint32) int {
	if p >= hi || docs[p] >= target {
		return p
	}
	step := 1
	for p+step < hi && docs[p+step] < target {
		p += step
		step <<= 1
	}
	return lowerBound(docs, p+1, min(p+step+1, hi), target)
}
