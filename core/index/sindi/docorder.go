package sindi

import "math/bits"

// The document-ordered postings of doc_ordered_postings (an extension of this library), which
// the use_max_score search reads (maxscore.go): per term, the stored postings a second time,
// over the whole index, sorted by inner id, with the term's largest value. They are built from
// the window posting lists after every add, update and load (an add extends them by the new
// documents only), so nothing of them is persisted.

// doTerm is one term's postings in document order.
type doTerm struct {
	docs []uint32  // inner ids, ascending
	val  []float32 // the stored value: fp32 or decoded fp16, or the sq8 code
	gmax float32   // the largest val
}

// docOrder is the document-ordered postings of the index.
type docOrder struct {
	n     int      // documents covered (inner ids below n)
	terms []doTerm // by term slot
	neg   bool     // a stored value is negative: the bounds of use_max_score do not hold
}

// raw returns the value at position i of window list l as the document-ordered postings keep
// it.
func (x *Index) raw(l *plist, i int) float32 {
	switch x.cfg.Value {
	case valueSQ8:
		return float32(l.q8[i])
	case valueFP16:
		return f16Table[l.f16[i]]
	}
	return l.f32[i]
}

// extendDocOrder adds the documents stored since the last call to the document-ordered
// postings (nothing without doc_ordered_postings). A window's new postings are bucketed by
// document, then appended to their terms in document order.
func (x *Index) extendDocOrder() {
	if !x.cfg.DocOrderedPostings {
		return
	}
	b := x.do
	if b == nil {
		b = &docOrder{}
		x.do = b
	}
	n := len(x.labels)
	if b.n >= n {
		return
	}
	if len(b.terms) < len(x.slotTerm) {
		b.terms = append(b.terms, make([]doTerm, len(x.slotTerm)-len(b.terms))...)
	}
	W := x.cfg.WindowSize
	type post struct {
		slot uint32
		val  float32
	}
	var count []int32
	var posts []post
	for wi := b.n / W; wi < len(x.windows); wi++ {
		w := x.windows[wi]
		for li := range w.lists {
			rankBits(&w.lists[li])
		}
		base := wi * W
		from := max(b.n-base, 0) // the first new local document
		ndocs := min(W, n-base)
		if cap(count) < ndocs+1 {
			count = make([]int32, ndocs+1)
		}
		count = count[:ndocs+1]
		clear(count)
		for li := range w.lists {
			for _, d := range w.lists[li].docs {
				if int(d) >= from {
					count[int(d)+1]++
				}
			}
		}
		for d := 1; d <= ndocs; d++ {
			count[d] += count[d-1]
		}
		total := int(count[ndocs])
		if cap(posts) < total {
			posts = make([]post, total)
		}
		posts = posts[:total]
		for li := range w.lists {
			l := &w.lists[li]
			slot := w.terms[li]
			for i, d := range l.docs {
				if int(d) >= from {
					posts[count[d]] = post{slot: slot, val: x.raw(l, i)}
					if x.value(l, i) < 0 {
						b.neg = true
					}
					count[d]++
				}
			}
		}
		// count[d] is now the end of document d's postings
		lo := int32(0)
		if from > 0 {
			lo = count[from-1]
		}
		for d := from; d < ndocs; d++ {
			in := base + d
			for _, p := range posts[lo:count[d]] {
				t := &b.terms[p.slot]
				if len(t.docs) == 0 || p.val > t.gmax {
					t.gmax = p.val
				}
				t.docs = append(t.docs, uint32(in))
				t.val = append(t.val, p.val)
			}
			lo = count[d]
		}
	}
	b.n = n
}

// memory returns the bytes the postings hold.
func (b *docOrder) memory() int64 {
	m := int64(cap(b.terms)) * 56
	for i := range b.terms {
		t := &b.terms[i]
		m += int64(cap(t.docs))*4 + int64(cap(t.val))*4
	}
	return m
}

// compact trims the postings' slices (the immutable runtime).
func (b *docOrder) compact() {
	for i := range b.terms {
		t := &b.terms[i]
		t.docs, t.val = trim(t.docs), trim(t.val)
	}
}

// rankBits sets l.rank from l.bits (nil without them).
func rankBits(l *plist) {
	if l.bits == nil {
		l.rank = nil
		return
	}
	if len(l.rank) != len(l.bits) {
		l.rank = make([]uint16, len(l.bits))
	}
	n := 0
	for i, w := range l.bits {
		l.rank[i] = uint16(n)
		n += bits.OnesCount64(w)
	}
}
