package sindi

import (
	"math"
	"math/bits"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/topk"
)

// The search of use_max_score (an extension of this library): MaxScore over the
// document-ordered postings of doc_ordered_postings (docorder.go), one window at a time. The
// query's terms go by their bound (query weight times the term's largest value), largest
// first. A term's postings in the window are added up whole while a document no term has
// reached yet could still beat the threshold (the k-th best score so far, the n_candidate-th
// with n_candidate; partial scores are lower bounds of scores and raise it). The remaining
// terms are the non-essential ones. Every document the essential terms reached whose partial
// score plus the non-essential bounds can still beat the threshold is completed by looking the
// non-essential terms up, largest bound first, and dropped as soon as what is left cannot lift
// it over the threshold: a lookup tests the term's member bitmap of the window and counts the
// bits before the document (a rank directory per 64 documents gives the position in the
// document-ordered postings); a list without a stored bitmap gets one for the search when it is
// long enough (msBuildBits), else it is binary-searched. The answer is the top k of the stored
// postings; only the order in which a document's terms are summed differs from the plain
// scan's (scores agree to float rounding).

// msTerm is one query term of a max-score search.
type msTerm struct {
	t      *doTerm
	w      float32
	a, c   float32 // sq8: the contribution of a stored code v is a + c*v
	ub     float32 // the contribution of the term's largest value
	slot   uint32
	lo, hi int      // the term's postings in the current window
	bits   []uint64 // the member bitmap of the term's window list (nil: none kept)
	rank   []uint16 // its rank directory (plist.rank)
}

// lookup returns the contribution of term q to local document d of the current window (base
// its first inner id): through the member bitmap and its rank directory where the list has
// them, else by a binary search of the window's postings.
func (q *msTerm) lookup(d uint16, base uint32, sq8 bool) float32 {
	var p int
	if q.bits != nil {
		w := q.bits[d>>6]
		bit := uint64(1) << (d & 63)
		if w&bit == 0 {
			return 0
		}
		p = q.lo + int(q.rank[d>>6]) + bits.OnesCount64(w&(bit-1))
	} else {
		target := base + uint32(d)
		p = lowerBound(q.t.docs, q.lo, q.hi, target)
		if p == q.hi || q.t.docs[p] != target {
			return 0
		}
	}
	if sq8 {
		return q.a + q.c*q.t.val[p]
	}
	return q.w * q.t.val[p]
}

// msSlack is the relative margin of the bounds against float rounding.
const msSlack = 1e-6

// msBuildBits is the length from which a non-essential list of a window without a member
// bitmap gets one built for the search; msBitsTerms bounds the lists that get one.
const (
	msBuildBits = 256
	msBitsTerms = 8
)

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
		s.nbits, s.nrank = make([][]uint64, msBitsTerms), make([][]uint16, msBitsTerms)
		for i := range s.nbits {
			s.nbits[i], s.nrank[i] = make([]uint64, words), make([]uint16, words)
		}
	}
	acc, inh, cbits := s.acc[:W], s.inh[:words], s.cbits[:words]
	state := x.state
	adm := x.newAdmission(filter, sp)
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
			q.bits, q.rank = nil, nil
			if q.lo < q.hi {
				rest += q.ub
				l := &win.lists[win.at[q.slot]-1]
				q.bits, q.rank = l.bits, l.rank
			}
		}
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
			// with a filter, partial scores do not raise the threshold (th stays above all)
			th := float32(math.Inf(1))
			if filter == nil {
				th = threshold()
			}
			if sq8 {
				a, c := q.a, q.c
				for i, d := range docs {
					l := d - ub
					v := acc[l] + (a + c*vals[i])
					acc[l] = v
					if v > th {
						offer(uint16(l))
						th = threshold()
					}
				}
			} else {
				w := q.w
				for i, d := range docs {
					l := d - ub
					v := acc[l] + w*vals[i]
					acc[l] = v
					if v > th {
						offer(uint16(l))
						th = threshold()
					}
				}
			}
		}
		// the candidates: every document reached whose partial score the non-essential terms
		// can still lift over the threshold; their scores are completed by looking the
		// non-essential terms up, largest bound first, while they can
		th := threshold()
		cands := s.mcands[:0]
		nes := qs[ne:]
		// a non-essential list without a member bitmap gets one (with its rank directory)
		// for this window when it is long enough that building it costs less than the binary
		// searches it saves
		for i := range nes {
			if n := &nes[i]; n.bits == nil && n.hi-n.lo >= msBuildBits && i < len(s.nbits) {
				n.bits, n.rank = s.nbits[i][:words], s.nrank[i][:words]
				clear(n.bits)
				for _, d := range n.t.docs[n.lo:n.hi] {
					l := d - uint32(base)
					n.bits[l>>6] |= 1 << (l & 63)
				}
				c := 0
				for w, word := range n.bits {
					n.rank[w] = uint16(c)
					c += bits.OnesCount64(word)
				}
			}
		}
		for j := range qs[:ne] {
			q := &qs[j]
			for _, d := range q.t.docs[q.lo:q.hi] {
				l := uint16(d - uint32(base))
				v := acc[l]
				if u := v + rest; u+u*msSlack < th {
					continue // the threshold only rises: it stays out
				}
				if cbits[l>>6]&(1<<(l&63)) != 0 {
					continue
				}
				cbits[l>>6] |= 1 << (l & 63)
				left := rest
				for i := range nes {
					n := &nes[i]
					if n.lo == n.hi {
						continue
					}
					left -= n.ub
					v += n.lookup(l, uint32(base), sq8)
					postings++
					if u := v + left; u+u*msSlack < th {
						break
					}
				}
				acc[l] = v
				if u := v + left; u+u*msSlack < th {
					continue
				}
				cands = append(cands, l)
				if filter == nil && v > th {
					offer(l)
					th = threshold()
				}
			}
		}
		// clear the marks
		for j := range qs[:ne] {
			q := &qs[j]
			for _, d := range q.t.docs[q.lo:q.hi] {
				l := d - uint32(base)
				cbits[l>>6] = 0
			}
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
			if adm.offer(h, -v, uint32(base+int(c))) {
				stop = true
				break
			}
		}
		for j := range qs[:ne] {
			q := &qs[j]
			for _, d := range q.t.docs[q.lo:q.hi] {
				acc[d-uint32(base)] = 0
			}
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
